"""Query latency with a large repository: `GET /epcis/epcs/{epc}/events` and `/api/v1/trace` p50/p99 over
1,000 random codes, beside one bare indexed SELECT of the same rows (issue goal: p99 within 10x, and
under 50 ms). The events are written straight into the tables (bulk), as capture would have stored
them, so the set-up stays minutes long; `--quick` uses 20,000 events."""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVENT_COLUMNS, GTIN, fresh_app  # noqa: E402

SITE = "https://id.gs1.org/414/9506000000008"


def populate(app: Any, count: int) -> list[str]:
    """`count` commissioning events of one pack each, with their index and state rows."""
    from app.services.bulk import insert_rows

    database = app.extensions["custody.db"]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    epcs = [f"https://id.gs1.org/01/{GTIN}/21/Q{i:011d}" for i in range(count)]
    chunk = 50_000
    for offset in range(0, count, chunk):
        with database.write() as session:
            rows, index, states = [], [], []
            for i in range(offset, min(count, offset + chunk)):
                when = start + timedelta(seconds=i)
                body = {
                    "type": "ObjectEvent",
                    "eventID": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
                    "eventTime": when.isoformat().replace("+00:00", "Z"),
                    "eventTimeZoneOffset": "+00:00",
                    "recordTime": when.isoformat().replace("+00:00", "Z"),
                    "epcList": [epcs[i]],
                    "action": "ADD",
                    "bizStep": "commissioning",
                    "disposition": "active",
                    "bizLocation": {"id": SITE},
                }
                rows.append(
                    (
                        i + 1,
                        body["eventID"],
                        f"ni:///sha-256;{i:064x}?ver=CBV2.0",
                        "ObjectEvent",
                        "ADD",
                        when,
                        "+00:00",
                        when,
                        "commissioning",
                        "active",
                        None,
                        SITE,
                        "bench",
                        json.dumps(body),
                    )
                )
                index.append((i + 1, "epc", epcs[i]))
                states.append(
                    (
                        epcs[i],
                        "sgtin",
                        GTIN,
                        f"Q{i:011d}",
                        "commissioned",
                        "active",
                        SITE,
                        body["eventID"],
                        "commissioning",
                        when,
                    )
                )
            insert_rows(
                session,
                "epcis_event",
                EVENT_COLUMNS,
                rows,
            )
            insert_rows(session, "epcis_event_epc", ("event_pk", "role", "epc"), index)
            insert_rows(
                session,
                "code_state",
                (
                    "epc",
                    "kind",
                    "gtin",
                    "serial",
                    "status",
                    "disposition",
                    "location",
                    "last_event_id",
                    "last_biz_step",
                    "updated_at",
                ),
                states,
            )
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('epcis_event_id_seq', (SELECT MAX(id) FROM epcis_event))")
            conn.exec_driver_sql("ANALYZE")
    return epcs


def percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100)
    return q[49] * 1e3, q[98] * 1e3


def run(backend: str, count: int, probes: int) -> None:
    from app.services import security

    with fresh_app(backend) as app:
        if app is None:
            print(f"{backend}: skipped (no database server)")
            return
        t = time.perf_counter()
        epcs = populate(app, count)
        print(f"{backend}: {count:,} events stored in {time.perf_counter() - t:.1f} s", flush=True)
        database = app.extensions["custody.db"]
        headers = {"Authorization": "Bearer " + security.create_token(database, name="q", role="regulator")}
        client = app.test_client()
        sample = random.Random(7).sample(epcs, probes)
        marker = "?" if backend == "sqlite" else "%s"
        bare_sql = (
            "SELECT e.body FROM epcis_event e JOIN epcis_event_epc x ON x.event_pk = e.id "
            f"WHERE x.epc = {marker} ORDER BY e.event_time DESC"
        )
        raw = database.engine.raw_connection()
        timings: dict[str, list[float]] = {"bare": [], "epcs": [], "trace": []}
        try:
            cursor = raw.cursor()
            for epc in sample:
                t = time.perf_counter()
                cursor.execute(bare_sql, (epc,))
                assert len(cursor.fetchall()) == 1
                timings["bare"].append(time.perf_counter() - t)
        finally:
            raw.close()
        for epc in sample:
            t = time.perf_counter()
            answer = client.get(f"/epcis/epcs/{quote(epc, safe='')}/events", headers=headers)
            timings["epcs"].append(time.perf_counter() - t)
            assert answer.status_code == 200
            t = time.perf_counter()
            answer = client.get("/api/v1/trace", query_string={"code": epc}, headers=headers)
            timings["trace"].append(time.perf_counter() - t)
            assert answer.status_code == 200
        bare50, bare99 = percentiles(timings["bare"])
        print(f"  bare indexed SELECT            p50 {bare50:7.2f} ms  p99 {bare99:7.2f} ms")
        for name, label in (("epcs", "GET /epcis/epcs/{epc}/events"), ("trace", "GET /api/v1/trace")):
            p50, p99 = percentiles(timings[name])
            print(
                f"  {label:<30} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  p99 ratio {p99 / bare99:6.1f}x "
                f"(goal <= 10x, p99 < 50 ms)",
                flush=True,
            )


def main(argv: list[str] | None = None) -> int:
    quick = "--quick" in (argv or [])
    for backend in ("sqlite", "postgresql"):
        run(backend, 20_000 if quick else 1_000_000, 200 if quick else 1_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
