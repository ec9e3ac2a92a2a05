"""XML documents (EPCIS 2.0 and 1.2, query and master data): XSD plus event rules on one parsed tree."""

from __future__ import annotations

from lxml import etree

from epcis.validation import issues as r
from epcis.validation.issues import ValidationIssue
from epcis.validation.rules import EVENT_TYPES, check_event
from epcis.validation.schemas import NS_EPCIS_2, XSD_ENTRY_POINTS, xml_parser, xml_schema
from epcis.validation.xmlscreen import is_clean
from epcis.validation.xmlview import EventView

_EVENT_NAMESPACES = (None, NS_EPCIS_2)
# A bare event is wrapped in a document only to reach the XSD's EventList; its date is never read.
_WRAPPER_DATE = "1970-01-01T00:00:00Z"


def validate_xml(data: bytes | str, *, strict: bool = False) -> list[ValidationIssue]:
    """Validate an XML EPCIS document; the tree is parsed once and shared by the XSD and the rules.

    The XSD follows the root namespace (2.0 or 1.2; document, query or master data). A bare
    unqualified event is wrapped in a 2.0 EPCISDocument so the XSD can reach it.
    """
    try:
        root = etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as error:
        return [ValidationIssue(None, "/", f"not well-formed XML: {error.msg}", r.XML_SYNTAX, error.lineno)]
    return validate_xml_tree(root, strict=strict)


def validate_xml_tree(root: etree._Element, *, strict: bool = False) -> list[ValidationIssue]:
    """`validate_xml` of a tree parsed already with `schemas.xml_parser()` (a bare event is moved into a wrapper)."""
    return screened_validation(root, strict=strict)[0]


def screened_validation(root: etree._Element, *, strict: bool = False) -> tuple[list[ValidationIssue], bool]:
    """`validate_xml_tree`, and whether the bulk screen passed the tree: then it holds elements and text
    only (no comments, processing instructions or entity references)."""
    qname = etree.QName(root)
    bare = qname.localname in EVENT_TYPES and qname.namespace in _EVENT_NAMESPACES
    if bare:
        root = _wrap(root)
    namespace = etree.QName(root).namespace
    if namespace not in XSD_ENTRY_POINTS:
        message = f"root element {root.tag} is not an EPCIS document, query or master-data document"
        return [ValidationIssue(None, f"/{qname.localname}", message, r.DOCUMENT_TYPE, root.sourceline)], False
    issues: list[ValidationIssue] = []
    schema = xml_schema(namespace)
    valid = schema.validate(root)
    if valid and namespace == NS_EPCIS_2 and _local_name(root) == "EPCISDocument" and is_clean(root):
        return issues, True  # the screen proved the rules would find nothing
    events = _events(root)
    if not valid:
        issues.extend(_xsd_issues(schema.error_log, events, bare))
    for position, element in enumerate(events):
        index = None if bare else position
        tag = element.tag
        if tag not in EVENT_TYPES:
            if isinstance(tag, str) and etree.QName(tag).localname in EVENT_TYPES:
                continue  # a namespace-qualified event: the XSD rejects it, the rules would misread it
            path = element.getroottree().getpath(element)
            message = f"unknown event type {etree.QName(element).localname!r}"
            issues.append(ValidationIssue(index, path, message, r.EVENT_TYPE, element.sourceline))
            continue
        view = EventView(element)
        for finding in check_event(view.data, xml=True, strict=strict):
            path, line = view.locate(finding.path)
            issues.append(ValidationIssue(index, path, finding.message, finding.rule, line))
    return issues, False


def _local_name(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _wrap(event: etree._Element) -> etree._Element:
    root = etree.Element(
        etree.QName(NS_EPCIS_2, "EPCISDocument"),
        nsmap={"epcis": NS_EPCIS_2},
        schemaVersion="2.0",
        creationDate=_WRAPPER_DATE,
    )
    etree.SubElement(etree.SubElement(root, "EPCISBody"), "EventList").append(event)
    return root


def _events(root: etree._Element) -> list[etree._Element]:
    """Event elements in document order, 1.2 `extension` wrappers flattened."""
    local = etree.QName(root).localname
    if local == "EPCISDocument":
        event_list = root.find("EPCISBody/EventList")
        lists = [] if event_list is None else [event_list]
    elif local == "EPCISQueryDocument":
        # Also finds events under an unqualified QueryResults, which the XSD rejects without a look.
        lists = list(root.iter("EventList"))
    else:
        return []
    events: list[etree._Element] = []
    for event_list in lists:
        _collect(event_list, events)
    return events


def _collect(parent: etree._Element, events: list[etree._Element]) -> None:
    for child in parent:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "extension":
            _collect(child, events)
        else:
            events.append(child)


def _xsd_issues(log: etree._ListErrorLog, events: list[etree._Element], bare: bool) -> list[ValidationIssue]:
    # Only invalid documents pay for these paths; an error's path names its node, below its event.
    tree = events[0].getroottree() if events else None
    positions = {} if bare or tree is None else {tree.getpath(event): n for n, event in enumerate(events)}
    issues = []
    for entry in log:
        path = entry.path or "/"
        owner = path
        while owner and owner not in positions:
            owner = owner.rpartition("/")[0]
        issues.append(ValidationIssue(positions.get(owner), path, entry.message, r.XSD, entry.line or None))
    return issues
