"""DSCSA channel, receiving side: partners' files (every vendor variation in the reference samples, EPCIS 1.2
and 2.0, XML and JSON-LD) are imported into the repository with a record per code for receiving; a file
that cannot be read is refused with a problem naming what is wrong, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

import epcis
from app.models import EpcisEvent, EventEpc
from app.models.dscsa import DscsaImport
from app.services import dscsa
from epcis.model import Epc
from tests.conftest import GTIN
from tests.epcis_api.test_capture import dl

Auth = dict[str, dict[str, str]]
SAMPLES = Path("dscsa-examples")
GS1_US = SAMPLES / "gs1us-guideline/GS1_US_Pharma_Example_2_2_1_1.xml"
ITEM = "https://id.gs1.org/01/00300010123455/21/"
CASE = "https://id.gs1.org/01/10300010123452/21/"
PALLET = "https://id.gs1.org/00/403000112345678901"

# file -> (events, stored, codes, partner GLN, receiver GLN, schema version, one code and what is known of it)
EXPECTED: dict[str, tuple[int, int, int, str | None, str | None, str, str, dict[str, Any]]] = {
    "gs1us-guideline/GS1_US_Pharma_Example_2_2_1_1.xml": (
        8, 8, 16, "0300011111116", "0399999999991", "1.2",
        ITEM + "11", {"gtin": "00300010123455", "lot": "A123", "expiry": "2025-03-27", "parent": CASE + "110"},
    ),
    "trading-partner-samples/cardinal_health_epcis_1.2.xml": (
        3, 3, 5, "0300011111246", "0399999999298", "1.2",
        "https://id.gs1.org/01/00355154944954/21/40095247428196",
        {"gtin": "00355154944954", "lot": "PR456", "expiry": "2015-03-15",
         "parent": "https://id.gs1.org/01/30355154944955/21/40072894693743"},
    ),
    "trading-partner-samples/tracelink_sample.xml": (
        5, 5, 14, "8779891013658", "8811891013778", "1.2",
        "https://id.gs1.org/01/00682024010342/21/11220207026272",
        {"gtin": "00682024010342", "lot": None, "expiry": None, "parent": "https://id.gs1.org/00/400543400000000198"},
    ),
    "eu/wg4_hospital_sample_epcis_1.2.xml": (
        4, 4, 7, "4098765000010", None, "1.2",
        "https://id.gs1.org/01/04098767890121/21/s012346671",
        {"gtin": "04098767890121", "lot": "00123", "expiry": "2020-12-12", "parent": None},
    ),
    "qu4rtet-testdata/comm_agg_decom_epcis.xml": (
        6, 6, 14, "0399999000007", "0399999000007", "1.2",
        "https://id.gs1.org/01/00397799070629/21/1190390028373",
        {"gtin": "00397799070629", "lot": "FARMT1", "expiry": "2020-12-31",
         "parent": "https://id.gs1.org/01/20397799070623/21/2190390007049"},
    ),
    "qu4rtet-testdata/commissioning_gs1ushc_ilmd.xml": (
        12, 12, 44, "0555555000017", "0555553000002", "1.1",
        "https://id.gs1.org/01/30555553001062/21/223655428146",
        {"gtin": "30555553001062", "lot": "seconddemo", "expiry": "2019-06-30", "parent": None},
    ),
    "qu4rtet-testdata/gs1ushc_ship.xml": (
        1, 1, 2, None, None, "1",
        "https://id.gs1.org/01/50555553001066/21/117888771458",
        {"gtin": "50555553001066", "lot": None, "expiry": None, "parent": None},
    ),
    "qu4rtet-testdata/optel_l3_export.xml": (
        5, 5, 4, None, None, "1.0",
        "https://id.gs1.org/01/00355555594154/21/126852",
        {"gtin": "00355555594154", "lot": "19820", "expiry": "2019-05-31",
         "parent": "https://id.gs1.org/01/60355555594156/21/8496"},
    ),
    "qu4rtet-testdata/rfxcel_style_commission.xml": (
        32, 11, 25, None, None, "1.1",
        "https://id.gs1.org/01/00952696603013/21/103072864711",
        {"gtin": "00952696603013", "lot": "TEST", "expiry": "2019-02-09",
         "parent": "https://id.gs1.org/01/20952696603017/21/131289668804"},
    ),
    "qu4rtet-testdata/sap_attp_export.xml": (
        3, 3, 421, "0355550000001", "0355555000006", "1.1",
        "https://id.gs1.org/01/00351754506011/21/100041055830",
        {"gtin": "00351754506011", "lot": "8AHUB97A01", "expiry": "2020-04-18",
         "parent": "https://id.gs1.org/01/50351754506016/21/100000000014"},
    ),
    "qu4rtet-testdata/tracelink_commission.xml": (
        1, 1, 3, "0358716000006", "0303780000063", "1.2",
        "https://id.gs1.org/01/00368220112102/21/2PWT46W493",
        {"gtin": "00368220112102", "lot": "000001", "expiry": "2019-11-01", "parent": None},
    ),
}  # fmt: skip


def _import(client: FlaskClient, auth: Auth, data: bytes, media: str = "application/xml", **query: str) -> Any:
    headers = {**auth["logistics"], "Content-Type": media}
    return client.post("/api/v1/dscsa/imports", data=data, headers=headers, query_string=query)


def _events(database: Any) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(EpcisEvent)) or 0)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_partner_sample_is_imported(
    client: FlaskClient, auth: Auth, database: Any, reference: Path, name: str
) -> None:
    events, stored, codes, sender, receiver, version, code, known = EXPECTED[name]
    answer = _import(client, auth, (reference / SAMPLES / name).read_bytes())
    assert answer.status_code == 201, answer.get_json()
    view = answer.get_json()
    assert answer.headers["Location"] == f"/api/v1/dscsa/imports/{view['id']}"
    got = (view["events"], view["stored"], view["codes"], view["partner_gln"], view["receiver_gln"])
    assert got == (events, stored, codes, sender, receiver)
    assert view["schema_version"] == version
    assert _events(database) == stored
    with database.read() as session:
        assert dscsa.partner_data(session, [code]) == {
            code: {"partner_gln": sender, **known, "import_id": view["id"], "document_id": view["document_id"]}
        }


def test_the_gs1_us_example_carries_its_transaction_data(
    client: FlaskClient, auth: Auth, database: Any, reference: Path
) -> None:
    view = _import(client, auth, (reference / GS1_US).read_bytes()).get_json()
    assert (view["guideline"], view["transaction_statement"], view["document_id"]) == (
        "GS1 US DSCSA R1.3",
        True,
        "1100220001",
    )
    assert view["warnings"] == []
    assert view["products"][0] == {
        "class": "urn:epc:idpat:sgtin:030001.0012345.*",
        "ndc": "0001-0123-45",
        "ndc_type": "US_FDA_NDC",
        "name": "Epcistra",
        "dosage_form": "PILL",
        "strength": "100mg",
        "container_size": "500 pills",
        "manufacturer": "GS1 Pharma LLC",
    }
    scanned = [ITEM + "11", CASE + "110", PALLET, dl("NEVER-IMPORTED")]
    with database.read() as session:
        data = dscsa.partner_data(session, scanned)
    assert sorted(data) == sorted(scanned[:3])
    assert (data[CASE + "110"]["parent"], data[PALLET]["parent"], data[PALLET]["gtin"]) == (PALLET, None, None)
    # Trace and the EPCIS queries see the partner's events.
    query = {"MATCH_epc": ITEM + "11", "orderBy": "eventTime", "orderDirection": "ASC"}
    found = client.get("/epcis/events", query_string=query, headers=auth["qa"])
    assert [e.biz_step for e in epcis.parse(found.data).events] == ["commissioning", "packing"]
    trace = client.get("/api/v1/trace", query_string={"code": "urn:epc:id:sgtin:030001.0012345.11"}, headers=auth["qa"])
    assert trace.status_code == 200, trace.get_json()
    assert [e["bizStep"] for e in trace.get_json()["events"]] == ["commissioning", "packing"]
    listed = client.get("/api/v1/dscsa/imports", headers=auth["qa"]).get_json()["items"]
    assert [i["id"] for i in listed] == [view["id"]]
    assert client.get(f"/api/v1/dscsa/imports/{view['id']}", headers=auth["erp"]).get_json() == view


def test_tolerated_variations_are_listed(client: FlaskClient, auth: Auth, reference: Path) -> None:
    decom = _import(client, auth, (reference / SAMPLES / "qu4rtet-testdata/comm_agg_decom_epcis.xml").read_bytes())
    assert decom.get_json()["warnings"][0] == "creationDate '2019-11-18T10:42:47' has no time zone: read as UTC"
    tracelink = _import(
        client, auth, (reference / SAMPLES / "trading-partner-samples/tracelink_sample.xml").read_bytes()
    )
    assert any("attribute 'date' is not allowed" in w for w in tracelink.get_json()["warnings"])
    rfxcel = _import(client, auth, (reference / SAMPLES / "qu4rtet-testdata/rfxcel_style_commission.xml").read_bytes())
    assert rfxcel.get_json()["warnings"] == [
        "21 of 32 events were stored already (an earlier file, or repeated in this one): kept once"
    ]


def test_the_same_file_twice_is_one_import(
    client: FlaskClient, auth: Auth, database: Any, reference: Path, unchanged: Any
) -> None:
    data = (reference / GS1_US).read_bytes()
    first = _import(client, auth, data)
    with unchanged():
        again = _import(client, auth, data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()


def test_epcis_2_files_are_imported(client: FlaskClient, auth: Auth, database: Any, reference: Path) -> None:
    document = epcis.parse((reference / GS1_US).read_bytes())
    as_jsonld = json.dumps(epcis.to_jsonld(document)).encode()
    view = _import(client, auth, as_jsonld, "application/ld+json", partner_gln="0300011111116").get_json()
    assert (view["schema_version"], view["events"], view["stored"], view["codes"]) == ("2.0", 8, 8, 16)
    assert view["partner_gln"] == "0300011111116"
    as_xml = epcis.to_xml(document, version="2.0")
    again = _import(client, auth, as_xml).get_json()
    assert (again["schema_version"], again["stored"], again["codes"]) == ("2.0", 0, 16)
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(DscsaImport)) == 2
        assert dscsa.partner_data(session, [ITEM + "22"])[ITEM + "22"]["import_id"] == again["id"]


def test_the_malformed_sample_is_refused(client: FlaskClient, auth: Auth, reference: Path, unchanged: Any) -> None:
    data = (reference / SAMPLES / "trading-partner-samples/amerisourcebergen_sample_MALFORMED.xml").read_bytes()
    with unchanged():
        answer = _import(client, auth, data)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["field"] == "body"
    assert problem["detail"].startswith("not well-formed XML: String not closed expecting \" or ', line 1, column 34")


EVENT = (
    "<ObjectEvent><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>"
    "<epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>OBSERVE</action></ObjectEvent>"
)
DOC = '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" schemaVersion="1.2"><EPCISBody><EventList>{}</EventList></EPCISBody></epcis:EPCISDocument>'  # noqa: E501


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        (b"", "body", "the body is empty: send the partner's EPCIS file"),
        (b"PO 4711, 3 pallets", "body", "not an EPCIS document: expected XML ('<') or JSON-LD ('{'), found 'P'"),
        (b"<order><po>4711</po></order>", "body", "root element <order> is not an EPCIS document"),
        (
            DOC.format("").encode(),
            "body",
            "the file holds no EPCIS events (expected an EPCISDocument with an EventList)",
        ),
        (DOC.format(EVENT).encode(), "eventList[0].eventTime", "event 0, field 'eventTime': missing"),
        (
            b'<!DOCTYPE d [<!ENTITY x "y">]>' + DOC.format("").encode(),
            "body",
            "a DOCTYPE with declarations or an external DTD is not allowed (entities are refused)",
        ),
        (b'{"type": "EPCISDocument"', "body", None),
    ],
)
def test_unreadable_files_are_refused_naming_the_fault(
    client: FlaskClient, auth: Auth, unchanged: Any, body: bytes, field: str, detail: str | None
) -> None:
    with unchanged():
        answer = _import(client, auth, body)
    assert answer.status_code == 422, answer.get_json()
    problem = answer.get_json()
    assert problem["field"] == field
    if detail is not None:
        assert problem["detail"] == detail


def test_a_file_breaking_the_rules_for_our_codes_writes_nothing(
    client: FlaskClient, auth: Auth, product: dict[str, Any], unchanged: Any
) -> None:
    theirs = EVENT.replace("<eventTimeZoneOffset>", "<eventTime>2026-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>")
    ours = epcis.model.Epc(dl("NEVERISSUED1")).to_urn(7)
    commissioning = (
        "<ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>"
        f"<epcList><epc>{ours}</epc></epcList><action>ADD</action>"
        "<bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep></ObjectEvent>"
    )
    with unchanged():
        answer = _import(client, auth, DOC.format(theirs + commissioning).encode())
    assert answer.status_code == 422
    problem = answer.get_json()
    assert (problem["field"], problem["detail"]) == (
        "eventList[1].ilmd.lotNumber",
        f"commissioning GTIN {GTIN} needs the lot in ILMD cbvmda:lotNumber",
    )


def test_an_event_id_reused_for_another_event_is_a_conflict(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    def file(serial: str) -> bytes:
        event = (
            "<ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>"
            "<baseExtension><eventID>urn:uuid:0f0e0d0c-0b0a-4908-8706-050403020100</eventID></baseExtension>"
            f"<epcList><epc>urn:epc:id:sgtin:0614141.107346.{serial}</epc></epcList><action>OBSERVE</action>"
            "</ObjectEvent>"
        )
        return DOC.format(event).encode()

    assert _import(client, auth, file("1")).status_code == 201
    with unchanged():
        answer = _import(client, auth, file("2"))
    assert answer.status_code == 409
    assert answer.get_json()["field"] == "eventList[0].eventID"


def test_importing_needs_a_receiving_role(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    with unchanged():
        answer = _import(client, {"logistics": auth["regulator"]}, b"<x/>")
    assert answer.status_code == 403
    with unchanged():
        answer = _import(client, auth, b"<x/>", partner_gln="0300011111117")
    assert answer.status_code == 422 and answer.get_json()["field"] == "partner_gln"


def test_event_times_without_a_zone_are_read_in_the_event_offset(
    client: FlaskClient, auth: Auth, database: Any
) -> None:
    event = EVENT.replace(
        "<eventTimeZoneOffset>+00:00", "<eventTime>2026-01-01T10:00:00</eventTime><eventTimeZoneOffset>-05:00"
    )
    answer = _import(client, auth, DOC.format(event).encode())
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["warnings"][0] == (
        "eventTime '2026-01-01T10:00:00' has no time zone: read as 2026-01-01T10:00:00-05:00"
    )
    with database.read() as session:
        stored = session.scalars(select(EpcisEvent.event_time)).all()
    assert [t.isoformat() for t in stored] == ["2026-01-01T15:00:00+00:00"]


def test_a_comment_or_processing_instruction_inside_a_value_does_not_cut_it(
    client: FlaskClient, auth: Auth, database: Any
) -> None:
    event = EVENT.replace(
        "<eventTimeZoneOffset>", "<eventTime>2026-01-01T10:00:00Z</eventTime><eventTimeZoneOffset>"
    ).replace("0614141.107346.2017", "0614141.<!-- lot 7 -->107346.<?scanner line=2?>2017")
    answer = _import(client, auth, DOC.format(event).encode())
    assert answer.status_code == 201, answer.get_json()
    with database.read() as session:
        stored = session.scalars(select(EventEpc.epc)).all()
    assert stored == [Epc("urn:epc:id:sgtin:0614141.107346.2017").digital_link]


def test_a_partners_own_sale_is_not_passed_on(client: FlaskClient, auth: Auth, database: Any, reference: Path) -> None:
    """The GS1 US example records A selling to B. B is also our partner, with both channels: importing A's
    file must not send B anything (A's sale is A's to report, and our transaction statement is not A's)."""
    from app.models import OutboxMessage

    buyer = client.post(
        "/api/v1/partners", headers=auth["erp"], json={"name": "B", "gln": "0399999999991", "country": "US"}
    ).get_json()
    for channel in ("epcis2", "dscsa"):
        answer = client.put(
            f"/api/v1/partners/{buyer['id']}/channels/{channel}",
            headers=auth["erp"],
            json={"endpoint": f"https://b.example/{channel}"},
        )
        assert answer.status_code in (200, 201), answer.get_json()
    assert _import(client, auth, (reference / GS1_US).read_bytes()).status_code == 201
    with database.read() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


FILE = DOC.format(
    "<ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>"
    "<epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>ADD</action>"
    "<bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>"
    '<extension><ilmd xmlns:cbvmda="urn:epcglobal:cbv:mda"><cbvmda:lotNumber>A1</cbvmda:lotNumber></ilmd></extension>'
    "</ObjectEvent>"
)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            ("<epc>urn:epc:id:sgtin:0614141.107346.2017</epc>", "<epc>https://example.org/" + "x" * 300 + "</epc>"),
            "eventList[0].epcList[0]",
        ),
        (('schemaVersion="1.2"', 'schemaVersion="' + "1" * 40 + '"'), "schemaVersion"),
        (("<cbvmda:lotNumber>A1</cbvmda:lotNumber>", "<cbvmda:lotNumber>" + "L" * 101 + "</cbvmda:lotNumber>"), "lot"),
    ],
)
def test_values_the_store_cannot_hold_are_refused_by_field(
    client: FlaskClient, auth: Auth, unchanged: Any, change: tuple[str, str], field: str
) -> None:
    data = FILE.replace(*change).encode()
    assert change[1] in data.decode()
    with unchanged():
        answer = _import(client, auth, data)
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["field"] == field


def test_a_time_utc_cannot_hold_is_refused_by_field(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    late = FILE.replace(
        "2026-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00",
        "9999-12-31T23:59:59-14:00</eventTime><eventTimeZoneOffset>-14:00",
    )
    assert "9999-12-31" in late
    with unchanged():
        answer = _import(client, auth, late.encode())
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["field"] == "eventList[0].eventTime"
