"""Keyed permutation: counters <-> serials, vectorised, chunked and invertible."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.serialgen import (
    ALPHABETS,
    FF1,
    CounterRangeError,
    KeyedPermutation,
    PermutationKeyError,
    SerialScheme,
)

KEY = bytes(range(32))
TWEAK = b"09506000134352"


def _perm(alphabet: str = "alphanumeric", length: int = 12, **kwargs: int) -> KeyedPermutation:
    return KeyedPermutation(KEY, TWEAK, SerialScheme(alphabet, length), **kwargs)


@st.composite
def _ranges(draw: st.DrawFn) -> tuple[KeyedPermutation, int, int]:
    scheme = SerialScheme(draw(st.sampled_from(sorted(ALPHABETS))), draw(st.integers(2, 20)))
    perm = KeyedPermutation(draw(st.binary(min_size=32, max_size=32)), draw(st.binary(max_size=20)), scheme)
    count = draw(st.integers(0, min(40, perm.counter_limit)))
    start = draw(st.integers(0, perm.counter_limit - count))
    return perm, start, count


@settings(max_examples=150, deadline=None)
@given(_ranges())
def test_serials_invert_to_their_counters(case: tuple[KeyedPermutation, int, int]) -> None:
    perm, start, count = case
    serials = perm.serials(start, count)
    pattern = re.compile(f"[{perm.scheme.alphabet}]{{{perm.scheme.length}}}")
    assert all(pattern.fullmatch(serial) for serial in serials)
    assert [perm.index_of(serial) for serial in serials] == list(range(start, start + count))
    assert perm.decode_many(serials).tolist() == list(range(start, start + count))
    assert [perm.serial_at(n) for n in range(start, start + count)] == serials


@pytest.mark.parametrize(("alphabet", "length"), [("numeric", 4), ("numeric", 6), ("alphanumeric", 4)])
def test_whole_space_is_a_bijection(alphabet: str, length: int) -> None:
    perm = _perm(alphabet, length)
    size = perm.scheme.size
    chars = perm.encode_range(0, size)
    numerals = (
        np.frombuffer(
            chars.tobytes().translate(bytes.maketrans(perm.scheme.alphabet.encode(), bytes(range(perm.scheme.radix)))),
            dtype=np.uint8,
        )
        .reshape(size, length)
        .astype(np.int64)
    )
    values = numerals @ (perm.scheme.radix ** np.arange(length - 1, -1, -1, dtype=np.int64))
    assert np.array_equal(np.sort(values), np.arange(size))
    assert not np.array_equal(values, np.arange(size))


def test_encode_range_shape_dtype_and_ascii() -> None:
    chars = _perm("numeric", 20).encode_range(1_000, 3)
    assert chars.dtype == np.uint8
    assert chars.shape == (3, 20)
    assert chars.flags.writeable
    assert set(chars.ravel().tolist()) <= set(b"0123456789")
    assert [row.tobytes().decode() for row in chars] == _perm("numeric", 20).serials(1_000, 3)


def test_empty_range() -> None:
    assert _perm().encode_range(5, 0).shape == (0, 12)
    assert _perm().serials(5, 0) == []
    assert _perm().decode_many([]).tolist() == []


def test_known_serials_are_stable() -> None:
    # Pins the exact mapping: a change here would re-issue serials already printed on packs.
    assert _perm().serials(0, 3) == ["MS8984LWN7HC", "WZGKQMSW4L3G", "EDETWRXB82SW"]
    assert _perm("numeric", 20).serial_at(0) == "34117165962066418808"


@pytest.mark.parametrize(("start", "count"), [(0, 21), (5, 16), (13, 30), (2**40 - 9, 20)])
def test_chunk_boundaries_agree(start: int, count: int) -> None:
    whole = _perm().serials(start, count)
    assert _perm(chunk=7).serials(start, count) == whole
    assert _perm(chunk=1).serials(start, count) == whole
    assert [_perm().serial_at(n) for n in range(start, start + count)] == whole
    assert _perm(chunk=4).decode_many(whole).tolist() == list(range(start, start + count))


def test_large_range_crosses_default_chunks() -> None:
    perm = _perm("numeric", 10)
    serials = perm.serials(65_530, 70_000)
    assert len(set(serials)) == 70_000
    assert perm.decode_many(serials).tolist() == list(range(65_530, 135_530))
    assert perm.serials(131_070, 4) == serials[65_540:65_544]


def test_keys_and_tweaks_give_different_sequences() -> None:
    scheme = SerialScheme("alphanumeric", 12)
    base = KeyedPermutation(KEY, TWEAK, scheme).serials(0, 50)
    other_key = KeyedPermutation(bytes(32), TWEAK, scheme).serials(0, 50)
    other_tweak = KeyedPermutation(KEY, b"09506000134353", scheme).serials(0, 50)
    assert len(set(base) & set(other_key)) == 0
    assert len(set(base) & set(other_tweak)) == 0
    assert KeyedPermutation(bytearray(KEY), TWEAK, scheme).serials(0, 50) == base


def test_schemes_of_one_key_differ() -> None:
    assert _perm("numeric", 12).serial_at(7) != _perm("numeric", 13).serial_at(7)[:12]


@pytest.mark.parametrize(
    "serial",
    ["", "MS8984LWN7H", "MS8984LWN7HCC", "ms8984lwn7hc", "MS8984LWN7H0", "MS8984LWN7HO", "MS8984LWN7Hé"],
)
def test_index_of_rejects_strings_outside_the_scheme(serial: str) -> None:
    assert _perm().index_of(serial) is None
    assert _perm().decode_many([serial, "MS8984LWN7HC"]).tolist() == [-1, 0]


def test_decode_many_marks_invalid_entries() -> None:
    perm = _perm()
    serials = perm.serials(100, 4)
    mixed = [serials[0], "short", serials[1], "MS8984LWN7HI", serials[2], "É" * 12, serials[3]]
    assert perm.decode_many(mixed).tolist() == [100, -1, 101, -1, 102, -1, 103]


def test_counters_beyond_two_to_the_63() -> None:
    perm = _perm("numeric", 20)
    # The space (10**20) exceeds the counter range (2**63): index_of stays exact, decode_many says -1.
    serials = ["99999999999999999999", "00000000000000000000", "12345678901234567890"]
    counters = [30513806341290339332, 54621465231032737265, 48812592279615036402]
    assert [perm.index_of(serial) for serial in serials] == counters
    ff1 = FF1(KEY, TWEAK, 10, 20)
    high, low = ff1.encrypt_halves(
        np.array([c // 10**10 for c in counters], dtype=np.uint64),
        np.array([c % 10**10 for c in counters], dtype=np.uint64),
    )
    assert [f"{h:010d}{lo:010d}" for h, lo in zip(high.tolist(), low.tolist(), strict=True)] == serials
    last = perm.serials(2**63 - 2, 2)
    assert perm.decode_many([*serials, *last]).tolist() == [-1, -1, -1, 2**63 - 2, 2**63 - 1]
    assert [perm.index_of(serial) for serial in last] == [2**63 - 2, 2**63 - 1]


@pytest.mark.parametrize(
    ("start", "count", "message"),
    [
        (-1, 5, "start must be an int >= 0, got -1"),
        (0, -5, "count must be an int >= 0, got -5"),
        (1.0, 5, "start must be an int >= 0, got 1.0"),
        (9_999, 2, "counter range [9999, 10001) exceeds the 10000 counters of numeric length 4"),
    ],
)
def test_counter_range_errors(start: int, count: int, message: str) -> None:
    with pytest.raises(CounterRangeError) as caught:
        _perm("numeric", 4).encode_range(start, count)
    assert str(caught.value) == message


@pytest.mark.parametrize("counter", [-1, 2.0, True])
def test_serial_at_rejects_non_counters(counter: int) -> None:
    with pytest.raises(CounterRangeError) as caught:
        _perm().serial_at(counter)
    assert str(caught.value) == f"counter must be an int >= 0, got {counter!r}"


def test_counter_limit() -> None:
    assert _perm("numeric", 4).counter_limit == 10_000
    assert _perm("numeric", 20).counter_limit == 2**63
    with pytest.raises(CounterRangeError) as caught:
        _perm("numeric", 20).serial_at(2**63)
    assert str(caught.value) == (
        "counter range [9223372036854775808, 9223372036854775809) exceeds the 9223372036854775808"
        " counters of numeric length 20"
    )


@pytest.mark.parametrize(
    ("key", "tweak", "message"),
    [
        (bytes(16), b"", "key must be 32 bytes (AES-256), got 16 bytes"),
        ("k" * 32, b"", "key must be 32 bytes (AES-256), got str"),
        (bytes(32), "gtin", "tweak must be bytes, got str"),
    ],
)
def test_key_errors(key: bytes, tweak: bytes, message: str) -> None:
    with pytest.raises(PermutationKeyError) as caught:
        KeyedPermutation(key, tweak, SerialScheme("numeric", 10))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("alphabet", "length", "position"),
    [
        ("alphanumeric", 12, 0),
        ("alphanumeric", 12, 11),
        ("numeric", 20, 0),
        ("numeric", 9, 4),
    ],
)
def test_characters_are_roughly_uniform(alphabet: str, length: int, position: int) -> None:
    perm = _perm(alphabet, length)
    column = perm.encode_range(0, 100_000)[:, position]
    counts = Counter(column.tolist())
    expected = 100_000 / perm.scheme.radix
    chi_square = sum((counts.get(symbol, 0) - expected) ** 2 / expected for symbol in perm.scheme.alphabet.encode())
    # radix - 1 degrees of freedom: mean 31 (or 9), so 3x the mean is a loose, deterministic bound.
    assert chi_square < 3 * (perm.scheme.radix - 1)
    assert len(counts) == perm.scheme.radix
