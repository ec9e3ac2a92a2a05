"""Many processes allocating from one pool never overlap: 8 workers, 100,000 serials, per backend."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from app.schemas import BatchIn, ProductIn
from app.services import batches, masterdata, serials
from app.services.security import Principal, Role

WORKERS = 8
REQUESTS = 25
PER_REQUEST = 500
LINE = Principal("token:line", Role.LINE)


def worker(db_url: str, batch_id: int, queue: Any) -> None:
    os.environ.setdefault("SECRET_KEY", "test-secret-key")
    from app import create_app

    app = create_app({"database_url": db_url})
    database = app.extensions["custody.db"]
    limits = serials.Limits(max_per_request=1_000_000, overage_percent=20)
    out = []
    for _ in range(REQUESTS):
        allocation = serials.allocate(database, LINE, batch_id, PER_REQUEST, limits)
        out.append((allocation.start, allocation.count, serials.serial_strings(allocation)))
    queue.put(out)


def test_parallel_workers_never_overlap(database: Any, db_url: str) -> None:
    admin = Principal("token:admin", Role.ADMIN)
    masterdata.create_product(
        database,
        admin,
        ProductIn.model_validate(
            {
                "gtin": "09506000134352",
                "name": "P",
                "company_prefix_length": 7,
                "serial_scheme": {"alphabet": "numeric", "length": 12},
            }
        ),
        1_000_000,
    )
    batch = batches.create_batch(
        database,
        admin,
        BatchIn.model_validate(
            {
                "gtin": "09506000134352",
                "lot": "C",
                "expiry": "271231",
                "quantity": WORKERS * REQUESTS * PER_REQUEST,
            }
        ),
    )
    database.engine.dispose()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(db_url, batch["id"], queue)) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    ranges = sorted((start, count) for result in results for start, count, _ in result)
    assert len(ranges) == WORKERS * REQUESTS
    # The counter ranges tile [0, 100000) exactly: no overlap, no gap.
    position = 0
    for start, count in ranges:
        assert start == position
        position += count
    assert position == 100_000
    every = [s for result in results for _, _, strings in result for s in strings]
    assert len(every) == 100_000
    assert len(set(every)) == 100_000
    assert batches.get_batch(database, batch["id"])["issued_count"] == 100_000
    sample = every[::9973]
    assert all(serials.lookup(database, "09506000134352", s)["batch_id"] == batch["id"] for s in sample)
