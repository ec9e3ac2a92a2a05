"""Scan normalisation: what keyboard-wedge scanners type for the group separator, prefixes and URIs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import ValidationFailed
from app.services import scan
from epcis.gs1 import GS

GTIN = "09506000134352"
# GS1 CSET 82 minus characters that need no special case here; serials in the wild use letters and digits.
SERIAL_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-./_"


def key(serial: str) -> str:
    from urllib.parse import quote

    return f"https://id.gs1.org/01/{GTIN}/21/{quote(serial, safe='')}"


@given(
    serial=st.text(SERIAL_CHARS, min_size=1, max_size=20),
    lot=st.text(SERIAL_CHARS, min_size=1, max_size=20),
    separator=st.sampled_from([GS, *scan.STAND_INS]),
    prefix=st.sampled_from(["", "]d2", "]C1", "]Q3", GS]),
    suffix=st.sampled_from(["", "\r", "\n", "\r\n", "\t"]),
)
@settings(max_examples=300, deadline=None)
def test_every_separator_stand_in_reads_the_same(
    serial: str, lot: str, separator: str, prefix: str, suffix: str
) -> None:
    typed = f"{prefix}01{GTIN}21{serial}{separator}10{lot}{separator}17271231{suffix}"
    assert scan.resolve(typed) == scan.resolve(f"(01){GTIN}(21){serial}(10){lot}(17)271231")


@pytest.mark.parametrize(
    "typed",
    [
        f"(01){GTIN}(21)ABC123(17)271231(10)L1",
        f"(01) {GTIN} (21) ABC123",
        f"https://id.gs1.org/01/{GTIN}/21/ABC123?17=271231&10=L1",
        f"HTTPS://example.com/01/{GTIN}/21/ABC123",
        f"]Q1https://example.com/01/{GTIN}/21/ABC123",
        f"]Q3https://example.com/01/{GTIN}/21/ABC123",
        "urn:epc:id:sgtin:9506000.013435.ABC123",
        f"^01{GTIN}21ABC123^10L1",
        f"01{GTIN}21ABC123\u241d10L1",
        f"01{GTIN}21ABC123\\x1d10L1",
        f"01{GTIN}21ABC123~110L1",
        f"  ]d201{GTIN}21ABC123<FNC1>10L1\r\n",
    ],
)
def test_readable_forms(typed: str) -> None:
    assert scan.resolve(typed) == key("ABC123")


def test_sscc_forms() -> None:
    expected = "https://id.gs1.org/00/095060000000000008"
    for typed in (
        "095060000000000008",
        "(00)095060000000000008",
        "]C100095060000000000008",
        "00095060000000000008",
        "urn:epc:id:sscc:9506000.0000000000",
    ):
        assert scan.resolve(typed) == expected, typed


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "scan or type a code: the field is empty"),
        ("\r\n", "scan or type a code: the field is empty"),
        ("x" * 513, "a scan is at most 512 characters; got 513"),
        (f"(01){GTIN}", "the code names no serialised item (01 + 21) or SSCC (00)"),
        (f"(01){GTIN[:-1]}3(21)A", "not a code this service can read"),
    ],
)
def test_unreadable_scans_name_the_code_field(typed: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        scan.resolve(typed)
    assert err.value.field == "code"
    assert err.value.detail.startswith(message)
