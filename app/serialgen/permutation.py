"""Serials of a pool: counter n <-> serial encode(FF1_k(n)), vectorised over counter ranges.

A pool (one per GTIN) issues counters 0, 1, 2, ...; the serial of counter n is the FF1 encryption,
under the pool's key and tweak, of n written as `length` numerals, mapped to the scheme's alphabet.
Serials are therefore unique by construction and look random without the key, and a serial's
counter is found by decrypting it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray

from app.serialgen.errors import CounterRangeError, PermutationKeyError
from app.serialgen.ff1 import FF1, Halves
from app.serialgen.scheme import COUNTER_LIMIT, SerialScheme

KEY_BYTES: Final = 32
# Counters per internal chunk: bounds the working memory (about 100 bytes per counter) whatever the count.
CHUNK: Final = 65_536
_INVALID: Final = 255
_MAX_COUNTER: Final = np.uint64(COUNTER_LIMIT - 1)
# Keys may come from a database driver as any of these.
BytesLike = bytes | bytearray | memoryview


class KeyedPermutation:
    """The secret-keyed, format-preserving bijection between a pool's counters and its serials.

    `key` is 32 secret bytes (AES-256); `tweak` names the pool (its GTIN), so one key serves many
    pools with independent permutations. Counters run from 0 to `counter_limit` - 1.
    """

    def __init__(self, key: BytesLike, tweak: BytesLike, scheme: SerialScheme, *, chunk: int = CHUNK) -> None:
        if not isinstance(key, BytesLike) or len(key) != KEY_BYTES:
            found = f"{len(key)} bytes" if isinstance(key, BytesLike) else type(key).__name__
            raise PermutationKeyError(f"key must be {KEY_BYTES} bytes (AES-256), got {found}")
        if not isinstance(tweak, BytesLike):
            raise PermutationKeyError(f"tweak must be bytes, got {type(tweak).__name__}")
        if chunk < 1:
            raise CounterRangeError(f"chunk must be >= 1, got {chunk}")
        self.scheme = scheme
        self.counter_limit = min(scheme.size, COUNTER_LIMIT)
        self._ff1 = FF1(bytes(key), bytes(tweak), scheme.radix, scheme.length)
        self._chunk = chunk
        # 256-byte tables for bytes.translate, which maps a whole buffer in one C loop.
        alphabet = scheme.alphabet.encode("ascii")
        self._to_symbols = alphabet + bytes(256 - len(alphabet))
        to_numerals = bytearray([_INVALID]) * 256
        for numeral, symbol in enumerate(alphabet):
            to_numerals[symbol] = numeral
        self._to_numerals = bytes(to_numerals)

    def encode_range(self, start: int, count: int) -> NDArray[np.uint8]:
        """ASCII codes of the serials of counters [start, start + count), shape (count, length)."""
        self._check_range(start, count)
        ff1 = self._ff1
        out = np.empty((count, ff1.length), dtype=np.uint8)
        v_size = np.uint64(ff1.v_size)
        for offset in range(0, count, self._chunk):
            stop = min(offset + self._chunk, count)
            counters = np.arange(start + offset, start + stop, dtype=np.uint64)
            high = counters // v_size
            a, b = ff1.encrypt_halves(high, counters - high * v_size)
            numerals = np.empty((stop - offset, ff1.length), dtype=np.uint8)
            self._write_numerals(a, numerals[:, : ff1.u])
            self._write_numerals(b, numerals[:, ff1.u :])
            symbols = numerals.tobytes().translate(self._to_symbols)
            out[offset:stop] = np.frombuffer(symbols, dtype=np.uint8).reshape(numerals.shape)
        return out

    def serials(self, start: int, count: int) -> list[str]:
        """The serials of counters [start, start + count) as str."""
        length = self.scheme.length
        text = self.encode_range(start, count).tobytes().decode("ascii")
        return [text[offset : offset + length] for offset in range(0, len(text), length)]

    def serial_at(self, n: int) -> str:
        """The serial of counter n."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise CounterRangeError(f"counter must be an int >= 0, got {n!r}")
        return self.serials(n, 1)[0]

    def index_of(self, serial: str) -> int | None:
        """The counter whose serial is `serial`, or None if `serial` is not in the scheme.

        Not in the scheme means a wrong length or a character outside the alphabet. The counter is
        exact even when it is beyond `counter_limit` (such a serial was never issued).
        """
        if not isinstance(serial, str) or len(serial) != self.scheme.length:
            return None
        alphabet = self.scheme.alphabet
        numerals = [alphabet.find(char) for char in serial]
        if min(numerals) < 0:
            return None
        ff1 = self._ff1
        a = b = 0
        for numeral in numerals[: ff1.u]:
            a = a * ff1.radix + numeral
        for numeral in numerals[ff1.u :]:
            b = b * ff1.radix + numeral
        plain_a, plain_b = ff1.decrypt_halves(np.array([a], dtype=np.uint64), np.array([b], dtype=np.uint64))
        return int(plain_a[0]) * ff1.v_size + int(plain_b[0])

    def decode_many(self, serials: Sequence[str]) -> NDArray[np.int64]:
        """Counters of many serials at once; -1 where a serial is not in the scheme.

        -1 also marks a serial whose counter is at or beyond 2**63, which no pool ever issues.
        """
        length = self.scheme.length
        if any(not isinstance(serial, str) or len(serial) != length for serial in serials):
            filler = "\0" * length
            serials = [s if isinstance(s, str) and len(s) == length else filler for s in serials]
        # "replace" keeps one byte per character, so rows stay aligned; "?" is in no alphabet.
        raw = "".join(serials).encode("ascii", "replace").translate(self._to_numerals)
        numerals = np.frombuffer(raw, dtype=np.uint8).reshape(len(serials), length)
        out = np.empty(len(serials), dtype=np.int64)
        for offset in range(0, len(serials), self._chunk):
            stop = min(offset + self._chunk, len(serials))
            out[offset:stop] = self._decode_chunk(numerals[offset:stop])
        return out

    def _decode_chunk(self, numerals: NDArray[np.uint8]) -> NDArray[np.int64]:
        ff1 = self._ff1
        valid = (numerals != _INVALID).all(axis=1)
        digits = np.where(valid[:, np.newaxis], numerals, 0).astype(np.uint64)
        high, low = self._read_number(digits[:, : ff1.u]), self._read_number(digits[:, ff1.u :])
        a, b = ff1.decrypt_halves(high, low)
        v_size = np.uint64(ff1.v_size)
        fits = a <= (_MAX_COUNTER - b) // v_size
        counters = (np.where(fits, a, 0) * v_size + b).astype(np.int64)
        return np.where(valid & fits, counters, -1)

    def _read_number(self, digits: NDArray[np.uint64]) -> Halves:
        radix = np.uint64(self._ff1.radix)
        number: Halves = digits[:, 0].copy()
        for column in range(1, digits.shape[1]):
            number *= radix
            number += digits[:, column]
        return number

    def _write_numerals(self, number: Halves, dest: NDArray[np.uint8]) -> None:
        """Write `number` into dest as dest.shape[1] numerals, most significant first."""
        radix = self._ff1.radix
        rest = number
        if radix & (radix - 1) == 0:
            shift, mask = np.uint64(radix.bit_length() - 1), np.uint64(radix - 1)
            for column in range(dest.shape[1] - 1, -1, -1):
                dest[:, column] = rest & mask
                rest = rest >> shift
            return
        base = np.uint64(radix)
        for column in range(dest.shape[1] - 1, -1, -1):
            # Floor division by a scalar is far faster in numpy than divmod or %.
            quotient = rest // base
            dest[:, column] = rest - quotient * base
            rest = quotient

    def _check_range(self, start: int, count: int) -> None:
        for name, value in (("start", start), ("count", count)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise CounterRangeError(f"{name} must be an int >= 0, got {value!r}")
        if start + count > self.counter_limit:
            raise CounterRangeError(
                f"counter range [{start}, {start + count}) exceeds the {self.counter_limit} counters"
                f" of {self.scheme.alphabet_name} length {self.scheme.length}"
            )
