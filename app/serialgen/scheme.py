"""Serial schemes: the alphabet and length of a pool's serials, and the capacity rules they obey.

Limits, and why:

* length 2..20: GS1 AI (21) serials hold at most 20 characters, and the Feistel network needs two
  non-empty halves, so a single character cannot be permuted.
* `MIN_SPACE_SIZE` = 1,000,000 values: NIST SP 800-38G Rev. 1 requires radix**length >= 10**6 for
  FF1, because smaller domains fall to known attacks on format-preserving encryption. Numeric
  schemes therefore need length >= 6 and alphanumeric ones length >= 4. Shorter schemes are valid
  values (tests exercise whole small spaces), but `check_capacity` refuses them for a pool.
* `max_issuable`: EU FMD (Delegated Regulation 2016/161, Art. 4) wants the chance of guessing a
  valid serial below 1/10,000, so a pool may issue at most size // 10,000 serials in its lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from app.serialgen.errors import PoolTooSmallError, SerialSchemeError


class Alphabet:
    """Serial alphabets, in numeral order (character i stands for numeral i)."""

    NUMERIC: Final = "0123456789"
    # Digits and capitals without the look-alike pairs 0/O and 1/I: 32 characters (L is kept:
    # dropping it too would leave 31, not a power of two). All are in the GS1 AI 82 character set.
    ALPHANUMERIC: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


ALPHABETS: Final[dict[str, str]] = {
    "numeric": Alphabet.NUMERIC,
    "alphanumeric": Alphabet.ALPHANUMERIC,
}

MIN_LENGTH: Final = 2
MAX_LENGTH: Final = 20
MIN_SPACE_SIZE: Final = 1_000_000
GUESS_RATIO: Final = 10_000
# Counters are held in uint64 arrays and kept below 2**63 so they also fit int64.
COUNTER_LIMIT: Final = 2**63


@dataclass(frozen=True, slots=True)
class SerialScheme:
    """The shape of a pool's serials: an alphabet by name and a fixed length."""

    alphabet_name: str  # a key of ALPHABETS: "numeric" or "alphanumeric"
    length: int

    def __post_init__(self) -> None:
        if self.alphabet_name not in ALPHABETS:
            expected = " or ".join(repr(name) for name in sorted(ALPHABETS))
            raise SerialSchemeError(f"unknown alphabet {self.alphabet_name!r}: expected {expected}")
        if not isinstance(self.length, int) or isinstance(self.length, bool):
            raise SerialSchemeError(f"serial length must be an int, got {self.length!r}")
        if not MIN_LENGTH <= self.length <= MAX_LENGTH:
            raise SerialSchemeError(f"serial length must be between {MIN_LENGTH} and {MAX_LENGTH}, got {self.length}")

    @property
    def alphabet(self) -> str:
        """The characters of the scheme, numeral 0 first."""
        return ALPHABETS[self.alphabet_name]

    @property
    def radix(self) -> int:
        """Number of characters in the alphabet."""
        return len(self.alphabet)

    @property
    def size(self) -> int:
        """Number of distinct serials, radix ** length (may exceed 2**64)."""
        return self.radix**self.length

    def max_issuable(self, guess_ratio: int = GUESS_RATIO) -> int:
        """Most serials a pool may issue so that a guess hits one with probability below 1/guess_ratio."""
        if guess_ratio < 1:
            raise SerialSchemeError(f"guess ratio must be >= 1, got {guess_ratio}")
        return self.size // guess_ratio

    def minimum_length(self, lifetime_volume: int, guess_ratio: int = GUESS_RATIO) -> int | None:
        """Shortest length of this alphabet that can carry `lifetime_volume`, or None if none up to 20."""
        for length in range(MIN_LENGTH, MAX_LENGTH + 1):
            size = self.radix**length
            if size >= MIN_SPACE_SIZE and size // guess_ratio >= lifetime_volume:
                return length
        return None

    def check_capacity(self, lifetime_volume: int, guess_ratio: int = GUESS_RATIO) -> None:
        """Refuse a pool whose space is below the FF1 minimum or too small for `lifetime_volume`."""
        if not isinstance(lifetime_volume, int) or lifetime_volume < 0:
            raise SerialSchemeError(f"lifetime volume must be an int >= 0, got {lifetime_volume!r}")
        if lifetime_volume > COUNTER_LIMIT:
            raise SerialSchemeError(f"lifetime volume {lifetime_volume} exceeds the counter limit of {COUNTER_LIMIT}")
        if self.size >= MIN_SPACE_SIZE and self.max_issuable(guess_ratio) >= lifetime_volume:
            return
        shape = f"serial space {self.alphabet_name} length {self.length} holds {self.size} serials"
        if self.size < MIN_SPACE_SIZE:
            reason = f"below the minimum of {MIN_SPACE_SIZE} for a keyed permutation"
        else:
            reason = (
                f"a lifetime volume of {lifetime_volume} needs at least {lifetime_volume * guess_ratio}"
                f" (1 in {guess_ratio} guessing rule)"
            )
        needed = self.minimum_length(lifetime_volume, guess_ratio)
        advice = (
            f"use length {needed} or more"
            if needed is not None
            else f"no {self.alphabet_name} length up to {MAX_LENGTH} is enough"
        )
        raise PoolTooSmallError(f"{shape}, {reason}: {advice}")
