"""FF1 core: NIST SP 800-38G sample vectors, a literal reference implementation, inversion."""

from __future__ import annotations

import math

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from app.serialgen import FF1, PermutationKeyError, SerialSchemeError

DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"
KEY128 = "2B7E151628AED2A6ABF7158809CF4F3C"
KEY192 = KEY128 + "EF4359D8D580AA4F"
KEY256 = KEY192 + "7F036D6F04FC6A94"
TWEAK10 = "39383736353433323130"
TWEAK11 = "3737373770717273373737"

# NIST SP 800-38G FF1 samples 1 to 9 (csrc.nist.gov, "FF1samples.pdf").
NIST_SAMPLES = [
    (KEY128, "", 10, "0123456789", "2433477484"),
    (KEY128, TWEAK10, 10, "0123456789", "6124200773"),
    (KEY128, TWEAK11, 36, "0123456789abcdefghi", "a9tv40mll9kdu509eum"),
    (KEY192, "", 10, "0123456789", "2830668132"),
    (KEY192, TWEAK10, 10, "0123456789", "2496655549"),
    (KEY192, TWEAK11, 36, "0123456789abcdefghi", "xbj3kv35jrawxv32ysr"),
    (KEY256, "", 10, "0123456789", "6657667009"),
    (KEY256, TWEAK10, 10, "0123456789", "1001623463"),
    (KEY256, TWEAK11, 36, "0123456789abcdefghi", "xs8a0azh2avyalyzuwd"),
]


def _encrypt_text(ff1: FF1, text: str, decrypt: bool = False) -> str:
    a = np.array([int(text[: ff1.u], ff1.radix)], dtype=np.uint64)
    b = np.array([int(text[ff1.u :], ff1.radix)], dtype=np.uint64)
    a, b = ff1.decrypt_halves(a, b) if decrypt else ff1.encrypt_halves(a, b)
    return _numerals(int(a[0]), ff1.u, ff1.radix) + _numerals(int(b[0]), ff1.v, ff1.radix)


def _numerals(value: int, width: int, radix: int) -> str:
    out = []
    for _ in range(width):
        value, digit = divmod(value, radix)
        out.append(DIGITS36[digit])
    return "".join(reversed(out))


@pytest.mark.parametrize(("key", "tweak", "radix", "plain", "cipher"), NIST_SAMPLES)
def test_nist_samples(key: str, tweak: str, radix: int, plain: str, cipher: str) -> None:
    ff1 = FF1(bytes.fromhex(key), bytes.fromhex(tweak), radix, len(plain))
    assert _encrypt_text(ff1, plain) == cipher
    assert _encrypt_text(ff1, cipher, decrypt=True) == plain


def _reference_ff1(key: bytes, tweak: bytes, radix: int, x: list[int]) -> list[int]:
    """FF1.Encrypt written line by line after SP 800-38G Algorithm 7, with Python ints."""
    n, t = len(x), len(tweak)
    u, v = n // 2, n - n // 2
    a, b = x[:u], x[u:]
    b_len = math.ceil(math.ceil(v * math.log2(radix)) / 8)
    d = 4 * math.ceil(b_len / 4) + 4
    p = bytes([1, 2, 1]) + radix.to_bytes(3, "big") + bytes([10, u % 256]) + n.to_bytes(4, "big")
    p += t.to_bytes(4, "big")
    aes = Cipher(algorithms.AES(key), modes.ECB())

    def num(numerals: list[int]) -> int:
        value = 0
        for numeral in numerals:
            value = value * radix + numeral
        return value

    def prf(data: bytes) -> bytes:
        encryptor, y = aes.encryptor(), bytes(16)
        for offset in range(0, len(data), 16):
            y = encryptor.update(bytes(p ^ q for p, q in zip(y, data[offset : offset + 16], strict=True)))
        return y

    for i in range(10):
        q = tweak + bytes((-t - b_len - 1) % 16) + bytes([i]) + num(b).to_bytes(b_len, "big")
        r = prf(p + q)
        y = int.from_bytes(r[:d], "big")
        m = u if i % 2 == 0 else v
        c = (num(a) + y) % radix**m
        a, b = b, [c // radix ** (m - 1 - k) % radix for k in range(m)]
    return a + b


@st.composite
def _ff1_inputs(draw: st.DrawFn) -> tuple[bytes, bytes, int, list[list[int]]]:
    key = draw(st.binary(min_size=32, max_size=32) | st.binary(min_size=16, max_size=16))
    tweak = draw(st.binary(max_size=40))
    radix = draw(st.sampled_from([2, 3, 10, 26, 32, 36, 62, 255, 256, 1000, 65535]))
    max_length = 2 * max(n for n in range(1, 60) if radix**n <= 2**53)
    length = draw(st.integers(min_value=2, max_value=min(max_length, 24)))
    rows = draw(st.lists(st.lists(st.integers(0, radix - 1), min_size=length, max_size=length), max_size=5))
    return key, tweak, radix, rows


@settings(max_examples=60, deadline=None)
@given(_ff1_inputs())
def test_matches_reference_and_inverts(inputs: tuple[bytes, bytes, int, list[list[int]]]) -> None:
    key, tweak, radix, rows = inputs
    length = len(rows[0]) if rows else 2
    ff1 = FF1(key, tweak, radix, length)

    def half(row: list[int], lo: int, hi: int) -> int:
        value = 0
        for numeral in row[lo:hi]:
            value = value * radix + numeral
        return value

    a = np.array([half(row, 0, ff1.u) for row in rows], dtype=np.uint64)
    b = np.array([half(row, ff1.u, length) for row in rows], dtype=np.uint64)
    enc_a, enc_b = ff1.encrypt_halves(a, b)
    for k, row in enumerate(rows):
        expected = _reference_ff1(key, tweak, radix, row)
        assert int(enc_a[k]) == half(expected, 0, ff1.u)
        assert int(enc_b[k]) == half(expected, ff1.u, length)
    dec_a, dec_b = ff1.decrypt_halves(enc_a, enc_b)
    assert dec_a.tolist() == a.tolist()
    assert dec_b.tolist() == b.tolist()


def test_whole_small_domain_is_a_bijection() -> None:
    ff1 = FF1(bytes(32), b"t", 3, 7)
    values = np.arange(3**7, dtype=np.uint64)
    a, b = ff1.encrypt_halves(values // np.uint64(3**4), values % np.uint64(3**4))
    flat = a * np.uint64(3**4) + b
    assert sorted(flat.tolist()) == values.tolist()
    assert not np.array_equal(flat, values)


@pytest.mark.parametrize(
    ("key", "radix", "length", "error", "message"),
    [
        (bytes(20), 10, 10, PermutationKeyError, "AES key must be 16, 24 or 32 bytes, got 20"),
        (bytes(32), 1, 10, SerialSchemeError, "FF1 radix must be between 2 and 65536, got 1"),
        (bytes(32), 65537, 10, SerialSchemeError, "FF1 radix must be between 2 and 65536, got 65537"),
        (bytes(32), 10, 1, SerialSchemeError, "FF1 needs at least 2 numerals, got 1"),
        (
            bytes(32),
            10,
            33,
            SerialSchemeError,
            "FF1 half of 17 numerals in radix 10 exceeds 9007199254740992 values",
        ),
    ],
)
def test_invalid_parameters(key: bytes, radix: int, length: int, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        FF1(key, b"", radix, length)
    assert str(caught.value) == message
