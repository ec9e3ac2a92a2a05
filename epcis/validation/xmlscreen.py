"""Fast path for bulk XML: proves, in a few C-level passes, that a plain event list has no rule finding.

Bulk documents are mostly Object-, Aggregation- and TransactionEvents with the same few fields.
Once GS1's 2.0 XSD has accepted a document (event types, actions, zoned times and field order are
then settled), the screen reads every remaining value the rules look at, tag by tag, runs each
distinct offset, CBV value, location and quantity through the rules once, and matches all EPCs
with one regular expression over their concatenation. A document it accepts has no rule finding;
anything it does not model (other event types or fields, other identifiers than SGTIN/SSCC/SGLN
URNs and 00/01/414 Digital Links, comments inside values) goes through the per-event rules, which
also locate each finding.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from epcis.compiled import XMLWALK
from epcis.validation.rules import check_event
from epcis.validation.syntax import TIME_ZONE_OFFSET, identifier_lines, lines_match

# Fields the screen does not model.
_UNMODELLED = (
    "errorDeclaration",
    "baseExtension",
    "inputQuantityList",
    "outputQuantityList",
    "sensorElementList",
    "persistentDisposition",
    "extension",
)
# Event types the screen does not model. Only the five event types may sit in the EventList, unqualified.
_OTHER_EVENTS = ("TransformationEvent", "AssociationEvent")
# Tags whose text the rules read; `id` is the readPoint / bizLocation identifier. `quantity` sits in
# the quantityElements of quantityList and childQuantityList; the XSD only admits `uom` after a
# `quantity` and makes both unique, so the uom-without-quantity rule cannot fire there.
# `epc` comes last: parentIDs join it (epcList, childEPCs, parentIDs: the same rules).
_READ = ("eventTimeZoneOffset", "bizStep", "disposition", "id", "quantity", "epc")
_SCREEN_TEXTS = None if XMLWALK is None else XMLWALK.screen_texts
# One walk finds all of it. lxml matches the tags in C and only hands over the elements named here.
_WALK = (
    etree.Comment,
    etree.ProcessingInstruction,
    etree.Entity,
    *_UNMODELLED,
    *_OTHER_EVENTS,
    "AggregationEvent",
    "TransactionEvent",
    "parentID",
    *_READ,
)
# One EPC per line, each a form the rules accept: SGTIN/SSCC/SGLN URNs (a subset of syntax.EPC_VALID)
# or Digital Links whose first path segment is a valid 00/01/414 key.
_KEYS = r"(?:00/[0-9]{18}|01/(?:[0-9]{14}|[0-9]{13}|[0-9]{12}|[0-9]{8})|414/[0-9]{13})"
_EPC_LINES = identifier_lines(lambda serial: rf"https?://[^/?#\s]+/{_KEYS}(?:[/?#][^\n]*)?")


def _read(root: etree._Element) -> dict[str, list[str]] | None:
    """The text of every element the rules read, by tag (parentIDs with the EPCs), in one walk.

    The compiled walk when it is built, else ``_read_tree``; both give the same answer.
    """
    if _SCREEN_TEXTS is None:
        return _read_tree(root)
    texts: dict[str, list[str]] | None = _SCREEN_TEXTS(
        root, _READ, (*_UNMODELLED, *_OTHER_EVENTS), "parentID", "AggregationEvent", "TransactionEvent"
    )
    return texts


def _read_tree(root: etree._Element) -> dict[str, list[str]] | None:
    """``_read`` with lxml's element iterator.

    None when the document holds something the screen does not model: a comment, processing
    instruction or entity reference (they could split a value into several text nodes), an
    unmodelled field or event type, an AggregationEvent without parentID (the rules want one for ADD
    and DELETE), or an empty value (the rules would read "").
    """
    texts: dict[str, list[str]] = {tag: [] for tag in _READ}
    identifiers = texts["epc"]  # epcList, childEPCs, parentIDs: the same rules
    get = texts.get
    awaiting_parent = False
    for element in root.iter(*_WALK):
        tag = element.tag
        target = get(tag)  # comments and PIs have a factory as tag: no match
        if target is not None:
            text = element.text
            if text is None:
                return None
            target.append(text)
        elif tag == "parentID":
            # The XSD puts parentID right inside its event, before anything else the walk sees.
            text = element.text
            if text is None:
                return None
            identifiers.append(text)
            awaiting_parent = False
        elif tag == "AggregationEvent" or tag == "TransactionEvent":
            if awaiting_parent:
                return None
            awaiting_parent = tag == "AggregationEvent"
        else:
            return None
    return None if awaiting_parent else texts


def is_clean(root: etree._Element) -> bool:
    """True when no event can have a rule finding (strict rules included).

    Only meaningful for an EPCIS 2.0 EPCISDocument that GS1's 2.0 XSD has just accepted.
    """
    values = _read(root)
    if values is None:
        return False
    # The offset is not stripped by the rules (xsd:string keeps whitespace), so neither is it here.
    if not all(TIME_ZONE_OFFSET.fullmatch(offset) for offset in set(values["eventTimeZoneOffset"])):
        return False
    if not lines_match(values["epc"], _EPC_LINES):
        return False
    # Each distinct value goes through the real rules once, in a minimal event of its own.
    probes: list[dict[str, Any]] = [{"bizStep": value.strip()} for value in set(values["bizStep"])]
    probes += [{"disposition": value.strip()} for value in set(values["disposition"])]
    probes += [{"readPoint": {"id": value.strip()}} for value in set(values["id"])]
    probes += [{"quantityList": [{"quantity": value.strip()}]} for value in set(values["quantity"])]
    return not any(check_event({"type": "ObjectEvent", "action": "ADD", **probe}, xml=True) for probe in probes)
