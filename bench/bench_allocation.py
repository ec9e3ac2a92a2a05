"""Serial allocation figures (issue targets), each beside a raw baseline measured in the same run.

1. Reservation time for 1,000 vs 1,000,000 serials (constant time: one row).
2. Serial string generation for 1,000,000 vs random strings drawn from one bulk os.urandom buffer.
3. HTTP round trip of 1,000,000 streamed serials (gunicorn, SQLite) vs inserting 1,000,000 random serial
   rows with a unique index through sqlite3.executemany (the row-per-serial design).
4. 20 concurrent clients asking 1,000 serials each in a loop against gunicorn on PostgreSQL: p50/p99,
   throughput, duplicates.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import GTIN, fresh_app, pg_url, ratio_line, seed_product

ROOT = Path(__file__).resolve().parents[1]
ALNUM = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SERIAL = re.compile(rb'^\{"serial":"([^"]+)"', re.MULTILINE)


def urandom_strings(count: int, length: int, alphabet: bytes = ALNUM) -> np.ndarray:
    """Baseline: uniform random strings from one os.urandom buffer (rejection sampling, vectorised)."""
    radix = len(alphabet)
    limit = 256 - 256 % radix
    table = np.frombuffer(alphabet, dtype=np.uint8)
    need = count * length
    out = np.empty(0, dtype=np.uint8)
    while out.size < need:
        raw = np.frombuffer(os.urandom(int((need - out.size) * 1.1) + 64), dtype=np.uint8)
        out = np.concatenate([out, raw[raw < limit]])
    return table[out[:need] % radix].reshape(count, length)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """gunicorn serving wsgi:app on a database, with an admin token and one product + batch."""

    def __init__(self, database_url: str, workers: int) -> None:
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench"}
        self.port = free_port()
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "init-db"], cwd=ROOT, env=self.env, check=True, capture_output=True)
        name = f"bench-{secrets.token_hex(4)}"
        self.token = subprocess.run(
            [*flask, "tokens", "create", "--name", name, "--role", "admin"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
        )
        for _ in range(200):
            try:
                if self.call("GET", "/api/v1/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)

    def call(self, method: str, path: str, body: Any = None, accept: str = "application/json") -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": accept, "Content-Type": "application/json"}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, data

    def batch(self, quantity: int, gtin: str = GTIN) -> int:
        lot = secrets.token_hex(4).upper()
        self.call(
            "POST",
            "/api/v1/products",
            {
                "gtin": gtin,
                "name": "Bench",
                "company_prefix_length": 7,
                "serial_scheme": {"alphabet": "alphanumeric", "length": 12, "lifetime_volume": 100_000_000},
            },
        )
        status, data = self.call(
            "POST", "/api/v1/batches", {"gtin": gtin, "lot": lot, "expiry": "2028-01-31", "quantity": quantity}
        )
        assert status == 201, data
        return int(json.loads(data)["id"])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def bench_reservation_and_generation(count: int) -> None:
    from app.schemas import BatchIn
    from app.services import batches, serials

    with fresh_app("sqlite") as app:
        database = app.extensions["custody.db"]
        admin = seed_product(database)
        limits = serials.Limits(10_000_000, 20)
        times = {}
        for n in (1_000, count):
            b = batches.create_batch(
                database,
                admin,
                BatchIn.model_validate({"gtin": GTIN, "lot": f"R{n}", "expiry": "281231", "quantity": n}),
            )
            samples = []
            for _ in range(5):
                t = time.perf_counter()
                allocation = serials.allocate(database, admin, b["id"], n // 5, limits)
                samples.append(time.perf_counter() - t)
            times[n] = statistics.median(samples)
        print(f"{'reservation (one row) for 1,000 serials':<44} {times[1_000] * 1e3:8.2f} ms")
        print(
            f"{f'reservation (one row) for {count:,} serials':<44} {times[count] * 1e3:8.2f} ms   "
            f"ratio {times[count] / times[1_000]:.2f}x (target: constant, ~1x)"
        )
        b = batches.create_batch(
            database, admin, BatchIn.model_validate({"gtin": GTIN, "lot": "GEN", "expiry": "281231", "quantity": count})
        )
        allocation = serials.allocate(database, admin, b["id"], count, limits)
        perm = allocation.permutation
        assert perm is not None
        t = time.perf_counter()
        for start in range(0, count, 65_536):
            perm.encode_range(allocation.start + start, min(65_536, count - start))
        ours = time.perf_counter() - t
        t = time.perf_counter()
        for start in range(0, count, 65_536):
            urandom_strings(min(65_536, count - start), 12)
        base = time.perf_counter() - t
        ratio_line(f"serial strings, {count:,} (alnum 12)", count / ours, count / base, "serials/s", ">= 0.5x")
        t = time.perf_counter()
        size = sum(len(chunk) for chunk in serials.render(allocation, "ndjson"))
        render = time.perf_counter() - t
        print(
            f"{'NDJSON answer body rendered (4 forms/serial)':<44} {count / render:>12,.0f} serials/s "
            f"({size / 1e6:,.0f} MB)"
        )


def sqlite_row_baseline(count: int, path: str) -> float:
    """Rows/s inserting random serial rows with a unique (gtin, serial) index, one transaction."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE serial (id INTEGER PRIMARY KEY, gtin TEXT, serial TEXT, batch_id INTEGER)")
    con.execute("CREATE UNIQUE INDEX ux ON serial (gtin, serial)")
    strings = urandom_strings(count, 12)
    rows = [(GTIN, s.decode(), 1) for s in strings.view(f"S{12}").ravel()]
    t = time.perf_counter()
    con.executemany("INSERT INTO serial (gtin, serial, batch_id) VALUES (?, ?, ?)", rows)
    con.commit()
    elapsed = time.perf_counter() - t
    con.close()
    return elapsed


def bench_http_round_trip(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        service = Service(f"sqlite:///{tmp}/http.db", workers=2)
        try:
            batch_id = service.batch(count)
            t = time.perf_counter()
            status, data = service.call(
                "POST", f"/api/v1/batches/{batch_id}/serials", {"count": count}, accept="application/x-ndjson"
            )
            ours = time.perf_counter() - t
            assert status == 201, data[:300]
            lines = data.count(b"\n")
            assert lines == count, lines
        finally:
            service.stop()
        base = sqlite_row_baseline(count, f"{tmp}/rows.db")
        print(f"{'HTTP round trip, streamed NDJSON':<44} {ours:8.2f} s for {count:,} ({len(data) / 1e6:,.0f} MB)")
        print(f"{'sqlite3.executemany, unique index':<44} {base:8.2f} s for {count:,}")
        print(f"{'speed-up over row-per-serial':<44} {base / ours:8.2f}x   (target >= 5x, aim 10x)")


def bench_concurrent_clients(database_url: str | None, clients: int, seconds: float) -> None:
    if not database_url:
        print(
            "concurrent clients: skipped (no PostgreSQL: set BENCH_DATABASE_URL or run where 127.0.0.1:5432 "
            "accepts connections)"
        )
        return
    service = Service(database_url, workers=4)
    try:
        batch_id = service.batch(10_000_000, gtin="04006381333931")
        latencies: list[float] = []
        serial_lists: list[list[str]] = []
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def client() -> None:
            mine_l, mine_s = [], []
            conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=60)
            body = json.dumps({"count": 1000})
            headers = {
                "Authorization": f"Bearer {service.token}",
                "Content-Type": "application/json",
                "Accept": "application/x-ndjson",
            }
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                conn.request("POST", f"/api/v1/batches/{batch_id}/serials", body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                mine_l.append(time.perf_counter() - t)
                assert resp.status == 201, data[:200]
                mine_s.append(SERIAL.findall(data))
            conn.close()
            with lock:
                latencies.extend(mine_l)
                serial_lists.extend(mine_s)

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - started
        every = [s for lst in serial_lists for s in lst]
        assert len(every) == 1000 * len(latencies), len(every)
        dupes = len(every) - len(set(every))
        q = statistics.quantiles(latencies, n=100)
        print(f"{clients} clients x 1,000 serials, gunicorn 4 workers, PostgreSQL, {elapsed:.1f} s:")
        print(
            f"  requests {len(latencies):,}  p50 {q[49] * 1e3:.1f} ms  p99 {q[98] * 1e3:.1f} ms  "
            f"throughput {len(latencies) / elapsed:,.0f} req/s = {len(every) / elapsed:,.0f} serials/s  "
            f"duplicates {dupes}"
        )
    finally:
        service.stop()


def main(argv: list[str] | None = None) -> int:
    quick = "--quick" in (argv or [])
    count = 50_000 if quick else 1_000_000
    if "--clients-only" not in (argv or []):
        bench_reservation_and_generation(count)
        bench_http_round_trip(count)
    bench_concurrent_clients(pg_url(), 20, 3.0 if quick else 10.0)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
