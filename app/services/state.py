"""Live state of every code, kept in step with the events, and the pharma rules a capture must obey.

Rules apply to the codes this service issued (SGTINs of its products, SSCCs it allocated). Codes of
other companies (a partner's document) are stored and tracked without the issuance rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import Batch, CodeState, Product, SsccAllocation, VoidedSerial
from app.services.bulk import insert_rows, member
from epcis import model

COMMISSIONED, SHIPPED, RECEIVED, DECOMMISSIONED = "commissioned", "shipped", "received", "decommissioned"
NS = "https://custody.dev/epcis/"
REASON_FIELD = "{" + NS + "}decommissionReason"
# The XML binding writes cbvmda as "urn:epcglobal:cbv:mda", the JSON-LD context as "urn:epcglobal:cbv:mda:".
CBVMDA = ("{urn:epcglobal:cbv:mda}", "{urn:epcglobal:cbv:mda:}")
# EU FMD / DSCSA reasons a pack leaves the supply chain; a CBV disposition maps where one exists.
REASONS = frozenset(
    {"destroyed", "stolen", "sample", "free_sample", "locked", "exported", "dispensed", "recalled", "expired"}
)
DISPOSITION_REASON = {
    "destroyed": "destroyed",
    "stolen": "stolen",
    "dispensed": "dispensed",
    "recalled": "recalled",
    "expired": "expired",
    "disposed": "destroyed",
}
_SGTIN = re.compile(r"https://id\.gs1\.org/01/(\d{14})/21/(.+)\Z")
_SSCC = re.compile(r"https://id\.gs1\.org/00/(\d{18})\Z")
CHUNK = 50_000


class RuleViolation(Exception):
    """An event breaks a rule; `field` names where (e.g. `epcList[3]`)."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


def _unquote(serial: str) -> str:
    from urllib.parse import unquote

    return unquote(serial)


@dataclass
class Context:
    """Per-capture caches: products by GTIN and whether SSCCs are ours."""

    products: dict[str, Product | None] = field(default_factory=dict)
    ssccs: dict[str, bool] = field(default_factory=dict)

    def product(self, session: Session, gtin: str) -> Product | None:
        if gtin not in self.products:
            self.products[gtin] = session.scalar(select(Product).where(Product.gtin == gtin))
        return self.products[gtin]

    def is_ours(self, session: Session, epc: str) -> bool:
        """An SGTIN of one of our products, or an SSCC we allocated."""
        if m := _SGTIN.match(epc):
            return self.product(session, m.group(1)) is not None
        if m := _SSCC.match(epc):
            return self.our_sscc(session, m.group(1))
        return False

    def our_sscc(self, session: Session, sscc: str) -> bool:
        if sscc not in self.ssccs:
            ext = int(sscc[0])
            rows = session.scalars(select(SsccAllocation).where(SsccAllocation.extension_digit == ext)).all()
            self.ssccs[sscc] = any(
                sscc[1 : 1 + len(r.company_prefix)] == r.company_prefix
                and r.start_ref <= int(sscc[1 + len(r.company_prefix) : 17]) < r.start_ref + r.count
                for r in rows
            )
        return self.ssccs[sscc]


_STATE_COLUMNS = (
    CodeState.epc,
    CodeState.status,
    CodeState.parent,
    CodeState.decommission_reason,
    CodeState.last_event_id,
)


def _states(session: Session, epcs: Iterable[str]) -> dict[str, Any]:
    """Current status, parent and reason of the given codes (plain rows: no ORM objects to track)."""
    keys = list(dict.fromkeys(epcs))
    out: dict[str, Any] = {}
    for i in range(0, len(keys), CHUNK):
        for row in session.execute(select(*_STATE_COLUMNS).where(member(session, CodeState.epc, keys[i : i + CHUNK]))):
            out[row.epc] = row
    return out


def descendants(session: Session, roots: Sequence[str]) -> list[str]:
    """Every code inside `roots`, at any depth (breadth first)."""
    found: list[str] = []
    frontier = list(roots)
    seen = set(roots)
    while frontier:
        nxt: list[str] = []
        for i in range(0, len(frontier), CHUNK):
            for epc in session.scalars(
                select(CodeState.epc).where(member(session, CodeState.parent, frontier[i : i + CHUNK]))
            ):
                if epc not in seen:
                    seen.add(epc)
                    nxt.append(epc)
        found += nxt
        frontier = nxt
    return found


def ancestors(session: Session, epc: str) -> list[str]:
    """The containers of `epc`, innermost first."""
    chain: list[str] = []
    parent = session.scalar(select(CodeState.parent).where(CodeState.epc == epc))
    while parent is not None and parent not in chain:
        chain.append(parent)
        parent = session.scalar(select(CodeState.parent).where(CodeState.epc == parent))
    return chain


def _ilmd(event: model.Event, local: str) -> str | None:
    for ext in getattr(event, "ilmd", None) or ():
        if ext.name in (CBVMDA[0] + local, CBVMDA[1] + local):
            return ext.text
    return None


def _location(event: model.Event) -> str | None:
    from app.services.eventstore import canonical

    return canonical(event.biz_location.id) if event.biz_location else None


def apply(session: Session, event: model.Event, ctx: Context) -> None:
    """Check `event` against the rules and update the state of the codes it names (same transaction).

    Only the codes this service issued are held to the rules and tracked; a partner's codes in the
    same document pass through (the laxer partner profile).
    """
    from app.services.eventstore import canonical

    if isinstance(event, model.ObjectEvent):
        epcs, where = _ours(session, ctx, [canonical(e) for e in event.epc_list])
        if not epcs:
            return
        with _remapped("epcList", where):
            if event.action == "ADD":
                _commission(session, event, epcs, ctx)
            elif event.action == "DELETE":
                _decommission(session, event, epcs)
            elif event.biz_step == "shipping":
                _move(session, event, epcs, SHIPPED)
            elif event.biz_step in ("receiving", "accepting"):
                _move(session, event, epcs, RECEIVED)
            else:
                _observe(session, event, epcs)
    elif isinstance(event, model.AggregationEvent) and event.parent_id:
        parent = canonical(event.parent_id)
        children, where = _ours(session, ctx, [canonical(e) for e in event.child_epcs])
        if not children and not ctx.is_ours(session, parent):
            return
        with _remapped("childEPCs", where):
            if event.action == "ADD":
                _pack(session, event, parent, children, ctx)
            elif event.action == "DELETE":
                _unpack(session, parent, children if event.child_epcs else [])


def _ours(session: Session, ctx: Context, epcs: list[str]) -> tuple[list[str], list[int]]:
    """The codes this service issued, and their positions in the event's list."""
    where = [i for i, epc in enumerate(epcs) if ctx.is_ours(session, epc)]
    return [epcs[i] for i in where], where


@contextmanager
def _remapped(name: str, where: list[int]) -> Iterator[None]:
    """Report rule violations at the code's position in the event, not in the filtered list."""
    try:
        yield
    except RuleViolation as exc:
        match = re.fullmatch(rf"{name}\[(\d+)\]", exc.field or "")
        if match:
            exc.field = f"{name}[{where[int(match.group(1))]}]"
        raise


def _commission(session: Session, event: model.ObjectEvent, epcs: list[str], ctx: Context) -> None:
    from app.services.serials import not_issued_to_batch

    states = _states(session, epcs)
    for i, epc in enumerate(epcs):
        if epc in states:
            raise RuleViolation(f"{epc} is already commissioned (event {states[epc].last_event_id})", f"epcList[{i}]")
    lot, expiry = _ilmd(event, "lotNumber"), _ilmd(event, "itemExpirationDate")
    by_batch: dict[int, list[int]] = {}
    rows: list[dict[str, Any]] = []
    batches: dict[str, Batch | None] = {}
    location, now = _location(event), datetime.now(UTC)  # the same for every code of the event
    for i, epc in enumerate(epcs):
        row: dict[str, Any] = {
            "epc": epc,
            "kind": "other",
            "gtin": None,
            "serial": None,
            "batch_id": None,
            "status": COMMISSIONED,
            "disposition": event.disposition,
            "parent": None,
            "location": location,
            "last_event_id": event.event_id,
            "last_biz_step": event.biz_step,
            "updated_at": now,
        }
        if m := _SGTIN.match(epc):
            gtin, serial = m.group(1), _unquote(m.group(2))
            row.update(kind="sgtin", gtin=gtin, serial=serial)
            if ctx.product(session, gtin) is not None:
                if lot is None:
                    raise RuleViolation(
                        f"commissioning GTIN {gtin} needs the lot in ILMD cbvmda:lotNumber", "ilmd.lotNumber"
                    )
                key = f"{gtin}/{lot}"
                if key not in batches:
                    batches[key] = session.scalar(select(Batch).where(Batch.gtin == gtin, Batch.lot == lot))
                batch = batches[key]
                if batch is None:
                    raise RuleViolation(f"no batch with lot {lot} for GTIN {gtin}", "ilmd.lotNumber")
                if expiry is not None and _expiry_of(batch) != expiry:
                    raise RuleViolation(
                        f"ILMD expiry {expiry} does not match batch {batch.id} expiry {_expiry_of(batch)}",
                        "ilmd.itemExpirationDate",
                    )
                row["batch_id"] = batch.id
                by_batch.setdefault(batch.id, []).append(i)
        elif m := _SSCC.match(epc):
            row.update(kind="sscc")
            if not ctx.our_sscc(session, m.group(1)):
                pass  # a partner's SSCC: tracked without the allocation rule
        rows.append(row)
    for batch_id, indexes in by_batch.items():
        batch = session.get(Batch, batch_id)
        assert batch is not None
        serials: list[str] = [rows[i]["serial"] for i in indexes]
        bad = not_issued_to_batch(session, batch, serials)
        if bad:
            i = indexes[bad[0]]
            raise RuleViolation(
                f"serial {rows[i]['serial']} was not issued to batch {batch.id} (lot {batch.lot})", f"epcList[{i}]"
            )
        voided: set[str] = set()
        for k in range(0, len(serials), CHUNK):
            voided |= set(
                session.scalars(
                    select(VoidedSerial.serial).where(
                        VoidedSerial.gtin == batch.gtin, member(session, VoidedSerial.serial, serials[k : k + CHUNK])
                    ),
                )
            )
        if voided:
            i = next(i for i in indexes if rows[i]["serial"] in voided)
            raise RuleViolation(f"serial {rows[i]['serial']} was voided and can never be commissioned", f"epcList[{i}]")
    if rows:
        _insert_states(session, rows)


def _expiry_of(batch: Batch) -> str:
    """The batch expiry as an ILMD date (YYYY-MM-DD); DD=00 compares as the month's last day."""
    return batch.expiry_date.isoformat()


def _require(states: dict[str, Any], epcs: list[str], name: str = "epcList") -> None:
    for i, epc in enumerate(epcs):
        state = states.get(epc)
        if state is None:
            raise RuleViolation(f"{epc} was never commissioned", f"{name}[{i}]")
        if state.status == DECOMMISSIONED:
            raise RuleViolation(f"{epc} is decommissioned ({state.decommission_reason})", f"{name}[{i}]")


def _decommission(session: Session, event: model.ObjectEvent, epcs: list[str]) -> None:
    states = _states(session, epcs)
    _require(states, epcs)
    reason = next((x.text for x in event.extensions if x.name == REASON_FIELD), None)
    reason = reason or DISPOSITION_REASON.get(event.disposition or "")
    if reason not in REASONS:
        allowed = ", ".join(sorted(REASONS))
        raise RuleViolation(
            f"decommissioning needs a reason: a disposition or {REASON_FIELD} of {allowed}", "disposition"
        )
    for i, epc in enumerate(epcs):
        if states[epc].status == SHIPPED:
            raise RuleViolation(f"{epc} is in transit; receive it before decommissioning", f"epcList[{i}]")
    _set(
        session,
        epcs,
        status=DECOMMISSIONED,
        decommission_reason=reason,
        disposition=event.disposition,
        last_event_id=event.event_id,
        last_biz_step=event.biz_step,
    )


def _move(session: Session, event: model.ObjectEvent, epcs: list[str], status: str) -> None:
    states = _states(session, epcs)
    _require(states, epcs)
    listed = set(epcs)
    for i, epc in enumerate(epcs):
        state = states[epc]
        if status == SHIPPED and state.status == SHIPPED:
            raise RuleViolation(f"{epc} is already shipped", f"epcList[{i}]")
        if status == SHIPPED and state.parent is not None and state.parent not in listed:
            raise RuleViolation(
                f"{epc} is packed in {state.parent}; ship its parent or unpack it first", f"epcList[{i}]"
            )
    inside = descendants(session, epcs)
    inside_states = _states(session, inside)
    for epc in inside:
        if inside_states[epc].status == DECOMMISSIONED:
            raise RuleViolation(f"{epc}, inside a shipped container, is decommissioned", "epcList")
    owner = next((d.value for d in event.destinations if d.type == "owning_party"), None)
    values: dict[str, object] = {"status": status, "last_event_id": event.event_id, "last_biz_step": event.biz_step}
    if event.disposition:
        values["disposition"] = event.disposition
    if status == RECEIVED:
        values["location"] = _location(event)
        if owner:
            values["owner"] = owner
    _set(session, epcs + inside, **values)


def _observe(session: Session, event: model.ObjectEvent, epcs: list[str]) -> None:
    states = _states(session, epcs)
    known = [e for e in epcs if e in states]
    for i, epc in enumerate(epcs):
        if epc in states and states[epc].status == DECOMMISSIONED:
            raise RuleViolation(f"{epc} is decommissioned ({states[epc].decommission_reason})", f"epcList[{i}]")
    values: dict[str, object] = {"last_event_id": event.event_id, "last_biz_step": event.biz_step}
    if event.disposition:
        values["disposition"] = event.disposition
    if event.biz_location:
        values["location"] = _location(event)
    if known:
        _set(session, known, **values)


def _pack(session: Session, event: model.AggregationEvent, parent: str, children: list[str], ctx: Context) -> None:
    m = _SSCC.match(parent)
    if children and not ctx.is_ours(session, parent):
        raise RuleViolation(f"parent {parent} is not an SSCC allocated here", "parentID")
    states = _states(session, [parent, *children])
    if parent in states and states[parent].status in (DECOMMISSIONED, SHIPPED):
        raise RuleViolation(f"parent {parent} is {states[parent].status}", "parentID")
    _require(states, children, "childEPCs")
    around = {parent, *ancestors(session, parent)}
    for i, child in enumerate(children):
        state = states[child]
        if state.parent is not None and state.parent != parent:
            raise RuleViolation(f"{child} is already packed in {state.parent}; unpack it first", f"childEPCs[{i}]")
        if state.status == SHIPPED:
            raise RuleViolation(f"{child} is in transit", f"childEPCs[{i}]")
        if child in around:
            raise RuleViolation(f"{child} cannot contain its own container", f"childEPCs[{i}]")
    if parent not in states:
        kind = "sscc" if m else "sgtin" if _SGTIN.match(parent) else "other"
        _insert_states(
            session,
            [
                {
                    "epc": parent,
                    "kind": kind,
                    "status": COMMISSIONED,
                    "disposition": event.disposition,
                    "location": _location(event),
                    "last_event_id": event.event_id,
                    "last_biz_step": event.biz_step,
                    "updated_at": datetime.now(UTC),
                }
            ],
        )
    _set(session, children, parent=parent, last_event_id=event.event_id, last_biz_step=event.biz_step)


def _unpack(session: Session, parent: str, children: list[str]) -> None:
    if not children:
        children = list(session.scalars(select(CodeState.epc).where(CodeState.parent == parent)))
    states = _states(session, children)
    for i, child in enumerate(children):
        if child not in states or states[child].parent != parent:
            raise RuleViolation(f"{child} is not packed in {parent}", f"childEPCs[{i}]")
    _set(session, children, parent=None)


def _set(session: Session, epcs: list[str], **values: object) -> None:
    values["updated_at"] = datetime.now(UTC)
    for i in range(0, len(epcs), CHUNK):
        session.execute(
            update(CodeState)
            .where(member(session, CodeState.epc, epcs[i : i + CHUNK]))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


STATE_COLUMNS = (
    "epc",
    "kind",
    "gtin",
    "serial",
    "batch_id",
    "status",
    "disposition",
    "decommission_reason",
    "parent",
    "location",
    "owner",
    "last_event_id",
    "last_biz_step",
    "updated_at",
)


def _insert_states(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_rows(session, "code_state", STATE_COLUMNS, [tuple(r.get(c) for c in STATE_COLUMNS) for r in rows])


UNDO_WINDOW = timedelta(days=10)
FINAL_REASONS = frozenset({"destroyed", "stolen"})


def declare_error(session: Session, event: model.Event, ctx: Context) -> None:
    """An error declaration of a decommissioning undoes it, where EU FMD lets it be undone.

    Destroyed and stolen packs stay decommissioned; other reasons may be undone within ten days of
    the decommissioning, and only while nothing else has happened to the pack since.
    """
    from app.services.eventstore import canonical

    if not (isinstance(event, model.ObjectEvent) and event.action == "DELETE"):
        return
    epcs, where = _ours(session, ctx, [canonical(e) for e in event.epc_list])
    states = _states(session, epcs)
    declared = event.error_declaration
    assert declared is not None
    for i, epc in zip(where, epcs, strict=True):
        state = states.get(epc)
        if state is None or state.status != DECOMMISSIONED or state.last_event_id != event.event_id:
            raise RuleViolation(
                f"{epc} is not in the state this decommissioning left it in; nothing to undo", f"epcList[{i}]"
            )
        if state.decommission_reason in FINAL_REASONS:
            raise RuleViolation(
                f"{epc} was decommissioned as {state.decommission_reason}, which cannot be undone", f"epcList[{i}]"
            )
        if declared.declaration_time - event.event_time > UNDO_WINDOW:
            raise RuleViolation(
                f"{epc}: the decommissioning of {event.event_time.date()} is more than 10 days old",
                "errorDeclaration.declarationTime",
            )
    _set(
        session,
        epcs,
        status=COMMISSIONED,
        decommission_reason=None,
        disposition="active",
        last_event_id=event.event_id,
        last_biz_step="error_declaration",
    )
