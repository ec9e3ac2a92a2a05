"""Serial schemes: validation, sizes and the capacity rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.serialgen import (
    ALPHABETS,
    Alphabet,
    PoolTooSmallError,
    SerialgenError,
    SerialScheme,
    SerialSchemeError,
)


def test_alphabets_are_the_documented_characters() -> None:
    assert Alphabet.NUMERIC == "0123456789"
    assert Alphabet.ALPHANUMERIC == "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    assert len(set(Alphabet.ALPHANUMERIC)) == 32
    assert not set("01OI") & set(Alphabet.ALPHANUMERIC)
    assert ALPHABETS == {"numeric": Alphabet.NUMERIC, "alphanumeric": Alphabet.ALPHANUMERIC}


def test_scheme_properties() -> None:
    scheme = SerialScheme("alphanumeric", 12)
    assert scheme.alphabet == Alphabet.ALPHANUMERIC
    assert scheme.radix == 32
    assert scheme.size == 2**60
    assert SerialScheme("numeric", 20).size == 10**20
    assert SerialScheme("alphanumeric", 20).size == 2**100


def test_scheme_is_frozen_and_hashable() -> None:
    scheme = SerialScheme("numeric", 10)
    with pytest.raises(AttributeError):
        scheme.length = 11  # type: ignore[misc]
    assert {scheme, SerialScheme("numeric", 10)} == {scheme}


@pytest.mark.parametrize(
    ("alphabet", "length", "message"),
    [
        ("hex", 10, "unknown alphabet 'hex': expected 'alphanumeric' or 'numeric'"),
        ("Numeric", 10, "unknown alphabet 'Numeric': expected 'alphanumeric' or 'numeric'"),
        ("numeric", 1, "serial length must be between 2 and 20, got 1"),
        ("numeric", 0, "serial length must be between 2 and 20, got 0"),
        ("alphanumeric", 21, "serial length must be between 2 and 20, got 21"),
        ("numeric", "12", "serial length must be an int, got '12'"),
        ("numeric", True, "serial length must be an int, got True"),
    ],
)
def test_invalid_schemes(alphabet: str, length: int, message: str) -> None:
    with pytest.raises(SerialSchemeError) as caught:
        SerialScheme(alphabet, length)
    assert str(caught.value) == message
    assert isinstance(caught.value, SerialgenError)
    assert isinstance(caught.value, ValueError)


def test_max_issuable_is_size_over_ten_thousand() -> None:
    assert SerialScheme("numeric", 12).max_issuable() == 10**8
    assert SerialScheme("numeric", 6).max_issuable() == 100
    assert SerialScheme("alphanumeric", 12).max_issuable() == 2**60 // 10_000
    assert SerialScheme("numeric", 12).max_issuable(guess_ratio=1_000) == 10**9
    with pytest.raises(SerialSchemeError) as caught:
        SerialScheme("numeric", 12).max_issuable(guess_ratio=0)
    assert str(caught.value) == "guess ratio must be >= 1, got 0"


def test_check_capacity_accepts_the_exact_limit() -> None:
    SerialScheme("numeric", 12).check_capacity(10**8)
    SerialScheme("numeric", 6).check_capacity(100)
    SerialScheme("alphanumeric", 4).check_capacity(104)


def test_check_capacity_refuses_one_more_than_the_limit() -> None:
    with pytest.raises(PoolTooSmallError) as caught:
        SerialScheme("numeric", 12).check_capacity(10**8 + 1)
    assert str(caught.value) == (
        "serial space numeric length 12 holds 1000000000000 serials, a lifetime volume of 100000001"
        " needs at least 1000000010000 (1 in 10000 guessing rule): use length 13 or more"
    )


def test_check_capacity_names_the_minimum_length() -> None:
    with pytest.raises(PoolTooSmallError) as caught:
        SerialScheme("alphanumeric", 6).check_capacity(1_000_000)
    assert str(caught.value) == (
        "serial space alphanumeric length 6 holds 1073741824 serials, a lifetime volume of 1000000"
        " needs at least 10000000000 (1 in 10000 guessing rule): use length 7 or more"
    )


def test_check_capacity_refuses_spaces_below_the_ff1_minimum() -> None:
    with pytest.raises(PoolTooSmallError) as caught:
        SerialScheme("numeric", 5).check_capacity(0)
    assert str(caught.value) == (
        "serial space numeric length 5 holds 100000 serials, below the minimum of 1000000"
        " for a keyed permutation: use length 6 or more"
    )
    with pytest.raises(PoolTooSmallError) as caught:
        SerialScheme("alphanumeric", 3).check_capacity(1)
    assert str(caught.value) == (
        "serial space alphanumeric length 3 holds 32768 serials, below the minimum of 1000000"
        " for a keyed permutation: use length 4 or more"
    )


def test_check_capacity_when_no_length_is_enough() -> None:
    with pytest.raises(PoolTooSmallError) as caught:
        SerialScheme("numeric", 20).check_capacity(10**16 + 1)
    assert str(caught.value) == (
        "serial space numeric length 20 holds 100000000000000000000 serials, a lifetime volume of"
        " 10000000000000001 needs at least 100000000000000010000 (1 in 10000 guessing rule):"
        " no numeric length up to 20 is enough"
    )


@pytest.mark.parametrize(
    ("volume", "message"),
    [
        (-1, "lifetime volume must be an int >= 0, got -1"),
        (1.5, "lifetime volume must be an int >= 0, got 1.5"),
        (2**63 + 1, "lifetime volume 9223372036854775809 exceeds the counter limit of 9223372036854775808"),
    ],
)
def test_check_capacity_rejects_bad_volumes(volume: int, message: str) -> None:
    with pytest.raises(SerialSchemeError) as caught:
        SerialScheme("alphanumeric", 20).check_capacity(volume)
    assert str(caught.value) == message


@given(
    alphabet=st.sampled_from(sorted(ALPHABETS)),
    length=st.integers(min_value=2, max_value=20),
    volume=st.integers(min_value=0, max_value=10**18),
)
def test_minimum_length_is_the_shortest_that_passes(alphabet: str, length: int, volume: int) -> None:
    scheme = SerialScheme(alphabet, length)
    needed = scheme.minimum_length(volume)
    passes = [n for n in range(2, 21) if _passes(SerialScheme(alphabet, n), volume)]
    assert needed == (passes[0] if passes else None)
    assert _passes(scheme, volume) == (needed is not None and length >= needed)


def _passes(scheme: SerialScheme, volume: int) -> bool:
    try:
        scheme.check_capacity(volume)
    except PoolTooSmallError:
        return False
    return True
