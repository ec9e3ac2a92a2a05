"""Fixtures for the EPCIS binding, hash and round-trip tests: the shared reference folder and helpers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from epcis.model import Extension

REFERENCE = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference"


@pytest.fixture(scope="session")
def reference() -> Path:
    """The shared reference folder (GS1 schemas and examples); skips when it is absent."""
    if not REFERENCE.is_dir():
        pytest.skip(f"shared reference data not found at {REFERENCE}")
    return REFERENCE


def _unordered(value: Any) -> Any:
    if isinstance(value, list):
        items = [_unordered(v) for v in value]
        if items and all(isinstance(v, Extension) for v in value):
            items.sort(key=repr)
        return items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _unordered(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value


@pytest.fixture(scope="session")
def unordered() -> Callable[[Any], Any]:
    """Copy of a model value with user-extension siblings sorted: JSON objects have no key order."""
    return _unordered
