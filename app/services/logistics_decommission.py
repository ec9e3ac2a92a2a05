"""Decommissioning a scanned unit at one of our locations, with the reason and, where it is final, a signature.

A case or pallet is decommissioned with everything still active inside it. Destroyed, stolen and recalled
take the pack out of the supply chain for good; they need an electronic signature (the password again and
a reason, checked by the web layer), kept in the audit entry written in the event's transaction.
"""

from __future__ import annotations

from typing import Any

from app.errors import ValidationFailed
from app.extensions import Database
from app.models import CodeState
from app.services import audit, logistics_capture, state
from app.services.lineops import DISPOSITION_FOR
from app.services.logistics_common import contents, label, own_location, read_scan, unknown
from app.services.security import Principal
from epcis import model

SIGNED_REASONS = frozenset({"destroyed", "stolen", "recalled"})
REASONS = tuple(sorted(state.REASONS))


def decommission(
    database: Database,
    actor: Principal,
    *,
    code: str,
    reason: str,
    location_id: int | None,
    signature: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Capture the decommissioning event and its audit entry in one transaction; returns what was done."""
    if reason not in state.REASONS:
        raise ValidationFailed(f"choose a reason: one of {', '.join(REASONS)}", field="reason")
    if reason in SIGNED_REASONS and not signature:
        raise ValidationFailed(f"{reason} needs your signature: your password and a reason", field="password")
    scanned = read_scan(code)
    with database.write() as session:
        where = own_location(session, location_id, "location")
        row = session.get(CodeState, scanned.epc, with_for_update=True)
        if row is None:
            raise unknown(scanned.epc)
        if row.status == state.DECOMMISSIONED:
            raise ValidationFailed(
                f"{label(row.epc)} is already decommissioned ({row.decommission_reason})", field="code"
            )
        inside = [c.epc for c in contents(session, row.epc) if c.status != state.DECOMMISSIONED]
        here = model.Location(id=logistics_capture.place(where.gln, where.extension))
        event = model.ObjectEvent(
            action="DELETE",
            epc_list=[model.Epc(e) for e in [row.epc, *inside]],
            event_time=logistics_capture.now(),
            event_time_zone_offset="+00:00",
            biz_step="decommissioning",
            disposition=DISPOSITION_FOR.get(reason, "inactive"),
            read_point=here,
            biz_location=here,
            extensions=[model.Extension(name=state.REASON_FIELD, text=reason)],
        )
        before = {"status": row.status, "disposition": row.disposition}
        event_id = logistics_capture.record(session, actor, event)
        audit.record(
            session,
            actor=actor.name,
            action="code.decommission",
            entity="code",
            entity_id=row.epc,
            before=before,
            after={"status": state.DECOMMISSIONED, "reason": reason, "event_id": event_id, "contents": len(inside)},
            reason=signature or (" ".join(note.split()) if note and note.strip() else None),
        )
        return {
            "epc": row.epc,
            "label": label(row.epc),
            "reason": reason,
            "event_id": event_id,
            "contents": len(inside),
            "location": where.gln,
            "signed": signature is not None,
        }
