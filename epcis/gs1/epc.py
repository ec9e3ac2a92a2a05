"""EPC pure-identity URNs (TDS): escaping, company-prefix checks and parsing back to identifiers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from epcis.gs1.checkdigit import check_digit
from epcis.gs1.errors import EpcUrnError

if TYPE_CHECKING:
    from epcis.gs1.identifiers import Gtin, Lgtin, Sgln, Sgtin, Sscc

# Characters of CSET 82 that TDS requires to be percent-escaped inside an EPC URN.
_ESCAPES = {ord(c): f"%{ord(c):02X}" for c in '"%&/<>?'}
_MUST_ESCAPE = re.compile(r"[\"&/<>?]")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")

MIN_CP_LENGTH = 4
MAX_CP_LENGTH = 12

_URN = re.compile(r"urn:epc:(?:(id):(sgtin|sscc|sgln)|(class):(lgtin)|(idpat):(sgtin)):([0-9]+)\.([0-9]*)(?:\.(.+))?")
_BODY_LENGTH = {"sgtin": 13, "lgtin": 13, "sscc": 17, "sgln": 12}


def epc_escape(text: str) -> str:
    """Escape ``" % & / < > ?`` as ``%22 %25 %26 %2F %3C %3E %3F`` (other CSET 82 stays)."""
    return text.translate(_ESCAPES)


def epc_unescape(urn: str, text: str) -> str:
    """Reverse :func:`epc_escape`; reject a bare special character or a bad ``%`` escape."""
    bad = _MUST_ESCAPE.search(text) or _PERCENT.search(text)
    if bad is not None:
        raise EpcUrnError(f"character {bad.group(0)!r} must be percent-escaped as %XX", rule="epc-escape", value=urn)
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def check_cp_length(cp_len: int) -> None:
    """Raise unless ``cp_len`` is a possible GS1 Company Prefix length (4-12)."""
    if not MIN_CP_LENGTH <= cp_len <= MAX_CP_LENGTH:
        raise EpcUrnError(f"company prefix length {cp_len} is not {MIN_CP_LENGTH}-{MAX_CP_LENGTH}", rule="cp-length")


def _with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


def parse_epc_urn(urn: str) -> Sgtin | Sscc | Sgln | Lgtin | Gtin:
    """Parse an SGTIN, SSCC or SGLN EPC URN, an LGTIN class URN or an SGTIN pattern (``.*``)
    back into its value object; the GTIN, SSCC or GLN check digit is recomputed."""
    from epcis.gs1.identifiers import Gln, Gtin, Lgtin, Sgln, Sgtin, Sscc

    match = _URN.fullmatch(urn)
    if match is None:
        raise EpcUrnError(
            "is not an sgtin, sscc or sgln EPC URN, an lgtin class or an sgtin pattern",
            rule="epc-urn",
            value=urn,
        )
    scheme = match.group(2) or match.group(4) or match.group(6)
    prefix, reference, tail = match.group(7), match.group(8), match.group(9)
    pattern = match.group(5) is not None
    check_cp_length(len(prefix))
    expected = _BODY_LENGTH[scheme]
    if len(prefix) + len(reference) != expected:
        raise EpcUrnError(
            f"company prefix and reference have {len(prefix) + len(reference)} digits, expected {expected}",
            rule="epc-urn",
            value=urn,
        )
    if scheme in ("sscc",) and tail is not None:
        raise EpcUrnError("an SSCC URN has no third part", rule="epc-urn", value=urn)
    if scheme != "sscc" and tail is None:
        raise EpcUrnError("the third part (serial, lot or extension) is missing", rule="epc-urn", value=urn)
    if pattern and tail != "*":
        raise EpcUrnError("an sgtin pattern must end in '.*'", rule="epc-urn", value=urn)
    if scheme in ("sgtin", "lgtin"):
        if not reference:
            raise EpcUrnError("the indicator digit is missing", rule="epc-urn", value=urn)
        gtin = Gtin(_with_check_digit(reference[0] + prefix + reference[1:]))
        if pattern:
            return gtin
        assert tail is not None
        text = epc_unescape(urn, tail)
        return Sgtin(gtin, text) if scheme == "sgtin" else Lgtin(gtin, text)
    if scheme == "sscc":
        if not reference:
            raise EpcUrnError("the extension digit is missing", rule="epc-urn", value=urn)
        return Sscc(_with_check_digit(reference[0] + prefix + reference[1:]))
    assert tail is not None
    extension = epc_unescape(urn, tail)
    return Sgln(Gln(_with_check_digit(prefix + reference)), None if extension == "0" else extension)
