"""GS1 YYMMDD dates: calendar checks, DD=00 and the century rule."""

from __future__ import annotations

import datetime as dt

import pytest

from epcis.gs1 import Gs1Date, Gs1DateError, parse, parse_yymmdd, resolve_century

TODAY = dt.date(2026, 11, 27)


def test_day_zero_is_last_day_of_month() -> None:
    parsed = parse_yymmdd("271200", allow_day_zero=True, today=TODAY)
    assert parsed == Gs1Date(raw="271200", date=dt.date(2027, 12, 31))
    assert parsed.day_zero and str(parsed) == "271200"
    assert parse_yymmdd("280200", allow_day_zero=True, today=TODAY).date == dt.date(2028, 2, 29)


def test_leap_years() -> None:
    assert parse_yymmdd("280229", allow_day_zero=False, today=TODAY).date == dt.date(2028, 2, 29)
    with pytest.raises(Gs1DateError) as caught:
        parse_yymmdd("270229", allow_day_zero=True, today=TODAY, ai="17")
    assert str(caught.value) == "(17) 270229: day 29 is not 00-28 for 2027-02"
    assert (caught.value.ai, caught.value.value, caught.value.rule) == ("17", "270229", "yymmd0")


@pytest.mark.parametrize(
    ("text", "allow_zero", "message"),
    [
        ("271300", True, "'271300': month 13 is not 01-12"),
        ("270000", True, "'270000': month 00 is not 01-12"),
        ("270431", False, "'270431': day 31 is not 01-30 for 2027-04"),
        ("271200", False, "'271200': day 00 is not allowed here (01-31)"),
        ("27120", True, "'27120': expected 6 digits YYMMDD"),
        ("27120A", True, "'27120A': expected 6 digits YYMMDD"),
    ],
)
def test_bad_dates(text: str, allow_zero: bool, message: str) -> None:
    with pytest.raises(Gs1DateError) as caught:
        parse_yymmdd(text, allow_day_zero=allow_zero, today=TODAY)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("yy", "today", "year"),
    [
        (26, dt.date(2026, 1, 1), 2026),
        (76, dt.date(2026, 1, 1), 2076),  # d = 50: current century
        (77, dt.date(2026, 1, 1), 1977),  # d = 51: previous century
        (0, dt.date(2099, 6, 1), 2100),  # d = -99: next century
        (49, dt.date(2099, 6, 1), 2149),  # d = -50: next century
        (50, dt.date(2099, 6, 1), 2050),  # d = -49: current century
        (99, dt.date(2000, 6, 1), 1999),  # d = 99: previous century
    ],
)
def test_century_rule(yy: int, today: dt.date, year: int) -> None:
    assert resolve_century(yy, today) == year


def test_century_applies_to_parsed_dates() -> None:
    assert parse_yymmdd("990101", allow_day_zero=False, today=TODAY).date == dt.date(1999, 1, 1)
    assert parse_yymmdd("760101", allow_day_zero=False, today=TODAY).date == dt.date(2076, 1, 1)


def test_element_string_date_rules() -> None:
    assert parse("(01)09506000134352(17)271200")["17"] == "271200"
    assert parse("(01)09506000134352(17)280229")["17"] == "280229"
    with pytest.raises(Gs1DateError, match=r"^\(17\) 271300: month 13 is not 01-12$"):
        parse("(01)09506000134352(17)271300")
    with pytest.raises(Gs1DateError, match=r"^\(17\) 270229: day 29 is not 00-28 for 2027-02$"):
        parse("(01)09506000134352(17)270229")
    # (7006) FIRST FREEZE DATE uses yymmdd: DD=00 is not allowed.
    with pytest.raises(Gs1DateError, match=r"^\(7006\) 271200: day 00 is not allowed here \(01-31\)$"):
        parse("(01)09506000134352(7006)271200")
