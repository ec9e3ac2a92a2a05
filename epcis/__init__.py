"""Pure GS1 + EPCIS 2.0 library: identifiers, event model, bindings, validation and event hash IDs.

Imports nothing from the service (no Flask, no SQLAlchemy). The public surface is re-exported here
lazily, so importing one sub-module never pulls in the others.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS: dict[str, str] = {
    "Document": "epcis.model",
    "parse": "epcis.parsing",
    "to_xml": "epcis.xml",
    "to_jsonld": "epcis.jsonld",
    "event_hash": "epcis.hashing",
    "validate": "epcis.validate",
    "parse_validated": "epcis.validate",
    "ValidationIssue": "epcis.validate",
    "EpcisError": "epcis.errors",
}

__all__ = sorted(_EXPORTS)


_SUBMODULES = frozenset({"gs1", "model", "cbv", "epc", "errors", "hashing", "jsonld", "parsing", "xml", "validation"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return import_module(f"epcis.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'epcis' has no attribute {name!r}")
    if name == "validate":
        return import_module(module)  # the module is callable: see epcis/validate.py
    return getattr(import_module(module), name)
