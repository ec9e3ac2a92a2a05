"""Web UI page latency with a large repository: the trace, batch and recall pages rendered server-side,
p50/p95 over random codes and batches, each beside the JSON API call that backs it and a bare SQL read of
the same rows, measured in the same run (issue goal: page p95 under 5x of its JSON call).

1,000,000 commissioning events (one pack each) in batches of 1,000 packs, 10 % of them packed into cases
of 10 and shipped to a partner, are written straight into the tables (bulk) as capture would have stored
them. `--quick` uses 20,000 events."""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVENT_COLUMNS, GTIN, fresh_app, seed_product  # noqa: E402

SITE = "https://id.gs1.org/414/9506000000008"
PARTNER = "https://id.gs1.org/417/4012345000009"
PER_BATCH = 1_000
CASE = 10
SHIPPED_SHARE = 10  # every 10th batch is packed and shipped
PASSWORD = "bench password"

STATE_COLUMNS = (
    "epc",
    "kind",
    "gtin",
    "serial",
    "batch_id",
    "status",
    "disposition",
    "parent",
    "location",
    "last_event_id",
    "last_biz_step",
    "updated_at",
)


def _event(pk: int, when: datetime, epcs: list[str], step: str, **extra: Any) -> tuple[Any, ...]:
    event_id = f"urn:uuid:00000000-0000-4000-8000-{pk:012d}"
    body = {
        "type": "ObjectEvent",
        "eventID": event_id,
        "eventTime": when.isoformat().replace("+00:00", "Z"),
        "eventTimeZoneOffset": "+00:00",
        "epcList": epcs,
        "action": "ADD" if step == "commissioning" else "OBSERVE",
        "bizStep": step,
        "bizLocation": {"id": SITE},
        **extra,
    }
    return (
        pk,
        event_id,
        f"ni:///sha-256;{pk:064x}?ver=CBV2.0",
        "ObjectEvent",
        body["action"],
        when,
        "+00:00",
        when,
        step,
        "active" if step == "commissioning" else "in_transit",
        None,
        SITE,
        "bench",
        json.dumps(body),
    )


def populate(app: Any, count: int) -> tuple[list[str], list[int]]:
    """`count` commissioning events in batches of PER_BATCH; every SHIPPED_SHARE-th batch packed and shipped."""
    from app.schemas import BatchIn
    from app.services import batches
    from app.services.bulk import insert_rows

    database = app.extensions["custody.db"]
    admin = seed_product(database)
    batch_ids = [
        batches.create_batch(
            database, admin, BatchIn(gtin=GTIN, lot=f"B{n:05d}", expiry="2030-12-31", quantity=PER_BATCH)
        )["id"]
        for n in range(count // PER_BATCH)
    ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    epcs = [f"https://id.gs1.org/01/{GTIN}/21/Q{i:011d}" for i in range(count)]
    pk = 0
    for b, batch_id in enumerate(batch_ids):
        with database.write() as session:
            events, index, links, states = [], [], [], []
            first = b * PER_BATCH
            shipped = b % SHIPPED_SHARE == 0
            for i in range(first, first + PER_BATCH):
                pk += 1
                when = start + timedelta(seconds=i)
                events.append(_event(pk, when, [epcs[i]], "commissioning"))
                index.append((pk, "epc", epcs[i]))
                states.append(
                    [
                        epcs[i],
                        "sgtin",
                        GTIN,
                        f"Q{i:011d}",
                        batch_id,
                        "commissioned",
                        "active",
                        None,
                        SITE,
                        events[-1][1],
                        "commissioning",
                        when,
                    ]
                )
            if shipped:
                for c in range(PER_BATCH // CASE):
                    case = f"https://id.gs1.org/00/0950600{batch_id:06d}{c:04d}0"
                    pk += 1
                    when = start + timedelta(seconds=count + first + c)
                    events.append(
                        _event(
                            pk,
                            when,
                            [case],
                            "shipping",
                            destinationList=[{"type": "owning_party", "destination": PARTNER}],
                        )
                    )
                    index.append((pk, "epc", case))
                    links.append((pk, "destination", "owning_party", PARTNER))
                    states.append(
                        [
                            case,
                            "sscc",
                            None,
                            None,
                            None,
                            "shipped",
                            "in_transit",
                            None,
                            SITE,
                            events[-1][1],
                            "shipping",
                            when,
                        ]
                    )
                    for state in states[c * CASE : (c + 1) * CASE]:
                        state[5], state[7], state[9], state[10] = "shipped", case, events[-1][1], "shipping"
            insert_rows(session, "epcis_event", EVENT_COLUMNS, events)
            insert_rows(session, "epcis_event_epc", ("event_pk", "role", "epc"), index)
            insert_rows(session, "epcis_event_link", ("event_pk", "kind", "type", "value"), links)
            insert_rows(session, "code_state", STATE_COLUMNS, [tuple(s) for s in states])
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('epcis_event_id_seq', (SELECT MAX(id) FROM epcis_event))")
            conn.exec_driver_sql("ANALYZE")
    return epcs, batch_ids


def p50_p95(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100)
    return q[49] * 1e3, q[94] * 1e3


def interleaved(*series: list[Callable[[], Any]]) -> list[list[float]]:
    """Time the i-th call of every series back to back, for each i; one list of seconds per series."""
    out: list[list[float]] = [[] for _ in series]
    for calls in zip(*series, strict=True):
        for samples, call in zip(out, calls, strict=True):
            t = time.perf_counter()
            call()
            samples.append(time.perf_counter() - t)
    return out


def signed_in_client(app: Any) -> Any:
    from app.services import security

    security.create_user(app.extensions["custody.db"], username="bench-qa", role="qa", password=PASSWORD)
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token is not None
    answer = client.post("/login", data={"username": "bench-qa", "password": PASSWORD, "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def check(answer: Any) -> Any:
    assert answer.status_code == 200, answer.status_code
    answer.get_data()
    return answer


def run(backend: str, count: int, probes: int) -> None:
    from app.services import security

    with fresh_app(backend) as app:
        if app is None:
            print(f"{backend}: skipped (no database server)")
            return
        t = time.perf_counter()
        epcs, batch_ids = populate(app, count)
        print(f"{backend}: {count:,} events in {len(batch_ids):,} batches stored in {time.perf_counter() - t:.1f} s")
        database = app.extensions["custody.db"]
        token = security.create_token(database, name="bench", role="qa")
        api = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        page = signed_in_client(app)
        rng = random.Random(11)
        codes = rng.sample(epcs, probes)
        picks = [rng.choice(batch_ids) for _ in range(probes)]
        marker = "?" if backend == "sqlite" else "%s"
        raw = database.engine.raw_connection()

        def sql(statement: str, *args: Any) -> Callable[[], Any]:
            def call() -> Any:
                cursor = raw.cursor()
                cursor.execute(statement.replace("?", marker), args)
                return cursor.fetchall()

            return call

        try:
            rows = {
                "trace": (
                    [
                        sql(
                            "SELECT e.body FROM epcis_event e JOIN epcis_event_epc x ON x.event_pk = e.id "
                            "WHERE x.epc = ? ORDER BY e.event_time",
                            c,
                        )
                        for c in codes
                    ],
                    [
                        lambda c=c: check(api.get("/api/v1/trace", query_string={"code": c}, headers=headers))
                        for c in codes
                    ],
                    [lambda c=c: check(page.get("/trace/" + c.removeprefix("https://id.gs1.org/"))) for c in codes],
                    "GET /trace/<code>  vs GET /api/v1/trace",
                ),
                "batch": (
                    [
                        sql("SELECT status, COUNT(*) FROM code_state WHERE batch_id = ? GROUP BY status", b)
                        for b in picks
                    ],
                    [lambda b=b: check(api.get(f"/api/v1/batches/{b}/reconciliation", headers=headers)) for b in picks],
                    [lambda b=b: check(page.get(f"/batches/{b}")) for b in picks],
                    "GET /batches/<id>  vs GET /api/v1/batches/<id>/reconciliation",
                ),
                "recall": (
                    [sql("SELECT * FROM code_state WHERE batch_id = ? ORDER BY epc LIMIT 50", b) for b in picks],
                    [lambda b=b: check(api.get(f"/api/v1/batches/{b}/recall", headers=headers)) for b in picks],
                    [lambda b=b: check(page.get(f"/recall/{b}")) for b in picks],
                    "GET /recall/<id>   vs GET /api/v1/batches/<id>/recall        ",
                ),
            }
            for bare_calls, api_calls, page_calls, label in rows.values():
                interleaved(page_calls[:3], api_calls[:3])  # warm the caches and the template compiler
                # Interleaved, so a busy moment on the machine hits all three alike.
                bare_t, json_t, page_t = interleaved(bare_calls, api_calls, page_calls)
                bare, json_call, html = p50_p95(bare_t), p50_p95(json_t), p50_p95(page_t)
                print(
                    f"  {label:<62} page p50 {html[0]:7.2f} ms p95 {html[1]:7.2f} ms | JSON p95 {json_call[1]:7.2f} ms"
                    f" | bare SQL p95 {bare[1]:6.2f} ms | page/JSON p95 ratio {html[1] / json_call[1]:5.2f}x"
                    f" (goal < 5x)",
                    flush=True,
                )
        finally:
            raw.close()


def main(argv: list[str] | None = None) -> int:
    quick = "--quick" in (argv or [])
    for backend in ("sqlite", "postgresql"):
        run(backend, 20_000 if quick else 1_000_000, 100 if quick else 500)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
