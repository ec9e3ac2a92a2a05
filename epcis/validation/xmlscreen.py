"""Fast path for bulk XML: proves, in a few C-level passes, that a plain event list has no rule finding.

Bulk documents are mostly Object-, Aggregation- and TransactionEvents with the same few fields.
Once GS1's 2.0 XSD has accepted a document (event types, actions, zoned times and field order are
then settled), the screen reads every remaining value the rules look at, tag by tag, runs each
distinct offset, CBV value and location through the rules once, and matches all EPCs with one
regular expression over their concatenation. A document it accepts has no rule finding; anything
it does not model (other event types or fields, other identifiers than plain SGTIN/SSCC/SGLN
URNs and 00/01/414 Digital Links, comments inside values) goes through the per-event rules,
which also locate each finding.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from epcis.validation.rules import check_event
from epcis.validation.syntax import TIME_ZONE_OFFSET, split_digits

# Fields the screen does not model. lxml answers "no such tag in this document" without a walk.
_UNMODELLED = (
    "childQuantityList",
    "errorDeclaration",
    "baseExtension",
    "quantityList",
    "sensorElementList",
    "persistentDisposition",
    "extension",
)
_EVENTS = "EPCISBody/EventList"
_KNOWN_EVENTS = "self::ObjectEvent or self::TransactionEvent or self::AggregationEvent"
# Other event types, and AggregationEvents without parentID (the rules want one for ADD and DELETE).
_TRIPPING_EVENTS = f"count({_EVENTS}/*[not({_KNOWN_EVENTS})]) + count({_EVENTS}/AggregationEvent[not(parentID)])"
# Tags whose text the rules read; `id` is the readPoint / bizLocation identifier.
_READ = ("eventTimeZoneOffset", "bizStep", "disposition", "id", "epc", "parentID")
# One EPC per line, each a form the rules accept: SGTIN/SSCC/SGLN URNs without %-escapes (a
# subset of syntax.EPC_VALID) or Digital Links whose first path segment is a valid 00/01/414 key.
_SERIAL = r"[A-Za-z0-9!'()*+,\-.:;=_]{1,20}"
_KEYS = r"(?:00/[0-9]{18}|01/(?:[0-9]{14}|[0-9]{13}|[0-9]{12}|[0-9]{8})|414/[0-9]{13})"
_EPC_LINES = re.compile(
    rf"(?:(?:urn:epc:id:(?:sgtin:(?:{split_digits(13)})\.{_SERIAL}|sscc:(?:{split_digits(17)})"
    rf"|sgln:(?:{split_digits(12, min_rest=0)})\.{_SERIAL})"
    rf"|https?://[^/?#\s]+/{_KEYS}(?:[/?#][^\n]*)?)\n)*"
)


def _texts(root: etree._Element, tag: str) -> list[str] | None:
    """Text of every `tag` element, or None if one is empty (the rules would read "")."""
    texts = [element.text for element in root.iter(tag)]
    return None if None in texts else texts


def is_clean(root: etree._Element) -> bool:
    """True when no event can have a rule finding (strict rules included).

    Only meaningful for an EPCIS 2.0 EPCISDocument that GS1's 2.0 XSD has just accepted.
    """
    # Comments and processing instructions could split a value into several text nodes.
    if next(root.iter(etree.Comment, etree.ProcessingInstruction, *_UNMODELLED), None) is not None:
        return False
    if root.xpath(_TRIPPING_EVENTS):
        return False
    read = {tag: _texts(root, tag) for tag in _READ}
    values = {tag: texts for tag, texts in read.items() if texts is not None}
    if len(values) != len(read):
        return False
    # The offset is not stripped by the rules (xsd:string keeps whitespace), so neither is it here.
    if not all(TIME_ZONE_OFFSET.fullmatch(offset) for offset in set(values["eventTimeZoneOffset"])):
        return False
    identifiers = values["epc"] + values["parentID"]  # epcList, childEPCs, parentIDs: the same rules
    if identifiers and _EPC_LINES.fullmatch("\n".join(identifiers) + "\n") is None:
        return False
    # Each distinct value goes through the real rules once, in a minimal event of its own.
    probes: list[dict[str, Any]] = [{"bizStep": value.strip()} for value in set(values["bizStep"])]
    probes += [{"disposition": value.strip()} for value in set(values["disposition"])]
    probes += [{"readPoint": {"id": value.strip()}} for value in set(values["id"])]
    return not any(check_event({"type": "ObjectEvent", "action": "ADD", **probe}, xml=True) for probe in probes)
