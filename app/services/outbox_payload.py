"""An outgoing message's payload as text for people to read (the monitor shows it beside the attempts)."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import Database
from app.models import OutboxMessage

MAX_SHOWN = 200_000


def payload(database: Database, message_id: str) -> dict[str, str | int | bool]:
    """The body decoded as UTF-8 (binary bodies are described, not shown), its headers and size."""
    with database.read() as s:
        row = s.execute(
            select(OutboxMessage.body, OutboxMessage.content_type, OutboxMessage.headers).where(
                OutboxMessage.message_id == message_id
            )
        ).first()
    if row is None:
        raise NotFound(f"no outbox message {message_id}", field="messageID")
    body: bytes = row.body or b""
    try:
        text = body[:MAX_SHOWN].decode("utf-8")
    except UnicodeDecodeError:
        text = f"({len(body):,} bytes of {row.content_type}; not text)"
    shown = {k: "(hidden)" if k.lower() == "authorization" else v for k, v in (row.headers or {}).items()}
    headers = "\n".join(f"{k}: {v}" for k, v in sorted(shown.items()))
    return {"text": text, "size": len(body), "truncated": len(body) > MAX_SHOWN, "headers": headers}
