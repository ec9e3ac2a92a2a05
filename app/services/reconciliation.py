"""Batch reconciliation: serials issued against what happened to them, and the discrepancies QA must see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import Database
from app.models import CodeState
from app.services.batches import get_batch_row
from app.services.state import COMMISSIONED, DECOMMISSIONED, RECEIVED, SHIPPED


def reconcile(database: Database, batch_id: int) -> dict[str, Any]:
    with database.read() as session:
        batch = get_batch_row(session, batch_id)
        by_status = dict(
            session.execute(
                select(CodeState.status, func.count()).where(CodeState.batch_id == batch_id).group_by(CodeState.status)
            ).all()
        )
        by_reason = dict(
            session.execute(
                select(CodeState.decommission_reason, func.count())
                .where(CodeState.batch_id == batch_id, CodeState.status == DECOMMISSIONED)
                .group_by(CodeState.decommission_reason)
            ).all()
        )
        packed = (
            session.scalar(select(func.count()).where(CodeState.batch_id == batch_id, CodeState.parent.is_not(None)))
            or 0
        )
        loose = (
            session.scalar(
                select(func.count()).where(
                    CodeState.batch_id == batch_id, CodeState.status == COMMISSIONED, CodeState.parent.is_(None)
                )
            )
            or 0
        )
        commissioned = sum(by_status.values())
        unused = batch.issued_count - batch.voided_count - commissioned
        discrepancies = []
        if commissioned > batch.quantity:
            discrepancies.append(f"{commissioned:,} packs commissioned, {batch.quantity:,} planned")
        if loose and by_status.get(SHIPPED, 0):
            discrepancies.append(f"{loose:,} commissioned packs are neither packed nor shipped")
        if unused > 0 and batch.status.value in ("closed", "released"):
            discrepancies.append(f"{unused:,} issued serials were never commissioned nor returned")
        if unused < 0:
            discrepancies.append(f"{-unused:,} more packs commissioned than serials issued and not returned")
        return {
            "batch_id": batch.id,
            "planned": batch.quantity,
            "issued": batch.issued_count,
            "voided": batch.voided_count,
            "commissioned": commissioned,
            "decommissioned": {str(k): int(v) for k, v in by_reason.items()},
            "packed": int(packed),
            "shipped": int(by_status.get(SHIPPED, 0)),
            "received": int(by_status.get(RECEIVED, 0)),
            "unused": unused,
            "discrepancies": discrepancies,
        }
