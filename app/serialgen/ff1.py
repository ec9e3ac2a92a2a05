"""FF1 (NIST SP 800-38G) format-preserving encryption over whole numpy arrays of numeral strings.

A numeral string of `length` numerals in base `radix` is handled as two integer halves: A (the first
u = length // 2 numerals) and B (the last v = length - u), each a uint64 array. Every round encrypts
the blocks of the whole batch in ONE AES-ECB call: FF1's PRF is a CBC-MAC over P || Q whose blocks
are all constant for a given key and tweak except the last one, so the chaining value before that
block is computed once and each round costs one block cipher call per numeral string.

The round output y is the first d = 4 * ceil(b / 4) + 4 bytes of the block cipher output, reduced
exactly modulo radix**m; FF1 takes 32 bits more than radix**m needs, so the reduction bias is below
2**-32 per round.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes
from numpy.typing import NDArray

from app.serialgen.errors import PermutationKeyError, SerialSchemeError

ROUNDS: Final = 10
# radix**v must stay below this so that the reduction sum (lo mod M + 4 bytes * 2**k mod M) and
# NUM(B) both fit in uint64.
MAX_HALF_SIZE: Final = 2**53

# `_round_values` returns y only partly reduced, below _SLACK * radix**m; _SLACK * MAX_HALF_SIZE < 2**64.
_SLACK: Final = 1024

Halves = NDArray[np.uint64]


class FF1:
    """FF1 with AES (128, 192 or 256-bit key) for one tweak and one (radix, length)."""

    def __init__(self, key: bytes, tweak: bytes, radix: int, length: int) -> None:
        if len(key) not in (16, 24, 32):
            raise PermutationKeyError(f"AES key must be 16, 24 or 32 bytes, got {len(key)}")
        if not 2 <= radix <= 2**16:
            raise SerialSchemeError(f"FF1 radix must be between 2 and 65536, got {radix}")
        if length < 2:
            raise SerialSchemeError(f"FF1 needs at least 2 numerals, got {length}")
        self.radix = radix
        self.length = length
        self.u = length // 2
        self.v = length - self.u
        self.u_size = radix**self.u
        self.v_size = radix**self.v
        if self.v_size > MAX_HALF_SIZE:
            raise SerialSchemeError(f"FF1 half of {self.v} numerals in radix {radix} exceeds {MAX_HALF_SIZE} values")
        self._cipher = Cipher(algorithms.AES(key), modes.ECB())
        self._b = -(-(self.v_size - 1).bit_length() // 8)
        self._d = 4 * -(-self._b // 4) + 4
        self._round_words = self._round_bases_for(tweak).view(">u8").astype(np.uint64)
        self._hi_factors = {
            size: [
                (j, np.uint64(factor)) for j in range(self._d - 8) if (factor := pow(2, 8 * (self._d - 1 - j), size))
            ]
            for size in (self.u_size, self.v_size)
        }

    def _round_bases_for(self, tweak: bytes) -> NDArray[np.uint8]:
        """Per round, the last PRF input block with NUM(B) = 0, XORed with the CBC-MAC chaining value."""
        t = len(tweak)
        p = (
            bytes([1, 2, 1])
            + self.radix.to_bytes(3, "big")
            + bytes([10, self.u % 256])
            + self.length.to_bytes(4, "big")
            + t.to_bytes(4, "big")
        )
        q = tweak + bytes((-t - self._b - 1) % 16) + bytes(1 + self._b)
        encryptor = self._cipher.encryptor()
        chain = encryptor.update(p)
        for offset in range(0, len(q) - 16, 16):
            block = q[offset : offset + 16]
            chain = encryptor.update(bytes(x ^ y for x, y in zip(chain, block, strict=True)))
        last = np.frombuffer(chain, dtype=np.uint8) ^ np.frombuffer(q[-16:], dtype=np.uint8)
        bases = np.repeat(last[np.newaxis, :], ROUNDS, axis=0)
        bases[:, 15 - self._b] ^= np.arange(ROUNDS, dtype=np.uint8)
        return bases

    def _round_values(
        self, encryptor: CipherContext, buffer: NDArray[np.uint8], index: int, b: Halves, size: int
    ) -> Halves:
        """A value congruent to round `index`'s y modulo `size` and below 1024 * size, for every B at once."""
        count = b.shape[0]
        # Big-endian words: the last PRF block is the round base with NUM(B) XORed into its tail.
        blocks = np.empty((count, 2), dtype=">u8")
        blocks[:, 0] = self._round_words[index, 0]
        np.bitwise_xor(b, self._round_words[index, 1], out=blocks[:, 1])
        # update_into a buffer reused across rounds: far cheaper than a fresh bytes object per call.
        encryptor.update_into(blocks.view(np.uint8).data, buffer.data)
        out = buffer[: 16 * count].reshape(count, 16)
        d = self._d
        low: Halves = out[:, d - 8 : d].view(">u8")[:, 0].astype(np.uint64)
        partial = _reduce(low, size)
        for j, factor in self._hi_factors[size]:
            # Each term is below 255 * size: with at most four of them `partial` stays below 1024 * size.
            partial += out[:, j].astype(np.uint64) * factor
        return partial

    def encrypt_halves(self, a: Halves, b: Halves) -> tuple[Halves, Halves]:
        """Encrypt numeral strings given as halves A < radix**u and B < radix**v."""
        encryptor, buffer = self._cipher.encryptor(), _output_buffer(b.shape[0])
        for index in range(ROUNDS):
            size = self.u_size if index % 2 == 0 else self.v_size
            c = _reduce(a + self._round_values(encryptor, buffer, index, b, size), size)
            a, b = b, c
        return a, b

    def decrypt_halves(self, a: Halves, b: Halves) -> tuple[Halves, Halves]:
        """Invert `encrypt_halves`."""
        encryptor, buffer = self._cipher.encryptor(), _output_buffer(a.shape[0])
        for index in reversed(range(ROUNDS)):
            size = self.u_size if index % 2 == 0 else self.v_size
            y = self._round_values(encryptor, buffer, index, a, size)
            c = _reduce(b + (np.uint64(_SLACK * size) - y), size)
            a, b = c, a
        return a, b


def _output_buffer(count: int) -> NDArray[np.uint8]:
    """Room for `count` cipher blocks; update_into wants one block of spare space."""
    return np.empty(16 * count + 15, dtype=np.uint8)


def _reduce(values: Halves, size: int) -> Halves:
    """values mod size: a mask for powers of two, else floor division by a scalar (numpy turns it
    into a multiply and shift, several times faster than `%`)."""
    if size & (size - 1) == 0:
        return values & np.uint64(size - 1)
    modulus = np.uint64(size)
    return values - (values // modulus) * modulus
