"""GS1 mod-10 check digits (GTIN, GLN, SSCC, GSRN, GDTI ...): weights 3, 1 from the right."""

from __future__ import annotations

from epcis.gs1.errors import Gs1FormatError


def check_digit(body: str) -> int:
    """Return the check digit for ``body`` (the digits without the check digit).

    Raises :class:`Gs1FormatError` when ``body`` is empty or holds anything other than ASCII digits.
    """
    if not body or not body.isascii() or not body.isdigit():
        raise Gs1FormatError("check digit body must be ASCII digits", rule="charset", value=body)
    data = body.encode("ascii")
    # Weight 3 for the rightmost digit and every second one leftwards, 1 for the others; summing
    # the byte values and removing the ASCII offset afterwards keeps this one pass in C.
    triple, single = data[-1::-2], data[-2::-2]
    total = 3 * (sum(triple) - 48 * len(triple)) + sum(single) - 48 * len(single)
    return -total % 10


def is_valid(number: str) -> bool:
    """Whether ``number`` (body + check digit, at least 2 digits) has a correct check digit."""
    if len(number) < 2 or not number.isascii() or not number.isdigit():
        return False
    return check_digit(number[:-1]) == ord(number[-1]) - 48
