"""Trace by scan: a pack's state, its container, a pallet's contents and the event timeline."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import GTIN
from tests.epcis_api.test_capture import capture, commissioning, dl, document, event, packing

Auth = dict[str, dict[str, str]]


def test_trace_a_scanned_pack_and_its_case(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    serials = [
        s["serial"]
        for s in client.post(
            f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 3}
        ).get_json()["serials"]
    ]
    case = client.post(
        "/api/v1/sscc", headers=auth["line"], json={"company_prefix": "9506000", "extension_digit": 0, "count": 1}
    ).get_json()["sscc"][0]
    case_dl = f"https://id.gs1.org/00/{case}"
    capture(client, auth, document(commissioning(serials)))
    capture(client, auth, document(packing(case_dl, [dl(s) for s in serials[:2]])))

    scan = f"]d201{GTIN}1727123110LOT-001\x1d21{serials[0]}"
    answer = client.get("/api/v1/trace", query_string={"code": scan}, headers=auth["logistics"])
    assert answer.status_code == 200, answer.get_json()
    traced = answer.get_json()
    assert traced["epc"] == dl(serials[0])
    assert traced["state"]["status"] == "commissioned" and traced["state"]["parent"] == case_dl
    assert traced["ancestors"] == [case_dl]
    assert [c["parent"] for c in traced["containers"]] == [case_dl]
    assert [e["bizStep"] for e in traced["events"]] == ["commissioning", "packing"]

    pallet = client.get("/api/v1/trace", query_string={"code": case}, headers=auth["regulator"]).get_json()
    assert pallet["content_count"] == 2
    assert [c["epc"] for c in pallet["contents"]] == sorted(dl(s) for s in serials[:2])

    lookup = client.get(f"/api/v1/serials/{GTIN}/{serials[0]}", headers=auth["qa"]).get_json()
    assert lookup["status"] == "commissioned"
    assert (
        client.get("/api/v1/trace", query_string={"code": f"(01){GTIN}(21)NEVERSEEN"}, headers=auth["qa"]).status_code
        == 404
    )
    bad = client.get("/api/v1/trace?code=hello", headers=auth["qa"])
    assert bad.status_code == 422 and bad.get_json()["field"] == "code"
    shipping = event("ObjectEvent", "OBSERVE", "shipping", 9, epcList=[case_dl])
    capture(client, auth, document(shipping))
    assert (
        client.get("/api/v1/trace", query_string={"code": scan}, headers=auth["qa"]).get_json()["state"]["status"]
        == "shipped"
    )


def test_trace_a_pallet_tree_and_a_long_history(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    from app.services.trace import trace
    from tests.epcis_api.flows import issue, new_case

    serials = issue(client, auth, batch, 4)
    packs = [dl(s) for s in serials]
    cases = [new_case(client, auth), new_case(client, auth)]
    pallet = new_case(client, auth)
    unpack = event("AggregationEvent", "DELETE", "unpacking", 5, parentID=cases[0], childEPCs=packs[:1])
    body = document(
        commissioning(serials, minute=1),
        packing(cases[0], packs[:2], minute=2),
        packing(cases[1], packs[2:], minute=3),
        packing(pallet, cases, minute=4),
        unpack,
        packing(cases[1], packs[:1], minute=6),
    )
    assert capture(client, auth, body)["success"] is True
    top = client.get("/api/v1/trace", query_string={"code": pallet}, headers=auth["qa"]).get_json()
    assert top["content_count"] == 6 and top["ancestors"] == []
    assert top["contents"] == [
        {"epc": cases[0], "contents": [{"epc": packs[1], "contents": []}]},
        {"epc": cases[1], "contents": [{"epc": p, "contents": []} for p in sorted([packs[0], *packs[2:]])]},
    ]
    moved = client.get("/api/v1/trace", query_string={"code": packs[0]}, headers=auth["qa"]).get_json()
    assert moved["ancestors"] == [cases[1], pallet]
    assert [(c["parent"], c["action"]) for c in moved["containers"]] == [
        (cases[0], "ADD"),
        (cases[0], "DELETE"),
        (cases[1], "ADD"),
    ]
    assert [e["role"] for e in moved["events"]] == ["epc", "child", "child", "child"]
    # A timeline cut short still lists every container the code was in.
    cut = trace(database, packs[0], events_limit=2)
    assert [e["bizStep"] for e in cut["events"]] == ["commissioning", "packing"]
    assert cut["containers"] == moved["containers"]
