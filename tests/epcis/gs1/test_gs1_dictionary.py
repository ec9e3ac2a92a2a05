"""The bundled syntax dictionary, its parsed AI table and the linters it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from epcis.gs1 import Gs1CheckDigitError, Gs1Error, Gs1LintError, ai_table, lookup, parse
from epcis.gs1.dictionary import DICTIONARY_PATH, Component, DictionaryError, parse_dictionary
from epcis.gs1.linters import LINTERS, UNIMPLEMENTED, csumalpha

REFERENCE = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference"


def test_bundled_copy_is_unchanged() -> None:
    source = REFERENCE / "gs1" / "gs1-syntax-dictionary"
    if not source.is_dir():
        pytest.skip(f"reference data not found at {source}")
    for name in ("gs1-syntax-dictionary.txt", "LICENSE"):
        assert (DICTIONARY_PATH.parent / name).read_bytes() == (source / name).read_bytes()


def test_gtin_entry() -> None:
    entry = lookup("01")
    assert entry is not None
    assert (entry.ai, entry.title, entry.predefined_length, entry.dl_attribute) == ("01", "GTIN", True, True)
    assert entry.components == (Component("N", 14, 14, False, ("csum", "gcppos2")),)
    assert entry.ex == ("255", "37")
    assert entry.dl_qualifiers == (("22", "10", "21"), ("235",))
    assert (entry.min_length, entry.max_length) == (14, 14)


def test_serial_and_ranges() -> None:
    serial = ai_table()["21"]
    assert not serial.predefined_length and not serial.dl_attribute
    assert serial.req == ((("01",), ("03",), ("8006",)),) and serial.ex == ("235",)
    assert [ai for ai in ai_table() if ai.startswith("310")] == [f"310{n}" for n in range(6)]
    assert all(f"9{n}" in ai_table() for n in range(1, 10))
    assert lookup("3106") is None
    assert ai_table()["8030"].req[0][1] == ("01", "21")
    assert ai_table()["250"].req == ((("01",), ("8006",)), (("21",),))


def test_optional_components() -> None:
    entry = ai_table()["423"]
    assert [c.spec for c in entry.components] == ["N3", "[N3]", "[N3]", "[N3]", "[N3]"]
    assert entry.linters == ("iso3166",) * 5
    assert (entry.min_length, entry.max_length) == (3, 15)


def test_predefined_length_table_matches_the_general_specifications() -> None:
    predefined = {ai for ai, entry in ai_table().items() if entry.predefined_length}
    expected = {"00", "01", "02", "03", "11", "12", "13", "15", "16", "17", "20"}
    expected |= {f"41{n}" for n in range(8)}
    expected |= {ai for ai in ai_table() if ai[:2] in ("31", "32", "33", "34", "35", "36")}
    assert predefined == expected


def test_every_linter_is_implemented_or_listed() -> None:
    used = {name for entry in ai_table().values() for name in entry.linters}
    assert used - set(LINTERS) == UNIMPLEMENTED
    pinned = {
        "iban",
        "packagetype",
        "couponcode",
        "couponposoffer",
    }
    assert pinned == UNIMPLEMENTED
    assert not UNIMPLEMENTED & set(LINTERS)


def test_parse_dictionary_rejects_unknown_syntax() -> None:
    with pytest.raises(DictionaryError, match=r"^syntax dictionary: unknown attribute 'foo=1'"):
        parse_dictionary("99  ?  X..90  foo=1  # X\n")
    with pytest.raises(DictionaryError, match=r"^syntax dictionary: bad component 'N5x'"):
        parse_dictionary("99  ?  N5x  # X\n")
    assert parse_dictionary("# only a comment\n\n") == {}


@pytest.mark.parametrize(
    "text",
    ["22", "!22", "1987654Ad4X4bL5ttr2310c2K", "12345_ABCDEFGHIJKLMCP", "12345_!\"%&'()*+,-./LC", "00000!HV"],
)
def test_csumalpha_valid(text: str) -> None:
    assert csumalpha(text) is None


def test_csumalpha_invalid() -> None:
    assert csumalpha("1987654Ad4X4bL5ttr2310cXK") == "check characters XK are wrong, expected 2K"
    assert csumalpha("2") == "too short for a check character pair"


@pytest.mark.parametrize(
    ("text", "message", "error"),
    [
        ("(01)09506000134352(422)999", "(422) 999: 999 is not an ISO 3166 country code", Gs1LintError),
        ("(01)09506000134352(7003)2701312460", "(7003) 2701312460: hour 24 is not 00-23", Gs1LintError),
        ("(01)09506000134352(7003)2701311260", "(7003) 2701311260: minute 60 is not 00-59", Gs1LintError),
        (
            "(8006)095060001343520302",
            "(8006) 095060001343520302: piece 03 of 02 is not between 01 and the total",
            Gs1LintError,
        ),
        (
            "(8013)1987654Ad4X4bL5ttr2310cXK",
            "(8013) 1987654Ad4X4bL5ttr2310cXK: check characters XK are wrong, expected 2K",
            Gs1CheckDigitError,
        ),
        (
            "(8018)385123456789012341(7250)20270229",
            "(7250) 20270229: day 29 is not 01-28 for 2027-02",
            Gs1LintError,
        ),
        ("(00)106141412345678908(4307)XK", "(4307) XK: XK is not an ISO 3166 alpha-2 country code", Gs1LintError),
        (
            "(8004)ABC123",
            "(8004) ABC123: character 'A' at position 1 cannot be part of a GS1 Company Prefix",
            Gs1LintError,
        ),
        ("(00)106141412345678908(4321)2", "(4321) 2: 2 is not 0 or 1", Gs1LintError),
        ("(00)106141412345678908(4330)001000X", "(4330) 001000X: 'X' is not '-'", Gs1LintError),
        (
            "(00)106141412345678908(4300)A%2",
            "(4300) A%2: '%' at position 2 does not start a percent escape %XX",
            Gs1LintError,
        ),
        ("(01)09506000134352(8001)00000100010010", "(8001) 00000100010010: must not be zero", Gs1LintError),
        ("(8010)0614141X(8011)012", "(8011) 012: must not start with 0", Gs1LintError),
        (
            "(01)09506000134352(21)1(8014)992569867",
            "(8014) 992569867: must contain a non-digit character",
            Gs1LintError,
        ),
    ],
)
def test_linters_in_context(text: str, message: str, error: type[Gs1Error]) -> None:
    with pytest.raises(error) as caught:
        parse(text)
    assert str(caught.value) == message


def test_linters_accept_valid_values() -> None:
    assert parse("(01)09506000134352(422)276(7003)2701312359")["422"] == "276"
    assert parse("(8006)095060001343520202")["8006"] == "095060001343520202"
    assert parse("(8013)1987654Ad4X4bL5ttr2310c2K")["8013"] == "1987654Ad4X4bL5ttr2310c2K"
    assert parse("(00)106141412345678908(4330)001000-")["4330"] == "001000-"
    assert parse("(00)106141412345678908(4307)DE")["4307"] == "DE"
