"""Batch use cases: create a micro-batch, read and list, and move it through its checked status machine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.extensions import Database
from app.models import Batch, BatchStatus, Product, Role
from app.schemas import BatchIn, BatchTransitionIn
from app.services import audit
from app.services.common import Page, paginate, snapshot
from app.services.identifiers import check_x20, parse_expiry, parse_gln, parse_gtin
from app.services.security import Principal

BATCH_FIELDS = [
    "id",
    "gtin",
    "lot",
    "expiry",
    "expiry_date",
    "quantity",
    "site_gln",
    "line_gln",
    "destination_gln",
    "market",
    "order_ref",
    "patient_ref",
    "status",
    "issued_count",
    "voided_count",
]

# Allowed status changes and the roles that may make each (admin may make all).
TRANSITIONS: dict[tuple[BatchStatus, BatchStatus], tuple[Role, ...]] = {
    (BatchStatus.PLANNED, BatchStatus.IN_PRODUCTION): (Role.ERP, Role.LINE),
    (BatchStatus.IN_PRODUCTION, BatchStatus.CLOSED): (Role.ERP, Role.LINE, Role.QA),
    (BatchStatus.CLOSED, BatchStatus.IN_PRODUCTION): (Role.QA,),
    (BatchStatus.CLOSED, BatchStatus.RELEASED): (Role.QA,),
    (BatchStatus.CLOSED, BatchStatus.RECALLED): (Role.QA,),
    (BatchStatus.RELEASED, BatchStatus.RECALLED): (Role.QA,),
}


def batch_view(b: Batch) -> dict[str, Any]:
    out = snapshot(b, BATCH_FIELDS)
    out["created_at"] = b.created_at.isoformat()
    out["updated_at"] = b.updated_at.isoformat()
    return out


def get_batch_row(session: Session, batch_id: int, *, lock: bool = False) -> Batch:
    query = select(Batch).where(Batch.id == batch_id)
    if lock:
        query = query.with_for_update(of=Batch)
    batch = session.scalar(query)
    if batch is None:
        raise NotFound(f"no batch with id {batch_id}", field="batch_id")
    return batch


def check_line_scope(actor: Principal, batch: Batch) -> None:
    """A line token scoped to one line location may only act on that line's batches."""
    if actor.role is Role.LINE and actor.scope_gln is not None and batch.line_gln != actor.scope_gln:
        raise Forbidden(
            f"this token is scoped to line {actor.scope_gln}; batch {batch.id} runs on {batch.line_gln or 'no line'}"
        )


def create_batch(database: Database, actor: Principal, data: BatchIn) -> dict[str, Any]:
    gtin = parse_gtin(data.gtin)
    lot = check_x20("10", data.lot, field="lot")
    expiry, expiry_date = parse_expiry(data.expiry)
    glns = {
        name: parse_gln(getattr(data, name), field=name)
        for name in ("site_gln", "line_gln", "destination_gln")
        if getattr(data, name) is not None
    }
    if actor.role is Role.LINE and actor.scope_gln is not None and glns.get("line_gln") != actor.scope_gln:
        raise Forbidden(f"this token is scoped to line {actor.scope_gln}", field="line_gln")
    with database.write() as session:
        product = session.scalar(select(Product).where(Product.gtin == gtin))
        if product is None:
            raise ValidationFailed(f"no product with GTIN {gtin}; create the product first", field="gtin")
        if session.scalar(select(Batch.id).where(Batch.gtin == gtin, Batch.lot == lot)) is not None:
            raise Conflict(f"lot {lot} already exists for GTIN {gtin}", field="lot")
        if data.market is not None and product.target_markets and data.market not in product.target_markets:
            raise ValidationFailed(
                f"market {data.market} is not a target market of GTIN {gtin} ({', '.join(product.target_markets)})",
                field="market",
            )
        batch = Batch(
            product=product,
            product_id=product.id,
            gtin=gtin,
            lot=lot,
            expiry=expiry,
            expiry_date=expiry_date,
            quantity=data.quantity,
            market=data.market,
            order_ref=data.order_ref,
            patient_ref=data.patient_ref,
            status=BatchStatus.PLANNED,
            issued_count=0,
            voided_count=0,
            **glns,
        )
        session.add(batch)
        session.flush()
        view = batch_view(batch)
        audit.record(session, actor=actor.name, action="batch.create", entity="batch", entity_id=batch.id, after=view)
        return view


def get_batch(database: Database, batch_id: int) -> dict[str, Any]:
    with database.read() as session:
        return batch_view(get_batch_row(session, batch_id))


def check_visible(database: Database, actor: Principal, batch_id: int) -> None:
    """A token scoped to one line sees only that line's batches (404 for a batch that does not exist)."""
    if actor.role is Role.LINE and actor.scope_gln is not None:
        with database.read() as session:
            check_line_scope(actor, get_batch_row(session, batch_id))


def list_batches(
    database: Database,
    page: Page,
    *,
    gtin: str | None = None,
    status: str | None = None,
    actor: Principal | None = None,
) -> tuple[list[dict[str, Any]], int]:
    query = select(Batch).order_by(Batch.id.desc())
    if actor is not None and actor.role is Role.LINE and actor.scope_gln is not None:
        query = query.where(Batch.line_gln == actor.scope_gln)  # a line's token sees its line's batches
    if gtin:
        query = query.where(Batch.gtin == parse_gtin(gtin))
    if status:
        try:
            query = query.where(Batch.status == BatchStatus(status))
        except ValueError:
            allowed = ", ".join(s.value for s in BatchStatus)
            raise ValidationFailed(f"unknown status '{status}'; expected one of: {allowed}", field="status") from None
    with database.read() as session:
        rows, total = paginate(session, query, page)
        return [batch_view(b) for b in rows], total


def transition(session: Session, actor: Principal, batch: Batch, target: BatchStatus, reason: str | None) -> None:
    """Move `batch` to `target` inside the caller's transaction, checking the machine and the role."""
    roles = TRANSITIONS.get((batch.status, target))
    if roles is None:
        allowed = sorted(t.value for (s, t) in TRANSITIONS if s is batch.status)
        raise InvalidTransition(
            f"batch {batch.id} is {batch.status.value}; it can move to: {', '.join(allowed) or 'nothing'}",
            field="status",
        )
    actor.require(*roles)
    from app.services import reporting  # the channels import this module's views

    previous = batch.status
    before = previous.value
    batch.status = target
    audit.record(
        session,
        actor=actor.name,
        action="batch.status",
        entity="batch",
        entity_id=batch.id,
        before={"status": before},
        after={"status": target.value},
        reason=reason,
    )
    reporting.on_batch_status(session, actor, batch, previous)


def change_status(database: Database, actor: Principal, batch_id: int, data: BatchTransitionIn) -> dict[str, Any]:
    target = BatchStatus(data.status)
    if target is BatchStatus.RECALLED and not data.reason:
        raise ValidationFailed("a recall needs a reason", field="reason")
    with database.write() as session:
        batch = get_batch_row(session, batch_id, lock=True)
        check_line_scope(actor, batch)
        transition(session, actor, batch, target, data.reason)
        session.flush()
        return batch_view(batch)
