"""Lexical checks the schemas leave out: EPC pure-identity URNs, GS1 Digital Link keys, time zones."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

# ASCII digits only, anchored at both ends: `\d` and `$` would admit other digits and a final newline.
TIME_ZONE_OFFSET = re.compile(r"[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)")
# A lexical dateTime ending in Z or an offset; xsd:dateTime and RFC 3339 both allow omitting it.
_HAS_ZONE = re.compile(r"(Z|z|[+-]\d\d:\d\d)$")
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")

# GS1 TDS "GS3A3" characters, with %-escapes, as allowed in serial and extension components (one character).
GS3A3 = r"(?:[A-Za-z0-9!'()*+,\-.:;=_]|%[0-9A-Fa-f]{2})"
_SGTIN = re.compile(rf"^urn:epc:id:sgtin:(\d+)\.(\d+)\.{GS3A3}{{1,20}}$")
_SSCC = re.compile(r"^urn:epc:id:sscc:(\d+)\.(\d+)$")
_SGLN = re.compile(rf"^urn:epc:id:sgln:(\d+)\.(\d*)\.{GS3A3}{{1,20}}$")
# scheme -> total digits of company prefix plus the reference that follows it
_EPC_DIGITS = {"sgtin": (_SGTIN, 13), "sscc": (_SSCC, 17), "sgln": (_SGLN, 12)}

# Digital Link primary keys -> value grammar (GS1 General Specifications, AI formats).
_AI82 = r"(?:[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]|%[0-9A-Fa-f]{2})"
DIGITAL_LINK_KEYS: dict[str, re.Pattern[str]] = {
    "00": re.compile(r"^\d{18}$"),
    "01": re.compile(r"^(\d{8}|\d{12,14})$"),
    "253": re.compile(rf"^\d{{13}}{_AI82}{{0,17}}$"),
    "255": re.compile(r"^\d{13}\d{0,12}$"),
    "401": re.compile(rf"^{_AI82}{{1,30}}$"),
    "402": re.compile(r"^\d{17}$"),
    "414": re.compile(r"^\d{13}$"),
    "417": re.compile(r"^\d{13}$"),
    "8003": re.compile(rf"^\d{{14}}{_AI82}{{0,16}}$"),
    "8004": re.compile(rf"^{_AI82}{{1,30}}$"),
    "8006": re.compile(r"^\d{18}$"),
    "8010": re.compile(r"^[#\-/0-9A-Z]{1,30}$"),
    "8013": re.compile(rf"^{_AI82}{{1,25}}$"),
    "8017": re.compile(r"^\d{18}$"),
    "8018": re.compile(r"^\d{18}$"),
}


def looks_like_date_time(value: str) -> bool:
    """True when a value starts like a lexical date-time (yyyy-mm-ddThh:mm)."""
    return _DATE_TIME.match(value.strip()) is not None


def has_time_zone(value: str) -> bool:
    """True when a lexical date-time carries Z or an explicit offset."""
    return _HAS_ZONE.search(value.strip()) is not None


def parse_time(value: object) -> datetime | None:
    """Parse a zoned date-time for comparisons; None when absent, unzoned or malformed."""
    if not isinstance(value, str) or not has_time_zone(value):
        return None
    text = value.strip()
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def split_digits(total: int, min_prefix: int = 6, max_prefix: int = 12, min_rest: int = 1) -> str:
    """Regex alternatives for `prefix.reference` digit runs adding up to `total` digits."""
    return "|".join(
        rf"[0-9]{{{n}}}\.[0-9]{{{total - n}}}" for n in range(min_prefix, max_prefix + 1) if total - n >= min_rest
    )


# The valid forms in one pattern, so well-formed EPCs (nearly all) cost a single match.
EPC_VALID = re.compile(
    rf"urn:epc:id:(?:sgtin:(?:{split_digits(13)})\.{GS3A3}{{1,20}}"
    rf"|sscc:(?:{split_digits(17)})"
    rf"|sgln:(?:{split_digits(12, min_rest=0)})\.{GS3A3}{{1,20}})"
)


# Canonical GS1 Digital Links of serialised items and SSCCs: every string this matches is a valid URI
# (all characters are RFC 3986 pchars) and passes `digital_link_problem`, so one match settles it.
DL_VALID = re.compile(rf"https://id\.gs1\.org/(?:01/(?:\d{{8}}|\d{{12,14}})/21/{GS3A3}{{1,20}}|00/\d{{18}})")


# A list of identifiers at once: one match over their concatenation, a line each (neither form has a line
# break, and the count of breaks proves no value hid one). Serials without %-escapes, the usual case, match
# a plain character class; the escaped form needs the slower alternation per character.
_PLAIN_SERIAL = r"[A-Za-z0-9!'()*+,\-.:;=_]{1,20}"


def identifier_lines(link: Callable[[str], str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns for identifiers one per line, each an SGTIN/SSCC/SGLN URN or what ``link(serial)`` matches:
    for plain serials, and for serials with %-escapes (see `lines_match`)."""

    def lines(serial: str) -> re.Pattern[str]:
        epc = (
            rf"urn:epc:id:(?:sgtin:(?:{split_digits(13)})\.{serial}|sscc:(?:{split_digits(17)})"
            rf"|sgln:(?:{split_digits(12, min_rest=0)})\.{serial})"
        )
        return re.compile(rf"(?:(?:{epc}|{link(serial)})\n)*")

    return lines(_PLAIN_SERIAL), lines(rf"{GS3A3}{{1,20}}")


def lines_match(values: list[Any], patterns: tuple[re.Pattern[str], re.Pattern[str]]) -> bool:
    """Whether every value is a string and all of them, one per line, match `identifier_lines` patterns."""
    if not values:
        return True
    try:
        lines = "\n".join(values) + "\n"
    except TypeError:  # a value that is not a string
        return False
    if lines.count("\n") != len(values):
        return False  # a value holding a line break: the lines would not be the values
    plain, escaped = patterns
    return plain.fullmatch(lines) is not None or ("%" in lines and escaped.fullmatch(lines) is not None)


_VALID_LINES = identifier_lines(
    lambda serial: rf"https://id\.gs1\.org/(?:01/(?:\d{{8}}|\d{{12,14}})/21/{serial}|00/\d{{18}})"
)


def all_valid(values: list[Any]) -> bool:
    """Whether every value is a string that `EPC_VALID` or `DL_VALID` matches whole (C-level for a long list)."""
    return lines_match(values, _VALID_LINES)


def epc_problem(value: str) -> str | None:
    """Describe what is wrong with an SGTIN/SSCC/SGLN pure-identity URN, or None if it is fine.

    Other URNs (GRAI, GIAI, class-level patterns, private schemes) pass unchecked.
    """
    if not value.startswith("urn:epc:id:") or EPC_VALID.fullmatch(value) is not None:
        return None
    scheme = value[11:].split(":", 1)[0]
    spec = _EPC_DIGITS.get(scheme)
    if spec is None:
        return None
    pattern, digits = spec
    match = pattern.match(value)
    if match is None:
        return f"{value!r} does not follow the {scheme.upper()} pure-identity URN grammar"
    prefix, reference = match.group(1), match.group(2)
    if not 6 <= len(prefix) <= 12:
        return f"{value!r} has a {len(prefix)}-digit GS1 company prefix, expected 6 to 12 digits"
    if len(prefix) + len(reference) != digits:
        return f"{value!r} has {len(prefix) + len(reference)} digits in company prefix and reference, expected {digits}"
    return None


def digital_link_problem(value: str) -> str | None:
    """Describe what is wrong with an http(s) identifier used as a GS1 Digital Link, or None.

    Private http(s) identifiers are allowed in EPCIS, so a URI is held to the Digital Link
    grammar only when its path names a GS1 primary key or its host is id.gs1.org.
    """
    parts = urlsplit(value)
    segments = [s for s in parts.path.split("/") if s]
    for position, segment in enumerate(segments[:-1]):
        grammar = DIGITAL_LINK_KEYS.get(segment)
        if grammar is None:
            continue
        key = segments[position + 1]
        if grammar.match(key) is None:
            return f"{value!r} has an invalid value {key!r} for GS1 primary key ({segment})"
        return None
    if parts.hostname == "id.gs1.org":
        return f"{value!r} is not a GS1 Digital Link URI: no GS1 primary key in its path"
    return None
