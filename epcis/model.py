"""EPCIS 2.0 event model: the five event types, their parts, user extensions and the document.

Binding-neutral: the XML and JSON-LD bindings read into and write from these classes. CBV codes are
kept in bare-word form (``shipping``) when they are standard codes and unchanged otherwise; EPCs keep
their original string. Namespace maps, JSON-LD contexts and comments do not take part in equality.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from epcis.epc import canonical_digital_link, digital_link_to_urn


class Epc(str):
    """An EPC/identifier URI exactly as given, with its canonical forms beside it."""

    __slots__ = ()

    @property
    def digital_link(self) -> str | None:
        """Canonical GS1 Digital Link URI (``https://id.gs1.org/...``), or ``None`` for non-GS1 URIs."""
        return canonical_digital_link(self)

    @property
    def urn(self) -> str | None:
        """The value itself when it is an EPC URN, else ``None`` (see ``to_urn`` for Digital Links)."""
        return str(self) if self.startswith("urn:epc:") else None

    def to_urn(self, company_prefix_length: int) -> str | None:
        """The EPC URN, converting a Digital Link with the given GS1 Company Prefix length."""
        return self.urn or digital_link_to_urn(self, company_prefix_length)


@dataclass(kw_only=True)
class Extension:
    """A user extension element (or JSON key): Clark name ``{namespace}local``, text, attributes, children."""

    name: str
    text: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    children: list[Extension] = field(default_factory=list)
    # JSON scalar type of ``text`` ("number", "boolean") so JSON output keeps it; XML has no such thing.
    json_type: str | None = field(default=None, compare=False)


@dataclass(kw_only=True)
class QuantityElement:
    """A class-level quantity: ``epcClass``, optional ``quantity`` and ``uom``."""

    epc_class: Epc
    quantity: Decimal | None = None
    uom: str | None = None


@dataclass(kw_only=True)
class Location:
    """``readPoint`` or ``bizLocation``: an identifier plus user extensions."""

    id: Epc
    extensions: list[Extension] = field(default_factory=list)


@dataclass(kw_only=True)
class BizTransaction:
    """A business transaction reference with its optional type (bare CBV word or URI)."""

    value: str
    type: str | None = None


@dataclass(kw_only=True)
class SourceDest:
    """A source or destination with its type (bare CBV word or URI)."""

    value: Epc
    type: str


@dataclass(kw_only=True)
class PersistentDisposition:
    """Dispositions set and unset persistently by an event."""

    set: list[str] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class SensorMetadata:
    """``sensorMetadata`` of a sensor element (all EPCIS 2.0 attributes)."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "time",
        "startTime",
        "endTime",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "bizRules",
    )
    time: datetime | None = None
    startTime: datetime | None = None
    endTime: datetime | None = None
    deviceID: str | None = None
    deviceMetadata: str | None = None
    rawData: str | None = None
    dataProcessingMethod: str | None = None
    bizRules: str | None = None
    extensions: list[Extension] = field(default_factory=list)


@dataclass(kw_only=True)
class SensorReport:
    """``sensorReport`` of a sensor element (all EPCIS 2.0 attributes)."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "type",
        "exception",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "time",
        "microorganism",
        "chemicalSubstance",
        "value",
        "component",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
        "minValue",
        "maxValue",
        "meanValue",
        "sDev",
        "percRank",
        "percValue",
        "uom",
        "coordinateReferenceSystem",
    )
    type: str | None = None
    exception: str | None = None
    deviceID: str | None = None
    deviceMetadata: str | None = None
    rawData: str | None = None
    dataProcessingMethod: str | None = None
    time: datetime | None = None
    microorganism: str | None = None
    chemicalSubstance: str | None = None
    value: Decimal | None = None
    component: str | None = None
    stringValue: str | None = None
    booleanValue: bool | None = None
    hexBinaryValue: str | None = None
    uriValue: str | None = None
    minValue: Decimal | None = None
    maxValue: Decimal | None = None
    meanValue: Decimal | None = None
    sDev: Decimal | None = None
    percRank: Decimal | None = None
    percValue: Decimal | None = None
    uom: str | None = None
    coordinateReferenceSystem: str | None = None
    extensions: list[Extension] = field(default_factory=list)


# Kind of each sensor attribute: how it is parsed, written and hashed.
SENSOR_TIME = frozenset({"time", "startTime", "endTime"})
SENSOR_DECIMAL = frozenset({"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"})
SENSOR_VOCAB = {"type": "measurementType", "exception": "sensorAlertType", "component": "component"}


@dataclass(kw_only=True)
class SensorElement:
    """One ``sensorElement``: optional metadata, reports and user extensions."""

    metadata: SensorMetadata | None = None
    reports: list[SensorReport] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)


@dataclass(kw_only=True)
class ErrorDeclaration:
    """``errorDeclaration``: when, why (bare CBV word or URI) and the corrective events."""

    declaration_time: datetime
    reason: str | None = None
    corrective_event_ids: list[str] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)


@dataclass(kw_only=True)
class Event:
    """Fields shared by every EPCIS event type."""

    TYPE: ClassVar[str] = ""
    event_time: datetime
    event_time_zone_offset: str
    record_time: datetime | None = None
    event_id: str | None = None
    error_declaration: ErrorDeclaration | None = None
    certification_info: list[str] = field(default_factory=list)
    biz_step: str | None = None
    disposition: str | None = None
    persistent_disposition: PersistentDisposition | None = None
    read_point: Location | None = None
    biz_location: Location | None = None
    biz_transactions: list[BizTransaction] = field(default_factory=list)
    sources: list[SourceDest] = field(default_factory=list)
    destinations: list[SourceDest] = field(default_factory=list)
    sensor_elements: list[SensorElement] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)

    @property
    def type(self) -> str:
        """The event type name (``ObjectEvent``, ...)."""
        return self.TYPE


@dataclass(kw_only=True)
class ObjectEvent(Event):
    """What happened to a list of objects (EPCs and/or quantities)."""

    TYPE: ClassVar[str] = "ObjectEvent"
    action: str
    epc_list: list[Epc] = field(default_factory=list)
    quantity_list: list[QuantityElement] = field(default_factory=list)
    ilmd: list[Extension] | None = None


@dataclass(kw_only=True)
class AggregationEvent(Event):
    """Objects physically aggregated into (or removed from) a parent."""

    TYPE: ClassVar[str] = "AggregationEvent"
    action: str
    parent_id: Epc | None = None
    child_epcs: list[Epc] = field(default_factory=list)
    child_quantity_list: list[QuantityElement] = field(default_factory=list)


@dataclass(kw_only=True)
class TransactionEvent(Event):
    """Objects associated with (or dissociated from) business transactions."""

    TYPE: ClassVar[str] = "TransactionEvent"
    action: str
    parent_id: Epc | None = None
    epc_list: list[Epc] = field(default_factory=list)
    quantity_list: list[QuantityElement] = field(default_factory=list)


@dataclass(kw_only=True)
class TransformationEvent(Event):
    """Inputs consumed and outputs produced."""

    TYPE: ClassVar[str] = "TransformationEvent"
    input_epc_list: list[Epc] = field(default_factory=list)
    input_quantity_list: list[QuantityElement] = field(default_factory=list)
    output_epc_list: list[Epc] = field(default_factory=list)
    output_quantity_list: list[QuantityElement] = field(default_factory=list)
    transformation_id: str | None = None
    ilmd: list[Extension] | None = None


@dataclass(kw_only=True)
class AssociationEvent(Event):
    """Objects associated with a parent that is not a physical container (e.g. a sensor with an asset)."""

    TYPE: ClassVar[str] = "AssociationEvent"
    action: str
    parent_id: Epc | None = None
    child_epcs: list[Epc] = field(default_factory=list)
    child_quantity_list: list[QuantityElement] = field(default_factory=list)


EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls for cls in (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent)
}
ACTIONS = frozenset({"ADD", "OBSERVE", "DELETE"})


@dataclass(kw_only=True)
class Partner:
    """SBDH sender or receiver: identifier and its authority."""

    identifier: str
    authority: str | None = None


@dataclass(kw_only=True)
class Sbdh:
    """Standard Business Document Header fields used by EPCIS exchanges."""

    header_version: str = "1.0"
    senders: list[Partner] = field(default_factory=list)
    receivers: list[Partner] = field(default_factory=list)
    standard: str | None = None
    type_version: str | None = None
    instance_identifier: str | None = None
    document_type: str | None = None
    multiple_type: bool | None = None
    creation_date_and_time: str | None = None


@dataclass(kw_only=True)
class VocabularyAttribute:
    """A master-data attribute: id and a text value or structured (extension) content."""

    id: str
    value: str | None = None
    children: list[Extension] = field(default_factory=list)


@dataclass(kw_only=True)
class VocabularyElement:
    """A master-data element: id, attributes and child ids."""

    id: str
    attributes: list[VocabularyAttribute] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Vocabulary:
    """A master-data vocabulary (``urn:epcglobal:epcis:vtype:Location``, ...)."""

    type: str
    elements: list[VocabularyElement] = field(default_factory=list)


@dataclass(kw_only=True)
class Header:
    """EPCIS header: SBDH, master data and header-level user extensions."""

    sbdh: Sbdh | None = None
    master_data: list[Vocabulary] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)


@dataclass(kw_only=True)
class Document:
    """An EPCISDocument or EPCISQueryDocument with its events in document order."""

    kind: str = "EPCISDocument"
    schema_version: str = field(default="2.0", compare=False)
    creation_date: datetime | None = None
    header: Header | None = None
    events: list[Event] = field(default_factory=list)
    query_name: str | None = None
    subscription_id: str | None = None
    document_id: str | None = field(default=None, compare=False)
    extensions: list[Extension] = field(default_factory=list)
    namespaces: dict[str, str] = field(default_factory=dict, compare=False)
    context: list[str | dict[str, object]] = field(default_factory=list, compare=False)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a document's model is built.

    Model objects form no reference cycles, so the collector's passes over the many new objects of a
    large document are pure cost (about a third of the parse time for 100,000 events). On the way out
    the tracked objects go straight to the oldest generation, where the collector would move the
    long-lived document after two more passes over all of it (a young-generation pass right after
    ``gc.enable()`` would otherwise walk every new object). Unreachable cycles elsewhere are still
    found, by the next full collection. A process that froze objects itself (``gc.freeze()``) is left
    alone, since the move goes through the permanent generation.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def parse_time(text: str) -> datetime:
    """An aware datetime from an XSD dateTime with a time zone (``Z`` or ``+hh:mm``)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an XSD dateTime") from None
    if value.tzinfo is None:
        raise ValueError(f"time {text!r} has no time zone")
    return value


def format_time(value: datetime) -> str:
    """XSD dateTime text: milliseconds (or microseconds when needed), ``Z`` for UTC, else the offset."""
    spec = "milliseconds" if value.microsecond % 1000 == 0 else "microseconds"
    text = value.isoformat(timespec=spec)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def parse_decimal(text: str) -> Decimal:
    """A finite decimal from its lexical form (JSON numbers pass through ``str``)."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value


def format_decimal(value: Decimal) -> str:
    """Plain (non-scientific) decimal text."""
    text = format(value, "f")
    return text


# EPCIS (XML element / JSON key) name of each model field whose name differs, for error messages.
EPCIS_NAMES = {
    "event_time": "eventTime",
    "event_time_zone_offset": "eventTimeZoneOffset",
    "record_time": "recordTime",
    "event_id": "eventID",
    "error_declaration": "errorDeclaration",
    "certification_info": "certificationInfo",
    "biz_step": "bizStep",
    "persistent_disposition": "persistentDisposition",
    "read_point": "readPoint",
    "biz_location": "bizLocation",
    "biz_transactions": "bizTransactionList",
    "sources": "sourceList",
    "destinations": "destinationList",
    "sensor_elements": "sensorElementList",
    "epc_list": "epcList",
    "quantity_list": "quantityList",
    "parent_id": "parentID",
    "child_epcs": "childEPCs",
    "child_quantity_list": "childQuantityList",
    "input_epc_list": "inputEPCList",
    "input_quantity_list": "inputQuantityList",
    "output_epc_list": "outputEPCList",
    "output_quantity_list": "outputQuantityList",
    "transformation_id": "transformationID",
}


def field_names(cls: type[Event]) -> frozenset[str]:
    """Names of the dataclass fields an event type accepts."""
    return frozenset(cls.__dataclass_fields__)
