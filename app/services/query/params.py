"""Reading SimpleEventQuery parameters (REST query string form) into a validated `Query`.

Lists are pipe-delimited in one value or given as repeated parameters. Every name and value is checked;
a problem raises `QueryParameterError` naming the parameter. CBV codes are compared in bare-word form,
identifiers in their canonical Digital Link form, which is how `eventstore` keeps them.

Choices where the standard leaves room: `WD_readPoint`/`WD_bizLocation` match the location itself and,
with no master-data hierarchy stored, the SGLNs (`/254/` extensions) of a bare GLN. A quantity parameter
without a unit (`GE_quantity`) compares quantities stored without a unit; with a unit it converts between
the units of `units.UNITS`. Several quantity parameters must hold for the same quantity element, and
several sensor parameters for the same sensor report (`nested`). `INNER_` fields are those nested inside a
top-level field, not the top-level field itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.errors import QueryParameterError
from app.schemas import whole_number
from app.services.eventstore import canonical
from app.services.query.epcmatch import matcher
from app.services.query.model import (
    BodyFilter,
    ColumnIn,
    EpcFilter,
    FieldFilter,
    Filter,
    LinkFilter,
    NestedFieldFilter,
    PageKey,
    Present,
    QuantityCondition,
    QuantityFilter,
    Query,
    SensorCondition,
    SensorFilter,
    SensorPresent,
    TimeBound,
    Within,
)
from app.services.query.nested import measurement_type
from app.services.query.tokens import DEFAULT_TOKEN_KEY, decode
from epcis import cbv
from epcis.model import ACTIONS, EVENT_TYPES

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 30
CBVMDA = "urn:epcglobal:cbv:mda:"

_TIMES = {
    "GE_eventTime": ("event_time", "GE"),
    "LT_eventTime": ("event_time", "LT"),
    "GE_recordTime": ("record_time", "GE"),
    "LT_recordTime": ("record_time", "LT"),
    "GE_errorDeclarationTime": ("error_declaration_time", "GE"),
    "LT_errorDeclarationTime": ("error_declaration_time", "LT"),
    # The query schema's spelling, used by some clients.
    "GE_errorDeclaration_Time": ("error_declaration_time", "GE"),
    "LT_errorDeclaration_Time": ("error_declaration_time", "LT"),
}
_EPC_ROLES = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
}
_CLASS_ROLES = {
    "MATCH_epcClass": ("quantity", "child"),
    "MATCH_inputEPCClass": ("input",),
    "MATCH_outputEPCClass": ("output",),
    "MATCH_anyEPCClass": ("quantity", "child", "input", "output"),
}
_CONTROLS = ("orderBy", "orderDirection", "eventCountLimit", "maxEventCount", "perPage", "nextPageToken")
_QUANTITY = re.compile(r"(EQ|GT|GE|LT|LE)_quantity(?:_([A-Z0-9]{2,4}))?\Z")
_LINK = re.compile(r"EQ_(bizTransaction|source|destination)_(.+)\Z", re.S)
_FIELD = re.compile(r"(EQ|GT|GE|LT|LE|EXISTS)_(ILMD_)?(.+?):(.+)\Z", re.S)
_PREFIX = re.compile(r"[A-Za-z_][\w.-]*\Z")
# Master-data attribute parameters: standard, but this repository keeps no master-data attributes.
_UNSUPPORTED = re.compile(r"HASATTR_|EQ_ATTR_")
# Sensor report attributes compared for equality, by parameter (EQ_<attribute>).
_SENSOR_EQ = frozenset(
    {
        "type",
        "deviceID",
        "dataProcessingMethod",
        "microorganism",
        "chemicalSubstance",
        "bizRules",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
    }
)
_SENSOR_TIME = re.compile(r"(GE|LT)_(time|startTime|endTime)\Z")
_PERC_RANK = re.compile(r"(GT|GE|LT|LE)_percRank\Z")
_MEASURE = re.compile(r"(EQ|GT|GE|LT|LE)_(value|minValue|maxValue|meanValue|sDev|percValue)_([A-Z0-9]{2,4})\Z")
_NESTED = re.compile(
    r"(EQ|GT|GE|LT|LE|EXISTS)_(INNER_)?"
    r"(ILMD_|ERROR_DECLARATION_|SENSORELEMENT_|SENSORMETADATA_|SENSORREPORT_|readPoint_|bizLocation_)?"
    r"([A-Za-z_][\w.-]*):(.+)\Z",
    re.S,
)
_SCOPES = {
    None: "ext",
    "ILMD_": "ilmd",
    "ERROR_DECLARATION_": "errorDeclaration",
    "SENSORELEMENT_": "sensorElement",
    "SENSORMETADATA_": "sensorMetadata",
    "SENSORREPORT_": "sensorReport",
    "readPoint_": "readPoint",
    "bizLocation_": "bizLocation",
}
_LINK_VOCAB = {"bizTransaction": "bizTransactionType", "source": "sourceDestType", "destination": "sourceDestType"}
_TRUE = frozenset({"", "true", "1"})
_FALSE = frozenset({"false", "0"})

Params = Mapping[str, Any]


def _fail(name: str, detail: str) -> QueryParameterError:
    return QueryParameterError(f"{name}: {detail}", field=name)


def _as_lists(params: Params | None) -> dict[str, list[str]]:
    if not params:
        return {}
    getlist: Callable[[str], list[str]] | None = getattr(params, "getlist", None)
    out: dict[str, list[str]] = {}
    for name in params:
        raw = getlist(name) if getlist is not None else params[name]
        out[name] = [raw] if isinstance(raw, str) else [str(v) for v in raw]
    return out


def _items(name: str, values: list[str]) -> list[str]:
    """The list items of a parameter: pipe-delimited and/or repeated; none may be empty."""
    items = [item for value in values for item in value.split("|")]
    if not items or any(item == "" for item in items):
        raise _fail(name, "empty value")
    return items


def _single(name: str, values: list[str]) -> str:
    if len(values) != 1:
        raise _fail(name, f"expected one value, got {len(values)}")
    return values[0]


def _time(name: str, values: list[str]) -> datetime:
    text = _single(name, values)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise _fail(name, f"{text!r} is not a date-time with a time zone offset (e.g. 2024-01-31T12:00:00Z)")
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise _fail(name, f"{text!r} is out of range (years 1 to 9999 in UTC)") from None
    return value


def _number(name: str, values: list[str]) -> Decimal:
    text = _single(name, values)
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise _fail(name, f"{text!r} is not a number")
    if value and abs(value.adjusted()) > NUMBER_EXPONENT:
        raise _fail(name, f"{text!r} is out of range (magnitudes 1e-{NUMBER_EXPONENT} to 1e{NUMBER_EXPONENT})")
    return value


NUMBER_EXPONENT = 30  # beyond any quantity or measurement; bounds the work a threshold in another unit costs


def _positive(name: str, values: list[str]) -> int:
    text = _single(name, values)
    number = whole_number(text)
    if number is None or number < 1:
        raise _fail(name, f"{text!r} is not a positive integer")
    return number


def _flag(name: str, values: list[str]) -> bool:
    text = _single(name, values)
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise _fail(name, f"{text!r} is not a boolean (true or false)")


def _event_types(name: str, values: list[str]) -> ColumnIn:
    items = _items(name, values)
    for item in items:
        if item not in EVENT_TYPES and ":" not in item:
            raise _fail(name, f"{item!r} is not an event type ({', '.join(EVENT_TYPES)})")
    return ColumnIn("event_type", frozenset(items))


def _actions(name: str, values: list[str]) -> ColumnIn:
    items = _items(name, values)
    for item in items:
        if item not in ACTIONS:
            raise _fail(name, f"{item!r} is not one of ADD, OBSERVE, DELETE")
    return ColumnIn("action", frozenset(items))


def _sgln_children(key: str) -> frozenset[str]:
    """Descendants of a location without master data: the SGLNs (`/254/` extensions) of a bare GLN."""
    if re.fullmatch(r"https://id\.gs1\.org/414/\d{13}", key):
        return frozenset({key + "/254/"})
    return frozenset()


def _simple(name: str, values: list[str]) -> Filter | None:
    """Filters whose parameter name is fixed; None when the name is not one of them."""
    if name in _TIMES:
        column, op = _TIMES[name]
        return TimeBound(column, op, _time(name, values))
    if name in _EPC_ROLES:
        return EpcFilter("epc", _EPC_ROLES[name], matcher(name, _items(name, values)))
    if name in _CLASS_ROLES:
        return EpcFilter("class", _CLASS_ROLES[name], matcher(name, _items(name, values)))
    match name:
        case "eventType":
            return _event_types(name, values)
        case "EQ_action":
            return _actions(name, values)
        case "EQ_bizStep" | "EQ_disposition":
            vocab = name[3:]
            column = "biz_step" if vocab == "bizStep" else "disposition"
            return ColumnIn(column, frozenset(cbv.bare(vocab, v) for v in _items(name, values)))
        case "EQ_persistentDisposition_set" | "EQ_persistentDisposition_unset":
            path = "persistentDisposition." + name.rpartition("_")[2]
            return BodyFilter(path, frozenset(cbv.bare("disposition", v) for v in _items(name, values)))
        case "EQ_readPoint" | "EQ_bizLocation":
            column = "read_point" if name == "EQ_readPoint" else "biz_location"
            return ColumnIn(column, frozenset(canonical(v) for v in _items(name, values)))
        case "WD_readPoint" | "WD_bizLocation":
            column = "read_point" if name == "WD_readPoint" else "biz_location"
            keys = [canonical(v) for v in _items(name, values)]
            children = frozenset(p for key in keys for p in _sgln_children(key))
            return Within(column, frozenset(keys), children)
        case "EQ_transformationID":
            return ColumnIn("transformation_id", frozenset(_items(name, values)))
        case "EQ_eventID":
            return ColumnIn("event_id", frozenset(_items(name, values)))
        case "EXISTS_errorDeclaration":
            return Present("error_declaration_time")  # true: `_filters` leaves out a false one (regardless)
        case "EQ_errorReason":
            return ColumnIn("error_reason", frozenset(cbv.bare("errorReason", v) for v in _items(name, values)))
        case "EQ_correctiveEventID":
            return BodyFilter("errorDeclaration.correctiveEventIDs", frozenset(_items(name, values)))
    return None


def _quantity(name: str, values: list[str]) -> QuantityCondition | None:
    m = _QUANTITY.match(name)
    if m is None:
        return None
    return QuantityCondition(m.group(1), _number(name, values), m.group(2))


def _link(name: str, values: list[str]) -> LinkFilter | None:
    m = _LINK.match(name)
    if m is None:
        return None
    kind, kind_type = m.groups()
    items = _items(name, values)
    if kind != "bizTransaction":
        items = [canonical(v) for v in items]
    return LinkFilter(kind, cbv.bare(_LINK_VOCAB[kind], kind_type), frozenset(items))


def _names(name: str, prefix: str, local: str, namespaces: Mapping[str, str]) -> frozenset[str]:
    """The Clark names a `prefix:local` parameter suffix stands for."""
    if prefix not in namespaces:
        raise _fail(name, f"prefix {prefix!r} is not declared (declare it in the GS1-Extensions header)")
    namespace = namespaces[prefix]
    names = {f"{{{namespace}}}{local}"}
    if namespace == CBVMDA:
        # The XML binding writes this namespace without the trailing colon.
        names.add(f"{{{CBVMDA[:-1]}}}{local}")
    return frozenset(names)


def _field(name: str, values: list[str], namespaces: Mapping[str, str]) -> FieldFilter | None:
    m = _FIELD.match(name)
    if m is None:
        return None
    op, ilmd, prefix, local = m.groups()
    if not _PREFIX.match(prefix):
        return None
    names = _names(name, prefix, local, namespaces)
    part = "ilmd" if ilmd else "ext"
    if op == "EXISTS":
        return FieldFilter(part, names, op, present=_flag(name, values))
    if op == "EQ":
        return FieldFilter(part, names, op, tuple(sorted(set(_items(name, values)))))
    return FieldFilter(part, names, op, (_single(name, values),))


def _nested(name: str, values: list[str], namespaces: Mapping[str, str]) -> NestedFieldFilter | None:
    """`INNER_` fields, and fields of the error declaration, sensor elements and locations."""
    m = _NESTED.match(name)
    if m is None:
        return None
    op, inner, scope, prefix, local = m.groups()
    if not inner and scope in (None, "ILMD_"):
        return None  # a top-level extension or ILMD field: `_field`, answered from the index
    if scope in ("readPoint_", "bizLocation_") and op != "EQ":
        raise QueryParameterError(f"unknown query parameter {name!r}", field=name)
    names = _names(name, prefix, local, namespaces)
    where = _SCOPES[scope]
    if op == "EXISTS":
        return NestedFieldFilter(where, bool(inner), names, op, present=_flag(name, values))
    if op == "EQ":
        return NestedFieldFilter(where, bool(inner), names, op, tuple(sorted(set(_items(name, values)))))
    return NestedFieldFilter(where, bool(inner), names, op, (_single(name, values),))


def _sensor(name: str, values: list[str]) -> SensorCondition | None:
    """A condition on sensor reports (all of a query's must hold for one report); None if not one."""
    if name.startswith("EQ_") and name[3:] in _SENSOR_EQ:
        attribute = name[3:]
        if attribute == "booleanValue":
            return SensorCondition(attribute, "EQ", (_flag(name, values),))
        items = _items(name, values)
        if attribute == "type":
            items = [measurement_type(v) for v in items]
        elif attribute == "hexBinaryValue":
            bad = next((v for v in items if not re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", v)), None)
            if bad is not None:
                raise _fail(name, f"{bad!r} is not hexadecimal binary")
            items = [v.upper() for v in items]
        return SensorCondition(attribute, "EQ", tuple(sorted(set(items))))
    if m := _SENSOR_TIME.match(name):
        return SensorCondition(m.group(2), m.group(1), (_time(name, values),))
    if m := _PERC_RANK.match(name):
        return SensorCondition("percRank", m.group(1), (_number(name, values),))
    if m := _MEASURE.match(name):
        op, attribute, uom = m.groups()
        if op == "EQ" and attribute != "value":
            return None
        return SensorCondition(attribute, op, (_number(name, values),), uom)
    return None


def _filters(params: dict[str, list[str]], namespaces: Mapping[str, str]) -> list[Filter]:
    filters: list[Filter] = []
    quantities: list[QuantityCondition] = []
    sensors: list[SensorCondition] = []
    for name, values in params.items():
        if name in _CONTROLS:
            continue
        if name == "EXISTS_errorDeclaration" and not _flag(name, values):
            continue  # false: events with or without an error declaration alike (the binding's definition)
        simple = _simple(name, values)
        if simple is not None:
            filters.append(simple)
            continue
        condition = _quantity(name, values)
        if condition is not None:
            quantities.append(condition)
            continue
        link = _link(name, values)
        if link is not None:
            filters.append(link)
            continue
        sensor = _sensor(name, values)
        if sensor is not None:
            sensors.append(sensor)
            continue
        if name in ("EXISTS_sensorElementList", "EXISTS_sensorElement"):  # the latter: TCR-53's spelling
            filters.append(SensorPresent(_flag(name, values)))
            continue
        if _UNSUPPORTED.match(name):
            raise QueryParameterError(f"query parameter {name!r} is not supported by this repository", field=name)
        nested = _nested(name, values, namespaces)
        if nested is not None:
            filters.append(nested)
            continue
        found = _field(name, values, namespaces)
        if found is None:
            raise QueryParameterError(f"unknown query parameter {name!r}", field=name)
        filters.append(found)
    if quantities:
        filters.append(QuantityFilter(tuple(quantities)))
    if sensors:
        filters.append(SensorFilter(tuple(sensors)))
    return filters


def _signature(params: Iterable[tuple[str, list[str]]]) -> str:
    data = sorted((name, sorted(values)) for name, values in params if name not in ("nextPageToken", "perPage"))
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:32]


def parse_query(
    params: Params,
    *,
    implicit: dict[str, list[str]] | None = None,
    extensions: dict[str, str] | None = None,
    token_key: bytes = DEFAULT_TOKEN_KEY,
) -> Query:
    """Validate SimpleEventQuery parameters into a `Query`.

    `implicit` holds filters the resource path implies (`/bizSteps/{b}/events` gives EQ_bizStep); they
    apply in addition to the explicit ones. `extensions` maps prefixes to namespaces (the GS1-Extensions
    header); `cbvmda` is always known. `token_key` must be the key `run_query` signs tokens with.
    """
    explicit = _as_lists(params)
    implied = _as_lists(implicit)
    namespaces = {"cbvmda": CBVMDA, **(extensions or {})}
    filters = _filters(explicit, namespaces) + _filters(implied, namespaces)
    if "orderBy" in explicit:
        order_by = _single("orderBy", explicit["orderBy"])
        if order_by not in ("eventTime", "recordTime"):
            raise _fail("orderBy", f"{order_by!r} is not supported (eventTime or recordTime)")
    else:
        order_by = "eventTime"
    descending = True
    if "orderDirection" in explicit:
        direction = _single("orderDirection", explicit["orderDirection"])
        if direction not in ("ASC", "DESC"):
            raise _fail("orderDirection", f"{direction!r} is not ASC or DESC")
        descending = direction == "DESC"
    limit = _positive("eventCountLimit", explicit["eventCountLimit"]) if "eventCountLimit" in explicit else None
    most = _positive("maxEventCount", explicit["maxEventCount"]) if "maxEventCount" in explicit else None
    if limit is not None and "orderBy" not in explicit:
        raise _fail("eventCountLimit", "needs orderBy")
    if limit is not None and most is not None:
        raise _fail("maxEventCount", "cannot be combined with eventCountLimit")
    per_page = DEFAULT_PER_PAGE
    if "perPage" in explicit:
        # The repository's upper limit applies silently, as the REST binding allows.
        per_page = min(_positive("perPage", explicit["perPage"]), MAX_PER_PAGE)
    signature = _signature([*explicit.items(), *(("implicit:" + k, v) for k, v in implied.items())])
    after: PageKey | None = None
    if "nextPageToken" in explicit:
        after = decode(token_key, signature, _single("nextPageToken", explicit["nextPageToken"]))
    return Query(
        filters=tuple(filters),
        order_by=order_by,
        descending=descending,
        event_count_limit=limit,
        max_event_count=most,
        per_page=per_page,
        signature=signature,
        after=after,
    )
