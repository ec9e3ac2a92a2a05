"""The optional compiled XML reader: ``XMLWALK`` is ``epcis._xmlwalk`` when it is built, else None.

``make venv`` builds it (``setup.py build_ext --inplace``, Cython). Without it, with
``EPCIS_PURE_PYTHON=1`` in the environment, or when it was compiled for another lxml than the one
installed (it reads libxml2's node structures, whose layout follows the version), every reader uses
its pure-Python path, with the same results.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import warnings
from types import ModuleType

import lxml


def _load(name: str) -> ModuleType | None:
    if os.environ.get("EPCIS_PURE_PYTHON") == "1" or importlib.util.find_spec(name) is None:
        return None
    module = importlib.import_module(name)
    if lxml.__version__ != module.BUILT_FOR_LXML:
        message = f"{name} was built for lxml {module.BUILT_FOR_LXML}, not {lxml.__version__}: rebuild it (make venv)"
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        return None
    return module


XMLWALK = _load("epcis._xmlwalk")
