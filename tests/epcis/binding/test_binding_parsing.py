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


@pytest.mark.parametrize("enabled", [True, False])
def test_parsing_restores_the_garbage_collector_state(enabled: bool) -> None:
    import gc

    from epcis import parse

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        parse(b'{"type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": []}}')
        with pytest.raises(EpcisError):
            parse(
                b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"><EPCISBody><EventList><X/>'
                b"</EventList></EPCISBody></epcis:EPCISDocument>"
            )
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
