"""Print data: every issued, non-voided serial with each code form, CSV or NDJSON, in bounded memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from typing import Any

import numpy as np
from flask.testing import FlaskClient

from app.serialgen import KeyedPermutation, SerialScheme
from app.services.codes import PackCode
from app.services.printdata import COLUMNS, PrintJob
from epcis import gs1
from tests.conftest import GTIN

Auth = dict[str, dict[str, str]]


def test_print_data_csv_and_ndjson(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    url = f"/api/v1/batches/{batch['id']}"
    issued = []
    for count in (30, 20):
        answer = client.post(f"{url}/serials", headers=auth["line"], json={"count": count}).get_json()
        issued += [s["serial"] for s in answer["serials"]]
    client.post(f"{url}/serials/return", headers=auth["line"], json={"serials": [issued[3], issued[31], issued[49]]})
    expected = [s for i, s in enumerate(issued) if i not in (3, 31, 49)]

    answer = client.get(f"{url}/print-data?format=csv", headers=auth["line"])
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["X-Serial-Count"] == "47"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == COLUMNS
    assert [r[0] for r in rows[1:]] == expected
    for serial, bracketed, raw, hri, link in rows[1:]:
        mapping = {"01": GTIN, "17": "271231", "10": "LOT-001", "21": serial}
        assert bracketed == f"(01){GTIN}(17)271231(10)LOT-001(21){serial}"
        assert raw == f"01{GTIN}1727123110LOT-001\x1d21{serial}"
        assert hri == f"(01) {GTIN} (17) 271231 (10) LOT-001 (21) {serial}"
        assert dict(gs1.parse(link)) == mapping == dict(gs1.parse(raw))

    lines = client.get(f"{url}/print-data?format=ndjson", headers=auth["erp"]).get_data(as_text=True).splitlines()
    assert [json.loads(line)["serial"] for line in lines] == expected
    assert client.get(f"{url}/print-data?format=pdf", headers=auth["erp"]).get_json()["field"] == "format"
    assert client.get(f"{url}/print-data", headers=auth["regulator"]).status_code == 403


def test_a_million_lines_in_bounded_memory() -> None:
    perm = KeyedPermutation(bytes(range(32)), GTIN.encode(), SerialScheme("alphanumeric", 12))
    voided = np.sort(perm.decode_many([perm.serial_at(n) for n in (5, 70_000, 999_999)]))
    job = PrintJob(1, PackCode(GTIN, "271200", "L1", 7), [(0, 1_000_000)], voided, perm, [])
    tracemalloc.start()
    lines = 0
    last = b""
    for chunk in job.stream("ndjson"):
        lines += chunk.count(b"\n")
        last = chunk
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert lines == job.count == 999_997
    assert json.loads(last.splitlines()[-1])["serial"] == perm.serial_at(999_998)
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MiB"
