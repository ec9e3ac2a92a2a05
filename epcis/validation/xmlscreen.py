"""Fast path for bulk XML: proves, in a few C-level passes, that a plain event list has no rule finding.

Bulk documents are mostly ObjectEvents and TransactionEvents with the same handful of fields.
Once GS1's 2.0 XSD has accepted a document (event types, actions, zoned times and field order are
then settled), the screen reads every remaining value the rules look at, tag by tag, checks each
distinct value once and all EPCs with one regular-expression match over their concatenation. A
document it accepts has no rule finding; anything it does not model (other event types or fields,
custom vocabularies, other identifiers, comments inside values) goes through the per-event rules,
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
    "parentID",
    "errorDeclaration",
    "baseExtension",
    "quantityList",
    "sensorElementList",
    "persistentDisposition",
    "extension",
)
_OTHER_EVENTS = "count(EPCISBody/EventList/*[not(self::ObjectEvent or self::TransactionEvent)])"
# Well-formed SGTIN/SSCC/SGLN URNs without %-escapes, one per line: a subset of syntax.EPC_VALID.
_SERIAL = r"[A-Za-z0-9!'()*+,\-.:;=_]{1,20}"
_EPC_LINES = re.compile(
    rf"(?:urn:epc:id:(?:sgtin:(?:{split_digits(13)})\.{_SERIAL}|sscc:(?:{split_digits(17)})"
    rf"|sgln:(?:{split_digits(12, min_rest=0)})\.{_SERIAL})\n)*"
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
    if root.xpath(_OTHER_EVENTS):
        return False
    offsets, biz_steps = _texts(root, "eventTimeZoneOffset"), _texts(root, "bizStep")
    dispositions, locations, epcs = _texts(root, "disposition"), _texts(root, "id"), _texts(root, "epc")
    if offsets is None or biz_steps is None or dispositions is None or locations is None or epcs is None:
        return False
    # The offset is not stripped by the rules (xsd:string keeps whitespace), so neither is it here.
    if not all(TIME_ZONE_OFFSET.fullmatch(offset) for offset in set(offsets)):
        return False
    if epcs and _EPC_LINES.fullmatch("\n".join(epcs) + "\n") is None:
        return False
    # Each distinct value goes through the real rules once, in a minimal event of its own.
    probes: list[dict[str, Any]] = [{"bizStep": value.strip()} for value in set(biz_steps)]
    probes += [{"disposition": value.strip()} for value in set(dispositions)]
    probes += [{"readPoint": {"id": value.strip()}} for value in set(locations)]
    return not any(check_event({"type": "ObjectEvent", "action": "ADD", **probe}, xml=True) for probe in probes)
