"""Print data throughput: 1,000,000 codes streamed as CSV and NDJSON through the API (test client, in
process) beside bare serial generation (the keyed permutation alone) measured in the same run."""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import fresh_app, seed_product

    from app.services import security

    count = 50_000 if "--quick" in (argv or []) else 1_000_000
    with fresh_app("sqlite") as app:
        database = app.extensions["custody.db"]
        seed_product(database)
        headers = {"Authorization": "Bearer " + security.create_token(database, name="b", role="admin")}
        client = app.test_client()
        batch = client.post(
            "/api/v1/batches",
            headers=headers,
            json={"gtin": "09506000134352", "lot": "PD1", "expiry": "281231", "quantity": count},
        ).get_json()
        client.post(
            f"/api/v1/batches/{batch['id']}/serials", headers=headers, json={"count": count}, buffered=False
        ).close()

        from app.models import SerialPool
        from app.services.serials import pool_permutation

        with database.read() as session:
            pool = session.get(SerialPool, "09506000134352")
            assert pool is not None
            perm = pool_permutation(pool)
        t = time.perf_counter()
        for start in range(0, count, 65_536):
            perm.encode_range(start, min(65_536, count - start))
        bare = count / (time.perf_counter() - t)
        for fmt in ("csv", "ndjson"):
            t = time.perf_counter()
            answer = client.get(
                f"/api/v1/batches/{batch['id']}/print-data?format={fmt}", headers=headers, buffered=False
            )
            size = lines = 0
            for chunk in answer.response:
                size += len(chunk)
                lines += chunk.count(b"\n")
            answer.close()
            rate = count / (time.perf_counter() - t)
            assert lines == count + (fmt == "csv"), lines
            print(
                f"print data {fmt:<6} {count:,} codes: {rate:>12,.0f} codes/s ({size / 1e6:,.0f} MB)   "
                f"bare serial generation {bare:>12,.0f}/s   ratio {rate / bare:.2f}x   (target >= 100,000 codes/s)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
