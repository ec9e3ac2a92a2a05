"""Print data for packaging lines: every serial issued to a batch (voided ones left out) with its element
string (bracketed and raw with GS), HRI text and Digital Link, streamed as CSV or NDJSON in bounded memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sqlalchemy import select

from app.extensions import Database
from app.models import ImportedSerial, ImportedStatus, SerialAllocation, SerialPool, VoidedSerial
from app.serialgen import KeyedPermutation
from app.services.batches import check_line_scope, get_batch_row
from app.services.codes import PackCode, pack_code
from app.services.security import Principal
from app.services.serials import CHUNK, pool_permutation
from app.services.templating import LineTemplate

PrintFormat = Literal["csv", "ndjson"]
COLUMNS = ["serial", "element_string", "element_string_raw", "hri", "digital_link"]


def print_fields(code: PackCode, serial: str) -> dict[str, str]:
    from epcis import gs1

    mapping = code.mapping(serial)
    return {
        "serial": serial,
        "element_string": gs1.element_string(mapping, form="bracketed"),
        "element_string_raw": gs1.element_string(mapping, form="raw"),
        "hri": gs1.element_string(mapping, form="hri"),
        "digital_link": gs1.element_string(mapping, form="digital_link", domain=code.domain),
    }


def format_line(fmt: PrintFormat, fields: dict[str, str]) -> bytes:
    if fmt == "ndjson":
        return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([fields[c] for c in COLUMNS])
    return buffer.getvalue().encode()


@dataclass
class PrintJob:
    """Everything needed to stream a batch's print data after the read transaction has ended."""

    batch_id: int
    code: PackCode
    ranges: list[tuple[int, int]]
    voided: np.ndarray  # sorted counters (pool) of voided serials
    permutation: KeyedPermutation | None
    external: list[str]

    @property
    def count(self) -> int:
        if self.permutation is None:
            return len(self.external)
        return sum(c for _, c in self.ranges) - len(self.voided)

    def stream(self, fmt: PrintFormat) -> Iterator[bytes]:
        if fmt == "csv":
            yield ",".join(COLUMNS).encode() + b"\n"
        if self.permutation is None:
            for i in range(0, len(self.external), CHUNK):
                yield b"".join(format_line(fmt, print_fields(self.code, s)) for s in self.external[i : i + CHUNK])
            return
        perm = self.permutation
        template = LineTemplate(lambda s: format_line(fmt, print_fields(self.code, s)), perm.scheme.length)
        checked = False
        for start, count in self.ranges:
            for offset in range(0, count, CHUNK):
                n = min(CHUNK, count - offset)
                chars = perm.encode_range(start + offset, n)
                if len(self.voided):
                    counters = np.arange(start + offset, start + offset + n, dtype=np.int64)
                    chars = chars[~np.isin(counters, self.voided, assume_unique=True)]
                if not len(chars):
                    continue
                if not checked:
                    template.check(bytes(chars[0]).decode())
                    checked = True
                yield template.fill(chars)


def print_job(database: Database, actor: Principal, batch_id: int, domain: str) -> PrintJob:
    with database.read() as session:
        batch = get_batch_row(session, batch_id)
        check_line_scope(actor, batch)
        code = pack_code(batch, batch.product, domain)
        pool = session.get(SerialPool, batch.gtin)
        rows = session.execute(
            select(SerialAllocation.start, SerialAllocation.count)
            .where(SerialAllocation.batch_id == batch_id, SerialAllocation.source == "pool")
            .order_by(SerialAllocation.start)
        ).all()
        if pool is not None and rows:
            perm = pool_permutation(pool)
            voided_serials = list(session.scalars(select(VoidedSerial.serial).where(VoidedSerial.batch_id == batch_id)))
            voided = np.sort(perm.decode_many(voided_serials)) if voided_serials else np.empty(0, dtype=np.int64)
            ranges = [(int(s), int(c)) for s, c in rows]
            return PrintJob(batch_id, code, ranges, voided, perm, [])
        external = list(
            session.scalars(
                select(ImportedSerial.serial)
                .where(ImportedSerial.batch_id == batch_id, ImportedSerial.status == ImportedStatus.ISSUED)
                .order_by(ImportedSerial.id)
            )
        )
        return PrintJob(batch_id, code, [], np.empty(0, dtype=np.int64), None, external)
