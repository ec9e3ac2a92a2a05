"""Serial numbers by a secret-keyed format-preserving permutation (FF1) of per-pool counters.

Imports only the standard library, numpy and `cryptography`, so any layer may use it.

    scheme = SerialScheme("alphanumeric", 12)
    scheme.check_capacity(lifetime_volume)          # once, when the pool is created
    perm = KeyedPermutation(key, gtin.encode(), scheme)
    chars = perm.encode_range(start, count)         # uint8 (count, 12): a batch's reserved range
    n = perm.index_of(serial)                       # issued iff some reserved range holds n
"""

from app.serialgen.errors import (
    CounterRangeError,
    PermutationKeyError,
    PoolTooSmallError,
    SerialgenError,
    SerialSchemeError,
)
from app.serialgen.ff1 import FF1
from app.serialgen.permutation import KeyedPermutation
from app.serialgen.scheme import (
    ALPHABETS,
    COUNTER_LIMIT,
    GUESS_RATIO,
    MAX_LENGTH,
    MIN_LENGTH,
    MIN_SPACE_SIZE,
    Alphabet,
    SerialScheme,
)

__all__ = [
    "ALPHABETS",
    "COUNTER_LIMIT",
    "FF1",
    "GUESS_RATIO",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "MIN_SPACE_SIZE",
    "Alphabet",
    "CounterRangeError",
    "KeyedPermutation",
    "PermutationKeyError",
    "PoolTooSmallError",
    "SerialScheme",
    "SerialSchemeError",
    "SerialgenError",
]
