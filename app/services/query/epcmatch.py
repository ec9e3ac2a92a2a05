"""What an EPC or EPC-class query value matches among canonical stored identifiers: exact keys and prefixes.

Stored EPCs are canonical GS1 Digital Links (`eventstore.canonical`). A query value is canonicalised the
same way; a class-level value (an EPC id pattern such as `urn:epc:idpat:sgtin:0614141.107346.*`, or a
Digital Link naming only a GTIN) also matches the instances (`/21/`) and lots (`/10/`) of that GTIN. A
Digital Link carries no company-prefix boundary, so patterns that fix only the company prefix
(`urn:epc:idpat:sgtin:0614141.*.*`) become a `LIKE` pattern on the key digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import QueryParameterError
from app.services.eventstore import canonical
from epcis.epc import check_digit

DL = "https://id.gs1.org/"
# A canonical key that names a class of identifiers, with what separates it from an instance part.
_CLASS_KEYS = (
    (re.compile(r"https://id\.gs1\.org/(01|8006)/\d{14,18}\Z"), "/"),
    (re.compile(r"https://id\.gs1\.org/(8003/\d{14}|253/\d{13}|255/\d{13})\Z"), ""),
    (re.compile(r"https://id\.gs1\.org/8010/[^/]+\Z"), "/8011/"),
)
# id patterns whose fixed part is only the company prefix (the rest is `*`).
_PREFIX_ONLY = re.compile(r"urn:epc:idpat:(sgtin|sscc|sgln|grai|giai|gdti|sgcn|pgln):(\d{6,12})\.\*(\.\*)?\Z")
_SGLN_PATTERN = re.compile(r"urn:epc:idpat:sgln:(\d{6,12})\.(\d{0,6})\.\*\Z")
_LIKE_BY_KIND = {
    "sgtin": "01/_{cp}%",
    "sscc": "00/_{cp}%",
    "sgln": "414/{cp}%",
    "pgln": "417/{cp}%",
    "grai": "8003/0{cp}%",
    "giai": "8004/{cp}%",
    "gdti": "253/{cp}%",
    "sgcn": "255/{cp}%",
}


@dataclass(frozen=True)
class EpcMatcher:
    """Stored values that match: equal to one of `exact`, starting with one of `prefixes`, or `LIKE` one of
    `likes` (the likes hold only digits, `/`, `_` and `%`, so need no escaping)."""

    exact: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()
    likes: frozenset[str] = frozenset()

    def matches(self, value: str) -> bool:
        """The same rule in Python (used by tests and post-filters)."""
        if value in self.exact or any(value.startswith(p) for p in self.prefixes):
            return True
        return any(re.fullmatch(_like_regex(like), value) for like in self.likes)


def _like_regex(like: str) -> str:
    return "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in like)


def matcher(parameter: str, values: list[str]) -> EpcMatcher:
    """The matcher for the values of a `MATCH_` parameter; an id pattern it cannot read is an error."""
    exact: set[str] = set()
    prefixes: set[str] = set()
    likes: set[str] = set()
    for value in values:
        m = _SGLN_PATTERN.match(value)
        if m is not None and len(m.group(1) + m.group(2)) == 12:
            gln = m.group(1) + m.group(2)
            exact.add(f"{DL}414/{gln}{check_digit(gln)}")
            prefixes.add(f"{DL}414/{gln}{check_digit(gln)}/254/")
            continue
        m = _PREFIX_ONLY.match(value)
        if m is not None:
            likes.add(DL + _LIKE_BY_KIND[m.group(1)].format(cp=m.group(2)))
            continue
        key = canonical(value)
        if key == value and value.startswith("urn:epc:idpat:"):
            raise QueryParameterError(
                f"{parameter}: {value!r} is not an EPC pattern this repository can match "
                "(expected a pure-identity pattern such as urn:epc:idpat:sgtin:0614141.107346.*)",
                field=parameter,
            )
        exact.add(key)
        for pattern, separator in _CLASS_KEYS:
            if pattern.match(key):
                prefixes.add(key + separator)
                break
    return EpcMatcher(frozenset(exact), frozenset(prefixes), frozenset(likes))
