"""The sensor, INNER_, ERROR_DECLARATION_ and location-extension parameters of the SimpleEventQuery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services import eventstore
from app.services.query import parse_query, run_query
from app.services.query.nested import matches
from epcis import model as m
from tests.services.test_query import CX, TABLES, q

RECORDED = datetime(2026, 1, 1, tzinfo=UTC)
D1, D2 = "urn:epc:id:giai:9506000.D1", "urn:epc:id:giai:9506000.D2"
RULES = "https://custody.example/rules/cold-chain"
MICROBE = "https://www.ncbi.nlm.nih.gov/taxonomy/1126011"
SUBSTANCE = "https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N"
NAMES = ["fridge", "warm", "plain"]
ID = {name: f"urn:uuid:2e6f1c0a-7b3d-4f5e-8a9b-{n:012d}" for n, name in enumerate(NAMES, 1)}
NAME = {v: k for k, v in ID.items()}


def x(local: str, text: str | None = None, *children: m.Extension) -> m.Extension:
    return m.Extension(name=f"{{{CX}}}{local}", text=text, children=list(children))


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 5, day, hour, tzinfo=UTC)


def events() -> list[m.Event]:
    common: dict[str, Any] = {"event_time_zone_offset": "+00:00", "action": "OBSERVE"}
    fridge = m.ObjectEvent(
        **common,
        event_time=at(1),
        epc_list=[m.Epc("urn:epc:id:sscc:9506000.0000000001")],
        sensor_elements=[
            m.SensorElement(
                metadata=m.SensorMetadata(
                    time=at(1, 10), deviceID=D1, bizRules=RULES, extensions=[x("calibrated", "2025-01-01")]
                ),
                reports=[
                    m.SensorReport(type="Temperature", value=Decimal("5"), uom="CEL", extensions=[x("probe", "P1")]),
                    m.SensorReport(type="AbsoluteHumidity", value=Decimal("40"), uom="A93"),
                    # 8 °C, from the second device, measured later than the element's time.
                    m.SensorReport(type="Temperature", deviceID=D2, time=at(1, 11), value=Decimal("281.15"), uom="KEL"),
                    m.SensorReport(
                        type="Temperature",
                        minValue=Decimal("2.5"),
                        maxValue=Decimal("7.5"),
                        meanValue=Decimal("4.8"),
                        sDev=Decimal("0.4"),
                        percRank=Decimal("50"),
                        percValue=Decimal("4.7"),
                        uom="CEL",
                    ),
                    m.SensorReport(
                        type="https://custody.example/sensor/DoorOpen",
                        booleanValue=True,
                        stringValue="door A",
                        hexBinaryValue="0A1B",
                        uriValue="https://custody.example/doors/A",
                    ),
                    m.SensorReport(
                        type="AmountOfSubstancePerUnitVolume",
                        microorganism=MICROBE,
                        chemicalSubstance=SUBSTANCE,
                        value=Decimal("0.05"),
                        uom="C35",
                    ),
                ],
                extensions=[x("zone", "Z9")],
            )
        ],
    )
    warm = m.ObjectEvent(
        **common,
        event_time=at(2),
        epc_list=[m.Epc("urn:epc:id:sscc:9506000.0000000002")],
        sensor_elements=[
            m.SensorElement(
                metadata=m.SensorMetadata(startTime=at(2, 0), endTime=at(2, 6)),
                reports=[m.SensorReport(type="Temperature", time=at(2, 5), value=Decimal("12"), uom="CEL")],
            )
        ],
    )
    plain = m.ObjectEvent(
        **common,
        event_time=at(3),
        epc_list=[m.Epc("urn:epc:id:sscc:9506000.0000000003")],
        read_point=m.Location(id=m.Epc("urn:epc:id:sgln:9506000.00001.0"), extensions=[x("dock", "7")]),
        ilmd=[x("grading", None, x("size", "B-2"))],
        extensions=[x("internal", None, x("machine", "M1"), x("deep", None, x("level", "3")))],
        error_declaration=m.ErrorDeclaration(
            declaration_time=at(4),
            reason="incorrect_data",
            extensions=[x("issuer", "QA-7"), x("codes", None, x("code", "34"))],
        ),
    )
    out: list[m.Event] = [fridge, warm, plain]
    for name, event in zip(NAMES, out, strict=True):
        event.event_id = ID[name]
    return out


@pytest.fixture
def stored(database: Any) -> Any:
    from app.models import Base

    Base.metadata.create_all(database.engine, tables=TABLES, checkfirst=True)
    with database.write() as session:
        for n, event in enumerate(events()):
            eventstore.store(
                session, event, record_time=RECORDED + timedelta(minutes=n), captured_by="test", capture_id=None
            )
    return database


def names(database: Any, params: dict[str, list[str]]) -> list[str]:
    with database.read() as session:
        page = run_query(session, parse_query(params, extensions={"cx": CX}))
    assert page.next_page_token is None
    return [NAME[e["eventID"]] for e in page.events]


def expect(database: Any, cases: list[tuple[dict[str, list[str]], list[str]]]) -> None:
    wrong = [(params, got, want) for params, want in cases if (got := names(database, params)) != want]
    assert wrong == []


def test_sensor_presence_type_and_attributes(stored: Any) -> None:
    expect(
        stored,
        [
            (q(EXISTS_sensorElementList="true"), ["warm", "fridge"]),
            (q(EXISTS_sensorElementList="false"), ["plain"]),
            (q(EXISTS_sensorElement=""), ["warm", "fridge"]),
            (q(EQ_type="Temperature"), ["warm", "fridge"]),
            (q(EQ_type="https://gs1.org/voc/Temperature"), ["warm", "fridge"]),
            (q(EQ_type="AbsoluteHumidity|Speed"), ["fridge"]),
            (q(EQ_type="https://custody.example/sensor/DoorOpen"), ["fridge"]),
            (q(EQ_deviceID=D2), ["fridge"]),
            (q(EQ_deviceID="urn:epc:id:giai:9506000.D3"), []),
            (q(EQ_bizRules=RULES), ["fridge"]),
            (q(EQ_microorganism=MICROBE), ["fridge"]),
            (q(EQ_chemicalSubstance=SUBSTANCE), ["fridge"]),
            (q(EQ_stringValue="door A"), ["fridge"]),
            (q(EQ_stringValue="door a"), []),
            (q(EQ_booleanValue="true"), ["fridge"]),
            (q(EQ_booleanValue="false"), []),
            (q(EQ_hexBinaryValue="0a1b"), ["fridge"]),
            (q(EQ_uriValue="https://custody.example/doors/A"), ["fridge"]),
            (q(EQ_dataProcessingMethod="https://custody.example/methods/1"), []),
        ],
    )


def test_sensor_times_and_measurements_with_unit_conversion(stored: Any) -> None:
    expect(
        stored,
        [
            (q(GE_time="2025-05-01T10:30:00Z"), ["warm", "fridge"]),  # fridge: its 11:00 report
            (q(LT_time="2025-05-01T10:30:00Z"), ["fridge"]),  # reports taking the element's 10:00
            (q(GE_time="2025-05-02T00:00:00Z"), ["warm"]),
            (q(GE_startTime="2025-05-02T00:00:00Z", LT_endTime="2025-05-02T06:00:01Z"), ["warm"]),
            (q(LT_endTime="2025-05-02T06:00:00Z"), []),
            (q(GE_value_CEL="7"), ["warm", "fridge"]),  # fridge: 281.15 KEL
            (q(GE_value_CEL="10"), ["warm"]),
            (q(EQ_value_CEL="8"), ["fridge"]),
            (q(GE_value_KEL="285.15"), ["warm"]),
            (q(LT_value_FAH="41.01"), ["fridge"]),  # 5 °C = 41 °F
            (q(LT_value_FAH="41"), []),
            (q(GE_value_C35="0.05"), ["fridge"]),  # a unit without conversion: same unit only
            (q(GT_minValue_CEL="2.4", LE_maxValue_CEL="7.5"), ["fridge"]),
            (q(GE_meanValue_KEL="277.95", LT_sDev_CEL="0.5"), ["fridge"]),
            (q(GE_percRank="50", LE_percValue_CEL="4.7"), ["fridge"]),
            (q(GT_percRank="50"), []),
        ],
    )


def test_sensor_conditions_hold_for_one_report(stored: Any) -> None:
    expect(
        stored,
        [
            # Humidity is measured in A93, never in CEL: no one report is both.
            (q(EQ_type="AbsoluteHumidity", GE_value_CEL="0"), []),
            # D1 (the element's device) measured 5 °C; D2 measured 8 °C.
            (q(EQ_deviceID=D1, LT_value_CEL="6"), ["fridge"]),
            (q(EQ_deviceID=D2, LT_value_CEL="6"), []),
            (q(EQ_deviceID=D2, GE_time="2025-05-01T11:00:00Z", EQ_value_CEL="8"), ["fridge"]),
        ],
    )


def test_sensor_element_metadata_and_report_extensions(stored: Any) -> None:
    expect(
        stored,
        [
            ({"EQ_SENSORREPORT_cx:probe": ["P1"]}, ["fridge"]),
            ({"EQ_SENSORREPORT_cx:probe": ["P2"]}, []),
            ({"EXISTS_SENSORMETADATA_cx:calibrated": [""]}, ["fridge"]),
            ({"GE_SENSORMETADATA_cx:calibrated": ["2024-12-31"]}, ["fridge"]),
            ({"LT_SENSORMETADATA_cx:calibrated": ["2024-12-31"]}, []),
            ({"EQ_SENSORELEMENT_cx:zone": ["Z9"]}, ["fridge"]),
            ({"EXISTS_SENSORELEMENT_cx:zone": ["false"]}, ["plain", "warm"]),
        ],
    )


def test_inner_error_declaration_and_location_fields(stored: Any) -> None:
    expect(
        stored,
        [
            ({"EQ_INNER_cx:machine": ["M1"]}, ["plain"]),
            ({"EQ_cx:machine": ["M1"]}, []),  # nested, not a top-level field
            ({"GE_INNER_cx:level": ["3"]}, ["plain"]),
            ({"GT_INNER_cx:level": ["3"]}, []),
            ({"EXISTS_INNER_cx:internal": [""]}, []),  # the top-level field itself is not inner
            ({"EXISTS_cx:internal": [""]}, ["plain"]),
            ({"EQ_INNER_ILMD_cx:size": ["B-2"]}, ["plain"]),
            ({"EQ_ILMD_cx:size": ["B-2"]}, []),
            ({"EQ_ERROR_DECLARATION_cx:issuer": ["QA-7"]}, ["plain"]),
            ({"EQ_ERROR_DECLARATION_cx:code": ["34"]}, []),
            ({"EQ_INNER_ERROR_DECLARATION_cx:code": ["34"]}, ["plain"]),
            ({"EXISTS_ERROR_DECLARATION_cx:issuer": ["false"]}, ["warm", "fridge"]),
            ({"EQ_readPoint_cx:dock": ["7"]}, ["plain"]),
            ({"EQ_bizLocation_cx:dock": ["7"]}, []),
            ({"EQ_errorReason": ["incorrect_data"], "EQ_ERROR_DECLARATION_cx:issuer": ["QA-7"]}, ["plain"]),
        ],
    )


def test_sensor_filters_combine_with_the_indexed_ones(stored: Any) -> None:
    expect(
        stored,
        [
            (q(MATCH_epc="urn:epc:id:sscc:9506000.0000000002", EQ_type="Temperature"), ["warm"]),
            (q(MATCH_epc="urn:epc:id:sscc:9506000.0000000002", EQ_deviceID=D1), []),
            (q(GE_eventTime="2025-05-02T00:00:00Z", EXISTS_sensorElementList="true"), ["warm"]),
        ],
    )


@given(
    celsius=st.decimals(min_value=-60, max_value=60, places=2),
    threshold=st.decimals(min_value=200, max_value=350, places=3),
    op=st.sampled_from(["GE", "GT", "LE", "LT"]),
)
def test_kelvin_thresholds_match_celsius_reports(celsius: Decimal, threshold: Decimal, op: str) -> None:
    event = m.ObjectEvent(
        event_time=at(1),
        event_time_zone_offset="+00:00",
        action="OBSERVE",
        sensor_elements=[m.SensorElement(reports=[m.SensorReport(type="Temperature", value=celsius, uom="CEL")])],
    )
    (sensor,) = parse_query({f"{op}_value_KEL": [str(threshold)]}).filters
    kelvin = celsius + Decimal("273.15")
    expected = {
        "GE": kelvin >= threshold,
        "GT": kelvin > threshold,
        "LE": kelvin <= threshold,
        "LT": kelvin < threshold,
    }
    assert matches(event, sensor) is expected[op]  # type: ignore[arg-type]
