"""Serial allocation: counter ranges reserved per batch, rendered by the keyed permutation, looked up by inversion.

A request reserves one counter range (one row, constant time whatever its size). The serial strings
are computed outside the transaction, chunk by chunk, into byte templates: no per-serial Python work
and no per-serial rows until the codes are commissioned.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.errors import CapacityExceeded, Conflict, IdempotencyConflict, NotFound, ValidationFailed
from app.extensions import Database
from app.models import (
    Batch,
    BatchStatus,
    CodeState,
    IdempotencyRecord,
    ImportedSerial,
    ImportedStatus,
    Product,
    SerialAllocation,
    SerialPool,
    SerialSource,
    SsccAllocation,
    SsccCounter,
    VoidedSerial,
)
from app.serialgen import KeyedPermutation, SerialScheme
from app.services import audit
from app.services.batches import check_line_scope, get_batch_row, transition
from app.services.codes import DEFAULT_DOMAIN, PackCode, pack_code
from app.services.eventstore import sgtin_key
from app.services.identifiers import check_x20, parse_gtin
from app.services.security import Principal
from app.services.templating import LineTemplate

CHUNK = 65_536
ALLOCATABLE = (BatchStatus.PLANNED, BatchStatus.IN_PRODUCTION)


@dataclass(frozen=True)
class Limits:
    max_per_request: int
    overage_percent: int
    domain: str = DEFAULT_DOMAIN


@dataclass
class Allocation:
    """What a reservation answers: enough to render every serial again, deterministically."""

    id: int
    batch_id: int
    code: PackCode
    start: int
    count: int
    replayed: bool = False
    permutation: KeyedPermutation | None = None
    external: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "allocation_id": self.id,
            "batch_id": self.batch_id,
            "gtin": self.code.gtin,
            "count": self.count,
        }


def request_hash(batch_id: int, count: int) -> str:
    return hashlib.sha256(f"POST /batches/{batch_id}/serials {count}".encode()).hexdigest()


def _load(session: Session, row: SerialAllocation, batch: Batch, replayed: bool, domain: str) -> Allocation:
    code = pack_code(batch, batch.product, domain)
    if row.source == "pool":
        pool = session.get(SerialPool, batch.gtin)
        assert pool is not None
        return Allocation(row.id, batch.id, code, row.start, row.count, replayed, permutation=pool_permutation(pool))
    serials = session.scalars(
        select(ImportedSerial.serial).where(ImportedSerial.allocation_id == row.id).order_by(ImportedSerial.id)
    ).all()
    return Allocation(row.id, batch.id, code, row.start, row.count, replayed, external=list(serials))


def allocate(
    database: Database,
    actor: Principal,
    batch_id: int,
    count: int,
    limits: Limits,
    idempotency_key: str | None = None,
) -> Allocation:
    """Reserve `count` serials for a batch in one short transaction (replays an idempotent retry)."""
    if not 1 <= count <= limits.max_per_request:
        raise ValidationFailed(f"count must be 1-{limits.max_per_request:,}, got {count:,}", field="count")
    digest = request_hash(batch_id, count)
    with database.write() as session:
        if idempotency_key is not None:
            seen = session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.principal == actor.name, IdempotencyRecord.key == idempotency_key
                )
            )
            if seen is not None:
                if seen.request_hash != digest or seen.allocation_id is None:
                    raise IdempotencyConflict(
                        f"Idempotency-Key '{idempotency_key}' was used for another request",
                        field="Idempotency-Key",
                    )
                row = session.get(SerialAllocation, seen.allocation_id)
                assert row is not None
                batch = get_batch_row(session, row.batch_id)
                return _load(session, row, batch, True, limits.domain)
        batch = get_batch_row(session, batch_id, lock=True)
        check_line_scope(actor, batch)
        if batch.status not in ALLOCATABLE:
            raise Conflict(
                f"batch {batch.id} is {batch.status.value}: serials can only be allocated to a planned "
                "or in-production batch",
                field="batch_id",
            )
        ceiling = batch.quantity * (100 + limits.overage_percent) // 100
        if batch.issued_count + count > ceiling:
            raise CapacityExceeded(
                f"batch {batch.id} plans {batch.quantity:,} packs; {batch.issued_count:,} serials are issued and "
                f"{count:,} more would pass the ceiling of {ceiling:,} (+{limits.overage_percent}%)",
                field="count",
            )
        product = batch.product
        permutation: KeyedPermutation | None = None
        if product.serial_source is SerialSource.POOL:
            start, permutation = _reserve_range(session, batch.gtin, count)
            row = SerialAllocation(
                batch_id=batch.id, gtin=batch.gtin, start=start, count=count, source="pool", actor=actor.name
            )
            session.add(row)
            session.flush()
        else:
            row = SerialAllocation(
                batch_id=batch.id, gtin=batch.gtin, start=0, count=count, source="external", actor=actor.name
            )
            session.add(row)
            session.flush()
            _take_imported(session, batch, row, count)
        if batch.status is BatchStatus.PLANNED:
            transition(session, actor, batch, BatchStatus.IN_PRODUCTION, "first serials allocated")
        batch.issued_count += count
        if idempotency_key is not None:
            session.add(
                IdempotencyRecord(principal=actor.name, key=idempotency_key, request_hash=digest, allocation_id=row.id)
            )
        audit.record(
            session,
            actor=actor.name,
            action="serials.allocate",
            entity="batch",
            entity_id=batch.id,
            after={"allocation_id": row.id, "source": row.source, "start": row.start, "count": count},
        )
        session.flush()
        if permutation is not None:
            code = pack_code(batch, product, limits.domain)
            return Allocation(row.id, batch.id, code, row.start, count, False, permutation=permutation)
        return _load(session, row, batch, False, limits.domain)


def _reserve_range(session: Session, gtin: str, count: int) -> tuple[int, KeyedPermutation]:
    """Advance the pool counter atomically (row lock / BEGIN IMMEDIATE): one statement, one round trip.

    Returns the range start and the pool's permutation.
    """
    row = session.execute(
        update(SerialPool)
        .where(SerialPool.gtin == gtin)
        .values(next_counter=SerialPool.next_counter + count)
        .returning(SerialPool.next_counter, SerialPool.alphabet, SerialPool.length, SerialPool.key)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise Conflict(f"GTIN {gtin} has no serial pool", field="gtin")
    new_next, alphabet, length, key = row
    limit = SerialScheme(alphabet, length).max_issuable()
    if new_next > limit:
        raise CapacityExceeded(
            f"GTIN {gtin}: issuing {count:,} more would pass {limit:,} serials, the most its "
            f"{alphabet} length-{length} space allows under the 1/10,000 guessing rule",
            field="count",
        )
    return int(new_next) - count, _cached_permutation(bytes(key), gtin, alphabet, length)


@lru_cache(maxsize=256)
def _cached_permutation(key: bytes, gtin: str, alphabet: str, length: int) -> KeyedPermutation:
    return KeyedPermutation(key, gtin.encode(), SerialScheme(alphabet, length))


def pool_permutation(pool: SerialPool) -> KeyedPermutation:
    return _cached_permutation(bytes(pool.key), pool.gtin, pool.alphabet, pool.length)


def _take_imported(session: Session, batch: Batch, row: SerialAllocation, count: int) -> None:
    ids = session.scalars(
        select(ImportedSerial.id)
        .where(ImportedSerial.batch_id == batch.id, ImportedSerial.status == ImportedStatus.AVAILABLE)
        .order_by(ImportedSerial.id)
        .limit(count)
        .with_for_update()
    ).all()
    if len(ids) < count:
        raise CapacityExceeded(
            f"batch {batch.id} has {len(ids):,} imported serials left, {count:,} asked", field="count"
        )
    for i in range(0, len(ids), 10_000):
        session.execute(
            update(ImportedSerial)
            .where(ImportedSerial.id.in_(ids[i : i + 10_000]))
            .values(status=ImportedStatus.ISSUED, allocation_id=row.id)
        )


# -- rendering -------------------------------------------------------------------------------------------

Format = Literal["json", "ndjson"]


def _line(code: PackCode, serial: str) -> str:
    return json.dumps(code.fields(serial), separators=(",", ":"), ensure_ascii=False)


def render(allocation: Allocation, fmt: Format) -> Iterator[bytes]:
    """The answer body in chunks: NDJSON lines, or one JSON object with a `serials` array."""
    sep = b"\n" if fmt == "ndjson" else b","
    if fmt == "json":
        head = json.dumps({**allocation.summary(), "replayed": allocation.replayed}, separators=(",", ":"))
        yield head[:-1].encode() + b',"serials":['
    produced = 0
    for lines, block in _blocks(allocation, sep):
        produced += lines
        yield block[:-1] if fmt == "json" and produced == allocation.count else block
    if fmt == "json":
        yield b"]}"


def _blocks(allocation: Allocation, sep: bytes) -> Iterator[tuple[int, bytes]]:
    if allocation.permutation is None:
        for i in range(0, len(allocation.external), CHUNK):
            part = allocation.external[i : i + CHUNK]
            yield len(part), b"".join(_line(allocation.code, s).encode() + sep for s in part)
        return
    perm = allocation.permutation
    template = LineTemplate(lambda serial: _line(allocation.code, serial).encode() + sep, perm.scheme.length)
    for offset in range(0, allocation.count, CHUNK):
        n = min(CHUNK, allocation.count - offset)
        chars = perm.encode_range(allocation.start + offset, n)
        if offset == 0:
            template.check(bytes(chars[0]).decode())
        yield n, template.fill(chars)


def serial_strings(allocation: Allocation) -> list[str]:
    """Every serial of an allocation as text (for tests and small answers)."""
    if allocation.permutation is None:
        return list(allocation.external)
    return allocation.permutation.serials(allocation.start, allocation.count)


# -- lookup, return, import ------------------------------------------------------------------------------


def lookup(database: Database, gtin_text: str, serial: str) -> dict[str, Any]:
    """Was this serial issued, to which batch, and what is its status? Pools answer by inversion."""
    gtin = parse_gtin(gtin_text)
    with database.read() as session:
        product = session.scalar(select(Product).where(Product.gtin == gtin))
        if product is None:
            raise NotFound(f"no product with GTIN {gtin}", field="gtin")
        answer: dict[str, Any] = {"gtin": gtin, "serial": serial, "issued": False, "status": "not_issued"}
        batch_id: int | None = None
        if product.serial_source is SerialSource.POOL:
            pool = session.get(SerialPool, gtin)
            n = pool_permutation(pool).index_of(serial) if pool is not None else None
            if pool is not None and n is not None and n < pool.next_counter:
                row = session.scalar(
                    select(SerialAllocation)
                    .where(
                        SerialAllocation.gtin == gtin,
                        SerialAllocation.source == "pool",
                        SerialAllocation.start <= n,
                    )
                    .order_by(SerialAllocation.start.desc())
                    .limit(1)
                )
                if row is not None and n < row.start + row.count:
                    batch_id = row.batch_id
                    answer["allocation_id"] = row.id
        else:
            imported = session.scalar(
                select(ImportedSerial).where(ImportedSerial.gtin == gtin, ImportedSerial.serial == serial)
            )
            if imported is not None:
                answer["batch_id"] = imported.batch_id
                answer["status"] = "imported" if imported.status is ImportedStatus.AVAILABLE else "issued"
                if imported.status is not ImportedStatus.AVAILABLE:
                    batch_id = imported.batch_id
                    answer["allocation_id"] = imported.allocation_id
        if batch_id is not None:
            batch = get_batch_row(session, batch_id)
            voided = session.scalar(
                select(VoidedSerial.id).where(VoidedSerial.gtin == gtin, VoidedSerial.serial == serial)
            )
            answer.update(
                issued=True,
                batch_id=batch.id,
                lot=batch.lot,
                expiry=batch.expiry,
                batch_status=batch.status.value,
                status="voided" if voided else "issued",
            )
            code_state = session.get(CodeState, sgtin_key(gtin, serial))
            if code_state is not None and not voided:
                answer["status"] = code_state.status
        return answer


def not_issued_to_batch(session: Session, batch: Batch, serials: list[str]) -> list[int]:
    """Indexes (into `serials`) of the ones NOT issued to `batch`."""
    product = batch.product
    if product.serial_source is SerialSource.POOL:
        pool = session.get(SerialPool, batch.gtin)
        assert pool is not None
        query = select(SerialAllocation.start, SerialAllocation.count).where(
            SerialAllocation.batch_id == batch.id, SerialAllocation.source == "pool"
        )
        ranges = sorted((int(start), int(count)) for start, count in session.execute(query))
        counters = pool_permutation(pool).decode_many(serials)
        starts = np.array([r[0] for r in ranges] or [0], dtype=np.int64)
        ends = np.array([r[0] + r[1] for r in ranges] or [0], dtype=np.int64)
        slot = np.searchsorted(starts, counters, side="right") - 1
        inside = (counters >= 0) & (slot >= 0) & (counters < ends[np.clip(slot, 0, None)])
        return [int(i) for i in np.flatnonzero(~inside)]
    issued: set[str] = set()
    for i in range(0, len(serials), 5000):
        issued.update(
            session.scalars(
                select(ImportedSerial.serial).where(
                    ImportedSerial.batch_id == batch.id,
                    ImportedSerial.status == ImportedStatus.ISSUED,
                    ImportedSerial.serial.in_(serials[i : i + 5000]),
                )
            ).all()
        )
    return [i for i, s in enumerate(serials) if s not in issued]


def return_serials(
    database: Database, actor: Principal, batch_id: int, serials: list[str], reason: str | None
) -> dict[str, Any]:
    """Void unused serials of a batch: they are never printed or reissued. All or nothing."""
    dupes = _duplicates(serials)
    if dupes:
        raise ValidationFailed(f"serial '{serials[dupes[0]]}' is listed twice", field=f"serials[{dupes[0]}]")
    with database.write() as session:
        batch = get_batch_row(session, batch_id, lock=True)
        check_line_scope(actor, batch)
        bad = not_issued_to_batch(session, batch, serials)
        if bad:
            raise ValidationFailed(
                f"serial '{serials[bad[0]]}' was not issued to batch {batch.id}", field=f"serials[{bad[0]}]"
            )
        already: set[str] = set()
        for i in range(0, len(serials), 5000):
            already.update(
                session.scalars(
                    select(VoidedSerial.serial).where(
                        VoidedSerial.gtin == batch.gtin, VoidedSerial.serial.in_(serials[i : i + 5000])
                    )
                ).all()
            )
        if already:
            first = next(i for i, s in enumerate(serials) if s in already)
            raise Conflict(f"serial '{serials[first]}' is already voided", field=f"serials[{first}]")
        keys = [sgtin_key(batch.gtin, s) for s in serials]
        for i in range(0, len(keys), 5000):
            used = session.scalars(select(CodeState.epc).where(CodeState.epc.in_(keys[i : i + 5000]))).first()
            if used is not None:
                first = keys.index(used)
                raise Conflict(
                    f"serial '{serials[first]}' has been commissioned: only unused serials can be returned",
                    field=f"serials[{first}]",
                )
        rows = [{"gtin": batch.gtin, "serial": s, "batch_id": batch.id, "reason": reason} for s in sorted(serials)]
        session.execute(insert(VoidedSerial), rows)
        if batch.product.serial_source is SerialSource.EXTERNAL:
            for i in range(0, len(serials), 5000):
                session.execute(
                    update(ImportedSerial)
                    .where(ImportedSerial.gtin == batch.gtin, ImportedSerial.serial.in_(serials[i : i + 5000]))
                    .values(status=ImportedStatus.VOIDED)
                )
        batch.voided_count += len(serials)
        audit.record(
            session,
            actor=actor.name,
            action="serials.void",
            entity="batch",
            entity_id=batch.id,
            after={"count": len(serials), "first": serials[0]},
            reason=reason,
        )
        return {"batch_id": batch.id, "voided": len(serials)}


def _duplicates(values: list[str]) -> list[int]:
    seen: set[str] = set()
    out = []
    for i, v in enumerate(values):
        if v in seen:
            out.append(i)
        seen.add(v)
    return out


def import_serials(database: Database, actor: Principal, batch_id: int, serials: list[str]) -> dict[str, Any]:
    """Take a list of serials supplied from outside for a batch: syntax and uniqueness per GTIN checked."""
    for i, serial in enumerate(serials):
        check_x20("21", serial, field=f"serials[{i}]")
    dupes = _duplicates(serials)
    if dupes:
        raise ValidationFailed(f"serial '{serials[dupes[0]]}' is listed twice", field=f"serials[{dupes[0]}]")
    with database.write() as session:
        batch = get_batch_row(session, batch_id, lock=True)
        check_line_scope(actor, batch)
        if batch.product.serial_source is not SerialSource.EXTERNAL:
            raise Conflict(
                f"GTIN {batch.gtin} draws serials from its own pool; set its serial_scheme.source to "
                "'external' to import lists",
                field="serials",
            )
        if batch.status not in ALLOCATABLE:
            raise Conflict(f"batch {batch.id} is {batch.status.value}", field="batch_id")
        known: set[str] = set()
        for i in range(0, len(serials), 5000):
            known.update(
                session.scalars(
                    select(ImportedSerial.serial).where(
                        ImportedSerial.gtin == batch.gtin, ImportedSerial.serial.in_(serials[i : i + 5000])
                    )
                ).all()
            )
        if known:
            first = next(i for i, s in enumerate(serials) if s in known)
            raise Conflict(f"serial '{serials[first]}' already exists for GTIN {batch.gtin}", field=f"serials[{first}]")
        session.execute(
            insert(ImportedSerial),
            [
                {"gtin": batch.gtin, "serial": s, "batch_id": batch.id, "status": ImportedStatus.AVAILABLE}
                for s in serials
            ],
        )
        audit.record(
            session,
            actor=actor.name,
            action="serials.import",
            entity="batch",
            entity_id=batch.id,
            after={"count": len(serials)},
        )
        return {"batch_id": batch.id, "imported": len(serials)}


# -- SSCC ------------------------------------------------------------------------------------------------


def _insert_ignore(engine: Engine, table: Any) -> Any:
    dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
    return dialect.insert(table).on_conflict_do_nothing()


def allocate_sscc(
    database: Database,
    actor: Principal,
    company_prefix: str,
    extension_digit: int,
    count: int,
    max_count: int,
    batch_id: int | None = None,
) -> dict[str, Any]:
    """Sequential serial references per company prefix, each SSCC with its check digit."""
    from epcis import gs1

    if not 6 <= len(company_prefix) <= 12:
        raise ValidationFailed(
            f"company_prefix must have 6-12 digits, got {len(company_prefix)}", field="company_prefix"
        )
    if not 1 <= count <= max_count:
        raise ValidationFailed(f"count must be 1-{max_count:,}, got {count:,}", field="count")
    capacity = 10 ** (16 - len(company_prefix))
    with database.write() as session:
        if batch_id is not None:
            get_batch_row(session, batch_id)
        # GS1 never issues one company prefix inside another: such a pair here is a mistyped prefix, whose
        # SSCCs would repeat the other's (950600 + reference 0000000001 = 9506000 + reference 000000001).
        for known in session.scalars(
            select(SsccCounter.company_prefix).where(SsccCounter.company_prefix != company_prefix)
        ):
            if known.startswith(company_prefix) or company_prefix.startswith(known):
                raise Conflict(
                    f"company prefix {company_prefix} overlaps {known}, which SSCCs were allocated under; "
                    "SSCCs of both would repeat each other",
                    field="company_prefix",
                )
        session.execute(_insert_ignore(database.engine, SsccCounter).values(company_prefix=company_prefix, next_ref=0))
        new_next = session.execute(
            update(SsccCounter)
            .where(SsccCounter.company_prefix == company_prefix)
            .values(next_ref=SsccCounter.next_ref + count)
            .returning(SsccCounter.next_ref)
        ).scalar_one()
        if new_next > capacity:
            raise CapacityExceeded(
                f"company prefix {company_prefix} has {capacity - (new_next - count):,} serial references left, "
                f"{count:,} asked",
                field="count",
            )
        start = int(new_next) - count
        row = SsccAllocation(
            company_prefix=company_prefix,
            extension_digit=extension_digit,
            start_ref=start,
            count=count,
            batch_id=batch_id,
            actor=actor.name,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor.name,
            action="sscc.allocate",
            entity="sscc_allocation",
            entity_id=row.id,
            after={
                "company_prefix": company_prefix,
                "extension_digit": extension_digit,
                "start_ref": start,
                "count": count,
            },
        )
        codes = [gs1.Sscc.build(extension_digit, company_prefix, ref).value for ref in range(start, start + count)]
        return {
            "allocation_id": row.id,
            "company_prefix": company_prefix,
            "extension_digit": extension_digit,
            "sscc": codes,
        }


def allocation_view(row: SerialAllocation) -> dict[str, Any]:
    return {
        "id": row.id,
        "batch_id": row.batch_id,
        "gtin": row.gtin,
        "source": row.source,
        "count": row.count,
        "actor": row.actor,
        "created_at": row.created_at.isoformat(),
    }


def list_allocations(database: Database, batch_id: int) -> list[dict[str, Any]]:
    with database.read() as session:
        get_batch_row(session, batch_id)
        rows = session.scalars(
            select(SerialAllocation).where(SerialAllocation.batch_id == batch_id).order_by(SerialAllocation.id)
        ).all()
        return [allocation_view(r) for r in rows]


def get_allocation(database: Database, batch_id: int, allocation_id: int) -> dict[str, Any]:
    with database.read() as session:
        row = session.get(SerialAllocation, allocation_id)
        if row is None or row.batch_id != batch_id:
            raise NotFound(f"batch {batch_id} has no allocation {allocation_id}", field="allocation_id")
        return allocation_view(row)
