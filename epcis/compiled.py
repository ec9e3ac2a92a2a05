"""The optional compiled XML reader: ``XMLWALK`` is ``epcis._xmlwalk`` when it is built, else None.

``make venv`` builds it (``setup.py build_ext --inplace``, Cython). Without it, with
``EPCIS_PURE_PYTHON=1`` in the environment, or when it was compiled for another lxml or libxml2 than
the ones installed (it reads libxml2's node structures, whose layout follows the version), every
reader uses its pure-Python path, with the same results.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import warnings
from types import ModuleType

import lxml
from lxml import etree


def _load(name: str) -> ModuleType | None:
    if os.environ.get("EPCIS_PURE_PYTHON") == "1" or importlib.util.find_spec(name) is None:
        return None
    module = importlib.import_module(name)
    libxml2 = ".".join(map(str, etree.LIBXML_VERSION))
    built = (module.BUILT_FOR_LXML, module.BUILT_FOR_LIBXML2)
    if built != (lxml.__version__, libxml2):
        message = (
            f"{name} was built for lxml {built[0]} with libxml2 {built[1]}, not lxml {lxml.__version__}"
            f" with libxml2 {libxml2}: rebuild it (make venv)"
        )
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        return None
    return module


XMLWALK = _load("epcis._xmlwalk")
