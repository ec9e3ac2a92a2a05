"""GS1 dates: YYMMDD with the General Specifications' century rule and DD=00 (last day of month)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from epcis.gs1.errors import Gs1DateError

_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def resolve_century(yy: int, today: dt.date | None = None) -> int:
    """Return the four-digit year for a two-digit ``yy`` (GS1 General Specifications, 7.12).

    With d = yy - (current year mod 100): 51 <= d <= 99 means the previous century, -99 <= d <= -50
    the next one, anything else the current one.
    """
    current = (today or dt.date.today()).year
    century, current_yy = divmod(current, 100)
    delta = yy - current_yy
    if delta >= 51:
        century -= 1
    elif delta <= -50:
        century += 1
    return century * 100 + yy


def yymmdd_finding(text: str, *, allow_day_zero: bool, year: int | None = None) -> str | None:
    """Return what is wrong with the six digits ``text`` as a date, or ``None`` when it is valid.

    Without ``year`` leap years are those with YY divisible by 4, which is exact for every year a
    two-digit GS1 date can currently resolve to (2000 is a leap year, 2100 is outside the window).
    """
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        return "expected 6 digits YYMMDD"
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    if not 1 <= mm <= 12:
        return f"month {text[2:4]} is not 01-12"
    # Without a year, leap years by YY alone: exact for every year the century rule can now yield.
    leap = yy % 4 == 0 if year is None else calendar.isleap(year)
    last = 29 if mm == 2 and leap else _DAYS[mm]
    if dd == 0:
        return None if allow_day_zero else f"day 00 is not allowed here (01-{last:02d})"
    if dd > last:
        low = "00" if allow_day_zero else "01"
        shown = resolve_century(yy) if year is None else year
        return f"day {text[4:]} is not {low}-{last:02d} for {shown:04d}-{mm:02d}"
    return None


@dataclass(frozen=True, slots=True)
class Gs1Date:
    """A GS1 six-digit date: ``raw`` keeps the text (``"271200"``), ``date`` is the calendar date.

    A day of ``00`` means the last day of the month, so ``date`` of ``271200`` is 2027-12-31.
    """

    raw: str
    date: dt.date

    @property
    def day_zero(self) -> bool:
        """Whether the raw day is ``00`` (only an end of month is meant)."""
        return self.raw.endswith("00")

    def __str__(self) -> str:
        return self.raw


def parse_yymmdd(text: str, *, allow_day_zero: bool, today: dt.date | None = None, ai: str | None = None) -> Gs1Date:
    """Parse YYMMDD into a :class:`Gs1Date`; ``today`` anchors the century rule (default: today).

    ``ai`` only names the AI in the error message, e.g. ``(17) 271300: month 13 is not 01-12``.
    """
    finding = yymmdd_finding(text, allow_day_zero=allow_day_zero)
    year = None
    if finding is None:
        year = resolve_century(int(text[:2]), today)
        finding = yymmdd_finding(text, allow_day_zero=allow_day_zero, year=year)
    if finding is not None or year is None:
        rule = "yymmd0" if allow_day_zero else "yymmdd"
        raise Gs1DateError(finding or "not a date", rule=rule, ai=ai, value=text)
    month = int(text[2:4])
    day = int(text[4:]) or calendar.monthrange(year, month)[1]
    return Gs1Date(raw=text, date=dt.date(year, month, day))
