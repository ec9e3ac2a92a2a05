"""Unit conversion and EPC pattern matching of the event query, without a database."""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import QueryParameterError
from app.services.query.epcmatch import matcher
from app.services.query.units import UNITS, comparable, convert, threshold

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq,
    "GT": operator.gt,
    "GE": operator.ge,
    "LT": operator.lt,
    "LE": operator.le,
}


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        ("1", "KGM", "GRM", Fraction(1000)),
        ("500", "GRM", "KGM", Fraction(1, 2)),
        ("250000", "MGM", "GRM", Fraction(250)),
        ("1", "LTR", "MLT", Fraction(1000)),
        ("1", "MTR", "MMT", Fraction(1000)),
        ("2.54", "CMT", "INH", Fraction(1)),
        ("0", "CEL", "KEL", Fraction("273.15")),
        ("100", "CEL", "FAH", Fraction(212)),
        ("-40", "FAH", "CEL", Fraction(-40)),
        ("1", "HUR", "SEC", Fraction(3600)),
        ("1", "LBR", "GRM", Fraction("453.59237")),
    ],
)
def test_convert(value: str, source: str, target: str, expected: Fraction) -> None:
    assert convert(Decimal(value), source, target) == expected


def test_comparable_units() -> None:
    assert comparable("CEL") == ["KEL", "CEL", "FAH"]
    assert comparable("XYZ") == ["XYZ"]
    assert set(comparable("KGM")) == {"KGM", "GRM", "MGM", "MC", "TNE", "LBR", "ONZ"}
    assert {u.dimension for u in UNITS.values()} == {"mass", "volume", "length", "area", "temperature", "time", "count"}


grid = st.integers(-(10**9), 10**9).map(lambda n: Decimal(n).scaleb(-6))
ratios = st.fractions(min_value=-1000, max_value=1000, max_denominator=10**7) | st.sampled_from(
    [Fraction(1, 10**40) + Fraction(1, 10**6), Fraction(-1, 10**40), Fraction(10**30 + 1, 10**30)]
)


@given(stored=grid, value=ratios, op=st.sampled_from(["GT", "GE", "LT", "LE"]))
def test_threshold_is_exact_for_six_decimal_values(stored: Decimal, value: Fraction, op: str) -> None:
    sql_op, bound = threshold(op, value)
    assert bound == bound.quantize(Decimal("0.000001"))
    assert OPS[sql_op](stored, bound) == OPS[op](Fraction(stored), value)


def test_threshold_equality_is_at_storage_precision() -> None:
    assert threshold("EQ", Fraction(1, 3)) == ("EQ", Decimal("0.333333"))
    assert threshold("EQ", Fraction(5, 2)) == ("EQ", Decimal("2.500000"))
    assert threshold("EQ", Fraction(1, 4 * 10**6)) == ("EQ", Decimal("0E-6"))
    assert threshold("GT", Fraction(1, 10**40)) == ("GE", Decimal("0.000001"))


def test_matcher_forms() -> None:
    gtin = "https://id.gs1.org/01/09506000134352"
    pattern = matcher("MATCH_epc", ["urn:epc:idpat:sgtin:9506000.013435.*"])
    assert pattern.exact == frozenset({gtin})
    assert pattern.prefixes == frozenset({gtin + "/"})
    assert pattern.matches(gtin + "/21/X1") and pattern.matches(gtin + "/10/LOT")
    assert not pattern.matches("https://id.gs1.org/01/09506000134369/21/X1")
    company = matcher("MATCH_epc", ["urn:epc:idpat:sgtin:9506000.*.*"])
    assert company.likes == frozenset({"https://id.gs1.org/01/_9506000%"})
    assert company.matches(gtin + "/21/X1") and not company.matches("https://id.gs1.org/01/09506001134352/21/X")
    sgln = matcher("WD", ["urn:epc:idpat:sgln:9506000.00001.*"])
    assert sgln.exact == frozenset({"https://id.gs1.org/414/9506000000015"})
    assert sgln.matches("https://id.gs1.org/414/9506000000015/254/7")
    lot = matcher("MATCH_epcClass", ["urn:epc:class:lgtin:9506000.013435.LOT-A"])
    assert lot.exact == frozenset({gtin + "/10/LOT-A"}) and not lot.prefixes
    instance = matcher("MATCH_epc", ["urn:epc:id:sgln:9506000.00001.0"])
    assert instance.exact == frozenset({"https://id.gs1.org/414/9506000000015"}) and not instance.prefixes
    other = matcher("MATCH_epc", ["urn:example:thing:1"])
    assert other.exact == frozenset({"urn:example:thing:1"}) and not other.matches("urn:example:thing:10")


def test_unreadable_pattern() -> None:
    with pytest.raises(QueryParameterError) as caught:
        matcher("MATCH_anyEPC", ["urn:epc:idpat:sgtin:9506000.013435"])
    assert caught.value.field == "MATCH_anyEPC"
    assert caught.value.detail.startswith("MATCH_anyEPC: 'urn:epc:idpat:sgtin:9506000.013435' is not an EPC pattern")
