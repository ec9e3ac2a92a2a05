"""Alerts the EU hub sends back (A2 batch not found, A3 pack not found, A24 state change refused, A68 batch
mismatch, ...): received once per alert id, listed, acknowledged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, UnsupportedMediaType, ValidationFailed
from app.extensions import Database
from app.models.base import utcnow
from app.models.fmd import FmdAlert
from app.services import audit
from app.services import fmd_format as fmt
from app.services.security import Principal


def alert_view(alert: FmdAlert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "alert_id": alert.alert_id,
        "raised_at": alert.raised_at,
        "received_at": alert.received_at,
        "code": alert.code,
        "severity": alert.severity,
        "message": alert.message,
        "market": alert.market,
        "gtin": alert.gtin,
        "lot": alert.lot,
        "serial": alert.serial,
        "acknowledged": alert.acknowledged_at is not None,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by,
        "note": alert.note,
    }


def _json(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in view.items()}


def receive_alert(database: Database, actor: Principal, content_type: str, body: bytes) -> tuple[dict[str, Any], bool]:
    """Store an alert document from the hub once per alert id; (view, True) when it is new."""
    if content_type not in ("application/xml", "text/xml"):
        raise UnsupportedMediaType(f"send the alert as application/xml (got '{content_type or 'nothing'}')")
    try:
        doc = fmt.parse(body).document
    except fmt.FormatError as exc:
        raise ValidationFailed(exc.detail, field=exc.field) from None
    if not isinstance(doc, fmt.Alert):
        raise ValidationFailed(f"expected an Alert document, got {type(doc).__name__}", field="body")
    with database.write() as session:
        existing = session.scalar(select(FmdAlert).where(FmdAlert.alert_id == doc.alert_id))
        if existing is not None:
            return _json(alert_view(existing)), False
        alert = FmdAlert(
            alert_id=doc.alert_id,
            code=doc.code,
            severity=doc.severity,
            message=doc.message,
            raised_at=doc.raised_at,
            market=doc.market,
            gtin=doc.product_code,
            lot=doc.batch,
            serial=doc.serial,
        )
        session.add(alert)
        session.flush()
        audit.record(
            session,
            actor=actor.name,
            action="fmd.alert.receive",
            entity="fmd_alert",
            entity_id=doc.alert_id,
            after={"code": doc.code, "gtin": doc.product_code, "lot": doc.batch, "serial": doc.serial},
        )
        return _json(alert_view(alert)), True


def list_alerts(database: Database, *, acknowledged: bool | None, limit: int) -> list[dict[str, Any]]:
    query = select(FmdAlert).order_by(FmdAlert.raised_at.desc(), FmdAlert.id.desc()).limit(limit)
    if acknowledged is not None:
        query = query.where(
            FmdAlert.acknowledged_at.is_not(None) if acknowledged else FmdAlert.acknowledged_at.is_(None)
        )
    with database.read() as session:
        return [_json(alert_view(a)) for a in session.scalars(query)]


def acknowledge_alert(database: Database, actor: Principal, alert_id: int, note: str | None) -> dict[str, Any]:
    """Mark an alert as seen and dealt with (audited); 409 when it was acknowledged already."""
    with database.write() as session:
        alert = session.scalar(select(FmdAlert).where(FmdAlert.id == alert_id).with_for_update())
        if alert is None:
            raise NotFound(f"no alert {alert_id}", field="alert_id")
        if alert.acknowledged_at is not None:
            raise Conflict(f"alert {alert_id} was acknowledged by {alert.acknowledged_by}", field="alert_id")
        alert.acknowledged_at, alert.acknowledged_by, alert.note = utcnow(), actor.name, note
        audit.record(
            session,
            actor=actor.name,
            action="fmd.alert.acknowledge",
            entity="fmd_alert",
            entity_id=alert.alert_id,
            after={"acknowledged": True},
            reason=note,
        )
        return _json(alert_view(alert))


def recent(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The newest alerts, newest first, in the caller's session (`fmd.recent_alerts` for the dashboard)."""
    rows = session.scalars(select(FmdAlert).order_by(FmdAlert.raised_at.desc(), FmdAlert.id.desc()).limit(limit))
    return [alert_view(a) for a in rows]
