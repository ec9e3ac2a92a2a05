"""`GS1-EPC-Format: Always_EPC_URN` (and the DSCSA documents, which speak URNs): every identifier under a
known company prefix becomes its EPC URN, %-escaped serials and lots included."""

from __future__ import annotations

import pytest

from app.services import epcformat

PREFIXES = ["9506000"]


@pytest.mark.parametrize(
    ("value", "urn"),
    [
        ("https://id.gs1.org/01/09506000134352/21/SN1", "urn:epc:id:sgtin:9506000.013435.SN1"),
        ("https://id.gs1.org/01/09506000134352/21/SN%2F0001", "urn:epc:id:sgtin:9506000.013435.SN%2F0001"),
        ("https://id.gs1.org/01/09506000134352/21/A'B", "urn:epc:id:sgtin:9506000.013435.A'B"),
        ("https://id.gs1.org/01/09506000134352/21/G%26H", "urn:epc:id:sgtin:9506000.013435.G%26H"),
        ("https://id.gs1.org/01/09506000134352/10/A1%2F2", "urn:epc:class:lgtin:9506000.013435.A1%2F2"),
        ("https://id.gs1.org/00/095060000000000008", "urn:epc:id:sscc:9506000.0000000000"),
        ("https://id.gs1.org/01/04012345000016/21/P1", "https://id.gs1.org/01/04012345000016/21/P1"),  # prefix unknown
    ],
)
def test_identifiers_become_urns_where_the_prefix_is_known(value: str, urn: str) -> None:
    convert = epcformat.translator("Always_EPC_URN", PREFIXES)
    assert convert is not None
    assert convert(value) == urn
