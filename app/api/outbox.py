"""Routes for the report monitor: outgoing messages, their attempts, resend and cancel."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api import api_v1
from app.api.support import body, database, principal, requires
from app.errors import ValidationFailed
from app.models import Role
from app.schemas import OutboxAction, whole_number
from app.services import outbox

MONITORS = (Role.LOGISTICS, Role.QA)


@api_v1.get("/outbox")
@requires(*MONITORS)
def list_messages() -> ResponseReturnValue:
    raw_after, raw_limit = request.args.get("after"), request.args.get("limit", "50")
    if (raw_after is not None and whole_number(raw_after) is None) or not 1 <= (whole_number(raw_limit) or 0) <= 500:
        raise ValidationFailed("after must be an integer and limit 1-500", field="limit")
    items = outbox.listing(
        database(),
        status=request.args.get("status"),
        channel=request.args.get("channel"),
        after=int(raw_after) if raw_after else None,
        limit=int(raw_limit),
    )
    return jsonify({"items": items})


@api_v1.get("/outbox/<message_id>")
@requires(*MONITORS)
def get_message(message_id: str) -> ResponseReturnValue:
    return jsonify(outbox.get(database(), message_id))


@api_v1.post("/outbox/<message_id>/resend")
@requires(*MONITORS)
def resend_message(message_id: str) -> ResponseReturnValue:
    req = body(OutboxAction)
    return jsonify(outbox.resend(database(), message_id, actor=principal().name, reason=req.reason))


@api_v1.post("/outbox/<message_id>/cancel")
@requires(*MONITORS)
def cancel_message(message_id: str) -> ResponseReturnValue:
    req = body(OutboxAction)
    return jsonify(outbox.cancel(database(), message_id, actor=principal().name, reason=req.reason))
