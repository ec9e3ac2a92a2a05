"""UN/ECE Recommendation 20 units the event query converts between, and threshold conversion."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple


class Unit(NamedTuple):
    """A unit as `base = value * factor + offset` in its dimension's base unit."""

    dimension: str
    factor: Fraction
    offset: Fraction = Fraction(0)


def _u(dimension: str, factor: str, offset: str = "0") -> Unit:
    return Unit(dimension, Fraction(factor), Fraction(offset))


# Common codes only; a unit not listed here is compared with values in that same unit, unconverted.
UNITS: dict[str, Unit] = {
    # mass, base kilogram
    "KGM": _u("mass", "1"),
    "GRM": _u("mass", "0.001"),
    "MGM": _u("mass", "0.000001"),
    "MC": _u("mass", "0.000000001"),
    "TNE": _u("mass", "1000"),
    "LBR": _u("mass", "0.45359237"),
    "ONZ": _u("mass", "0.028349523125"),
    # volume, base cubic metre
    "MTQ": _u("volume", "1"),
    "DMQ": _u("volume", "0.001"),
    "LTR": _u("volume", "0.001"),
    "HLT": _u("volume", "0.1"),
    "CLT": _u("volume", "0.00001"),
    "MLT": _u("volume", "0.000001"),
    "CMQ": _u("volume", "0.000001"),
    "MMQ": _u("volume", "0.000000001"),
    "4G": _u("volume", "0.000000001"),
    "GLL": _u("volume", "0.003785411784"),
    # length, base metre
    "MTR": _u("length", "1"),
    "KMT": _u("length", "1000"),
    "DMT": _u("length", "0.1"),
    "CMT": _u("length", "0.01"),
    "MMT": _u("length", "0.001"),
    "4H": _u("length", "0.000001"),
    "INH": _u("length", "0.0254"),
    "FOT": _u("length", "0.3048"),
    "YRD": _u("length", "0.9144"),
    # area, base square metre
    "MTK": _u("area", "1"),
    "CMK": _u("area", "0.0001"),
    "MMK": _u("area", "0.000001"),
    "INK": _u("area", "0.00064516"),
    "FTK": _u("area", "0.09290304"),
    # temperature, base kelvin
    "KEL": _u("temperature", "1"),
    "CEL": _u("temperature", "1", "273.15"),
    "FAH": Unit("temperature", Fraction(5, 9), Fraction("273.15") - Fraction(32 * 5, 9)),
    # time, base second
    "SEC": _u("time", "1"),
    "MIN": _u("time", "60"),
    "HUR": _u("time", "3600"),
    "DAY": _u("time", "86400"),
    # count, base one
    "C62": _u("count", "1"),
    "EA": _u("count", "1"),
    "H87": _u("count", "1"),
}

# Stored quantities keep six decimals (Numeric(24, 6)).
SCALE = 10**6


def convert(value: Decimal, source: str, target: str) -> Fraction:
    """`value` given in unit `source` expressed exactly in unit `target` (same dimension)."""
    src, dst = UNITS[source], UNITS[target]
    base = Fraction(value) * src.factor + src.offset
    return (base - dst.offset) / dst.factor


def comparable(units: str) -> list[str]:
    """Units whose stored values can be compared with a value in `units`: its dimension, or itself."""
    unit = UNITS.get(units)
    if unit is None:
        return [units]
    return [code for code, other in UNITS.items() if other.dimension == unit.dimension]


def threshold(op: str, value: Fraction) -> tuple[str, Decimal]:
    """The comparison to run against six-decimal stored values so it equals `stored op value` exactly.

    A stored value lies on the 0.000001 grid, so `x >= v` for an off-grid `v` is `x >= ceil(v)`, and so
    on. Equality is decided at storage precision (the value rounded half-even to six decimals).
    """
    scaled = value * SCALE
    down = scaled.numerator // scaled.denominator
    up = -(-scaled.numerator // scaled.denominator)
    if op == "EQ":
        return "EQ", Decimal(round(scaled)).scaleb(-6)
    if up == down:
        return op, Decimal(up).scaleb(-6)
    if op in ("GE", "GT"):
        return "GE", Decimal(up).scaleb(-6)
    return "LE", Decimal(down).scaleb(-6)
