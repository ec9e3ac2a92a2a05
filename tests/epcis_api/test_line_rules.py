"""Packaging-line rules at their edges: what may be a parent, what an unpack touches, what may be undone,
which serials an operation may name and which line's packs a scoped token may touch."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.services import security
from tests.conftest import GTIN
from tests.epcis_api.flows import issue, new_case

Auth = dict[str, dict[str, str]]
LINE, OTHER_LINE = "9506000000008", "9506000000015"


@pytest.fixture
def lines(client: FlaskClient, auth: Auth) -> None:
    for gln, name in ((LINE, "Line 1"), (OTHER_LINE, "Line 2")):
        location = {"gln": gln, "extension": "L", "name": name, "kind": "line"}
        assert client.post("/api/v1/locations", headers=auth["erp"], json=location).status_code == 201


def ops(client: FlaskClient, headers: dict[str, str], *operations: dict[str, Any], line: str = LINE) -> Any:
    return client.post(f"/api/v1/lines/{line}/events", headers=headers, json={"operations": list(operations)})


def trace(client: FlaskClient, auth: Auth, code: str) -> dict[str, Any]:
    return dict(client.get("/api/v1/trace", query_string={"code": code}, headers=auth["qa"]).get_json())


def commissioned(client: FlaskClient, auth: Auth, batch: dict[str, Any], count: int) -> list[str]:
    serials = issue(client, auth, batch, count)
    done = ops(client, auth["line"], {"op": "commission", "batch_id": batch["id"], "serials": serials})
    assert done.status_code == 201, done.get_json()
    return serials


def test_only_a_commissioned_pack_or_an_allocated_sscc_can_be_a_parent(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], lines: None, unchanged: Any
) -> None:
    packs = commissioned(client, auth, batch, 3)
    spare = issue(client, auth, batch, 1)[0]
    for parent in (f"(01){GTIN}(21)NEVERISSUED1", f"(01){GTIN}(21){spare}"):
        with unchanged():
            answer = ops(
                client, auth["line"], {"op": "pack", "parent": parent, "batch_id": batch["id"], "serials": packs}
            )
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["field"] == "operations[0].parent"
        assert "has not been commissioned" in answer.get_json()["detail"]
    # The spare serial was left alone: it can still be commissioned, and then hold the others (a bundle).
    assert (
        ops(client, auth["line"], {"op": "commission", "batch_id": batch["id"], "serials": [spare]}).status_code == 201
    )
    bundle = ops(
        client,
        auth["line"],
        {"op": "pack", "parent": f"(01){GTIN}(21){spare}", "batch_id": batch["id"], "serials": packs},
    )
    assert bundle.status_code == 201, bundle.get_json()
    assert trace(client, auth, f"(01){GTIN}(21){spare}")["content_count"] == 3


def test_an_unpack_touches_only_the_children_it_names_and_not_in_transit(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], lines: None, unchanged: Any
) -> None:
    packs = commissioned(client, auth, batch, 5)
    case = new_case(client, auth)
    assert (
        ops(client, auth["line"], {"op": "pack", "parent": case, "batch_id": batch["id"], "serials": packs}).status_code
        == 201
    )
    foreign = ops(client, auth["line"], {"op": "unpack", "parent": case, "children": ["(01)04012345678901(21)ABC"]})
    assert foreign.status_code == 201, foreign.get_json()
    assert trace(client, auth, case)["content_count"] == 5
    one = ops(client, auth["line"], {"op": "unpack", "parent": case, "batch_id": batch["id"], "serials": packs[:1]})
    assert one.status_code == 201 and trace(client, auth, case)["content_count"] == 4

    from tests.epcis_api.test_capture import capture, document, event

    assert capture(client, auth, document(event("ObjectEvent", "OBSERVE", "shipping", 9, epcList=[case])))["success"]
    with unchanged():
        moving = ops(
            client, auth["line"], {"op": "unpack", "parent": case, "batch_id": batch["id"], "serials": packs[1:2]}
        )
        assert moving.status_code == 422
        assert moving.get_json()["field"] == "operations[0].parent" and "in transit" in moving.get_json()["detail"]
        everything = ops(client, auth["line"], {"op": "unpack", "parent": case})
        assert everything.status_code == 422
    assert trace(client, auth, case)["content_count"] == 4


def test_only_a_decommissioning_can_be_undone(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], lines: None, unchanged: Any
) -> None:
    packs = commissioned(client, auth, batch, 2)
    case = new_case(client, auth)
    ops(client, auth["line"], {"op": "pack", "parent": case, "batch_id": batch["id"], "serials": packs})
    unpacked = ops(
        client, auth["line"], {"op": "unpack", "parent": case, "batch_id": batch["id"], "serials": packs[:1]}
    )
    event_id = unpacked.get_json()["eventIDs"][0]
    with unchanged():
        answer = ops(client, auth["line"], {"op": "undo_decommission", "event_id": event_id})
    assert answer.status_code == 404
    assert answer.get_json()["field"] == "operations[0].event_id"


@pytest.mark.parametrize("serial", ["", " ", "A B", "x" * 21, "é"])
def test_malformed_serials_are_refused_by_position(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], lines: None, unchanged: Any, serial: str
) -> None:
    good = issue(client, auth, batch, 1)
    for op in ({"op": "commission"}, {"op": "decommission", "reason": "destroyed"}):
        with unchanged():
            answer = ops(client, auth["line"], {**op, "batch_id": batch["id"], "serials": [*good, serial]})
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["field"] == "operations[0].serials[1]"


def test_an_operation_names_only_its_batchs_packs(
    client: FlaskClient, auth: Auth, product: dict[str, Any], lines: None, database: Any, unchanged: Any
) -> None:
    def new_batch(lot: str, line: str) -> dict[str, Any]:
        body = {"gtin": GTIN, "lot": lot, "expiry": "2027-12-31", "quantity": 100, "line_gln": line}
        answer = client.post("/api/v1/batches", headers=auth["erp"], json=body)
        assert answer.status_code == 201, answer.get_json()
        return dict(answer.get_json())

    mine, theirs = new_batch("L-MINE", LINE), new_batch("L-THEIRS", OTHER_LINE)
    own = commissioned(client, auth, mine, 2)
    other = issue(client, auth, theirs, 2)
    assert (
        ops(
            client, auth["line"], {"op": "commission", "batch_id": theirs["id"], "serials": other}, line=OTHER_LINE
        ).status_code
        == 201
    )
    with unchanged():
        wrong = ops(
            client,
            auth["line"],
            {"op": "decommission", "batch_id": mine["id"], "serials": [own[0], other[0]], "reason": "destroyed"},
        )
    assert wrong.status_code == 422
    assert wrong.get_json()["field"] == "operations[0].serials[1]"
    assert "was not issued to batch" in wrong.get_json()["detail"]

    # A token scoped to the first line can neither undo nor unpack the second line's work.
    undo = ops(
        client,
        auth["line"],
        {"op": "decommission", "batch_id": theirs["id"], "serials": other[:1], "reason": "sample"},
        line=OTHER_LINE,
    )
    case = new_case(client, auth)
    assert (
        ops(
            client,
            auth["line"],
            {"op": "pack", "parent": case, "batch_id": theirs["id"], "serials": other[1:]},
            line=OTHER_LINE,
        ).status_code
        == 201
    )
    token = security.create_token(database, name="line-1", role="line", scope_gln=LINE)
    scoped = {"Authorization": f"Bearer {token}"}
    with unchanged():
        refused = ops(client, scoped, {"op": "undo_decommission", "event_id": undo.get_json()["eventIDs"][0]})
        assert refused.status_code == 403 and refused.get_json()["field"] == "operations[0]"
        refused = ops(client, scoped, {"op": "unpack", "parent": case})
        assert refused.status_code == 403 and refused.get_json()["field"] == "operations[0]"
    allowed = ops(
        client, scoped, {"op": "decommission", "batch_id": mine["id"], "serials": own[:1], "reason": "sample"}
    )
    assert allowed.status_code == 201


def test_a_scoped_token_reads_only_its_lines_batches(
    client: FlaskClient, auth: Auth, product: dict[str, Any], lines: None, database: Any
) -> None:
    made = {}
    for lot, line in (("L-MINE", LINE), ("L-THEIRS", OTHER_LINE)):
        body = {"gtin": GTIN, "lot": lot, "expiry": "2027-12-31", "quantity": 10, "line_gln": line}
        made[lot] = client.post("/api/v1/batches", headers=auth["erp"], json=body).get_json()["id"]
    token = security.create_token(database, name="line-1", role="line", scope_gln=LINE)
    scoped = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/batches", headers=scoped).get_json()
    assert [b["id"] for b in listed["items"]] == [made["L-MINE"]]
    for path in ("", "/reconciliation", "/allocations"):
        assert client.get(f"/api/v1/batches/{made['L-THEIRS']}{path}", headers=scoped).status_code == 403, path
        assert client.get(f"/api/v1/batches/{made['L-MINE']}{path}", headers=scoped).status_code == 200, path
    assert len(client.get("/api/v1/batches", headers=auth["line"]).get_json()["items"]) == 2  # unscoped: all


def test_rule_errors_name_the_operations_own_fields(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], lines: None
) -> None:
    packs = commissioned(client, auth, batch, 2)
    fresh = issue(client, auth, batch, 1)
    case = new_case(client, auth)
    answer = ops(
        client,
        auth["line"],
        {
            "op": "pack",
            "parent": case,
            "batch_id": batch["id"],
            "serials": packs,
            "children": [f"(01){GTIN}(21){fresh[0]}"],
        },
    )
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "operations[0].children[0]"
    again = ops(client, auth["line"], {"op": "commission", "batch_id": batch["id"], "serials": [fresh[0], packs[1]]})
    assert (
        again.get_json()["field"] == "operations[0].serials[1]" and "already commissioned" in again.get_json()["detail"]
    )


def test_a_scoped_token_renders_and_looks_up_only_its_lines_codes(
    client: FlaskClient, auth: Auth, product: dict[str, Any], lines: None, database: Any
) -> None:
    issued = {}
    for lot, line in (("L-MINE", LINE), ("L-THEIRS", OTHER_LINE)):
        body = {"gtin": GTIN, "lot": lot, "expiry": "2027-12-31", "quantity": 10, "line_gln": line}
        made = client.post("/api/v1/batches", headers=auth["erp"], json=body).get_json()
        issued[lot] = issue(client, auth, made, 1)[0]
    token = security.create_token(database, name="line-1", role="line", scope_gln=LINE)
    scoped = {"Authorization": f"Bearer {token}"}
    for path in (
        f"/api/v1/codes/{GTIN}/{{}}.png",
        f"/api/v1/codes/{GTIN}/{{}}.svg?symbol=qr",
        f"/api/v1/serials/{GTIN}/{{}}",
    ):
        assert client.get(path.format(issued["L-THEIRS"]), headers=scoped).status_code == 403, path
        assert client.get(path.format(issued["L-MINE"]), headers=scoped).status_code == 200, path
