"""EPCIS 2.0 JSON-LD binding: read JSON-LD documents into the model and write the model as JSON-LD.

Standard CBV codes are written as bare words, as the EPCIS JSON schema requires. User-extension keys
(``example:myField``) are resolved with the prefixes of the document's own ``@context`` objects (and
the prefixes of the bundled EPCIS context); nothing is fetched over the network.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from epcis import cbv
from epcis.errors import EpcisParseError
from epcis.model import (
    EPCIS_NAMES,
    SENSOR_DECIMAL,
    SENSOR_TIME,
    SENSOR_VOCAB,
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

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
NS_SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
_COMMENT_KEYS = frozenset({"rdfs:comment", "comment"})
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
_SIMPLE = {
    "eventID": "event_id",
    "eventTimeZoneOffset": "event_time_zone_offset",
    "action": "action",
    "transformationID": "transformation_id",
}


@cache
def _standard_prefixes() -> dict[str, str]:
    """Prefixes the bundled EPCIS context defines (``gs1``, ``cbvmda``, ``rdfs``, ...)."""
    text = resources.files("epcis").joinpath("data/contexts/epcis-context.jsonld").read_text("utf-8")
    ctx = json.loads(text)["@context"]
    return {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#", ":"))}


def bundled_context(url: str = EPCIS_CONTEXT) -> dict[str, Any]:
    """The bundled copy of a standard EPCIS JSON-LD context, by its URL."""
    names = {
        EPCIS_CONTEXT: "epcis-context.ref.gs1.org-2.0.0.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld": "epcis-context.jsonld",
    }
    if url not in names:
        raise KeyError(f"no bundled JSON-LD context for {url!r}")
    text = resources.files("epcis").joinpath(f"data/contexts/{names[url]}").read_text("utf-8")
    return json.loads(text)


# ---------------------------------------------------------------- reading


class _Reader:
    """Reads one JSON-LD document; holds the prefix map of its ``@context``."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = {**_standard_prefixes(), **prefixes}

    def name(self, key: str) -> str:
        """Clark name for a compact key (``example:f`` -> ``{https://ns.example.com/}f``)."""
        prefix, colon, local = key.partition(":")
        if colon and prefix in self.prefixes:
            return "{" + self.prefixes[prefix] + "}" + local
        return key

    def extensions(self, key: str, value: Any) -> list[Extension]:
        """Extension nodes for one key (a list value gives one node per item)."""
        if key == "@context":
            return []
        name = self.name(key)
        items = value if isinstance(value, list) else [value]
        return [self.extension(name, item) for item in items]

    def scoped(self, value: dict[str, Any]) -> _Reader:
        """This reader, or one with the prefixes of the object's own ``@context`` added."""
        if "@context" not in value:
            return self
        return _Reader({**self.prefixes, **_context_prefixes(value["@context"])})

    def extension(self, name: str, value: Any) -> Extension:
        if isinstance(value, dict):
            ext = Extension(name=name)
            reader = self.scoped(value)
            for key, item in value.items():
                if key == "@context":
                    continue
                if key == "#text":
                    ext.text = _scalar(item)[0]
                elif key.startswith("@") and key not in ("@id", "@type"):
                    ext.attributes[reader.name(key[1:])] = str(_scalar(item)[0])
                elif key not in _COMMENT_KEYS:
                    ext.children.extend(reader.extensions(key, item))
            return ext
        text, kind = _scalar(value)
        return Extension(name=name, text=text, json_type=kind)


def _scalar(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("true" if value else "false"), "boolean"
    if isinstance(value, (int, float)):
        return json.dumps(value), "number"
    if isinstance(value, str):
        return value, None
    raise ValueError(f"unexpected JSON value {value!r}")


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise EpcisParseError(f"expected a string, found {json.dumps(value)}", field=field)
    return value


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise EpcisParseError(f"expected an array, found {json.dumps(value)[:60]}", field=field)
    return value


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EpcisParseError(f"expected an object, found {json.dumps(value)[:60]}", field=field)
    return value


def _objects(value: Any, field: str) -> list[dict[str, Any]]:
    return [_object(item, field) for item in _list(value, field)]


def _quantities(items: Any, field: str) -> list[QuantityElement]:
    out = []
    for item in _list(items, field):
        if not isinstance(item, dict) or "epcClass" not in item:
            raise EpcisParseError("quantity element without epcClass", field=field)
        quantity = item.get("quantity")
        out.append(
            QuantityElement(
                epc_class=Epc(_str(item["epcClass"], field)),
                quantity=None if quantity is None else parse_decimal(str(quantity)),
                uom=item.get("uom"),
            )
        )
    return out


def _sensor_value(name: str, value: Any) -> Any:
    if name in SENSOR_TIME:
        return parse_time(_str(value, name))
    if name in SENSOR_DECIMAL:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{name} {value!r} is not a number")
        return parse_decimal(str(value))
    if name == "booleanValue":
        if not isinstance(value, bool):
            raise ValueError(f"booleanValue {value!r} is not a boolean")
        return value
    text = _str(value, name)
    if name in SENSOR_VOCAB:
        if text.startswith("gs1:"):
            text = cbv.GS1_VOC + text[4:]
        elif text.startswith("cbv:"):
            text = cbv.CBV_WEB + text[4:]
        return cbv.bare(SENSOR_VOCAB[name], text)
    return text


class _EventReader(_Reader):
    def location(self, value: Any, field: str) -> Location:
        if not isinstance(value, dict) or "id" not in value:
            raise EpcisParseError("expected an object with an id", field=field)
        extensions = [
            e for k, v in value.items() if k != "id" and k not in _COMMENT_KEYS for e in self.extensions(k, v)
        ]
        return Location(id=Epc(_str(value["id"], field)), extensions=extensions)

    def sensor_part(self, value: Any, cls: type[SensorMetadata] | type[SensorReport]) -> Any:
        kw: dict[str, Any] = {"extensions": []}
        for key, item in value.items():
            if key in cls.FIELDS:
                kw[key] = _sensor_value(key, item)
            elif key not in _COMMENT_KEYS:
                kw["extensions"].extend(self.extensions(key, item))
        return cls(**kw)

    def sensor_elements(self, value: Any) -> list[SensorElement]:
        out = []
        for item in _objects(value, "sensorElementList"):
            element = SensorElement()
            for key, part in item.items():
                if key == "sensorMetadata":
                    element.metadata = self.sensor_part(part, SensorMetadata)
                elif key == "sensorReport":
                    element.reports = [self.sensor_part(r, SensorReport) for r in _list(part, key)]
                elif key not in ("type", *_COMMENT_KEYS):
                    element.extensions.extend(self.extensions(key, part))
            out.append(element)
        return out

    def error_declaration(self, value: Any) -> ErrorDeclaration:
        if not isinstance(value, dict) or "declarationTime" not in value:
            raise EpcisParseError("errorDeclaration without declarationTime", field="errorDeclaration")
        ed = ErrorDeclaration(declaration_time=parse_time(_str(value["declarationTime"], "declarationTime")))
        for key, item in value.items():
            if key == "reason":
                ed.reason = cbv.bare("errorReason", _str(item, key))
            elif key == "correctiveEventIDs":
                ed.corrective_event_ids = [_str(i, key) for i in _list(item, key)]
            elif key not in ("declarationTime", *_COMMENT_KEYS):
                ed.extensions.extend(self.extensions(key, item))
        return ed

    def set_field(self, kw: dict[str, Any], key: str, value: Any) -> None:
        if key in _SIMPLE:
            kw[_SIMPLE[key]] = _str(value, key)
        elif key == "eventTime":
            kw["event_time"] = parse_time(_str(value, key))
        elif key == "recordTime":
            kw["record_time"] = parse_time(_str(value, key))
        elif key in _EPC_LISTS:
            kw[_EPC_LISTS[key]] = [Epc(_str(e, key)) for e in _list(value, key)]
        elif key in _QUANTITY_LISTS:
            kw[_QUANTITY_LISTS[key]] = _quantities(value, key)
        elif key == "parentID":
            kw["parent_id"] = Epc(_str(value, key))
        elif key == "bizStep":
            kw["biz_step"] = cbv.bare("bizStep", _str(value, key))
        elif key == "disposition":
            kw["disposition"] = cbv.bare("disposition", _str(value, key))
        elif key == "readPoint":
            kw["read_point"] = self.location(value, key)
        elif key == "bizLocation":
            kw["biz_location"] = self.location(value, key)
        elif key == "bizTransactionList":
            kw["biz_transactions"] = [
                BizTransaction(
                    value=_str(b.get("bizTransaction"), key),
                    type=cbv.bare("bizTransactionType", b["type"]) if b.get("type") is not None else None,
                )
                for b in _objects(value, key)
            ]
        elif key in ("sourceList", "destinationList"):
            name = key[:-4]
            kw["sources" if name == "source" else "destinations"] = [
                SourceDest(
                    value=Epc(_str(s.get(name), key)),
                    type=cbv.bare("sourceDestType", _str(s.get("type"), key)),
                )
                for s in _objects(value, key)
            ]
        elif key == "sensorElementList":
            kw["sensor_elements"] = self.sensor_elements(value)
        elif key == "persistentDisposition":
            _object(value, key)
            kw["persistent_disposition"] = PersistentDisposition(
                set=[cbv.bare("disposition", v) for v in _as_list(value.get("set"))],
                unset=[cbv.bare("disposition", v) for v in _as_list(value.get("unset"))],
            )
        elif key == "ilmd":
            _object(value, key)
            kw["ilmd"] = [e for k, v in value.items() if k not in _COMMENT_KEYS for e in self.extensions(k, v)]
        elif key == "errorDeclaration":
            kw["error_declaration"] = self.error_declaration(value)
        elif key == "certificationInfo":
            kw["certification_info"] = [_str(v, key) for v in _as_list(value)]
        elif key not in _COMMENT_KEYS:
            kw.setdefault("extensions", []).extend(self.extensions(key, value))

    def event(self, obj: Any, index: int) -> Event:
        if not isinstance(obj, dict):
            raise EpcisParseError("an event must be a JSON object", event_index=index)
        name = obj.get("type")
        cls = _EVENT_TYPES.get(name) if isinstance(name, str) else None
        if cls is None:
            raise EpcisParseError(f"unknown event type {name!r}", event_index=index, field="type")
        kw: dict[str, Any] = {}
        key = ""
        reader = (
            self if "@context" not in obj else _EventReader({**self.prefixes, **_context_prefixes(obj["@context"])})
        )
        try:
            for key, value in obj.items():
                if key not in ("type", "@context"):
                    reader.set_field(kw, key, value)
        except EpcisParseError as exc:
            raise EpcisParseError(exc.reason, event_index=index, field=exc.field or key) from None
        except (ValueError, ArithmeticError, AttributeError, TypeError) as exc:
            raise EpcisParseError(str(exc), event_index=index, field=key) from None
        allowed = field_names(cls)
        for name_ in kw:
            if name_ not in allowed:
                field = EPCIS_NAMES.get(name_, name_)
                raise EpcisParseError(f"not allowed in {cls.TYPE}", event_index=index, field=field)
        for required, field in (
            ("event_time", "eventTime"),
            ("event_time_zone_offset", "eventTimeZoneOffset"),
        ):
            if required not in kw:
                raise EpcisParseError("missing", event_index=index, field=field)
        if "action" in allowed and "action" not in kw:
            raise EpcisParseError("missing", event_index=index, field="action")
        return cls(**kw)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _context_prefixes(context: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _as_list(context):
        if isinstance(item, dict):
            out.update({k: v for k, v in item.items() if isinstance(v, str) and not k.startswith("@")})
    return out


def parse_jsonld(data: bytes | str | dict[str, Any], contexts: Mapping[str, Any] | None = None) -> Document:
    """An EPCIS 2.0 JSON-LD document (EPCISDocument, EPCISQueryDocument or a single event).

    ``contexts`` maps context URLs the document names (a regulator's extension context, say) to their
    JSON content, so that the prefixes they define resolve too; nothing is fetched over the network.
    """
    if isinstance(data, dict):
        obj: Any = data
    else:
        try:
            with gc_paused():
                obj = json.loads(data)
        except json.JSONDecodeError as exc:
            raise EpcisParseError(f"not valid JSON: {exc}") from None
    with gc_paused():
        return _document_from_json(obj, contexts or {})


def _document_from_json(obj: Any, contexts: Mapping[str, Any]) -> Document:
    if not isinstance(obj, dict):
        raise EpcisParseError("an EPCIS JSON-LD document must be a JSON object")
    context = obj.get("@context", [])
    prefixes: dict[str, str] = {}
    for item in _as_list(context):
        if isinstance(item, str) and item in contexts:
            prefixes.update(_context_prefixes(contexts[item].get("@context", {})))
    prefixes.update(_context_prefixes(context))
    reader = _EventReader(prefixes)
    kind = obj.get("type")
    if kind in _EVENT_TYPES:
        return Document(events=[reader.event(obj, 0)], namespaces=prefixes, context=_as_list(context))
    if kind not in ("EPCISDocument", "EPCISQueryDocument"):
        raise EpcisParseError(f"type {kind!r} is not EPCISDocument, EPCISQueryDocument or an event type", field="type")
    doc = Document(kind=kind, namespaces=prefixes, context=_as_list(context))
    doc.schema_version = str(obj.get("schemaVersion", "2.0"))
    body: Any = {}
    for key, value in obj.items():
        if key in ("@context", "type", "schemaVersion"):
            continue
        if key == "id":
            doc.document_id = _str(value, key)
        elif key == "creationDate":
            try:
                doc.creation_date = parse_time(_str(value, key))
            except ValueError as exc:
                raise EpcisParseError(str(exc), field=key) from None
        elif key in ("sender", "receiver", "instanceIdentifier"):
            continue
        elif key == "epcisHeader":
            doc.header = _header(reader, value)
        elif key == "epcisBody":
            body = value
        elif key not in _COMMENT_KEYS:
            doc.extensions.extend(reader.extensions(key, value))
    _pseudo_sbdh(doc, obj)
    if not isinstance(body, dict):
        raise EpcisParseError("epcisBody must be an object", field="epcisBody")
    if kind == "EPCISQueryDocument" or "queryResults" in body:
        results = body.get("queryResults", {})
        doc.query_name = results.get("queryName")
        doc.subscription_id = results.get("subscriptionID")
        for key, value in results.items():
            if key not in ("queryName", "subscriptionID", "resultsBody", *_COMMENT_KEYS):
                doc.extensions.extend(reader.extensions(key, value))
        events = results.get("resultsBody", {}).get("eventList", [])
    elif "event" in body:
        events = [body["event"]]
    else:
        events = body.get("eventList", [])
    doc.events = [reader.event(e, i) for i, e in enumerate(_list(events, "eventList"))]
    return doc


def _pseudo_sbdh(doc: Document, obj: dict[str, Any]) -> None:
    """SBDH from the top-level ``sender``/``receiver``/``instanceIdentifier`` when no full SBDH came."""
    if not any(k in obj for k in ("sender", "receiver", "instanceIdentifier")):
        return
    doc.header = doc.header or Header()
    if doc.header.sbdh is not None:
        return
    sbdh = Sbdh()
    if "sender" in obj:
        sbdh.senders.append(Partner(identifier=obj["sender"]))
    if "receiver" in obj:
        sbdh.receivers.append(Partner(identifier=obj["receiver"]))
    # The XML binding needs a complete DocumentIdentification: fill it the way EPCIS documents do.
    sbdh.standard = "EPCglobal"
    sbdh.type_version = "1.0"
    sbdh.instance_identifier = obj.get("instanceIdentifier")
    sbdh.document_type = "Events"
    sbdh.creation_date_and_time = obj.get("creationDate")
    doc.header.sbdh = sbdh


def _header(reader: _Reader, value: Any) -> Header:
    header = Header()
    if not isinstance(value, dict):
        raise EpcisParseError("epcisHeader must be an object", field="epcisHeader")
    for key, item in value.items():
        if key == "epcisMasterData":
            header.master_data = [_vocabulary(reader, v) for v in item.get("vocabularyList", [])]
        elif reader.name(key) == "{" + NS_SBDH + "}StandardBusinessDocumentHeader":
            header.sbdh = _sbdh_from_extension(reader.extension(reader.name(key), item))
        elif key not in _COMMENT_KEYS:
            header.extensions.extend(reader.extensions(key, item))
    return header


def _vocabulary(reader: _Reader, value: dict[str, Any]) -> Vocabulary:
    voc = Vocabulary(type=value["type"])
    for el in value.get("vocabularyElementList", []):
        element = VocabularyElement(id=el["id"], children=list(el.get("children", [])))
        for attr in el.get("attributes", []):
            raw = attr.get("attribute")
            if isinstance(raw, dict):
                kids = [e for k, v in raw.items() for e in reader.extensions(k, v)]
                element.attributes.append(VocabularyAttribute(id=attr["id"], children=kids))
            else:
                element.attributes.append(VocabularyAttribute(id=attr["id"], value=_scalar(raw)[0]))
        voc.elements.append(element)
    return voc


_SBDH_FIELDS = {
    "Standard": "standard",
    "TypeVersion": "type_version",
    "InstanceIdentifier": "instance_identifier",
    "Type": "document_type",
    "CreationDateAndTime": "creation_date_and_time",
}


def _sbdh_from_extension(ext: Extension) -> Sbdh:
    sbdh = Sbdh()
    for child in ext.children:
        local = child.name.rpartition("}")[2]
        if local == "HeaderVersion":
            sbdh.header_version = child.text or ""
        elif local in ("Sender", "Receiver"):
            for ident in child.children:
                partner = Partner(identifier=ident.text or "", authority=ident.attributes.get("Authority"))
                (sbdh.senders if local == "Sender" else sbdh.receivers).append(partner)
        elif local == "DocumentIdentification":
            for part in child.children:
                key = part.name.rpartition("}")[2]
                if key == "MultipleType":
                    sbdh.multiple_type = part.text == "true"
                elif key in _SBDH_FIELDS:
                    setattr(sbdh, _SBDH_FIELDS[key], part.text)
    return sbdh


def _sbdh_to_extension(sbdh: Sbdh) -> Extension:
    q = "{" + NS_SBDH + "}"
    root = Extension(name=q + "StandardBusinessDocumentHeader")
    root.children.append(Extension(name=q + "HeaderVersion", text=sbdh.header_version))
    for tag, partners in (("Sender", sbdh.senders), ("Receiver", sbdh.receivers)):
        for partner in partners:
            attrs = {"Authority": partner.authority} if partner.authority is not None else {}
            ident = Extension(name=q + "Identifier", text=partner.identifier, attributes=attrs)
            root.children.append(Extension(name=q + tag, children=[ident]))
    di = Extension(name=q + "DocumentIdentification")
    for key, attr in _SBDH_FIELDS.items():
        if key == "CreationDateAndTime" and sbdh.multiple_type is not None:
            di.children.append(Extension(name=q + "MultipleType", text="true" if sbdh.multiple_type else "false"))
        if getattr(sbdh, attr) is not None:
            di.children.append(Extension(name=q + key, text=getattr(sbdh, attr)))
    root.children.append(di)
    return root


# ---------------------------------------------------------------- writing


class _Writer:
    """Writes one document; collects the namespaces its extension keys need."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.prefix_of: dict[str, str] = {}
        for prefix, uri in {**_standard_prefixes(), **namespaces}.items():
            self.prefix_of.setdefault(uri, prefix)
        self.used: dict[str, str] = {}
        self.generated = 0

    def key(self, name: str) -> str:
        if not name.startswith("{"):
            return name
        uri, _, local = name[1:].partition("}")
        prefix = self.prefix_of.get(uri)
        if prefix is None:
            taken = set(self.prefix_of.values())
            self.generated += 1
            while f"ext{self.generated}" in taken:
                self.generated += 1
            prefix = f"ext{self.generated}"
            self.prefix_of[uri] = prefix
        if prefix not in _standard_prefixes() or _standard_prefixes()[prefix] != uri:
            self.used[prefix] = uri
        return f"{prefix}:{local}"

    def extensions(self, target: dict[str, Any], extensions: list[Extension]) -> None:
        """Add extension nodes to a JSON object; siblings with one name become one array."""
        for ext in extensions:
            key = self.key(ext.name)
            value = self.extension_value(ext)
            if key not in target:
                target[key] = value
            elif isinstance(target[key], list):  # extension values are never arrays themselves
                target[key].append(value)
            else:
                target[key] = [target[key], value]

    def extension_value(self, ext: Extension) -> Any:
        if not ext.children and not ext.attributes:
            return _typed(ext)
        out: dict[str, Any] = {}
        if ext.text is not None:
            out["#text"] = _typed(ext)
        for name, value in ext.attributes.items():
            out["@" + self.key(name)] = value
        self.extensions(out, ext.children)
        return out


def _typed(ext: Extension) -> Any:
    if ext.text is None:
        return None
    if ext.json_type == "number":
        return json.loads(ext.text)
    if ext.json_type == "boolean":
        return ext.text == "true"
    return ext.text


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() and "." not in format_decimal(value) else float(value)


def _quantity_json(items: list[QuantityElement]) -> list[dict[str, Any]]:
    out = []
    for q in items:
        item: dict[str, Any] = {"epcClass": str(q.epc_class)}
        if q.quantity is not None:
            item["quantity"] = _number(q.quantity)
        if q.uom is not None:
            item["uom"] = q.uom
        out.append(item)
    return out


def _sensor_part_json(w: _Writer, part: SensorMetadata | SensorReport) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in part.FIELDS:
        value = getattr(part, name)
        if value is None:
            continue
        if name in SENSOR_TIME:
            out[name] = format_time(value)
        elif isinstance(value, bool):
            out[name] = value
        elif isinstance(value, Decimal):
            out[name] = _number(value)
        else:
            out[name] = value
    w.extensions(out, part.extensions)
    return out


def _location_json(w: _Writer, loc: Location) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(loc.id)}
    w.extensions(out, loc.extensions)
    return out


def _event_json(w: _Writer, event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"type": event.type}
    if event.event_id is not None:
        out["eventID"] = event.event_id
    out["eventTime"] = format_time(event.event_time)
    if event.record_time is not None:
        out["recordTime"] = format_time(event.record_time)
    out["eventTimeZoneOffset"] = event.event_time_zone_offset
    if event.certification_info:
        info = event.certification_info
        out["certificationInfo"] = info[0] if len(info) == 1 else list(info)
    ed = event.error_declaration
    if ed is not None:
        edj: dict[str, Any] = {"declarationTime": format_time(ed.declaration_time)}
        if ed.reason is not None:
            edj["reason"] = ed.reason
        if ed.corrective_event_ids:
            edj["correctiveEventIDs"] = list(ed.corrective_event_ids)
        w.extensions(edj, ed.extensions)
        out["errorDeclaration"] = edj
    parent = getattr(event, "parent_id", None)
    if parent is not None:
        out["parentID"] = str(parent)
    for key, attr in _EPC_LISTS.items():
        epcs = getattr(event, attr, None)
        if epcs:
            out[key] = [str(e) for e in epcs]
    for key, attr in _QUANTITY_LISTS.items():
        items = getattr(event, attr, None)
        if items:
            out[key] = _quantity_json(items)
    if hasattr(event, "action"):
        out["action"] = event.action
    if isinstance(event, TransformationEvent) and event.transformation_id is not None:
        out["transformationID"] = event.transformation_id
    if event.biz_step is not None:
        out["bizStep"] = event.biz_step
    if event.disposition is not None:
        out["disposition"] = event.disposition
    pd = event.persistent_disposition
    if pd is not None:
        out["persistentDisposition"] = {k: list(v) for k, v in (("set", pd.set), ("unset", pd.unset)) if v}
    if event.read_point is not None:
        out["readPoint"] = _location_json(w, event.read_point)
    if event.biz_location is not None:
        out["bizLocation"] = _location_json(w, event.biz_location)
    if event.biz_transactions:
        out["bizTransactionList"] = [
            ({"type": b.type} if b.type is not None else {}) | {"bizTransaction": b.value}
            for b in event.biz_transactions
        ]
    if event.sources:
        out["sourceList"] = [{"type": s.type, "source": str(s.value)} for s in event.sources]
    if event.destinations:
        out["destinationList"] = [{"type": d.type, "destination": str(d.value)} for d in event.destinations]
    if event.sensor_elements:
        elements = []
        for se in event.sensor_elements:
            sej: dict[str, Any] = {}
            if se.metadata is not None:
                sej["sensorMetadata"] = _sensor_part_json(w, se.metadata)
            sej["sensorReport"] = [_sensor_part_json(w, r) for r in se.reports]
            w.extensions(sej, se.extensions)
            elements.append(sej)
        out["sensorElementList"] = elements
    ilmd = getattr(event, "ilmd", None)
    if ilmd is not None:
        ilmd_json: dict[str, Any] = {}
        w.extensions(ilmd_json, ilmd)
        out["ilmd"] = ilmd_json
    w.extensions(out, event.extensions)
    return out


def _vocabulary_json(w: _Writer, voc: Vocabulary) -> dict[str, Any]:
    out: dict[str, Any] = {"type": voc.type}
    if voc.elements:
        elements = []
        for el in voc.elements:
            item: dict[str, Any] = {"id": el.id}
            if el.attributes:
                attrs = []
                for attr in el.attributes:
                    value: Any = attr.value
                    if attr.children:
                        value = {}
                        w.extensions(value, attr.children)
                    attrs.append({"id": attr.id, "attribute": value})
                item["attributes"] = attrs
            if el.children:
                item["children"] = list(el.children)
            elements.append(item)
        out["vocabularyElementList"] = elements
    return out


def to_jsonld(doc: Document) -> dict[str, Any]:
    """The document as an EPCIS 2.0 JSON-LD object (bare-word CBV values, bundled context URL)."""
    w = _Writer(doc.namespaces)
    out: dict[str, Any] = {}
    body: dict[str, Any] = {}
    events = [_event_json(w, e) for e in doc.events]
    out["type"] = doc.kind if doc.kind in ("EPCISDocument", "EPCISQueryDocument") else "EPCISDocument"
    if doc.document_id is not None:
        out["id"] = doc.document_id
    out["schemaVersion"] = "2.0"
    if doc.creation_date is not None:
        out["creationDate"] = format_time(doc.creation_date)
    header = doc.header
    if header is not None:
        sbdh = header.sbdh
        if sbdh is not None:
            if sbdh.senders:
                out["sender"] = sbdh.senders[0].identifier
            if sbdh.receivers:
                out["receiver"] = sbdh.receivers[0].identifier
            if sbdh.instance_identifier is not None:
                out["instanceIdentifier"] = sbdh.instance_identifier
        hj: dict[str, Any] = {}
        if header.master_data:
            hj["epcisMasterData"] = {"vocabularyList": [_vocabulary_json(w, v) for v in header.master_data]}
        extensions = list(header.extensions)
        if sbdh is not None:
            extensions.insert(0, _sbdh_to_extension(sbdh))
        w.extensions(hj, extensions)
        if hj:
            out["epcisHeader"] = hj
    w.extensions(out, doc.extensions)
    if out["type"] == "EPCISQueryDocument":
        results: dict[str, Any] = {}
        if doc.query_name is not None:
            results["queryName"] = doc.query_name
        if doc.subscription_id is not None:
            results["subscriptionID"] = doc.subscription_id
        results["resultsBody"] = {"eventList": events}
        body["queryResults"] = results
    else:
        body["eventList"] = events
    out["epcisBody"] = body
    return {"@context": _context(doc.context, w.used), **out}


_STANDARD_CONTEXTS = frozenset({EPCIS_CONTEXT, "https://gs1.github.io/EPCIS/epcis-context.jsonld"})


def _context(original: list[Any], used: dict[str, str]) -> list[Any]:
    """The document's own @context when it has one (plus any prefix it lacks), else the standard one."""
    context = list(original) if any(c in _STANDARD_CONTEXTS for c in original if isinstance(c, str)) else []
    if not context:
        context = [EPCIS_CONTEXT]
    declared = _context_prefixes(context)
    missing = {p: uri for p, uri in sorted(used.items()) if declared.get(p) != uri}
    if missing:
        context.append(missing)
    return context
