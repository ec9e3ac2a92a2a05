"""EPCIS XML binding: read EPCIS 2.0 and 1.2 XML into the model, write the model as 2.0 or 1.2 XML.

Reading ignores the 1.2 ``extension``/``baseExtension`` wrappers, so 1.2 and 2.0 documents give the same
model. Writing builds the tree with lxml element APIs in XSD element order.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from lxml import etree

from epcis import cbv
from epcis.compiled import XMLWALK
from epcis.errors import EpcisExportError, EpcisParseError
from epcis.model import (
    EPCIS_NAMES,
    SENSOR_DECIMAL,
    SENSOR_TIME,
    SENSOR_VOCAB,
    AssociationEvent,
    BizTransaction,
    Document,
    Epc,
    ErrorDeclaration,
    Event,
    Extension,
    Header,
    Location,
    Partner,
    PersistentDisposition,
    QuantityElement,
    Sbdh,
    SensorElement,
    SensorMetadata,
    SensorReport,
    SourceDest,
    TransformationEvent,
    Vocabulary,
    VocabularyAttribute,
    VocabularyElement,
    field_names,
    format_decimal,
    format_time,
    gc_paused,
    parse_decimal,
    parse_time,
)
from epcis.model import EVENT_TYPES as _EVENT_TYPES

NS_EPCIS_2 = "urn:epcglobal:epcis:xsd:2"
NS_EPCIS_1 = "urn:epcglobal:epcis:xsd:1"
NS_QUERY_2 = "urn:epcglobal:epcis-query:xsd:2"
NS_QUERY_1 = "urn:epcglobal:epcis-query:xsd:1"
NS_SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_GS1 = "https://gs1.org/voc/"
_SBDH = "{" + NS_SBDH + "}"
_EPCIS_NS_START = ("{urn:epcglobal:epcis:xsd:", "{urn:epcglobal:epcis-query:xsd:")
_WRAPPERS = frozenset({"extension", "baseExtension"})
_EPC_LISTS = {
    "epcList": "epc_list",
    "childEPCs": "child_epcs",
    "inputEPCList": "input_epc_list",
    "outputEPCList": "output_epc_list",
}
_QUANTITY_LISTS = {
    "quantityList": "quantity_list",
    "childQuantityList": "child_quantity_list",
    "inputQuantityList": "input_quantity_list",
    "outputQuantityList": "output_quantity_list",
}
# Untrusted input: no entity expansion, no DTD or network access, libxml2's depth and node-size limits kept.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
)


# ---------------------------------------------------------------- reading


def _text(el: Any) -> str:
    return (el.text or "").strip()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(el: Any) -> list[Any]:
    """Element children, with the 1.2-style ``extension``/``baseExtension`` wrappers flattened away."""
    out: list[Any] = []
    for child in el.iterchildren(etree.Element):
        tag = child.tag
        if tag[0] == "{":
            if tag.startswith(_EPCIS_NS_START):
                # Lenient: standard fields written with the EPCIS namespace prefix are read as unqualified.
                child.tag = tag = _local(tag)
            else:
                out.append(child)
                continue
        if tag in _WRAPPERS:
            out.extend(_children(child))
        else:
            out.append(child)
    return out


def _unwrapped(child: Any) -> list[Any]:
    """What ``_children`` makes of one child element: itself, renamed, or a wrapper's flattened content."""
    tag = child.tag
    if tag[0] == "{":
        if not tag.startswith(_EPCIS_NS_START):
            return [child]
        child.tag = tag = _local(tag)
    return _children(child) if tag in _WRAPPERS else [child]


def extension_from_xml(el: Any) -> Extension:
    """A user extension node from an element, kept whole (text, attributes, children)."""
    text = (el.text or "").strip()
    return Extension(
        name=el.tag,
        text=text or None,
        attributes=dict(el.items()),
        # len() is a C-level count: most extensions are leaves and skip the child walk.
        children=[extension_from_xml(c) for c in el.iterchildren(etree.Element)] if len(el) else [],
    )


def _quantities(el: Any, field: str) -> list[QuantityElement]:
    out = []
    for q in _children(el):
        if q.tag != "quantityElement":
            raise EpcisParseError(f"unexpected element <{q.tag}> in a quantity list", field=field)
        kw: dict[str, Any] = {}
        for part in _children(q):
            if part.tag == "epcClass":
                kw["epc_class"] = Epc(_text(part))
            elif part.tag == "quantity":
                kw["quantity"] = parse_decimal(_text(part)) if _text(part) else None
            elif part.tag == "uom":
                kw["uom"] = _text(part)
        if "epc_class" not in kw:
            raise EpcisParseError("quantityElement without epcClass", field=field)
        out.append(QuantityElement(**kw))
    return out


_new = object.__new__


def _location(el: Any) -> Location:
    if len(el) == 1:
        only = el[0]
        if only.tag == "id":  # the usual shape: just the identifier
            # Location(id=..., extensions=[]) without the dataclass __init__'s keyword parsing (half the cost).
            loc: Location = _new(Location)
            loc.id = Epc((only.text or "").strip())
            loc.extensions = []
            return loc
    ident = None
    extensions: list[Extension] = []
    for child in el.iterchildren(etree.Element):
        tag = child.tag
        if tag == "id":
            ident = Epc((child.text or "").strip())
        elif tag in _WRAPPERS:
            extensions.extend(extension_from_xml(c) for c in _children(child))
        elif tag[0] == "{" and not tag.startswith(_EPCIS_NS_START):
            extensions.append(extension_from_xml(child))
        elif _local(tag) == "id":
            ident = Epc((child.text or "").strip())
        else:
            extensions.append(extension_from_xml(child))
    if ident is None:
        raise EpcisParseError(f"<{el.tag}> has no <id>", field=el.tag)
    return Location(id=ident, extensions=extensions)


def _sensor_part(el: Any, cls: type[SensorMetadata] | type[SensorReport]) -> Any:
    kw: dict[str, Any] = {}
    extensions = []
    for name, value in el.attrib.items():
        if name[0] == "{":
            extensions.append(Extension(name=name, text=value))
        elif name in cls.FIELDS:
            kw[name] = _sensor_value(name, value)
        else:
            # Not an EPCIS attribute: kept like a user extension so nothing is lost.
            extensions.append(Extension(name=name, text=value))
    for child in _children(el):
        extensions.append(extension_from_xml(child))
    return cls(**kw, extensions=extensions)


def _sensor_value(name: str, value: str) -> Any:
    if name in SENSOR_TIME:
        return parse_time(value)
    if name in SENSOR_DECIMAL:
        return parse_decimal(value)
    if name == "booleanValue":
        if value.strip() not in ("true", "false", "1", "0"):
            raise ValueError(f"booleanValue {value!r} is not an xsd:boolean")
        return value.strip() in ("true", "1")
    if name in SENSOR_VOCAB:
        return cbv.bare(SENSOR_VOCAB[name], _expand_curie(value))
    return value


def _expand_curie(value: str) -> str:
    if value.startswith("gs1:"):
        return cbv.GS1_VOC + value[4:]
    if value.startswith("cbv:"):
        return cbv.CBV_WEB + value[4:]
    return value


def _sensor_elements(el: Any) -> list[SensorElement]:
    out = []
    for se in _children(el):
        if se.tag != "sensorElement":
            raise EpcisParseError(f"unexpected element <{se.tag}> in sensorElementList", field="sensorElementList")
        element = SensorElement()
        for part in _children(se):
            if part.tag == "sensorMetadata":
                element.metadata = _sensor_part(part, SensorMetadata)
            elif part.tag == "sensorReport":
                element.reports.append(_sensor_part(part, SensorReport))
            else:
                element.extensions.append(extension_from_xml(part))
        out.append(element)
    return out


def _error_declaration(el: Any) -> ErrorDeclaration:
    kw: dict[str, Any] = {"extensions": []}
    for child in _children(el):
        tag = child.tag
        if tag == "declarationTime":
            kw["declaration_time"] = parse_time(_text(child))
        elif tag == "reason":
            kw["reason"] = cbv.bare("errorReason", _text(child))
        elif tag == "correctiveEventIDs":
            kw["corrective_event_ids"] = [_text(c) for c in _children(child)]
        else:
            kw["extensions"].append(extension_from_xml(child))
    if "declaration_time" not in kw:
        raise EpcisParseError("errorDeclaration without declarationTime", field="errorDeclaration")
    return ErrorDeclaration(**kw)


def _source_dest(el: Any, name: str) -> list[SourceDest]:
    out = []
    for child in _children(el):
        kind = child.get("type")
        if kind is None:
            raise EpcisParseError(f"<{name}> without a type attribute", field=f"{name}List")
        out.append(SourceDest(value=Epc(_text(child)), type=cbv.bare("sourceDestType", kind)))
    return out


def _extension_field(kw: dict[str, Any], el: Any) -> None:
    # Namespaced user extensions, and unqualified elements EPCIS does not define (1.2 extension content).
    kw.setdefault("extensions", []).append(extension_from_xml(el))


def _epc_list(attr: str) -> Callable[[dict[str, Any], Any], None]:
    def read(kw: dict[str, Any], el: Any) -> None:
        # Every child of an EPC list is an <epc>, whatever its prefix: no need to look at tags.
        kw[attr] = [Epc((e.text or "").strip()) for e in el.iterchildren(etree.Element)]

    return read


def _quantity_reader(attr: str, tag: str) -> Callable[[dict[str, Any], Any], None]:
    def read(kw: dict[str, Any], el: Any) -> None:
        kw[attr] = _quantities(el, tag)

    return read


def _text_field(attr: str, convert: Callable[[str], Any] | None = None) -> Callable[[dict[str, Any], Any], None]:
    if convert is None:

        def read_text(kw: dict[str, Any], el: Any) -> None:
            kw[attr] = (el.text or "").strip()

        return read_text

    def read(kw: dict[str, Any], el: Any) -> None:
        kw[attr] = convert((el.text or "").strip())

    return read


def _vocab_field(attr: str, name: str) -> Callable[[dict[str, Any], Any], None]:
    lookup = cbv.vocabulary(name).to_bare

    def read(kw: dict[str, Any], el: Any) -> None:
        kw[attr] = lookup((el.text or "").strip())

    return read


def _biz_transactions(kw: dict[str, Any], el: Any) -> None:
    to_bare = cbv.vocabulary("bizTransactionType").to_bare
    out = []
    for b in _children(el):
        kind = b.get("type")
        out.append(BizTransaction(value=_text(b), type=None if kind is None else to_bare(kind)))
    kw["biz_transactions"] = out


def _persistent_disposition(kw: dict[str, Any], el: Any) -> None:
    pd = PersistentDisposition()
    for child in _children(el):
        if child.tag not in ("set", "unset"):
            raise EpcisParseError(f"unexpected element <{child.tag}>", field="persistentDisposition")
        getattr(pd, child.tag).append(cbv.bare("disposition", _text(child)))
    kw["persistent_disposition"] = pd


def _certification_info(kw: dict[str, Any], el: Any) -> None:
    kw.setdefault("certification_info", []).append(_text(el))


_FIELDS: dict[str, Callable[[dict[str, Any], Any], None]] = {
    "eventTime": _text_field("event_time", parse_time),
    "eventTimeZoneOffset": _text_field("event_time_zone_offset"),
    "recordTime": _text_field("record_time", parse_time),
    "eventID": _text_field("event_id"),
    "action": _text_field("action"),
    "parentID": _text_field("parent_id", Epc),
    "transformationID": _text_field("transformation_id"),
    "bizStep": _vocab_field("biz_step", "bizStep"),
    "disposition": _vocab_field("disposition", "disposition"),
    "readPoint": lambda kw, el: kw.__setitem__("read_point", _location(el)),
    "bizLocation": lambda kw, el: kw.__setitem__("biz_location", _location(el)),
    "bizTransactionList": _biz_transactions,
    "sourceList": lambda kw, el: kw.__setitem__("sources", _source_dest(el, "source")),
    "destinationList": lambda kw, el: kw.__setitem__("destinations", _source_dest(el, "destination")),
    "sensorElementList": lambda kw, el: kw.__setitem__("sensor_elements", _sensor_elements(el)),
    "persistentDisposition": _persistent_disposition,
    "ilmd": lambda kw, el: kw.__setitem__("ilmd", [extension_from_xml(c) for c in _children(el)]),
    "errorDeclaration": lambda kw, el: kw.__setitem__("error_declaration", _error_declaration(el)),
    "certificationInfo": _certification_info,
    **{tag: _epc_list(attr) for tag, attr in _EPC_LISTS.items()},
    **{tag: _quantity_reader(attr, tag) for tag, attr in _QUANTITY_LISTS.items()},
}


# Per event type: the fields it accepts, and the ones it needs.
_ALLOWED = {
    cls: (field_names(cls), frozenset({"event_time", "event_time_zone_offset", "action"}) & field_names(cls))
    for cls in _EVENT_TYPES.values()
}


# The fields nearly every event has, read inline by ``event_from_xml`` (the rest go through ``_FIELDS``).
_EVENT_TIME, _OFFSET, _ACTION, _BIZ_STEP, _DISPOSITION, _READ_POINT, _BIZ_LOCATION, _EPCS = range(8)
_INLINE = {
    "eventTime": _EVENT_TIME,
    "eventTimeZoneOffset": _OFFSET,
    "action": _ACTION,
    "bizStep": _BIZ_STEP,
    "disposition": _DISPOSITION,
    "readPoint": _READ_POINT,
    "bizLocation": _BIZ_LOCATION,
    **{tag: _EPCS for tag in _EPC_LISTS},
}
_BIZ_STEPS = cbv.vocabulary("bizStep").forms
_DISPOSITIONS = cbv.vocabulary("disposition").forms
_ELEMENT = etree.Element


# The compiled reader of the usual event shape, when built; it answers None for the rest.
_READ_EVENT = None if XMLWALK is None else XMLWALK.read_event
if XMLWALK is not None:
    XMLWALK.configure(
        Epc,
        parse_time,
        parse_decimal,
        Location,
        Extension,
        BizTransaction,
        QuantityElement,
        dict(_EVENT_TYPES),
        _ALLOWED,
        _BIZ_STEPS,
        _DISPOSITIONS,
        cbv.vocabulary("bizTransactionType").to_bare,
    )


def event_from_xml(el: Any, index: int, plain: bool = False) -> Event:
    """One event element (any EPCIS version) as a model event.

    ``plain``: the subtree holds elements only (no comments, processing instructions or entity
    references), so children are iterated without the element filter.
    """
    name = _local(el.tag)
    cls = _EVENT_TYPES.get(name)
    if cls is None:
        raise EpcisParseError(f"unknown event type <{name}>", event_index=index)
    kw: dict[str, Any] = {}
    fields = _FIELDS
    inline = _INLINE
    current = el
    try:
        for child in el if plain else el.iterchildren(_ELEMENT):
            current = child
            tag = child.tag
            code = inline.get(tag)
            if code is None:
                read = fields.get(tag)
                if read is not None:
                    read(kw, child)
                elif tag[0] == "{" and not tag.startswith(_EPCIS_NS_START):
                    # A user extension, the usual reason to get here; leaves are built here directly.
                    if len(child):
                        ext = extension_from_xml(child)
                    else:
                        text = (child.text or "").strip()
                        ext = Extension(name=tag, text=text or None, attributes=dict(child.items()), children=[])
                    extensions = kw.get("extensions")
                    if extensions is None:
                        kw["extensions"] = [ext]
                    else:
                        extensions.append(ext)
                else:
                    # A 1.2 wrapper or a namespace-qualified standard field.
                    for part in _unwrapped(child):
                        current = part
                        fields.get(part.tag, _extension_field)(kw, part)
            elif code == _EPCS:
                # Every child of an EPC list is an <epc>, whatever its prefix: no need to look at tags.
                items = child if plain else child.iterchildren(_ELEMENT)
                kw[_EPC_LISTS[tag]] = [Epc((e.text or "").strip()) for e in items]
            elif code == _EVENT_TIME:
                kw["event_time"] = parse_time((child.text or "").strip())
            elif code == _OFFSET:
                kw["event_time_zone_offset"] = (child.text or "").strip()
            elif code == _ACTION:
                kw["action"] = (child.text or "").strip()
            elif code == _BIZ_STEP:
                text = (child.text or "").strip()
                kw["biz_step"] = _BIZ_STEPS.get(text, text)
            elif code == _DISPOSITION:
                text = (child.text or "").strip()
                kw["disposition"] = _DISPOSITIONS.get(text, text)
            elif code == _READ_POINT:
                kw["read_point"] = _location(child)
            else:
                kw["biz_location"] = _location(child)
    except EpcisParseError as exc:
        raise EpcisParseError(exc.reason, event_index=index, field=exc.field) from None
    except (ValueError, ArithmeticError) as exc:
        raise EpcisParseError(str(exc), event_index=index, field=_local(current.tag)) from None
    allowed, required = _ALLOWED[cls]
    if not (kw.keys() <= allowed and required <= kw.keys()):
        for key in kw:
            if key not in allowed:
                raise EpcisParseError(f"not allowed in {name}", event_index=index, field=EPCIS_NAMES.get(key, key))
        for key in ("event_time", "event_time_zone_offset", "action"):
            if key in required and key not in kw:
                raise EpcisParseError("missing", event_index=index, field=EPCIS_NAMES.get(key, key))
    return cls(**kw)


def _events(event_list: Any) -> list[Event]:
    out: list[Event] = []
    fast = _READ_EVENT
    plain = None  # whether the list holds elements only: looked up for the first event the compiled reader leaves
    for el in _children(event_list):
        event = None if fast is None else fast(el)
        if event is None:
            if plain is None:
                plain = next(event_list.iter(etree.Comment, etree.ProcessingInstruction, etree.Entity), None) is None
            event = event_from_xml(el, len(out), plain)
        out.append(event)
    return out


def _partner(el: Any) -> Partner:
    ident = el.find(_SBDH + "Identifier")
    if ident is None:
        raise EpcisParseError(f"SBDH {_local(el.tag)} without Identifier", field=_local(el.tag))
    return Partner(identifier=_text(ident), authority=ident.get("Authority"))


def _sbdh(el: Any) -> Sbdh:
    sbdh = Sbdh()
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        if name == "HeaderVersion":
            sbdh.header_version = _text(child)
        elif name == "Sender":
            sbdh.senders.append(_partner(child))
        elif name == "Receiver":
            sbdh.receivers.append(_partner(child))
        elif name == "DocumentIdentification":
            for part in child:
                if not isinstance(part.tag, str):
                    continue
                key = _local(part.tag)
                if key == "MultipleType":
                    sbdh.multiple_type = _text(part) in ("true", "1")
                elif key in _SBDH_FIELDS:
                    setattr(sbdh, _SBDH_FIELDS[key], _text(part))
    return sbdh


_SBDH_FIELDS = {
    "Standard": "standard",
    "TypeVersion": "type_version",
    "InstanceIdentifier": "instance_identifier",
    "Type": "document_type",
    "CreationDateAndTime": "creation_date_and_time",
}


def _vocabularies(el: Any) -> list[Vocabulary]:
    out = []
    for voc in _children(el):
        if _local(voc.tag) != "Vocabulary":
            continue
        vocabulary = Vocabulary(type=voc.get("type", ""))
        for vel_list in _children(voc):
            for vel in _children(vel_list):
                element = VocabularyElement(id=vel.get("id", ""))
                for part in _children(vel):
                    if part.tag == "attribute":
                        kids = [extension_from_xml(c) for c in part if isinstance(c.tag, str)]
                        element.attributes.append(
                            VocabularyAttribute(id=part.get("id", ""), value=_text(part) or None, children=kids)
                        )
                    elif part.tag == "children":
                        element.children = [_text(c) for c in _children(part)]
                vocabulary.elements.append(element)
        out.append(vocabulary)
    return out


def _header(el: Any) -> Header:
    header = Header()
    for child in _children(el):
        tag = child.tag
        if tag == _SBDH + "StandardBusinessDocumentHeader":
            header.sbdh = _sbdh(child)
        elif tag == "EPCISMasterData":
            for part in _children(child):
                if part.tag == "VocabularyList":
                    header.master_data.extend(_vocabularies(part))
        elif tag[0] == "{":
            header.extensions.append(extension_from_xml(child))
    return header


def parse_xml(data: bytes | str) -> Document:
    """An EPCIS 1.2 or 2.0 XML document (EPCISDocument, EPCISQueryDocument, master data or bare event)."""
    try:
        root = etree.fromstring(data.encode("utf-8") if isinstance(data, str) else data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise EpcisParseError(f"not well-formed XML: {exc}") from None
    return parse_xml_tree(root, stripped=True)


def parse_xml_tree(root: Any, *, stripped: bool = False) -> Document:
    """``parse_xml`` of a tree parsed already, with entities left unresolved.

    Comments and processing instructions are no part of a value: the tree loses them first (their
    text is joined), unless ``stripped`` says it holds none, as ``parse_xml``'s parser leaves it.
    """
    if not stripped:
        etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
    info = root.getroottree().docinfo
    dtd = info.internalDTD
    declares = dtd is not None and (any(True for _ in dtd.iterentities()) or any(True for _ in dtd.iterelements()))
    if declares or info.public_id or info.system_url:
        # A bare <!DOCTYPE name> (as in some GS1 examples) is harmless; declarations and DTD references are not.
        raise EpcisParseError("a DOCTYPE with declarations or an external DTD is not allowed (entities are refused)")
    with gc_paused():
        return document_from_xml(root)


def document_from_xml(root: Any) -> Document:
    """A model document from a parsed XML root element."""
    name = _local(root.tag)
    ns = root.tag[1:].partition("}")[0] if root.tag[0] == "{" else ""
    namespaces = {k or "": v for k, v in root.nsmap.items()}
    if name in _EVENT_TYPES:
        return Document(events=[event_from_xml(root, 0)], namespaces=namespaces)
    if name not in ("EPCISDocument", "EPCISQueryDocument", "EPCISMasterDataDocument"):
        raise EpcisParseError(f"root element <{name}> is not an EPCIS document")
    version = root.get("schemaVersion") or ("1.2" if ns.endswith(":1") else "2.0")
    doc = Document(kind=name, schema_version=version, namespaces=namespaces)
    created = root.get("creationDate")
    try:
        doc.creation_date = parse_time(created) if created else None
    except ValueError as exc:
        raise EpcisParseError(str(exc), field="creationDate") from None
    for child in _children(root):
        local = _local(child.tag)
        if local == "EPCISHeader":
            doc.header = _header(child)
        elif local == "EPCISBody":
            for part in _children(child):
                part_name = _local(part.tag)
                if part_name == "EventList":
                    doc.events = _events(part)
                elif part_name == "QueryResults":
                    _query_results(doc, _children(part))
                elif part_name == "VocabularyList":
                    doc.header = doc.header or Header()
                    doc.header.master_data.extend(_vocabularies(part))
                elif part.tag[0] == "{":
                    doc.extensions.append(extension_from_xml(part))
        elif local in ("queryName", "subscriptionID", "resultsBody"):
            # Lenient: some query documents carry the QueryResults content directly under the root.
            _query_results(doc, [child])
        elif child.tag[0] == "{":
            doc.extensions.append(extension_from_xml(child))
    return doc


def _query_results(doc: Document, parts: list[Any]) -> None:
    for part in parts:
        if part.tag == "queryName":
            doc.query_name = _text(part)
        elif part.tag == "subscriptionID":
            doc.subscription_id = _text(part)
        elif part.tag == "resultsBody":
            for body in _children(part):
                if body.tag == "EventList":
                    doc.events = _events(body)
        elif part.tag[0] == "{":
            doc.extensions.append(extension_from_xml(part))


# ---------------------------------------------------------------- writing

_ORDER_2 = {
    "ObjectEvent": (
        "epcList action bizStep disposition readPoint bizLocation bizTransactionList "
        "quantityList sourceList destinationList sensorElementList persistentDisposition ilmd"
    ),
    "AggregationEvent": (
        "parentID childEPCs action bizStep disposition readPoint bizLocation "
        "bizTransactionList childQuantityList sourceList destinationList sensorElementList "
        "persistentDisposition"
    ),
    "TransactionEvent": (
        "bizTransactionList parentID epcList action bizStep disposition readPoint bizLocation "
        "quantityList sourceList destinationList sensorElementList persistentDisposition"
    ),
    "TransformationEvent": (
        "inputEPCList inputQuantityList outputEPCList outputQuantityList transformationID "
        "bizStep disposition readPoint bizLocation bizTransactionList sourceList "
        "destinationList sensorElementList persistentDisposition ilmd"
    ),
    "AssociationEvent": (
        "parentID childEPCs childQuantityList action bizStep disposition readPoint bizLocation "
        "bizTransactionList sourceList destinationList sensorElementList persistentDisposition"
    ),
}
# 1.2: fields after the first "|" go to <extension>, after the second to <extension><extension>.
_ORDER_12 = {
    "ObjectEvent": (
        "epcList action bizStep disposition readPoint bizLocation bizTransactionList | "
        "quantityList sourceList destinationList ilmd | sensorElementList "
        "persistentDisposition"
    ),
    "AggregationEvent": (
        "parentID childEPCs action bizStep disposition readPoint bizLocation "
        "bizTransactionList | childQuantityList sourceList destinationList | sensorElementList "
        "persistentDisposition"
    ),
    "TransactionEvent": (
        "bizTransactionList parentID epcList action bizStep disposition readPoint bizLocation "
        "| quantityList sourceList destinationList | sensorElementList persistentDisposition"
    ),
    "TransformationEvent": (
        "inputEPCList inputQuantityList outputEPCList outputQuantityList transformationID "
        "bizStep disposition readPoint bizLocation bizTransactionList sourceList "
        "destinationList ilmd | sensorElementList persistentDisposition"
    ),
    "AssociationEvent": _ORDER_2["AssociationEvent"],
}


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def extension_to_xml(parent: Any, ext: Extension) -> None:
    """Append a user extension node (and its subtree) to ``parent``."""
    if ":" in ext.name and not ext.name.startswith("{"):
        prefix = ext.name.partition(":")[0]
        raise EpcisExportError(
            f"extension {ext.name!r} has no namespace: prefix {prefix!r} is not declared in an @context object"
        )
    el = etree.SubElement(parent, ext.name, ext.attributes or None)
    if ext.text is not None:
        el.text = ext.text
    for child in ext.children:
        extension_to_xml(el, child)


def _quantity_list(parent: Any, tag: str, items: list[QuantityElement]) -> None:
    el = _sub(parent, tag)
    for q in items:
        qe = _sub(el, "quantityElement")
        _sub(qe, "epcClass", q.epc_class)
        if q.quantity is not None:
            _sub(qe, "quantity", format_decimal(q.quantity))
            if q.uom is not None:
                _sub(qe, "uom", q.uom)


def _location_xml(parent: Any, tag: str, loc: Location) -> None:
    el = _sub(parent, tag)
    _sub(el, "id", loc.id)
    for ext in loc.extensions:
        extension_to_xml(el, ext)


def _sensor_attr(name: str, value: Any) -> str:
    if name in SENSOR_TIME:
        return format_time(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if name in SENSOR_VOCAB:
        voc = cbv.vocabulary(SENSOR_VOCAB[name])
        return voc.to_curie(value) if value in voc.words else str(value)
    return str(value)


def _sensor_part_xml(parent: Any, tag: str, part: SensorMetadata | SensorReport) -> None:
    attrs = {n: _sensor_attr(n, getattr(part, n)) for n in part.FIELDS if getattr(part, n) is not None}
    el = _sub(parent, tag)
    for key, value in attrs.items():
        el.set(key, value)
    for ext in part.extensions:
        if ext.children or ext.attributes or ext.text is None:
            extension_to_xml(el, ext)
        else:
            el.set(ext.name, ext.text)


def _sensor_list(parent: Any, elements: list[SensorElement]) -> None:
    el = _sub(parent, "sensorElementList")
    for se in elements:
        sel = _sub(el, "sensorElement")
        if se.metadata is not None:
            _sensor_part_xml(sel, "sensorMetadata", se.metadata)
        for report in se.reports:
            _sensor_part_xml(sel, "sensorReport", report)
        for ext in se.extensions:
            extension_to_xml(sel, ext)


def _error_declaration_xml(parent: Any, ed: ErrorDeclaration) -> None:
    el = _sub(parent, "errorDeclaration")
    _sub(el, "declarationTime", format_time(ed.declaration_time))
    if ed.reason is not None:
        _sub(el, "reason", cbv.urn("errorReason", ed.reason))
    if ed.corrective_event_ids:
        ids = _sub(el, "correctiveEventIDs")
        for ident in ed.corrective_event_ids:
            _sub(ids, "correctiveEventID", ident)
    for ext in ed.extensions:
        extension_to_xml(el, ext)


def _write_field(parent: Any, tag: str, event: Event, version: str = "2.0") -> None:
    if tag in _EPC_LISTS:
        epcs = getattr(event, _EPC_LISTS[tag])
        # epcList is written even when empty; 1.2 also requires childEPCs in an AggregationEvent.
        if epcs or tag == "epcList" or (tag == "childEPCs" and version == "1.2" and event.type == "AggregationEvent"):
            el = _sub(parent, tag)
            for epc in epcs:
                _sub(el, "epc", epc)
    elif tag in _QUANTITY_LISTS:
        items = getattr(event, _QUANTITY_LISTS[tag])
        if items:
            _quantity_list(parent, tag, items)
    elif tag in ("action", "parentID", "transformationID"):
        # Plain text fields that only some event types have.
        value = getattr(event, {"action": "action", "parentID": "parent_id"}.get(tag, "transformation_id"), None)
        if value is not None:
            _sub(parent, tag, value)
    elif tag == "bizStep":
        if event.biz_step is not None:
            _sub(parent, tag, cbv.urn("bizStep", event.biz_step))
    elif tag == "disposition":
        if event.disposition is not None:
            _sub(parent, tag, cbv.urn("disposition", event.disposition))
    elif tag == "readPoint":
        if event.read_point is not None:
            _location_xml(parent, tag, event.read_point)
    elif tag == "bizLocation":
        if event.biz_location is not None:
            _location_xml(parent, tag, event.biz_location)
    elif tag == "bizTransactionList":
        if event.biz_transactions:
            el = _sub(parent, tag)
            for bt in event.biz_transactions:
                b = _sub(el, "bizTransaction", bt.value)
                if bt.type is not None:
                    b.set("type", cbv.urn("bizTransactionType", bt.type))
    elif tag in ("sourceList", "destinationList"):
        items = event.sources if tag == "sourceList" else event.destinations
        if items:
            el = _sub(parent, tag)
            for sd in items:
                _sub(el, tag[:-4], sd.value).set("type", cbv.urn("sourceDestType", sd.type))
    elif tag == "sensorElementList":
        if event.sensor_elements:
            _sensor_list(parent, event.sensor_elements)
    elif tag == "persistentDisposition":
        pd = event.persistent_disposition
        if pd is not None:
            el = _sub(parent, tag)
            for key in ("unset", "set"):
                for value in getattr(pd, key):
                    _sub(el, key, cbv.urn("disposition", value))
    elif tag == "ilmd":
        ilmd = getattr(event, "ilmd", None)
        if ilmd is not None:
            el = _sub(parent, tag)
            for ext in ilmd:
                extension_to_xml(el, ext)


def _head(parent: Any, event: Event, version: str) -> None:
    _sub(parent, "eventTime", format_time(event.event_time))
    if event.record_time is not None:
        _sub(parent, "recordTime", format_time(event.record_time))
    _sub(parent, "eventTimeZoneOffset", event.event_time_zone_offset)
    if version == "2.0":
        if event.event_id is not None:
            _sub(parent, "eventID", event.event_id)
        if event.error_declaration is not None:
            _error_declaration_xml(parent, event.error_declaration)
        for info in event.certification_info:
            _sub(parent, "certificationInfo", info)
        return
    if event.event_id is None and event.error_declaration is None and not event.certification_info:
        return
    base = _sub(parent, "baseExtension")
    if event.event_id is not None:
        _sub(base, "eventID", event.event_id)
    if event.error_declaration is not None:
        _error_declaration_xml(base, event.error_declaration)
    if event.certification_info:
        ext = _sub(base, "extension")
        for info in event.certification_info:
            _sub(ext, "certificationInfo", info)


def _event_xml(parent: Any, event: Event, version: str) -> None:
    el = _sub(parent, event.type)
    _head(el, event, version)
    extensions = event.extensions
    if version == "2.0" or isinstance(event, AssociationEvent):
        for tag in _ORDER_2[event.type].split():
            _write_field(el, tag, event, version)
    else:
        # 1.2 keeps later fields and unqualified extensions in nested <extension> elements.
        local = [e for e in extensions if not e.name.startswith("{")]
        extensions = [e for e in extensions if e.name.startswith("{")]
        groups = _ORDER_12[event.type].split("|")
        for tag in groups[0].split():
            _write_field(el, tag, event, version)
        probes = []
        for group in groups[1:]:
            probe = etree.Element("probe")
            for tag in group.split():
                _write_field(probe, tag, event, version)
            probes.append(probe)
        if probes:
            for ext in local:
                extension_to_xml(probes[-1], ext)
        used = [i for i, probe in enumerate(probes) if len(probe)]
        target = el
        for probe in probes[: used[-1] + 1] if used else []:
            target = _sub(target, "extension")
            target.extend(list(probe))
    for ext in extensions:
        extension_to_xml(el, ext)


def _sbdh_xml(parent: Any, sbdh: Sbdh) -> None:
    el = _sub(parent, _SBDH + "StandardBusinessDocumentHeader")
    _sub(el, _SBDH + "HeaderVersion", sbdh.header_version)
    for tag, partners in (("Sender", sbdh.senders), ("Receiver", sbdh.receivers)):
        for partner in partners:
            ident = _sub(_sub(el, _SBDH + tag), _SBDH + "Identifier", partner.identifier)
            if partner.authority is not None:
                ident.set("Authority", partner.authority)
    di = _sub(el, _SBDH + "DocumentIdentification")
    for key, attr in _SBDH_FIELDS.items():
        if key == "CreationDateAndTime" and sbdh.multiple_type is not None:
            _sub(di, _SBDH + "MultipleType", "true" if sbdh.multiple_type else "false")
        value = getattr(sbdh, attr)
        if value is not None:
            _sub(di, _SBDH + key, value)


def _vocabularies_xml(parent: Any, vocabularies: list[Vocabulary]) -> None:
    vl = _sub(parent, "VocabularyList")
    for voc in vocabularies:
        v = _sub(vl, "Vocabulary")
        v.set("type", voc.type)
        if not voc.elements:
            continue
        vel_list = _sub(v, "VocabularyElementList")
        for element in voc.elements:
            vel = _sub(vel_list, "VocabularyElement")
            vel.set("id", element.id)
            for attr in element.attributes:
                a = _sub(vel, "attribute", attr.value)
                a.set("id", attr.id)
                for child in attr.children:
                    extension_to_xml(a, child)
            if element.children:
                kids = _sub(vel, "children")
                for ident in element.children:
                    _sub(kids, "id", ident)


def _nsmap(doc: Document, epcis_ns: str) -> dict[str | None, str]:
    nsmap: dict[str | None, str] = {
        k: v for k, v in doc.namespaces.items() if k and v not in (NS_EPCIS_1, NS_EPCIS_2, NS_QUERY_1, NS_QUERY_2)
    }
    nsmap["epcis"] = epcis_ns
    nsmap.setdefault("gs1", NS_GS1)
    nsmap.setdefault("xsi", NS_XSI)
    # xsi:type values in extensions are QNames such as "xsd:string": keep that prefix resolvable.
    nsmap.setdefault("xsd", "http://www.w3.org/2001/XMLSchema")
    if doc.header and doc.header.sbdh:
        nsmap["sbdh"] = NS_SBDH
    return nsmap


def to_xml(doc: Document, version: str = "2.0") -> bytes:
    """The document as EPCIS ``"2.0"`` or ``"1.2"`` XML (UTF-8 bytes with an XML declaration)."""
    if version not in ("2.0", "1.2"):
        raise EpcisExportError(f"unsupported EPCIS XML version {version!r}: expected '2.0' or '1.2'")
    query = doc.kind == "EPCISQueryDocument"
    if doc.kind == "EPCISMasterDataDocument":
        raise EpcisExportError("writing EPCISMasterDataDocument is not supported")
    epcis_ns = NS_EPCIS_2 if version == "2.0" else NS_EPCIS_1
    root_ns = (NS_QUERY_2 if version == "2.0" else NS_QUERY_1) if query else epcis_ns
    nsmap = _nsmap(doc, epcis_ns)
    if query:
        nsmap["epcisq"] = root_ns
    root = etree.Element(f"{{{root_ns}}}{doc.kind}", nsmap=nsmap)
    root.set("schemaVersion", version)
    if doc.creation_date is not None:
        root.set("creationDate", format_time(doc.creation_date))
    header_extensions: list[Extension] = []
    if doc.header is not None:
        _header_xml(root, doc.header, version)
        if version == "2.0":
            # The 2.0 EPCISHeader has no wildcard, so header extensions move to the document level.
            header_extensions = doc.header.extensions
    body = _sub(root, "EPCISBody")
    if query:
        qr = _sub(body, f"{{{root_ns}}}QueryResults")
        if doc.query_name is not None:
            _sub(qr, "queryName", doc.query_name)
        if doc.subscription_id is not None:
            _sub(qr, "subscriptionID", doc.subscription_id)
        event_list = _sub(_sub(qr, "resultsBody"), "EventList")
    else:
        event_list = _sub(body, "EventList")
    for index, event in enumerate(doc.events):
        try:
            _check_exportable(event, version)
        except EpcisExportError as exc:
            raise EpcisExportError(f"event {index}: {exc}") from None
        if version == "1.2" and isinstance(event, (TransformationEvent, AssociationEvent)):
            wrapper = _sub(event_list, "extension")
            if isinstance(event, AssociationEvent):
                wrapper = _sub(wrapper, "extension")
            _event_xml(wrapper, event, version)
        else:
            _event_xml(event_list, event, version)
    for ext in [*header_extensions, *doc.extensions]:
        extension_to_xml(root, ext)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _header_xml(root: Any, header: Header, version: str) -> None:
    if version == "1.2" and header.sbdh is None:
        raise EpcisExportError("EPCIS 1.2 requires a StandardBusinessDocumentHeader in EPCISHeader")
    el = _sub(root, "EPCISHeader")
    if header.sbdh is not None:
        _sbdh_xml(el, header.sbdh)
    if header.master_data:
        _vocabularies_xml(_sub(_sub(el, "extension"), "EPCISMasterData"), header.master_data)
    if version == "1.2":
        for ext in header.extensions:
            extension_to_xml(el, ext)


def _check_exportable(event: Event, version: str) -> None:
    if event.type == "TransactionEvent" and not event.biz_transactions:
        raise EpcisExportError(f"TransactionEvent needs a bizTransactionList in EPCIS {version} XML")
    for q in _quantities_of(event):
        if q.quantity is None and q.uom is not None:
            raise EpcisExportError(f"quantityElement {q.epc_class}: uom without quantity")


def _quantities_of(event: Event) -> list[QuantityElement]:
    out: list[QuantityElement] = []
    for attr in _QUANTITY_LISTS.values():
        out.extend(getattr(event, attr, []))
    return out
