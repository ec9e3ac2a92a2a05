"""Scanner input is a space: every form a scanner or a person types of the same pack or SSCC reads as one code,
with the lot and expiry its barcode carried."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import ValidationFailed
from app.services.logistics_common import read_scan
from epcis import gs1

SERIAL_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789abcdefxyz-."
GS_STAND_INS = ["\x1d", "<GS>", "{GS}", "[GS]", "^]", "\\x1d", "~1", "\u241d"]
TRAILERS = ["", "\r", "\n", "\r\n", "\t"]
gtins = (
    st.integers(min_value=0, max_value=10**13 - 1)
    .map(lambda n: f"{n:013d}")
    .map(lambda body: body + str(gs1.check_digit(body)))
)
serials = st.text(SERIAL_CHARS, min_size=1, max_size=20)
lots = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20)
expiries = st.dates().filter(lambda d: 2000 <= d.year <= 2049).map(lambda d: d.strftime("%y%m%d"))


@given(gtins, serials, lots, expiries, st.sampled_from(GS_STAND_INS), st.sampled_from(TRAILERS))
def test_every_form_of_a_pack_reads_alike(
    gtin: str, serial: str, lot: str, expiry: str, separator: str, trailer: str
) -> None:
    key = f"https://id.gs1.org/01/{gtin}/21/{quote(serial, safe='')}"
    forms = [
        f"]d201{gtin}17{expiry}10{lot}{separator}21{serial}{trailer}",
        f"01{gtin}21{serial}{separator}10{lot}{separator}17{expiry}{trailer}",
        f"(01){gtin}(21){serial}(10){lot}(17){expiry}",
        f"https://id.gs1.org/01/{gtin}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}?17={expiry}",
    ]
    for form in forms:
        assert read_scan(form) == read_scan(forms[0]), form
    found = read_scan(forms[0])
    assert (found.epc, found.lot, found.expiry) == (key, lot, expiry)
    assert read_scan(f"(01){gtin}(21){serial}").lot is None


@given(st.integers(min_value=0, max_value=10**17 - 1).map(lambda n: f"{n:017d}"))
def test_every_form_of_an_sscc_reads_alike(body: str) -> None:
    sscc = body + str(gs1.check_digit(body))
    key = f"https://id.gs1.org/00/{sscc}"
    for form in (sscc, f"(00){sscc}", f"]C100{sscc}", f"00{sscc}\r\n", key, f"]Q1{key}"):
        assert read_scan(form).epc == key, form


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("", "scan or type a code: the field is empty"),
        ("(01)09506000134352", "the code names no serialised item (01 + 21) or SSCC (00)"),
        (
            "095060000000000018",
            "not a code this service can read: (00) 095060000000000018: check digit 8 is wrong, expected 5",
        ),
    ],
)
def test_unreadable_scans_name_the_field(text: str, detail: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_scan(text, field="code")
    assert (caught.value.field, caught.value.detail) == ("code", detail)
