"""Fixtures shared by the EPCIS library tests: run a test with the compiled XML reader and without it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from epcis import xml
from epcis.compiled import XMLWALK
from epcis.validation import xmlscreen


@contextmanager
def pure_python() -> Iterator[None]:
    """Inside the block, the XML reader and the bulk screen take their pure-Python paths."""
    saved = xml._READ_EVENT, xmlscreen._SCREEN_TEXTS
    xml._READ_EVENT, xmlscreen._SCREEN_TEXTS = None, None
    try:
        yield
    finally:
        xml._READ_EVENT, xmlscreen._SCREEN_TEXTS = saved


@pytest.fixture(params=["compiled", "pure-python"])
def both_readers(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs the test once with the compiled reader (skipped when it is not built) and once without."""
    if request.param == "compiled":
        if XMLWALK is None:
            pytest.skip("the compiled XML reader is not built (make venv builds it)")
        yield request.param
        return
    with pure_python():
        yield request.param
