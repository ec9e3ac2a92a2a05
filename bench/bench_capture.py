"""Capture of one document with N commissioning EPCs plus their aggregation into N/100 cases and N/10,000
pallets, under the pharma rules, on SQLite and PostgreSQL; beside a bare executemany insert of the same
number of index rows on the same database (issue target: at least 0.3x)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import GTIN, fresh_app, seed_product  # noqa: E402

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def build_document(serials: list[str], cases: list[str], pallets: list[str]) -> bytes:
    site = {"id": "https://id.gs1.org/414/9506000000008"}
    common = {"eventTimeZoneOffset": "+01:00", "bizLocation": site}
    packs = [f"https://id.gs1.org/01/{GTIN}/21/{s}" for s in serials]
    events: list[dict[str, Any]] = [
        {
            "type": "ObjectEvent",
            "eventTime": "2026-11-27T10:00:00+01:00",
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "epcList": packs,
            "ilmd": {"cbvmda:lotNumber": "BENCH", "cbvmda:itemExpirationDate": "2028-12-31"},
            **common,
        }
    ]
    per_case = len(packs) // len(cases)
    for i, case in enumerate(cases):
        minute, second = 1 + i // 60 % 58, i % 60
        events.append(
            {
                "type": "AggregationEvent",
                "eventTime": f"2026-11-27T10:{minute:02d}:{second:02d}+01:00",
                "action": "ADD",
                "bizStep": "packing",
                "parentID": case,
                "childEPCs": packs[i * per_case : (i + 1) * per_case],
                **common,
            }
        )
    per_pallet = len(cases) // len(pallets)
    for i, pallet in enumerate(pallets):
        events.append(
            {
                "type": "AggregationEvent",
                "eventTime": f"2026-11-27T11:00:{i:02d}+01:00",
                "action": "ADD",
                "bizStep": "packing",
                "parentID": pallet,
                "childEPCs": cases[i * per_pallet : (i + 1) * per_pallet],
                **common,
            }
        )
    return json.dumps(
        {
            "@context": [CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-27T12:00:00Z",
            "epcisBody": {"eventList": events},
        }
    ).encode()


def baseline(app: Any, rows: int) -> float:
    """Seconds to insert `rows` index-like rows with executemany into an indexed table (same database)."""
    engine = app.extensions["custody.db"].engine
    data = [(i // 100, "child", f"https://id.gs1.org/01/{GTIN}/21/B{i:011d}") for i in range(rows)]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("CREATE TABLE bench_rows (event_pk BIGINT, role VARCHAR(8), epc VARCHAR(255))")
        cur.execute("CREATE INDEX bench_rows_epc ON bench_rows (epc, role)")
        raw.commit()
        marker = "?" if engine.dialect.name == "sqlite" else "%s"
        t = time.perf_counter()
        if engine.dialect.name == "sqlite":
            cur.execute("BEGIN")
        cur.executemany(f"INSERT INTO bench_rows VALUES ({marker}, {marker}, {marker})", data)
        raw.commit()
        return time.perf_counter() - t
    finally:
        raw.close()


def hash_seconds(doc: Any) -> float:
    """Seconds to compute the events' hash IDs again (the part of a capture the `epcis` library does)."""
    from epcis.hashing import event_hash

    t = time.perf_counter()
    for event in doc.events:
        event_hash(event)
    return time.perf_counter() - t


def serialised_batch(database: Any, admin: Any, count: int) -> tuple[list[str], list[str], list[str]]:
    """A batch of `count` allocated serials with SSCCs for its cases (100 packs) and pallets (100 cases):
    the serials, the case SSCCs and the pallet SSCCs (18 digits)."""
    from app.schemas import BatchIn
    from app.services import batches, serials

    batch = batches.create_batch(
        database,
        admin,
        BatchIn.model_validate({"gtin": GTIN, "lot": "BENCH", "expiry": "2028-12-31", "quantity": count}),
    )
    allocation = serials.allocate(database, admin, batch["id"], count, serials.Limits(10_000_000, 0))
    n_cases, n_pallets = max(1, count // 100), max(1, count // 10_000)
    sscc = serials.allocate_sscc(database, admin, "9506000", 0, n_cases + n_pallets, 100_000)["sscc"]
    return serials.serial_strings(allocation), sscc[:n_cases], sscc[n_cases:]


def links(ssccs: list[str]) -> list[str]:
    return [f"https://id.gs1.org/00/{s}" for s in ssccs]


def run(backend: str, count: int) -> None:
    from sqlalchemy import func, select

    from app.models import CodeState, EventEpc
    from app.services import capture

    with fresh_app(backend) as app:
        if app is None:
            print(f"{backend}: skipped (no database server)")
            return
        database = app.extensions["custody.db"]
        admin = seed_product(database)
        strings, cases, pallets = serialised_batch(database, admin, count)
        body = build_document(strings, links(cases), links(pallets))
        limits = capture.CaptureLimits(max_events=100_000, max_bytes=200 * 2**20)
        t = time.perf_counter()
        doc = capture.parse_document(body, limits)
        parsed = time.perf_counter() - t
        job = capture.capture(database, admin, doc)
        elapsed = time.perf_counter() - t
        assert job["success"], job["errors"][:1]
        with database.read() as session:
            index_rows = session.scalar(select(func.count()).select_from(EventEpc)) or 0
            index_rows += session.scalar(select(func.count()).select_from(CodeState)) or 0
        base = baseline(app, index_rows)
        events = len(doc.events)
        hashing = hash_seconds(doc)
        print(
            f"{backend:<10} {events:,} events, {count:,} packs, {index_rows:,} index+state rows: "
            f"{elapsed:.2f} s (validate+parse {parsed:.2f} s) = {events / elapsed:,.0f} events/s, "
            f"{count / elapsed:,.0f} EPCs/s",
            flush=True,
        )
        print(
            f"{'':<10} bare executemany of {index_rows:,} rows {base:.2f} s = {index_rows / base:,.0f} rows/s; "
            f"ours {index_rows / elapsed:,.0f} rows/s; ratio {base / elapsed:.2f}x   (target >= 0.3x)",
            flush=True,
        )
        stored = elapsed - parsed
        print(
            f"{'':<10} without validate+parse (hash IDs, rules, state, events, index): {stored:.2f} s; "
            f"ratio {base / stored:.2f}x; of which hash IDs about {hashing:.2f} s (timed apart)",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    count = 5_000 if "--quick" in (argv or []) else 100_000
    for backend in ("sqlite", "postgresql"):
        run(backend, count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
