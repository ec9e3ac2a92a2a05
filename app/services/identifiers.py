"""GS1 identifiers at the service edge: `epcis.gs1` verdicts turned into field-named validation errors."""

from __future__ import annotations

from datetime import date

from app.errors import ValidationFailed
from epcis import gs1


def parse_gtin(value: str, *, field: str = "gtin") -> str:
    """A GTIN-8/12/13/14 with a correct check digit, returned as GTIN-14."""
    try:
        return gs1.Gtin.parse(value).value
    except gs1.Gs1Error as exc:
        raise ValidationFailed(str(exc), field=field) from None


def parse_gln(value: str, *, field: str = "gln") -> str:
    try:
        return gs1.Gln.parse(value).value
    except gs1.Gs1Error as exc:
        raise ValidationFailed(str(exc), field=field) from None


def check_x20(ai: str, value: str, *, field: str) -> str:
    """An X..20 value (lot, serial, national number): 1-20 characters of GS1 character set 82."""
    if not 1 <= len(value) <= 20:
        raise ValidationFailed(f"({ai}) '{value}': length {len(value)} is not 1-20 characters", field=field)
    try:
        gs1.check_cset82(ai, value)
    except gs1.Gs1Error as exc:
        raise ValidationFailed(str(exc), field=field) from None
    return value


def parse_expiry(value: str, *, field: str = "expiry") -> tuple[str, date]:
    """Expiry as ISO `YYYY-MM-DD` or GS1 `YYMMDD` (DD=00 kept as printed, meaning the month's last day).

    Returns the YYMMDD to print and the date the logic uses.
    """
    text = value.strip()
    iso: date | None = None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            iso = date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(f"expiry '{value}' is not a valid ISO date (YYYY-MM-DD)", field=field) from None
        text = iso.strftime("%y%m%d")
    if len(text) != 6 or not text.isdigit():
        raise ValidationFailed(f"expiry '{value}' must be an ISO date (YYYY-MM-DD) or GS1 YYMMDD", field=field)
    try:
        parsed = gs1.parse_yymmdd(text, allow_day_zero=True)
    except gs1.Gs1Error as exc:
        raise ValidationFailed(str(exc), field=field) from None
    if iso is not None and parsed.date != iso:
        # (17) prints two year digits, read in GS1's window around today: a date outside it would be read back
        # a century off (2080-06-30 as 1980-06-30), so it cannot be printed.
        raise ValidationFailed(
            f"expiry {iso.isoformat()} cannot be printed as (17) {text}: that is read as {parsed.date.isoformat()}",
            field=field,
        )
    return parsed.raw, parsed.date
