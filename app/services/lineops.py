"""Line operations in compact JSON turned into proper EPCIS events and captured through the same path:
commission, decommission (rejects, destroyed, samples), pack and unpack."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import Database
from app.models import Batch, Location, LocationKind, Role
from app.schemas import LineEvents, LineOperation
from app.services import capture, eventstore, state
from app.services.batches import check_line_scope
from app.services.identifiers import check_x20
from app.services.logistics_common import batches, states
from app.services.security import Principal
from app.services.serials import not_issued_to_batch
from app.services.state import DISPOSITION_REASON, REASON_FIELD
from app.services.trace import resolve
from epcis import model
from epcis.jsonld import EPCIS_CONTEXT

DISPOSITION_FOR = {v: k for k, v in DISPOSITION_REASON.items() if k != "disposed"}


def _sgtin(batch: Batch, serial: str) -> model.Epc:
    return model.Epc(eventstore.sgtin_key(batch.gtin, serial))


def _sgln(gln: str, extension: str) -> model.Location:
    uri = f"https://id.gs1.org/414/{gln}" + (f"/254/{quote(extension, safe='')}" if extension else "")
    return model.Location(id=model.Epc(uri))


def build_events(database: Database, actor: Principal, gln: str, data: LineEvents) -> list[model.Event]:
    """EPCIS events for the operations, with readPoint = the line and bizLocation = the batch's site."""
    if actor.role is Role.LINE and actor.scope_gln is not None and actor.scope_gln != gln:
        raise Forbidden(f"this token is scoped to line {actor.scope_gln}", field="gln")
    now = datetime.now(UTC)
    events: list[model.Event] = []
    with database.read() as session:
        line = session.scalar(select(Location).where(Location.gln == gln, Location.kind == LocationKind.LINE))
        if line is None:
            raise NotFound(f"no line location with GLN {gln}; create it under /api/v1/locations", field="gln")
        read_point = _sgln(line.gln, line.extension)
        batches: dict[int, Batch] = {}

        def batch_of(op: LineOperation, index: int) -> Batch:
            if op.batch_id is None:
                raise ValidationFailed(f"{op.op} needs batch_id", field=f"operations[{index}].batch_id")
            if op.batch_id not in batches:
                found = session.get(Batch, op.batch_id)
                if found is None:
                    raise NotFound(f"no batch with id {op.batch_id}", field=f"operations[{index}].batch_id")
                check_line_scope(actor, found)
                batches[op.batch_id] = found
            return batches[op.batch_id]

        for index, op in enumerate(data.operations):
            common: dict[str, Any] = {
                "event_time": now,
                "event_time_zone_offset": "+00:00",
                "read_point": read_point,
            }
            if op.op == "undo_decommission":
                event = _declaration(session, op, index, now)
                _check_codes_scope(session, actor, [str(e) for e in getattr(event, "epc_list", ())], index)
                events.append(event)
                continue
            if op.op in ("commission", "decommission"):
                batch = batch_of(op, index)
                if not op.serials:
                    raise ValidationFailed(f"{op.op} needs serials", field=f"operations[{index}].serials")
                if op.op == "decommission" and op.reason is None:
                    raise ValidationFailed("decommission needs a reason", field=f"operations[{index}].reason")
                common["biz_location"] = _sgln(batch.site_gln or line.gln, "")
                epcs = _batch_serials(session, batch, op.serials, index)
                if op.op == "commission":
                    ilmd = [
                        model.Extension(name="{urn:epcglobal:cbv:mda:}lotNumber", text=batch.lot),
                        model.Extension(
                            name="{urn:epcglobal:cbv:mda:}itemExpirationDate", text=batch.expiry_date.isoformat()
                        ),
                    ]
                    events.append(
                        model.ObjectEvent(
                            action="ADD",
                            epc_list=epcs,
                            biz_step="commissioning",
                            disposition="active",
                            ilmd=ilmd,
                            **common,
                        )
                    )
                else:
                    assert op.reason is not None
                    extensions = [model.Extension(name=REASON_FIELD, text=op.reason)]
                    events.append(
                        model.ObjectEvent(
                            action="DELETE",
                            epc_list=epcs,
                            biz_step="decommissioning",
                            disposition=DISPOSITION_FOR.get(op.reason, "inactive"),
                            extensions=extensions,
                            **common,
                        )
                    )
            else:
                if op.parent is None:
                    raise ValidationFailed(f"{op.op} needs parent", field=f"operations[{index}].parent")
                parent = model.Epc(_code(op.parent, f"operations[{index}].parent"))
                if op.batch_id is not None:
                    batch = batch_of(op, index)
                    children = _batch_serials(session, batch, op.serials, index)
                elif op.serials:
                    raise ValidationFailed(f"{op.op} of serials needs batch_id", field=f"operations[{index}].batch_id")
                else:
                    children = []
                children += [
                    model.Epc(_code(c, f"operations[{index}].children[{i}]")) for i, c in enumerate(op.children)
                ]
                if op.op == "pack" and not children:
                    raise ValidationFailed("pack needs children", field=f"operations[{index}].children")
                _check_codes_scope(session, actor, [parent, *children], index)
                common["biz_location"] = _sgln(line.gln, "")
                events.append(
                    model.AggregationEvent(
                        action="ADD" if op.op == "pack" else "DELETE",
                        parent_id=parent,
                        child_epcs=children,
                        biz_step="packing" if op.op == "pack" else "unpacking",
                        **common,
                    )
                )
    return events


def _check_codes_scope(session: Session, actor: Principal, codes: list[str], index: int) -> None:
    """A token scoped to one line acts only on the packs of that line's batches (containers included)."""
    if actor.role is not Role.LINE or actor.scope_gln is None or not codes:
        return
    keys = [eventstore.canonical(c) for c in codes]
    rows = list(states(session, keys + state.descendants(session, keys)).values())  # a pallet's packs too
    for _, batch in sorted(batches(session, rows).items()):
        try:
            check_line_scope(actor, batch)
        except Forbidden as exc:
            raise Forbidden(exc.detail, field=f"operations[{index}]") from None


def _batch_serials(session: Session, batch: Batch, serials: list[str], index: int) -> list[model.Epc]:
    """The packs of `batch` with these serials; a malformed serial or one issued to another batch is refused
    (naming the batch is how the line says which packs it means)."""
    for i, serial in enumerate(serials):
        check_x20("21", serial, field=f"operations[{index}].serials[{i}]")
    bad = not_issued_to_batch(session, batch, serials)
    if bad:
        raise ValidationFailed(
            f"serial {serials[bad[0]]} was not issued to batch {batch.id} (lot {batch.lot})",
            field=f"operations[{index}].serials[{bad[0]}]",
        )
    return [_sgtin(batch, s) for s in serials]


def _code(text: str, field: str) -> str:
    bare = text.strip()
    if bare.isdigit() and len(bare) == 18:
        bare = f"(00){bare}"
    try:
        return resolve(bare)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, field=field) from None


def run(database: Database, actor: Principal, gln: str, data: LineEvents) -> dict[str, Any]:
    """Build and capture the events (all or nothing); the answer is the capture job with the event IDs."""
    events = build_events(database, actor, gln, data)
    job = capture.capture(database, actor, model.Document(events=events), "rollback", keep_failed_job=False)
    if not job["success"]:
        first = job["errors"][0]
        index = first["eventIndex"]
        where = first["instance"].split(".", 1)[1] if "." in first["instance"] else ""
        raise ValidationFailed(
            first["detail"], field=f"operations[{index}]" + _input_field(data.operations[index], where)
        )
    job["eventIDs"] = [e.event_id for e in events]
    return job


_EVENT_FIELD = re.compile(r"(epcList|childEPCs)\[(\d+)\]\Z")


def _input_field(op: LineOperation, where: str) -> str:
    """The operation's own field behind a field of the event built from it (`epcList[2]` -> `.serials[2]`)."""
    if where == "parentID":
        return ".parent"
    if where.startswith("ilmd."):
        return ".batch_id"  # lot and expiry come from the batch
    m = _EVENT_FIELD.match(where)
    if m is None:
        return f".{where}" if where else ""
    position = int(m.group(2))
    if op.op == "undo_decommission":
        return ".event_id"
    if position < len(op.serials) and (op.batch_id is not None or m.group(1) == "epcList"):
        return f".serials[{position}]"
    return f".children[{position - len(op.serials)}]"


def _declaration(session: Session, op: LineOperation, index: int, now: datetime) -> model.Event:
    """The stored decommissioning event repeated with an error declaration: EPCIS's way to undo it."""
    from epcis.jsonld import parse_jsonld

    if op.event_id is None:
        raise ValidationFailed(
            "undo_decommission needs the event_id of the decommissioning", field=f"operations[{index}].event_id"
        )
    row = eventstore.find(session, op.event_id)
    if row is None or (row.event_type, row.action, row.biz_step) != ("ObjectEvent", "DELETE", "decommissioning"):
        raise NotFound(f"no decommissioning event {op.event_id}", field=f"operations[{index}].event_id")
    body = {k: v for k, v in row.body.items() if k not in ("@context", "recordTime")}
    context = row.body.get("@context") or []
    document = {
        "@context": [EPCIS_CONTEXT, *context],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": model.format_time(now),
        "epcisBody": {"eventList": [body]},
    }
    [event] = parse_jsonld(json.dumps(document)).events
    event.error_declaration = model.ErrorDeclaration(declaration_time=now, reason="incorrect_data")
    return event
