"""Who holds a recalled batch's packs: through nested containers, and for goods still in transit."""

from __future__ import annotations

from typing import Any

from app.models import CodeState, TradingPartner
from app.services import recall
from tests.conftest import GTIN

PARTNER = "https://id.gs1.org/417/4012345000009"
SITE = "https://id.gs1.org/414/9506000000008"
PALLET = "https://id.gs1.org/00/095060000000000015"
CASE = "https://id.gs1.org/00/095060000000000008"


def pack(serial: str, batch_id: int, **values: Any) -> CodeState:
    return CodeState(
        epc=f"https://id.gs1.org/01/{GTIN}/21/{serial}",
        kind="sgtin",
        gtin=GTIN,
        serial=serial,
        batch_id=batch_id,
        status=values.pop("status", "commissioned"),
        location=values.pop("location", SITE),
        last_event_id="e1",
        **values,
    )


def test_holder_follows_the_outermost_container(database: Any, batch: dict[str, Any]) -> None:
    bid = batch["id"]
    with database.write() as s:
        s.add(TradingPartner(name="Grosso AG", gln="4012345000009", country="DE"))
        s.add(
            CodeState(
                epc=PALLET,
                kind="sscc",
                status="received",
                owner=PARTNER,
                location=PARTNER.replace("417", "414"),
                last_event_id="e3",
            )
        )
        s.add(CodeState(epc=CASE, kind="sscc", status="received", parent=PALLET, location=SITE, last_event_id="e2"))
        s.add_all([pack(f"P{i}", bid, status="received", parent=CASE) for i in range(3)])
        s.add(pack("H1", bid))
        s.add(pack("D1", bid, status="decommissioned", decommission_reason="destroyed"))
    summary = recall.summary(database, bid)
    assert summary["total"] == 5
    assert summary["by_status"] == {"received": 3, "commissioned": 1, "decommissioned": 1}
    assert {(h["holder"], h["status"], h["packs"]) for h in summary["by_holder"]} == {
        ("Grosso AG", "received", 3),
        ("9506000000008", "commissioned", 1),
        ("9506000000008", "decommissioned", 1),
    }
    rows = {r["serial"]: r for r in recall.packs(database, bid)}
    assert rows["P0"]["holder"] == "Grosso AG" and rows["P0"]["owner"] == PARTNER and rows["P0"]["container"] == CASE
    assert rows["H1"]["holder"] == "9506000000008" and rows["H1"]["owner"] is None
    assert rows["D1"]["decommission_reason"] == "destroyed"
    # Keyset paging walks every pack once, in EPC order.
    first = recall.packs(database, bid, limit=2)
    rest = recall.packs(database, bid, limit=10, after=first[-1]["epc"])
    assert [r["epc"] for r in first + rest] == sorted(r["epc"] for r in rows.values())
    lines = "".join(recall.csv_lines(database, bid)).splitlines()
    assert lines[0] == ",".join(recall.CSV_COLUMNS) and len(lines) == 6
