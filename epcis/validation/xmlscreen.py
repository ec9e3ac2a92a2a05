"""Whole-document screen that proves a plain XML event list has no rule findings, in a few XPath passes.

Bulk documents are mostly ObjectEvents and TransactionEvents with the same handful of fields.
For them, libxml2's XPath pulls every value the rules read in one pass per field, and distinct
values are checked once; only a document that trips the screen goes through the per-event rules
(which then locate each finding). The screen is conservative: anything it does not model trips it.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from epcis.validation.rules import check_event
from epcis.validation.syntax import EPC_VALID, TIME_ZONE_OFFSET, has_time_zone, looks_like_date_time

_EVENTS = "EPCISBody/EventList/*"
# Children the screen models; any other unqualified child (quantityList, parentID, sensors,
# errorDeclaration, persistentDisposition, extension wrappers, ...) sends the document to the rules.
_MODELLED = (
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "certificationInfo",
    "epcList",
    "action",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "ilmd",
)
_OTHER_EVENTS = f"count({_EVENTS}[not(self::ObjectEvent or self::TransactionEvent)])"
# Children by plain name tests (cheap in libxml2): every child must be modelled or namespaced.
_ALL_CHILDREN = f"count({_EVENTS}/*)"
_KNOWN_CHILDREN = " + ".join(f"count({_EVENTS}/{name})" for name in _MODELLED)
_KNOWN_CHILDREN += f" + count({_EVENTS}/*[namespace-uri() != ''])"
_BAD_ACTIONS = f"count({_EVENTS}[not(action = 'ADD' or action = 'OBSERVE' or action = 'DELETE')])"
_FIELDS = {
    "eventTime": f"{_EVENTS}/eventTime",
    "recordTime": f"{_EVENTS}/recordTime",
    "eventTimeZoneOffset": f"{_EVENTS}/eventTimeZoneOffset",
    "bizStep": f"{_EVENTS}/bizStep",
    "disposition": f"{_EVENTS}/disposition",
    "epc": f"{_EVENTS}/epcList/epc",
    "readPoint": f"{_EVENTS}/readPoint/id",
    "bizLocation": f"{_EVENTS}/bizLocation/id",
}


def _number(root: etree._Element, expression: str) -> float:
    result = root.xpath(expression)
    return float(result) if isinstance(result, float) else 0.0


def _texts(root: etree._Element, path: str, *, strip: bool = True) -> list[str] | None:
    """Text of every node at `path`, or None when some node is not exactly one text (empty, mixed)."""
    texts: list[str] = root.xpath(f"{path}/text()", smart_strings=False)
    if _number(root, f"count({path})") != len(texts) or _number(root, f"count({path}/node())") != len(texts):
        return None
    # The per-event view strips these values (all but the offset), so the screen must too.
    return [text.strip() for text in texts] if strip else texts


def is_clean(root: etree._Element) -> bool:
    """True when no event of this EPCISDocument can have a rule finding (strict rules included)."""
    if _number(root, _OTHER_EVENTS) or _number(root, _BAD_ACTIONS):
        return False
    if _number(root, _ALL_CHILDREN) != _number(root, _KNOWN_CHILDREN):
        return False
    values: dict[str, list[str]] = {}
    for name, path in _FIELDS.items():
        texts = _texts(root, path, strip=name != "eventTimeZoneOffset")
        if texts is None:
            return False
        values[name] = texts
    if not all(TIME_ZONE_OFFSET.fullmatch(value) for value in set(values["eventTimeZoneOffset"])):
        return False
    times = values["eventTime"] + values["recordTime"]
    if any(looks_like_date_time(value) and not has_time_zone(value) for value in times):
        return False
    # Distinct CBV values and identifiers that the one-match fast paths do not settle go through
    # the real rules, in a minimal event of their own.
    probes: list[dict[str, Any]] = [{"bizStep": value} for value in set(values["bizStep"])]
    probes += [{"disposition": value} for value in set(values["disposition"])]
    odd = [value for value in values["epc"] if EPC_VALID.fullmatch(value) is None]
    probes.append({"epcList": odd})
    locations = set(values["readPoint"]) | set(values["bizLocation"])
    probes += [{"readPoint": {"id": value}} for value in locations if EPC_VALID.fullmatch(value) is None]
    return not any(check_event({"type": "ObjectEvent", "action": "ADD", **probe}, xml=True) for probe in probes)
