"""EU FMD pack data for one 1,000,000-pack batch: the release builds and schema-checks the split PackData
documents and queues them, the worker delivers them over HTTP to the hub simulator (which parses,
validates and stores every pack); beside it, serialising the same serial list with bare lxml."""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def bare_lxml(serials: list[str]) -> float:
    """Seconds to build one element per serial and serialise them: the floor any XML upload pays."""
    from lxml import etree

    t = time.perf_counter()
    root = etree.Element("serials")
    sub = etree.SubElement
    for serial in serials:
        sub(root, "sn").text = serial
    etree.tostring(root)
    return time.perf_counter() - t


def seed_packs(database: Any, batch_id: int, gtin: str, serials: list[str]) -> None:
    """The batch's packs as commissioned in the state projection (what a capture leaves behind)."""
    from app.services import state
    from app.services.bulk import insert_rows

    now = datetime.now(UTC)
    common = {"kind": "sgtin", "gtin": gtin, "batch_id": batch_id, "status": "commissioned", "disposition": "active"}
    common |= {"last_event_id": "bench", "last_biz_step": "commissioning", "updated_at": now}
    rows = [
        tuple(
            {**common, "epc": f"https://id.gs1.org/01/{gtin}/21/{s}", "serial": s}.get(c) for c in state.STATE_COLUMNS
        )
        for s in serials
    ]
    with database.write() as session:
        insert_rows(session, "code_state", state.STATE_COLUMNS, rows)


def run(backend: str, count: int, split: int) -> None:
    from common import GTIN, fresh_app, seed_product
    from werkzeug.serving import make_server

    from app.hubsim import create_hubsim_app
    from app.schemas import BatchIn
    from app.services import batches, serials, worker

    hub_app = create_hubsim_app(token="bench")
    server = make_server("127.0.0.1", 0, hub_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    os.environ["CUSTODY_FMD_HUB_URL"] = f"http://127.0.0.1:{server.server_port}/v1/messages"
    os.environ["CUSTODY_FMD_HUB_TOKEN"] = "bench"
    os.environ["CUSTODY_FMD_SPLIT_SIZE"] = str(split)
    try:
        with fresh_app(backend) as app:
            if app is None:
                print(f"{backend}: skipped (no database server)")
                return
            database = app.extensions["custody.db"]
            admin = seed_product(database)
            client = app.test_client()
            from app.services import security

            headers = {"Authorization": "Bearer " + security.create_token(database, name="b", role="admin")}
            fmd_data = {
                "common_name": "benchmab",
                "pharmaceutical_form": "tablet",
                "strength": "10 mg",
                "pack_type": "blister",
                "pack_size": "28",
                "markets": [{"market": "DE", "mah": {"id": "M1", "name": "Bench Pharma", "address": "Berlin"}}],
            }
            assert client.put(f"/api/v1/fmd/products/{GTIN}", headers=headers, json=fmd_data).status_code == 200
            assert client.post(f"/api/v1/fmd/products/{GTIN}/upload", headers=headers).status_code == 201
            batch = batches.create_batch(
                database,
                admin,
                BatchIn.model_validate({"gtin": GTIN, "lot": "FMD1", "expiry": "2028-12-31", "quantity": count}),
            )
            allocation = serials.allocate(database, admin, batch["id"], count, serials.Limits(10_000_000, 0))
            strings = serials.serial_strings(allocation)
            seed_packs(database, batch["id"], GTIN, strings)
            policy = worker.RetryPolicy(timeout=600)
            worker.deliver_due(database, policy=policy)  # the master data, outside the measurement

            answer = client.post(f"/api/v1/batches/{batch['id']}/status", headers=headers, json={"status": "closed"})
            assert answer.status_code == 200, answer.get_json()
            t = time.perf_counter()
            answer = client.post(f"/api/v1/batches/{batch['id']}/status", headers=headers, json={"status": "released"})
            built = time.perf_counter() - t
            assert answer.status_code == 200, answer.get_json()
            t = time.perf_counter()
            report = worker.DeliveryReport()
            while (done := worker.deliver_due(database, policy=policy)).claimed:  # parts leave one after another
                report.claimed, report.delivered = report.claimed + done.claimed, report.delivered + done.delivered
            delivered = time.perf_counter() - t
            parts = -(-count // split)
            assert report.delivered == parts == report.claimed, report
            held = hub_app.extensions["hubsim.store"].batch(GTIN, "FMD1")
            assert held["packs"] == count, held
            base = bare_lxml(sorted(strings))
            total = built + delivered
            print(
                f"{backend:<10} {count:,} packs in {parts} PackData parts: release (select, build, XSD, queue) "
                f"{built:.2f} s + delivery to the hub simulator (HTTP, parse, XSD, store) {delivered:.2f} s "
                f"= {total:.2f} s ({count / total:,.0f} packs/s)",
                flush=True,
            )
            print(
                f"{'':<10} bare lxml serialisation of the same {count:,} serials {base:.2f} s; "
                f"ratio {total / base:.1f}x the bare serialisation   (target: 1,000,000 packs in < 60 s)",
                flush=True,
            )
    finally:
        for name in ("CUSTODY_FMD_HUB_URL", "CUSTODY_FMD_HUB_TOKEN", "CUSTODY_FMD_SPLIT_SIZE"):
            os.environ.pop(name, None)
        server.shutdown()
        server.server_close()
        thread.join()
        hub_app.extensions["hubsim.store"].close()


def main(argv: list[str] | None = None) -> int:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines between the figures
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    quick = "--quick" in (argv or [])
    count, split = (20_000, 5_000) if quick else (1_000_000, 250_000)
    for backend in ("sqlite", "postgresql"):
        run(backend, count, split)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
