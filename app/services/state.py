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
from itertools import filterfalse
from operator import itemgetter
from typing import Any, cast
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Batch, BatchStatus, CodeState, Product, SsccAllocation, VoidedSerial
from app.services.bulk import insert_rows, member, update_rows
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


_UNKNOWN: Any = object()

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
_SELECT_STATE = tuple(getattr(CodeState, c) for c in STATE_COLUMNS)


@dataclass
class Context:
    """Per-capture caches and the pending state of the codes the events touch.

    Rule checks read code states through `states` (stored rows overlaid with the changes of the events
    applied since) and changes stay in memory until `flush` writes them in one go: new codes with one
    bulk insert, changed ones with one bulk update per set of changed columns. With `deferred` the
    caller flushes once per document (the capture does); otherwise `apply` flushes after every event.
    """

    products: dict[str, Product | None] = field(default_factory=dict)
    ssccs: dict[str, bool] = field(default_factory=dict)
    deferred: bool = False
    canon: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # None: known not to exist
    new: dict[str, None] = field(default_factory=dict)  # codes to insert, in order
    dirty: dict[str, frozenset[str]] = field(default_factory=dict)  # stored codes to update: changed columns
    # (epc, previous state, was new, changed columns) per change; ("", epcs, ...) for inserted codes
    undo: list[tuple[str, Any, bool, frozenset[str] | None]] = field(default_factory=list)
    sscc_ranges: dict[int, list[tuple[str, int, int]]] = field(default_factory=dict)
    ours: dict[str, bool] = field(default_factory=dict)  # code -> whether this service issued it
    lists: dict[int, tuple[Sequence[str], list[str]]] = field(default_factory=dict)  # id(list) -> (list, canonicals)

    def product(self, session: Session, gtin: str) -> Product | None:
        if gtin not in self.products:
            self.products[gtin] = session.scalar(select(Product).where(Product.gtin == gtin))
        return self.products[gtin]

    def is_ours(self, session: Session, epc: str) -> bool:
        """An SGTIN of one of our products, or an SSCC we allocated (judged once per code and capture)."""
        known = self.ours.get(epc)
        if known is None:
            known = self.ours[epc] = self._issued_here(session, epc)
        return known

    def are_ours(self, session: Session, epcs: Sequence[str]) -> list[bool]:
        """`is_ours` of each of `epcs`, in order (one C-level pass once the capture has judged them)."""
        ours, products, sgtin = self.ours, self.products, _SGTIN.match
        out = list(map(ours.get, epcs))
        if None in out:
            for i, known in enumerate(out):
                if known is None:
                    epc = epcs[i]
                    known = ours.get(epc)  # a code listed twice
                    if known is None:
                        # Inline for the common case (an SGTIN of a product already looked up): a list is long.
                        m = sgtin(epc)
                        if m is not None and (gtin := m.group(1)) in products:
                            known = products[gtin] is not None
                        else:
                            known = self._issued_here(session, epc)
                        ours[epc] = known
                    out[i] = known
        return cast(list[bool], out)

    def _issued_here(self, session: Session, epc: str) -> bool:
        if m := _SGTIN.match(epc):
            return self.product(session, m.group(1)) is not None
        if m := _SSCC.match(epc):
            return self.our_sscc(session, m.group(1))
        return False

    def our_sscc(self, session: Session, sscc: str) -> bool:
        if sscc not in self.ssccs:
            ext = int(sscc[0])
            if ext not in self.sscc_ranges:
                rows = session.scalars(select(SsccAllocation).where(SsccAllocation.extension_digit == ext))
                self.sscc_ranges[ext] = [(r.company_prefix, r.start_ref, r.start_ref + r.count) for r in rows]
            self.ssccs[sscc] = any(
                sscc[1 : 1 + len(prefix)] == prefix and start <= int(sscc[1 + len(prefix) : 17]) < end
                for prefix, start, end in self.sscc_ranges[ext]
            )
        return self.ssccs[sscc]

    def canonical(self, epc: str) -> str:
        """`eventstore.canonical`, computed once per distinct EPC of the capture."""
        key = self.canon.get(epc)
        if key is None:
            from app.services.eventstore import canonical

            key = self.canon[epc] = canonical(epc)
        return key

    def canonicals(self, epcs: Sequence[str]) -> list[str]:
        """`canonical` of each of `epcs`, in order (one C-level pass once the capture has seen them).

        The answer for one list object (an event's EPC list) is kept for the capture and shared by every
        caller: read it, never change it.
        """
        hit = self.lists.get(id(epcs))
        if hit is not None and hit[0] is epcs:
            return hit[1]
        memo = self.canon
        out = list(map(memo.get, epcs))
        if None in out:
            from app.services.eventstore import canonical

            for i, key in enumerate(out):
                if key is None:
                    epc = epcs[i]
                    out[i] = memo[epc] = canonical(epc)
        self.lists[id(epcs)] = (epcs, cast(list[str], out))
        return cast(list[str], out)

    def states(self, session: Session, epcs: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The current state (column -> value) of those of `epcs` that exist, pending changes included."""
        wanted = list(dict.fromkeys(epcs))
        self._load(session, wanted)
        values = list(map(self.codes.__getitem__, wanted))
        if None not in values:
            return dict(zip(wanted, cast(list[dict[str, Any]], values), strict=True))
        return {e: s for e, s in zip(wanted, values, strict=True) if s is not None}

    def _load(self, session: Session, epcs: Iterable[str]) -> None:
        """Read the stored state of those of `epcs` (distinct) not read yet; None for the codes that do not exist."""
        missing = list(filterfalse(self.codes.__contains__, epcs))
        if not missing:
            return
        found: dict[str, dict[str, Any] | None] = dict.fromkeys(missing)
        for i in range(0, len(missing), CHUNK):
            chunk = missing[i : i + CHUNK]
            for row in session.execute(select(*_SELECT_STATE).where(member(session, CodeState.epc, chunk))):
                found[row.epc] = dict(zip(STATE_COLUMNS, row, strict=True))
        self.codes.update(found)

    def prefetch(self, session: Session, events: Iterable[model.Event]) -> None:
        """Read the state of every code the events name at once, instead of event by event."""
        from app.services.eventstore import EPC_ROLES

        keys: set[str] = set()
        for event in events:
            for attr, _ in EPC_ROLES:
                keys.update(self.canonicals(getattr(event, attr, ())))
            if parent := getattr(event, "parent_id", None):
                keys.add(self.canonical(parent))
        self._load(session, keys)  # a membership test: the order of the keys does not matter

    def insert(self, rows: list[dict[str, Any]]) -> None:
        """New codes, every column given (the caller has read them through `states`: none exists)."""
        keys = [row["epc"] for row in rows]
        self.codes.update(zip(keys, rows, strict=True))
        self.new.update(dict.fromkeys(keys))
        self.undo.append(("", keys, False, None))

    def update(self, session: Session, epcs: list[str], values: dict[str, Any]) -> None:
        """Change `values` of the existing codes among `epcs`."""
        values = {**values, "updated_at": datetime.now(UTC)}
        changed = frozenset(values)
        codes, new, dirty, undo = self.codes, self.new, self.dirty, self.undo
        for epc, row in self.states(session, epcs).items():
            previous = dirty.get(epc)
            was_new = epc in new
            undo.append((epc, row, was_new, previous))
            codes[epc] = {**row, **values}
            if not was_new:
                dirty[epc] = changed | previous if previous else changed

    def done(self) -> None:
        """The current event's changes stand."""
        self.undo.clear()

    def discard(self) -> None:
        """Forget the current event's changes (an event rejected under `proceed`)."""
        for epc, row, was_new, dirty in reversed(self.undo):
            if not epc:  # an insert: the codes did not exist
                for key in row:
                    self.codes[key] = None
                    self.new.pop(key, None)
                continue
            self.codes[epc] = row
            if was_new:
                self.new[epc] = None
            else:
                self.new.pop(epc, None)
            if dirty is None:
                self.dirty.pop(epc, None)
            else:
                self.dirty[epc] = dirty
        self.undo.clear()

    def flush(self, session: Session) -> None:
        """Write the pending changes. Only between events: a written change can no longer be discarded."""
        if self.new:
            row = itemgetter(*STATE_COLUMNS)
            codes: dict[str, Any] = self.codes  # every new code has its full row
            rows = [row(codes[e]) for e in sorted(self.new)]  # in key order: the index grows faster
            insert_rows(session, "code_state", STATE_COLUMNS, rows)
        groups: dict[frozenset[str], list[str]] = {}
        for epc, columns in self.dirty.items():
            groups.setdefault(columns, []).append(epc)
        for columns, epcs in groups.items():
            names = sorted(columns)
            update_rows(session, "code_state", "epc", names, [(*_row(self.codes[e], names), e) for e in sorted(epcs)])
        self.new.clear()
        self.dirty.clear()
        self.undo.clear()
        if not self.deferred:
            self.codes.clear()


def _row(state: dict[str, Any] | None, columns: Sequence[str]) -> tuple[Any, ...]:
    assert state is not None
    return tuple(state[c] for c in columns)


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


def _ancestors(session: Session, ctx: Context, epc: str) -> list[str]:
    """`ancestors`, pending changes included."""
    chain: list[str] = []
    state = ctx.states(session, [epc]).get(epc)
    parent = state["parent"] if state else None
    while parent is not None and parent not in chain:
        chain.append(parent)
        state = ctx.states(session, [parent]).get(parent)
        parent = state["parent"] if state else None
    return chain


def _ilmd(event: model.Event, local: str) -> str | None:
    for ext in getattr(event, "ilmd", None) or ():
        if ext.name in (CBVMDA[0] + local, CBVMDA[1] + local):
            return ext.text
    return None


def _location(event: model.Event, ctx: Context) -> str | None:
    return ctx.canonical(event.biz_location.id) if event.biz_location else None


def apply(session: Session, event: model.Event, ctx: Context) -> None:
    """Check `event` against the rules and update the state of the codes it names (same transaction).

    Only the codes this service issued are held to the rules and tracked; a partner's codes in the
    same document pass through (the laxer partner profile). Changes are written at once unless
    `ctx.deferred` (then by `ctx.flush`).
    """
    if event.error_declaration is not None:
        return  # an event first recorded already declared in error is a record only; `declare_error` undoes
    try:
        _apply(session, event, ctx)
    except RuleViolation:
        ctx.discard()  # a rejected event leaves nothing pending
        raise
    if not ctx.deferred:
        ctx.flush(session)


def _apply(session: Session, event: model.Event, ctx: Context) -> None:
    if isinstance(event, model.ObjectEvent):
        epcs, where = _ours(session, ctx, ctx.canonicals(event.epc_list))
        if not epcs:
            return
        with _remapped("epcList", where):
            if event.action == "ADD":
                _commission(session, event, epcs, ctx)
            elif event.action == "DELETE":
                _decommission(session, event, epcs, ctx)
            elif event.biz_step == "shipping":
                _move(session, event, epcs, SHIPPED, ctx)
            elif event.biz_step in ("receiving", "accepting"):
                _move(session, event, epcs, RECEIVED, ctx)
            else:
                _observe(session, event, epcs, ctx)
    elif isinstance(event, model.AggregationEvent) and event.parent_id:
        parent = ctx.canonical(event.parent_id)
        children, where = _ours(session, ctx, ctx.canonicals(event.child_epcs))
        if not children and not ctx.is_ours(session, parent):
            return
        with _remapped("childEPCs", where):
            if event.action == "ADD":
                _pack(session, event, parent, children, ctx)
            elif event.action == "DELETE" and (children or not event.child_epcs):
                # Named children none of which is ours leave our state alone; no children means all of them.
                _unpack(session, parent, children, ctx, everything=not event.child_epcs)


def _ours(session: Session, ctx: Context, epcs: list[str]) -> tuple[list[str], list[int]]:
    """The codes this service issued, and their positions in the event's list."""
    flags = ctx.are_ours(session, epcs)
    if all(flags):
        return list(epcs), list(range(len(epcs)))
    where = [i for i, ours in enumerate(flags) if ours]
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

    states = ctx.states(session, epcs)
    if states:
        i, epc = next((i, e) for i, e in enumerate(epcs) if e in states)
        raise RuleViolation(f"{epc} is already commissioned (event {states[epc]['last_event_id']})", f"epcList[{i}]")
    first: dict[str, int] = {}
    for i, epc in enumerate(epcs):
        if first.setdefault(epc, i) != i:
            raise RuleViolation(f"{epc} is listed twice", f"epcList[{i}]")
    lot, expiry = _ilmd(event, "lotNumber"), _ilmd(event, "itemExpirationDate")
    by_batch: dict[int, list[int]] = {}
    rows: list[dict[str, Any]] = []
    batch_ids: dict[str, int | None] = {}  # by GTIN (the event names one lot); None: not one of our products
    location, now = _location(event, ctx), datetime.now(UTC)  # the same for every code of the event
    template: dict[str, Any] = {
        "epc": None,
        "kind": "other",
        "gtin": None,
        "serial": None,
        "batch_id": None,
        "status": COMMISSIONED,
        "disposition": event.disposition,
        "decommission_reason": None,
        "parent": None,
        "location": location,
        "owner": None,
        "last_event_id": event.event_id,
        "last_biz_step": event.biz_step,
        "updated_at": now,
    }
    for i, epc in enumerate(epcs):
        row = template.copy()
        row["epc"] = epc
        if m := _SGTIN.match(epc):
            gtin, serial = m.group(1, 2)
            row["kind"], row["gtin"], row["serial"] = "sgtin", gtin, unquote(serial) if "%" in serial else serial
            batch_id = batch_ids.get(gtin, _UNKNOWN)
            if batch_id is _UNKNOWN:
                batch_id = batch_ids[gtin] = _commissioned_batch(session, ctx, gtin, lot, expiry)
            if batch_id is not None:
                row["batch_id"] = batch_id
                by_batch.setdefault(batch_id, []).append(i)
        elif _SSCC.match(epc):
            row["kind"] = "sscc"  # a partner's SSCC too: tracked without the allocation rule
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
        # Most GTINs have no voided serial at all: one indexed probe saves matching every serial.
        any_voided = select(VoidedSerial.id).where(VoidedSerial.gtin == batch.gtin).limit(1)
        if session.scalar(any_voided) is not None:
            for k in range(0, len(serials), CHUNK):
                voided |= set(
                    session.scalars(
                        select(VoidedSerial.serial).where(
                            VoidedSerial.gtin == batch.gtin,
                            member(session, VoidedSerial.serial, serials[k : k + CHUNK]),
                        ),
                    )
                )
        if voided:
            i = next(i for i in indexes if rows[i]["serial"] in voided)
            raise RuleViolation(f"serial {rows[i]['serial']} was voided and can never be commissioned", f"epcList[{i}]")
    ctx.insert(rows)


def _commissioned_batch(session: Session, ctx: Context, gtin: str, lot: str | None, expiry: str | None) -> int | None:
    """The batch (id) the codes of `gtin` are commissioned into; None when `gtin` is not one of our products."""
    if ctx.product(session, gtin) is None:
        return None
    if lot is None:
        raise RuleViolation(f"commissioning GTIN {gtin} needs the lot in ILMD cbvmda:lotNumber", "ilmd.lotNumber")
    batch = session.scalar(select(Batch).where(Batch.gtin == gtin, Batch.lot == lot))
    if batch is None:
        raise RuleViolation(f"no batch with lot {lot} for GTIN {gtin}", "ilmd.lotNumber")
    if expiry is not None and _expiry_of(batch) != expiry:
        raise RuleViolation(
            f"ILMD expiry {expiry} does not match batch {batch.id} expiry {_expiry_of(batch)}",
            "ilmd.itemExpirationDate",
        )
    if batch.status is not BatchStatus.IN_PRODUCTION:
        # Packs join a batch only while it is packed: a closed batch is counted for QA, a released one is
        # reported (EU hub pack data), a recalled one is gone. QA can reopen a closed batch for rework.
        raise RuleViolation(
            f"batch {batch.id} (lot {batch.lot}) is {batch.status.value}: packs are commissioned only while "
            "it is in production",
            "ilmd.lotNumber",
        )
    return batch.id


def _expiry_of(batch: Batch) -> str:
    """The batch expiry as an ILMD date (YYYY-MM-DD); DD=00 compares as the month's last day."""
    return batch.expiry_date.isoformat()


def _require(states: dict[str, dict[str, Any]], epcs: list[str], name: str = "epcList") -> None:
    for i, epc in enumerate(epcs):
        state = states.get(epc)
        if state is None:
            raise RuleViolation(f"{epc} was never commissioned", f"{name}[{i}]")
        if state["status"] == DECOMMISSIONED:
            raise RuleViolation(f"{epc} is decommissioned ({state['decommission_reason']})", f"{name}[{i}]")


def _decommission(session: Session, event: model.ObjectEvent, epcs: list[str], ctx: Context) -> None:
    states = ctx.states(session, epcs)
    _require(states, epcs)
    reason = next((x.text for x in event.extensions if x.name == REASON_FIELD), None)
    reason = reason or DISPOSITION_REASON.get(event.disposition or "")
    if reason not in REASONS:
        allowed = ", ".join(sorted(REASONS))
        raise RuleViolation(
            f"decommissioning needs a reason: a disposition or {REASON_FIELD} of {allowed}", "disposition"
        )
    for i, epc in enumerate(epcs):
        if states[epc]["status"] == SHIPPED:
            raise RuleViolation(f"{epc} is in transit; receive it before decommissioning", f"epcList[{i}]")
    values = {
        "status": DECOMMISSIONED,
        "decommission_reason": reason,
        "disposition": event.disposition,
        "last_event_id": event.event_id,
        "last_biz_step": event.biz_step,
    }
    ctx.update(session, epcs, values)


def _move(session: Session, event: model.ObjectEvent, epcs: list[str], status: str, ctx: Context) -> None:
    states = ctx.states(session, epcs)
    _require(states, epcs)
    listed = set(epcs)
    for i, epc in enumerate(epcs):
        state = states[epc]
        if status == SHIPPED and state["status"] == SHIPPED:
            raise RuleViolation(f"{epc} is already shipped", f"epcList[{i}]")
        if status == SHIPPED and state["parent"] is not None and state["parent"] not in listed:
            raise RuleViolation(
                f"{epc} is packed in {state['parent']}; ship its parent or unpack it first", f"epcList[{i}]"
            )
    ctx.flush(session)  # the containment tree is read from the table: bring it up to date first
    inside = descendants(session, epcs)
    inside_states = ctx.states(session, inside)
    for epc in inside:
        if inside_states[epc]["status"] == DECOMMISSIONED:
            raise RuleViolation(f"{epc}, inside a shipped container, is decommissioned", "epcList")
    owner = next((d.value for d in event.destinations if d.type == "owning_party"), None)
    values: dict[str, object] = {"status": status, "last_event_id": event.event_id, "last_biz_step": event.biz_step}
    if event.disposition:
        values["disposition"] = event.disposition
    if status == RECEIVED:
        values["location"] = _location(event, ctx)
        if owner:
            values["owner"] = owner
    ctx.update(session, epcs + inside, values)


def _observe(session: Session, event: model.ObjectEvent, epcs: list[str], ctx: Context) -> None:
    states = ctx.states(session, epcs)
    known = [e for e in epcs if e in states]
    for i, epc in enumerate(epcs):
        if epc in states and states[epc]["status"] == DECOMMISSIONED:
            raise RuleViolation(f"{epc} is decommissioned ({states[epc]['decommission_reason']})", f"epcList[{i}]")
    values: dict[str, object] = {"last_event_id": event.event_id, "last_biz_step": event.biz_step}
    if event.disposition:
        values["disposition"] = event.disposition
    if event.biz_location:
        values["location"] = _location(event, ctx)
    if known:
        ctx.update(session, known, values)


def _pack(session: Session, event: model.AggregationEvent, parent: str, children: list[str], ctx: Context) -> None:
    m = _SSCC.match(parent)
    if children and not ctx.is_ours(session, parent):
        raise RuleViolation(f"parent {parent} is not an SSCC allocated here", "parentID")
    states = ctx.states(session, [parent, *children])
    if parent in states and states[parent]["status"] in (DECOMMISSIONED, SHIPPED):
        raise RuleViolation(f"parent {parent} is {states[parent]['status']}", "parentID")
    _require(states, children, "childEPCs")
    around = {parent, *_ancestors(session, ctx, parent)}
    for i, child in enumerate(children):
        state = states[child]
        if state["parent"] is not None and state["parent"] != parent:
            raise RuleViolation(f"{child} is already packed in {state['parent']}; unpack it first", f"childEPCs[{i}]")
        if state["status"] == SHIPPED:
            raise RuleViolation(f"{child} is in transit", f"childEPCs[{i}]")
        if child in around:
            raise RuleViolation(f"{child} cannot contain its own container", f"childEPCs[{i}]")
    if parent not in states:
        if not m:  # only an SSCC allocated here starts its life by being packed; a pack must be commissioned
            raise RuleViolation(f"parent {parent} has not been commissioned", "parentID")
        ctx.insert(
            [
                {
                    "epc": parent,
                    "kind": "sscc",
                    "gtin": None,
                    "serial": None,
                    "batch_id": None,
                    "status": COMMISSIONED,
                    "disposition": event.disposition,
                    "decommission_reason": None,
                    "parent": None,
                    "location": _location(event, ctx),
                    "owner": None,
                    "last_event_id": event.event_id,
                    "last_biz_step": event.biz_step,
                    "updated_at": datetime.now(UTC),
                }
            ]
        )
    ctx.update(session, children, {"parent": parent, "last_event_id": event.event_id, "last_biz_step": event.biz_step})


def _unpack(session: Session, parent: str, children: list[str], ctx: Context, *, everything: bool) -> None:
    if everything:
        ctx.flush(session)  # the contents are read from the table: bring it up to date first
        children = list(session.scalars(select(CodeState.epc).where(CodeState.parent == parent)))
    states = ctx.states(session, [parent, *children])
    if parent in states and states[parent]["status"] == SHIPPED:
        raise RuleViolation(f"parent {parent} is in transit; receive it before unpacking", "parentID")
    for i, child in enumerate(children):
        if child not in states or states[child]["parent"] != parent:
            raise RuleViolation(f"{child} is not packed in {parent}", f"childEPCs[{i}]")
    ctx.update(session, children, {"parent": None})


UNDO_WINDOW = timedelta(days=10)
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of the server a client's clock may be
FINAL_REASONS = frozenset({"destroyed", "stolen"})


def declare_error(session: Session, event: model.Event, ctx: Context) -> None:
    """An error declaration of a decommissioning undoes it, where EU FMD lets it be undone.

    Destroyed and stolen packs stay decommissioned; other reasons may be undone within ten days of
    the decommissioning, and only while nothing else has happened to the pack since.
    """
    if not (isinstance(event, model.ObjectEvent) and event.action == "DELETE"):
        return
    epcs, where = _ours(session, ctx, ctx.canonicals(event.epc_list))
    states = ctx.states(session, epcs)
    declared = event.error_declaration
    assert declared is not None
    now = datetime.now(UTC)
    if declared.declaration_time > now + CLOCK_SKEW:
        raise RuleViolation(
            f"declarationTime {declared.declaration_time.isoformat()} is in the future",
            "errorDeclaration.declarationTime",
        )
    for i, epc in zip(where, epcs, strict=True):
        state = states.get(epc)
        if state is None or state["status"] != DECOMMISSIONED or state["last_event_id"] != event.event_id:
            raise RuleViolation(
                f"{epc} is not in the state this decommissioning left it in; nothing to undo", f"epcList[{i}]"
            )
        if state["decommission_reason"] in FINAL_REASONS:
            raise RuleViolation(
                f"{epc} was decommissioned as {state['decommission_reason']}, which cannot be undone", f"epcList[{i}]"
            )
        batch = session.get(Batch, state["batch_id"]) if state["batch_id"] is not None else None
        if batch is not None and batch.status is BatchStatus.RECALLED:
            raise RuleViolation(
                f"{epc}: batch {batch.lot} is recalled; its packs stay out of the supply", f"epcList[{i}]"
            )
        if batch is not None and batch.expiry_date < now.date():
            raise RuleViolation(f"{epc}: batch {batch.lot} expired on {batch.expiry_date}", f"epcList[{i}]")
        # The window ends 10 days after the decommissioning by the server's clock: a declaration dated early but
        # captured late does not reopen it (the EU hub would refuse the undo and the two would disagree). A locked
        # pack may be unlocked at any time (EU FMD: Art. 13 and the hubs' status rules).
        if (
            state["decommission_reason"] != "locked"
            and max(now, declared.declaration_time) - event.event_time > UNDO_WINDOW
        ):
            raise RuleViolation(
                f"{epc}: the decommissioning of {event.event_time.date()} is more than 10 days old",
                "errorDeclaration.declarationTime",
            )
    values = {
        "status": COMMISSIONED,
        "decommission_reason": None,
        "disposition": "active",
        "last_event_id": event.event_id,
        "last_biz_step": "error_declaration",
    }
    ctx.update(session, epcs, values)
    if not ctx.deferred:
        ctx.flush(session)
