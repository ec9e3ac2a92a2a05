"""Each implemented linter on its own: passing values and the exact finding for failing ones."""

from __future__ import annotations

import pytest

from epcis.gs1.errors import Gs1CheckDigitError, Gs1DateError, Gs1LintError
from epcis.gs1.linters import LINTERS

CASES = [
    ("csum", "09506000134352", None),
    ("csum", "09506000134353", "check digit 3 is wrong, expected 2"),
    ("yymmd0", "271200", None),
    ("yymmdd", "271200", "day 00 is not allowed here (01-31)"),
    ("yyyymmdd", "20280229", None),
    ("yyyymmdd", "21000229", "day 29 is not 01-28 for 2100-02"),
    ("yyyymmd0", "20270200", None),
    ("hh", "23", None),
    ("hh", "24", "hour 24 is not 00-23"),
    ("mi", "60", "minute 60 is not 00-59"),
    ("ss", "59", None),
    ("ss", "60", "second 60 is not 00-59"),
    ("hhmi", "2359", None),
    ("nonzero", "0001", None),
    ("nonzero", "000", "must not be zero"),
    ("zero", "0", None),
    ("zero", "1", "1 is not 0"),
    ("yesno", "1", None),
    ("yesno", "2", "2 is not 0 or 1"),
    ("winding", "9", None),
    ("winding", "2", "winding direction 2 is not 0, 1 or 9"),
    ("iso5218", "9", None),
    ("iso5218", "3", "3 is not an ISO/IEC 5218 code (0, 1, 2, 9)"),
    ("hyphen", "-", None),
    ("iso3166", "276", None),
    ("iso3166", "999", "999 is not an ISO 3166 country code"),
    ("iso3166999", "999", None),
    ("iso3166999", "000", "000 is not an ISO 3166 country code or 999"),
    ("iso3166alpha2", "DE", None),
    ("iso3166alpha2", "UK", "UK is not an ISO 3166 alpha-2 country code"),
    ("iso4217", "978", None),
    ("iso4217", "000", "000 is not an ISO 4217 currency code"),
    ("gcppos1", "0614", None),
    ("gcppos1", "061", "too short to hold a GS1 Company Prefix (4 digits) at position 1"),
    ("gcppos1", "06A4141", "character 'A' at position 3 cannot be part of a GS1 Company Prefix"),
    ("gcppos2", "10614", None),
    ("gcppos2", "A0614", None),
    ("gcppos2", "1061", "too short to hold a GS1 Company Prefix (4 digits) at position 2"),
    ("importeridx", "_", None),
    ("importeridx", "!", "'!' is not an importer index character"),
    ("pieceoftotal", "0101", None),
    ("pieceoftotal", "0001", "piece 00 of 01 is not between 01 and the total"),
    ("posinseqslash", "2/3", None),
    ("posinseqslash", "4/3", "4/3 is not a position N/M with 1 <= N <= M"),
    ("posinseqslash", "1-3", "1-3 is not a position N/M with 1 <= N <= M"),
    ("hasnondigit", "12A", None),
    ("nozeroprefix", "0", None),
    ("nozeroprefix", "01", "must not start with 0"),
    ("pcenc", "A%20B%2f", None),
    ("pcenc", "A%2", "'%' at position 2 does not start a percent escape %XX"),
    ("pcenc", "%G0", "'%' at position 1 does not start a percent escape %XX"),
    ("latitude", "1800000000", None),
    ("latitude", "1800000001", "latitude 1800000001 is more than 1800000000"),
    ("longitude", "3600000000", None),
    ("longitude", "3600000001", "longitude 3600000001 is more than 3600000000"),
    ("mediatype", "10", None),
    ("mediatype", "80", None),
    ("mediatype", "11", "media type 11 is not 01-10 or 80-99"),
    ("mediatype", "00", "media type 00 is not 01-10 or 80-99"),
]


@pytest.mark.parametrize(("name", "text", "finding"), CASES)
def test_linter(name: str, text: str, finding: str | None) -> None:
    linter, _ = LINTERS[name]
    assert linter(text) == finding


def test_every_implemented_linter_has_cases() -> None:
    assert {name for name, _, _ in CASES} | {"csumalpha"} == set(LINTERS)


def test_error_classes() -> None:
    assert LINTERS["csum"][1] is Gs1CheckDigitError and LINTERS["csumalpha"][1] is Gs1CheckDigitError
    assert {LINTERS[n][1] for n in ("yymmd0", "yymmdd", "yyyymmdd", "hh", "hhmi")} == {Gs1DateError}
    assert LINTERS["iso3166"][1] is Gs1LintError
