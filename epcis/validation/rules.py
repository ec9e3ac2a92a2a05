"""Event rules the GS1 schemas cannot express, applied to one event in JSON-binding shape.

Both bindings feed these rules: JSON events as parsed, XML events through `xmlview`. Each finding
is a `Finding` (path inside the event, message, rule id); the caller turns it into an issue.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, NamedTuple

from epcis.validation import issues as r
from epcis.validation.schemas import cbv_biz_steps, cbv_dispositions
from epcis.validation.syntax import (
    DL_VALID,
    EPC_VALID,
    TIME_ZONE_OFFSET,
    all_valid,
    digital_link_problem,
    epc_problem,
    has_time_zone,
    looks_like_date_time,
    parse_time,
)


class Finding(NamedTuple):
    """A rule violation inside one event: `path` is relative to the event (`childEPCs[2]`)."""

    path: str
    message: str
    rule: str


EVENT_TYPES = frozenset(
    {"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"}
)
_ACTIONS = ("ADD", "OBSERVE", "DELETE")
_WITH_ACTION = frozenset({"ObjectEvent", "AggregationEvent", "TransactionEvent", "AssociationEvent"})
_EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
_QUANTITY_KEYS = frozenset(_QUANTITY_LISTS)
_WITH_PARENT = frozenset({"AggregationEvent", "AssociationEvent"})
# Fields that may sit on sensorMetadata or on sensorReport, but not both (TCR-53 step 29).
_SENSOR_INLINE = ("dataProcessingMethod", "deviceID", "deviceMetadata", "rawData", "time")

_CBV_URN = {"bizStep": "urn:epcglobal:cbv:bizstep:", "disposition": "urn:epcglobal:cbv:disp:"}
_CBV_WEB = {"bizStep": "https://ref.gs1.org/cbv/BizStep-", "disposition": "https://ref.gs1.org/cbv/Disp-"}
_CBV_RULE = {"bizStep": r.CBV_BIZSTEP, "disposition": r.CBV_DISPOSITION}


STRICT_RULES = frozenset(
    {r.SENSOR_TIME_EXCLUSIVE, r.SENSOR_INLINE_DUPLICATE, r.SENSOR_TIME_RANGE, r.SENSOR_TIME_AFTER_EVENT}
)
"""Draft conformance rules (TCR-53, M122) that GS1's own full-combination examples break."""


def check_event(event: dict[str, Any], *, xml: bool, strict: bool = False) -> list[Finding]:
    """Every rule finding for one event; `xml` selects the binding's CBV value form.

    Without `strict`, the draft sensor rules in `STRICT_RULES` are left out.
    """
    found: list[Finding] = []
    kind = event.get("type")
    if not isinstance(kind, str):
        kind = None  # malformed JSON: the schema reports it, the rules only need a hashable kind
    found.extend(_action(event, kind, xml))
    if kind in _WITH_PARENT:
        found.extend(_parent(event, kind, xml))
    found.extend(_times(event, kind, xml))
    # Rule families whose fields are absent are skipped: most events carry few of them.
    if not _QUANTITY_KEYS.isdisjoint(event.keys()):
        found.extend(_quantities(event, kind, xml))
    if "sensorElementList" in event:
        found.extend(_sensors(event, kind, xml))
    found.extend(_dispositions(event, kind, xml))
    found.extend(_identifiers(event, kind, xml))
    if not strict:
        return [finding for finding in found if finding.rule not in STRICT_RULES]
    return found


def _action(event: dict[str, Any], kind: Any, xml: bool) -> Iterator[Finding]:
    action = event.get("action")
    if kind == "TransformationEvent":
        if action is not None:
            yield Finding("action", "TransformationEvent must not have an action", r.ACTION_FORBIDDEN)
        return
    if kind not in _WITH_ACTION:
        return
    if action is None:
        yield Finding("action", f"{kind} requires an action (ADD, OBSERVE or DELETE)", r.ACTION_REQUIRED)
    elif action not in _ACTIONS:
        yield Finding("action", f"action {action!r} is not one of ADD, OBSERVE, DELETE", r.ACTION_INVALID)


def _parent(event: dict[str, Any], kind: Any, xml: bool) -> Iterator[Finding]:
    action = event.get("action")
    has_parent = bool(event.get("parentID"))
    if kind == "AggregationEvent" and action in ("ADD", "DELETE") and not has_parent:
        yield Finding("parentID", f"AggregationEvent with action {action} requires parentID", r.AGGREGATION_PARENT)
    if kind != "AssociationEvent":
        return
    if not has_parent:
        yield Finding("parentID", "AssociationEvent requires parentID", r.ASSOCIATION_PARENT)
    if action in ("ADD", "OBSERVE") and not event.get("childEPCs") and not event.get("childQuantityList"):
        yield Finding(
            "childEPCs",
            f"AssociationEvent with action {action} requires childEPCs or childQuantityList",
            r.ASSOCIATION_CHILDREN,
        )


def _times(event: dict[str, Any], kind: Any, xml: bool) -> Iterator[Finding]:
    offset = event.get("eventTimeZoneOffset")
    if isinstance(offset, str) and TIME_ZONE_OFFSET.fullmatch(offset) is None:
        yield Finding(
            "eventTimeZoneOffset",
            f"eventTimeZoneOffset {offset!r} is not +hh:mm or -hh:mm within -13:59..+14:00",
            r.TIME_ZONE_OFFSET,
        )
    for name in ("eventTime", "recordTime"):
        yield from _zoned(name, event.get(name))
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        if "declarationTime" not in declaration:
            yield Finding(
                "errorDeclaration.declarationTime",
                "errorDeclaration requires declarationTime",
                r.ERROR_DECLARATION_TIME,
            )
        else:
            yield from _zoned("errorDeclaration.declarationTime", declaration["declarationTime"])


def _zoned(path: str, value: Any) -> Iterator[Finding]:
    # A value that is not a date-time at all is the schema's to report.
    if isinstance(value, str) and looks_like_date_time(value) and not has_time_zone(value):
        name = path.rsplit(".", 1)[-1]
        yield Finding(path, f"{name} {value!r} has no time zone (Z or ±hh:mm)", r.TIME_ZONE_EXPLICIT)


def _quantities(event: dict[str, Any], kind: Any, xml: bool) -> Iterator[Finding]:
    for name in _QUANTITY_LISTS:
        elements = event.get(name)
        if not isinstance(elements, list):
            continue
        for position, element in enumerate(elements):
            if not isinstance(element, dict):
                continue
            path = f"{name}[{position}]"
            quantity = element.get("quantity")
            if "uom" in element and quantity is None:
                yield Finding(f"{path}.uom", f"uom {element['uom']!r} given without quantity", r.QUANTITY_UOM)
            amount = _decimal(quantity)
            if amount is not None and amount < 0:
                yield Finding(f"{path}.quantity", f"quantity {quantity} is negative", r.QUANTITY_NEGATIVE)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _sensors(event: dict[str, Any], kind: Any, xml: bool) -> Iterator[Finding]:
    elements = event.get("sensorElementList")
    if not isinstance(elements, list):
        return
    event_time = parse_time(event.get("eventTime"))
    for position, element in enumerate(elements):
        if isinstance(element, dict):
            yield from _sensor_element(f"sensorElementList[{position}]", element, event_time)


def _sensor_element(path: str, element: dict[str, Any], event_time: datetime | None) -> Iterator[Finding]:
    metadata = element.get("sensorMetadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    reports = element.get("sensorReport")
    if not reports:
        yield Finding(
            f"{path}.sensorReport",
            "sensorElement requires at least one sensorReport",
            r.SENSOR_REPORT_REQUIRED,
        )
    reports = [report for report in reports or () if isinstance(report, dict)]
    meta_path = f"{path}.sensorMetadata"
    for name in ("time", "startTime", "endTime"):
        yield from _zoned(f"{meta_path}.{name}", metadata.get(name))
    start, end = parse_time(metadata.get("startTime")), parse_time(metadata.get("endTime"))
    if "time" in metadata and ("startTime" in metadata or "endTime" in metadata):
        yield Finding(
            f"{meta_path}.time",
            "sensorMetadata has both time and startTime/endTime: use one or the other",
            r.SENSOR_TIME_EXCLUSIVE,
        )
    if start is not None and end is not None and start > end:
        yield Finding(
            f"{meta_path}.startTime",
            f"startTime {metadata['startTime']} is after endTime {metadata['endTime']}",
            r.SENSOR_TIME_ORDER,
        )
    yield from _after_event(f"{meta_path}.time", metadata.get("time"), event_time)
    for number, report in enumerate(reports):
        report_path = f"{path}.sensorReport[{number}]"
        for name in _SENSOR_INLINE:
            if name in report and name in metadata:
                yield Finding(
                    f"{report_path}.{name}",
                    f"{name} is given in both sensorMetadata and sensorReport",
                    r.SENSOR_INLINE_DUPLICATE,
                )
        value = report.get("time")
        yield from _zoned(f"{report_path}.time", value)
        moment = parse_time(value)
        if moment is not None and ((start is not None and moment < start) or (end is not None and moment > end)):
            yield Finding(
                f"{report_path}.time",
                f"sensorReport time {value} is outside sensorMetadata startTime..endTime",
                r.SENSOR_TIME_RANGE,
            )
        yield from _after_event(f"{report_path}.time", value, event_time)


def _after_event(path: str, value: Any, event_time: datetime | None) -> Iterator[Finding]:
    moment = parse_time(value)
    if moment is not None and event_time is not None and moment > event_time:
        yield Finding(path, f"sensor time {value} is later than eventTime", r.SENSOR_TIME_AFTER_EVENT)


def _dispositions(event: dict[str, Any], kind: Any, xml: bool) -> Iterator[Finding]:
    yield from _cbv("bizStep", "bizStep", event.get("bizStep"), xml)
    yield from _cbv("disposition", "disposition", event.get("disposition"), xml)
    persistent = event.get("persistentDisposition")
    if not isinstance(persistent, dict):
        return
    for verb in ("set", "unset"):
        values = persistent.get(verb)
        for position, value in enumerate(values if isinstance(values, list) else ()):
            yield from _cbv("disposition", f"persistentDisposition.{verb}[{position}]", value, xml)
    set_values = persistent.get("set")
    unset_values = persistent.get("unset")
    if isinstance(set_values, list) and isinstance(unset_values, list):
        for position, value in enumerate(unset_values):
            if value in set_values:
                yield Finding(
                    f"persistentDisposition.unset[{position}]",
                    f"disposition {value!r} is both set and unset",
                    r.PERSISTENT_DISPOSITION_OVERLAP,
                )


@cache
def standard_cbv_values(vocabulary: str, *, xml: bool) -> frozenset[str]:
    """Every accepted spelling of the standard values: URN and Web URI in XML, bare words in JSON."""
    known = cbv_biz_steps() if vocabulary == "bizStep" else cbv_dispositions()
    if not xml:
        return known
    return frozenset(prefix + word for word in known for prefix in (_CBV_URN[vocabulary], _CBV_WEB[vocabulary]))


def _cbv(vocabulary: str, path: str, value: Any, xml: bool) -> Iterator[Finding]:
    if not isinstance(value, str) or value in standard_cbv_values(vocabulary, xml=xml):
        return
    known = cbv_biz_steps() if vocabulary == "bizStep" else cbv_dispositions()
    rule = _CBV_RULE[vocabulary]
    for prefix in (_CBV_URN[vocabulary], _CBV_WEB[vocabulary]):
        if value.startswith(prefix):
            if value[len(prefix) :] not in known:
                yield Finding(path, f"{value!r} is not a standard CBV {vocabulary}", rule)
            return
    if ":" in value:
        return  # a user-defined vocabulary URI
    if xml:
        yield Finding(path, f"{vocabulary} {value!r} must be a URI in XML, e.g. {_CBV_URN[vocabulary]}{value}", rule)
    elif value not in known:
        yield Finding(path, f"{value!r} is not a standard CBV {vocabulary}", rule)


def _identifiers(event: dict[str, Any], kind: Any, xml: bool) -> Iterator[Finding]:
    for name in _EPC_LISTS:
        values = event.get(name)
        if not isinstance(values, list) or all_valid(values):
            continue  # nothing to report: every identifier settled by one match over the list
        for position, value in enumerate(values):
            if isinstance(value, str) and (EPC_VALID.fullmatch(value) or DL_VALID.fullmatch(value)):
                continue  # the common cases, settled by one match
            yield from _identifier(f"{name}[{position}]", value)
    yield from _identifier("parentID", event.get("parentID"))
    for name in ("readPoint", "bizLocation"):
        location = event.get(name)
        ident = location.get("id") if isinstance(location, dict) else None
        if isinstance(ident, str) and EPC_VALID.fullmatch(ident) is None:
            yield from _identifier(f"{name}.id", ident)


def _identifier(path: str, value: Any) -> Iterator[Finding]:
    if not isinstance(value, str):
        return
    if value.startswith("urn:epc:id:"):
        problem = epc_problem(value)
        if problem is not None:
            yield Finding(path, problem, r.EPC_SYNTAX)
    elif value.startswith(("https://", "http://")):
        problem = digital_link_problem(value)
        if problem is not None:
            yield Finding(path, problem, r.DIGITAL_LINK)
