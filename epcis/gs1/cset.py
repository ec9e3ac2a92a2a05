"""GS1 character sets: CSET 82 (most alphanumeric AIs), CSET 39 and CSET 64 (base64url)."""

from __future__ import annotations

import re

from epcis.gs1.errors import Gs1FormatError

#: The 82 characters allowed in alphanumeric AIs such as (10), (21) and (71x).
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
#: The 39 characters allowed in Y-typed components, e.g. the CPID (8010).
CSET39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: The base64url alphabet of Z-typed components, e.g. the digital signature (8030).
CSET64 = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

_CSET82_RE = re.compile("[" + re.escape(CSET82) + "]*")
_CSET82_SET = frozenset(CSET82)


def is_cset82(value: str) -> bool:
    """Whether every character of ``value`` is in CSET 82 (the empty string is)."""
    return _CSET82_RE.fullmatch(value) is not None


def check_cset82(ai: str, value: str) -> str:
    """Return ``value`` if it is CSET 82, else raise naming the first bad character and its position."""
    if _CSET82_RE.fullmatch(value) is not None:
        return value
    position, char = next((i, c) for i, c in enumerate(value, 1) if c not in _CSET82_SET)
    raise Gs1FormatError(
        f"character {char!r} at position {position} is not in CSET 82", rule="cset82", ai=ai, value=value
    )
