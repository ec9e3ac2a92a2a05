"""`make venv` builds the compiled XML reader, and `make test` runs with it."""

from __future__ import annotations

import os

import pytest

from epcis.compiled import XMLWALK


def test_the_compiled_reader_is_built_by_make() -> None:
    # Outside the compiled reader's own test module, which skips when it is missing: a build that
    # did not happen must fail here, not pass unnoticed.
    if os.environ.get("EPCIS_PURE_PYTHON") == "1":
        pytest.skip("EPCIS_PURE_PYTHON=1 turns the compiled reader off")
    assert XMLWALK is not None, "epcis/_xmlwalk is not built: run make venv"
