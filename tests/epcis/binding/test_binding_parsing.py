"""Format detection in ``epcis.parse``."""

from __future__ import annotations

import pytest

from epcis.errors import EpcisError
from epcis.parsing import detect_format


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"<?xml version='1.0'?><x/>", "xml"),
        (b"\xef\xbb\xbf  \n<x/>", "xml"),
        ("\ufeff{}", "jsonld"),
        (b'\n\t {"type": "EPCISDocument"}', "jsonld"),
    ],
)
def test_detects_format(data: bytes | str, kind: str) -> None:
    assert detect_format(data) == kind


@pytest.mark.parametrize(
    ("data", "found"),
    [(b"", "empty input"), ("   ", "empty input"), (b"EPCIS", "'E'"), ("[]", "'['")],
)
def test_refuses_other_input(data: bytes | str, found: str) -> None:
    with pytest.raises(EpcisError) as info:
        detect_format(data)
    assert str(info.value) == f"not an EPCIS document: expected XML ('<') or JSON-LD ('{{'), found {found}"
