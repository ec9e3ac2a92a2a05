"""Filters on what an event nests: sensor reports, and extension fields inside extensions, ILMD, the error
declaration, sensor elements and locations. They are checked in Python on the stored body, read back into
the EPCIS model once per candidate row.

Choices where the standard leaves room: the sensor parameters of one query must all hold for the same
sensor report, read together with its element's sensorMetadata (a report without its own `deviceID`,
`time`, ... takes the metadata's; `startTime`, `endTime` and `bizRules` exist only there). A measurement
(`GE_value_CEL`) is converted from the report's unit when both units are in `units.UNITS` and share a
dimension, and otherwise compared only with reports in that same unit.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

from app.services.query.model import NestedFieldFilter, SensorCondition, SensorFilter, SensorPresent
from app.services.query.units import UNITS, convert
from epcis import cbv, model
from epcis.jsonld import parse_jsonld

NestedFilter = SensorFilter | SensorPresent | NestedFieldFilter
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "GT": operator.gt,
    "GE": operator.ge,
    "LT": operator.lt,
    "LE": operator.le,
}
MEASUREMENTS = frozenset({"value", "minValue", "maxValue", "meanValue", "sDev", "percValue"})
_REPORT_FIELDS = frozenset(model.SensorReport.FIELDS)
_METADATA_FIELDS = frozenset(model.SensorMetadata.FIELDS)


def parse_body(body: dict[str, Any]) -> model.Event:
    """A stored JSON-LD event body back as a model event."""
    return parse_jsonld(body).events[0]


def measurement_type(value: str) -> str:
    """A sensor report `type` in the bare-word form standard values are compared in."""
    return cbv.bare("measurementType", value)


def matches(event: model.Event, f: NestedFilter) -> bool:
    if isinstance(f, SensorPresent):
        return bool(event.sensor_elements) == f.present
    if isinstance(f, SensorFilter):
        return any(all(_condition(report, metadata, c) for c in f.conditions) for report, metadata in _reports(event))
    return _field_matches(event, f)


def _reports(event: model.Event) -> Iterator[tuple[model.SensorReport, model.SensorMetadata | None]]:
    for element in event.sensor_elements:
        # An element with metadata only still answers the metadata parameters (startTime, bizRules, ...).
        for report in element.reports or [model.SensorReport()]:
            yield report, element.metadata


def _attribute(report: model.SensorReport, metadata: model.SensorMetadata | None, name: str) -> Any:
    value = getattr(report, name) if name in _REPORT_FIELDS else None
    if value is None and metadata is not None and name in _METADATA_FIELDS:
        value = getattr(metadata, name)
    return value


def _in_unit(amount: Decimal, stored: str, wanted: str) -> Fraction | None:
    if stored == wanted:
        return Fraction(amount)
    if stored in UNITS and wanted in UNITS and UNITS[stored].dimension == UNITS[wanted].dimension:
        return convert(amount, stored, wanted)
    return None


def _condition(report: model.SensorReport, metadata: model.SensorMetadata | None, c: SensorCondition) -> bool:
    if c.uom is not None:
        amount = getattr(report, c.attribute)
        if amount is None or report.uom is None:
            return False
        value = _in_unit(amount, report.uom, c.uom)
        if value is None:
            return False
        wanted = Fraction(c.values[0])
        return value == wanted if c.op == "EQ" else _OPS[c.op](value, wanted)
    stored = _attribute(report, metadata, c.attribute)
    if stored is None:
        return False
    if c.attribute == "type":
        stored = measurement_type(stored)
    elif c.attribute == "hexBinaryValue":
        stored = stored.upper()
    if c.op == "EQ":
        return stored in c.values
    return _OPS[c.op](stored, c.values[0])


def _scope(event: model.Event, scope: str) -> list[model.Extension]:
    """The top-level extension fields of a scope (every element's, for the sensor scopes)."""
    match scope:
        case "ext":
            return list(event.extensions)
        case "ilmd":
            return list(getattr(event, "ilmd", None) or ())
        case "errorDeclaration":
            return list(event.error_declaration.extensions) if event.error_declaration else []
        case "sensorElement":
            return [x for element in event.sensor_elements for x in element.extensions]
        case "sensorMetadata":
            return [x for element in event.sensor_elements if element.metadata for x in element.metadata.extensions]
        case "sensorReport":
            return [x for element in event.sensor_elements for report in element.reports for x in report.extensions]
        case "readPoint":
            return list(event.read_point.extensions) if event.read_point else []
        case "bizLocation":
            return list(event.biz_location.extensions) if event.biz_location else []
    raise ValueError(f"unknown scope {scope!r}")


def _below(fields: Iterable[model.Extension]) -> Iterator[model.Extension]:
    """Every field nested inside `fields`, at any depth (not the fields themselves)."""
    for x in fields:
        for child in x.children:
            yield child
            yield from _below([child])


def _field_matches(event: model.Event, f: NestedFieldFilter) -> bool:
    from app.services.query.postfilter import field_compare

    top = _scope(event, f.scope)
    found = [x for x in (_below(top) if f.inner else top) if x.name in f.names]
    if f.op == "EXISTS":
        return bool(found) == f.present
    texts = [x.text for x in found if x.text is not None]
    if f.op == "EQ":
        return any(t in f.values for t in texts)
    return any(field_compare(t, f.op, f.values[0]) for t in texts)
