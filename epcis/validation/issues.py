"""Validation issue record, the error raised by `check`, and the stable rule identifiers."""

from __future__ import annotations

from dataclasses import dataclass

from epcis.errors import EpcisError

# Stable rule identifiers: callers may filter or map issues on these, so never rename one.
XML_SYNTAX = "xml-syntax"
JSON_SYNTAX = "json-syntax"
DOCUMENT_TYPE = "document-type"
XSD = "xsd"
JSON_SCHEMA = "json-schema"
EVENT_TYPE = "event-type"
ACTION_REQUIRED = "action-required"
ACTION_INVALID = "action-invalid"
ACTION_FORBIDDEN = "action-forbidden"
AGGREGATION_PARENT = "aggregation-parent"
ASSOCIATION_PARENT = "association-parent"
ASSOCIATION_CHILDREN = "association-children"
TIME_ZONE_OFFSET = "time-zone-offset"
TIME_ZONE_EXPLICIT = "time-zone-explicit"
SENSOR_REPORT_REQUIRED = "sensor-report-required"
SENSOR_TIME_EXCLUSIVE = "sensor-time-exclusive"
SENSOR_INLINE_DUPLICATE = "sensor-inline-duplicate"
SENSOR_TIME_ORDER = "sensor-time-order"
SENSOR_TIME_RANGE = "sensor-time-range"
SENSOR_TIME_AFTER_EVENT = "sensor-time-after-event"
QUANTITY_UOM = "quantity-uom"
QUANTITY_NEGATIVE = "quantity-negative"
ERROR_DECLARATION_TIME = "error-declaration-time"
PERSISTENT_DISPOSITION_OVERLAP = "persistent-disposition-overlap"
CBV_BIZSTEP = "cbv-bizstep"
CBV_DISPOSITION = "cbv-disposition"
EPC_SYNTAX = "epc-syntax"
DIGITAL_LINK = "digital-link"


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem found in a document.

    `event_index` is the position in the event list (None for document-level issues and bare
    events); `field` is a JSON path such as `eventList[3].childEPCs[0]` or, for XML, an XPath of
    the offending node; `line` is the XML source line.
    """

    event_index: int | None
    field: str
    message: str
    rule: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.field}: {self.message} [{self.rule}]"


class EpcisValidationError(EpcisError):
    """Raised by `check` when a document has validation issues (a ValueError); carries them in `issues`."""

    def __init__(self, issues: list[ValidationIssue]) -> None:
        self.issues = issues
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"invalid EPCIS document: {issues[0]}{more}")
