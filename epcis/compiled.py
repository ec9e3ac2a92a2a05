"""The optional compiled XML reader: ``XMLWALK`` is ``epcis._xmlwalk`` when it is built, else None.

``make venv`` builds it (``setup.py build_ext --inplace``, Cython). Without it, or with
``EPCIS_PURE_PYTHON=1`` in the environment, every reader uses its pure-Python path, with the same results.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType


def _load(name: str) -> ModuleType | None:
    if os.environ.get("EPCIS_PURE_PYTHON") == "1" or importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


XMLWALK = _load("epcis._xmlwalk")
