"""EPCIS capture: validate and parse a document, then store its events under the pharma rules, all or
nothing (`rollback`) or event by event (`proceed`), recording a capture job either way."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

import epcis
from app.errors import CaptureLimitExceeded, Conflict, FieldError, NotFound, ValidationFailed
from app.extensions import Database
from app.models import CaptureJob, CaptureStatus
from app.services import eventstore, reporting, state, subscriptions
from app.services.security import Principal
from epcis import model
from epcis.hashing import event_hash
from epcis.validate import parse_validated

ErrorBehaviour = Literal["rollback", "proceed"]


@dataclass(frozen=True)
class CaptureLimits:
    max_events: int = 10_000
    max_bytes: int = 16 * 1024 * 1024


def job_view(job: CaptureJob) -> dict[str, Any]:
    """The CaptureJob resource of the EPCIS 2.0 REST binding."""
    return {
        "captureID": job.id,
        "createdAt": job.created_at.isoformat().replace("+00:00", "Z"),
        "finishedAt": job.finished_at.isoformat().replace("+00:00", "Z") if job.finished_at else None,
        "running": job.status is CaptureStatus.RUNNING,
        # While running, success says whether an error has occurred so far (the binding's state table).
        "success": job.status is not CaptureStatus.FAILED,
        "captureErrorBehaviour": job.error_behaviour,
        "errors": job.errors,
        "eventCount": job.event_count,
        "capturedCount": job.captured_count,
    }


def parse_document(data: bytes, limits: CaptureLimits) -> model.Document:
    """Schema-validate and parse; a document that fails is rejected before any job exists (400)."""
    if len(data) > limits.max_bytes:
        raise CaptureLimitExceeded(f"document of {len(data):,} bytes exceeds the limit of {limits.max_bytes:,}")
    if _has_doctype(data):
        raise ValidationFailed(
            "a DOCTYPE with declarations or an external DTD is not allowed (entities are refused)", field="body"
        )
    try:
        doc, issues = parse_validated(data)  # one parse shared by the schema check, the rules and the model
    except epcis.EpcisError as exc:
        raise ValidationFailed(str(exc), field="body") from None
    if issues or doc is None:
        errors = [FieldError(_where(i), i.message) for i in issues[:50]] or [FieldError("body", "not valid")]
        raise ValidationFailed(f"{errors[0].field}: {errors[0].detail}", errors=errors)
    if len(doc.events) > limits.max_events:
        raise CaptureLimitExceeded(f"{len(doc.events):,} events exceed the limit of {limits.max_events:,} per capture")
    for index, event in enumerate(doc.events):
        problem = eventstore.storage_problem(event)
        if problem is not None:
            raise ValidationFailed(f"{problem[1]}", field=f"eventList[{index}].{problem[0]}")
    return doc


def _has_doctype(data: bytes) -> bool:
    """Whether the XML prolog declares a DOCTYPE with an internal subset or an external DTD: refused unparsed."""
    i, n = 0, len(data)
    while i < n:
        while i < n and data[i : i + 1] in b" \t\r\n\xef\xbb\xbf":
            i += 1
        if data.startswith(b"<?", i):
            end = data.find(b"?>", i)
        elif data.startswith(b"<!--", i):
            end = data.find(b"-->", i)
        elif data.startswith(b"<!DOCTYPE", i):
            # A bare <!DOCTYPE name> (as in some GS1 examples) is harmless; declarations and DTD references are not.
            end = data.find(b">", i)
            declaration = data[i : end if end >= 0 else n]
            return b"[" in declaration or b"SYSTEM" in declaration or b"PUBLIC" in declaration
        else:
            return False
        if end < 0:
            return False
        i = end + 2
    return False


def _where(issue: Any) -> str:
    """The field of a validation issue: a JSON path inside the event list, or for XML the node's XPath."""
    field = getattr(issue, "field", None) or "body"
    index = getattr(issue, "event_index", None)
    if index is None or field.startswith("/") or f"[{index}]" in field:
        return field
    return f"eventList[{index}].{field}"


def _problem(index: int, event: model.Event, detail: str, field: str | None) -> dict[str, Any]:
    return {
        "type": "epcisException:ValidationException",
        "title": "Event rejected",
        "status": 400,
        "detail": detail,
        "instance": f"eventList[{index}]" + (f".{field}" if field else ""),
        "eventIndex": index,
        "eventID": event.event_id,
    }


class _Rejected(Exception):
    def __init__(self, problem: dict[str, Any]) -> None:
        super().__init__(problem["detail"])
        self.problem = problem


@dataclass
class _Run:
    """One capture's working set: pending state and events, and what the document's eventIDs are."""

    session: Session
    ctx: state.Context
    pending: eventstore.Pending
    stored_hashes: dict[str, str]  # eventID -> hash ID of the events stored before this capture
    record_time: datetime
    actor: Principal
    job_id: str | None

    def flush(self) -> None:
        self.ctx.flush(self.session)
        self.pending.flush(self.session)


def _capture_one(run: _Run, event: model.Event, index: int, digest: str) -> str | None:
    """Accept one event into the run: the key it is stored under (its eventID, or the key of an error
    declaration of it); None when it was already stored identically (idempotent repeat)."""
    assert event.event_id is not None
    known = run.pending.hash_of(event.event_id) or run.stored_hashes.get(event.event_id)
    row_key = None
    if known is not None and known == digest and event.error_declaration is not None:
        # An error declaration repeats the declared event (same eventID and hash) with errorDeclaration added.
        run.flush()  # rare: compare with the stored rows themselves
        existing = eventstore.find(run.session, event.event_id)
        assert existing is not None
        declared = eventstore.declarations(run.session, event.event_id)
        declaration = eventstore.event_json(event).get("errorDeclaration")
        if existing.body.get("errorDeclaration") == declaration or any(
            d.body.get("errorDeclaration") == declaration for d in declared
        ):
            return None
        row_key = f"{event.event_id}{eventstore.DECLARATION}{len(declared) + 1}"
    elif known is not None:
        if known == digest:
            return None
        raise _Rejected(
            _problem(index, event, f"eventID {event.event_id} is already used by a different event", "eventID")
        )
    try:
        if row_key is not None:
            state.declare_error(run.session, event, run.ctx)
        else:
            state.apply(run.session, event, run.ctx)
    except state.RuleViolation as exc:
        run.ctx.discard()
        raise _Rejected(_problem(index, event, exc.detail, exc.field)) from None
    run.ctx.done()
    run.pending.add(
        event,
        record_time=run.record_time,
        captured_by=run.actor.name,
        capture_id=run.job_id,
        hash_id=digest,
        row_key=row_key,
    )
    return row_key or event.event_id


def capture(
    database: Database,
    actor: Principal,
    doc: model.Document,
    error_behaviour: ErrorBehaviour = "rollback",
    *,
    keep_failed_job: bool = True,
) -> dict[str, Any]:
    """Run a capture job over `doc` and return the job resource.

    Rule checks run event by event against the stored state plus the changes of the events accepted
    before; the state changes, events and index rows are written in bulk at the end of the document.
    A rejected event under `proceed` leaves no trace; under `rollback` nothing is written.
    """
    job_id = str(uuid.uuid4())
    with database.write() as session:
        session.add(
            CaptureJob(
                id=job_id,
                status=CaptureStatus.RUNNING,
                error_behaviour=error_behaviour,
                event_count=len(doc.events),
                captured_count=0,
                errors=[],
                principal=actor.name,
            )
        )
    try:
        errors, captured = _store(database, actor, doc, error_behaviour, job_id)
    except Exception:
        # Whatever failed, the job does not stay "running": it ends failed, and the error goes on up.
        failure = {
            "type": "epcisException:ImplementationException",
            "title": "Capture failed",
            "status": 500,
            "detail": "the capture failed on the server; nothing of it was stored",
        }
        _finish(database, job_id, [failure], 0, keep_failed_job=True)
        raise
    return _finish(database, job_id, errors, captured, keep_failed_job=keep_failed_job)


def _store(
    database: Database, actor: Principal, doc: model.Document, error_behaviour: ErrorBehaviour, job_id: str
) -> tuple[list[dict[str, Any]], int]:
    """Check and store the document's events in one transaction: the errors, and how many were stored."""
    record_time = datetime.now(UTC)
    errors: list[dict[str, Any]] = []
    captured = 0
    stored: list[str] = []
    stored_events: list[model.Event] = []
    # A document's many model objects, rows and dicts form no cycles: the collector's passes over them are
    # pure cost (a fifth of a large capture). Cycles made meanwhile are found by the next full collection.
    with model.gc_paused():
        digests = [event_hash(event) for event in doc.events]
        for event, digest in zip(doc.events, digests, strict=True):
            event.event_id = event.event_id or digest
        try:
            with database.write() as session:
                ctx = state.Context(deferred=True)
                ctx.prefetch(session, doc.events)
                run = _Run(
                    session,
                    ctx,
                    eventstore.Pending(ctx.canonical, ctx.canonicals),
                    eventstore.hashes(session, [str(e.event_id) for e in doc.events]),
                    record_time,
                    actor,
                    job_id,
                )
                for index, (event, digest) in enumerate(zip(doc.events, digests, strict=True)):
                    try:
                        kept = _capture_one(run, event, index, digest)
                    except _Rejected as exc:
                        if error_behaviour == "rollback":
                            raise
                        errors.append(exc.problem)
                        continue
                    if kept is not None:
                        stored.append(kept)  # stream subscribers are sent what was stored: a declaration as such
                        if event.error_declaration is None or kept != event.event_id:
                            stored_events.append(event)  # the channels hear of changes, not of bare records
                run.flush()
                # Stream subscribers' notifications go to the outbox in the same transaction: none is lost.
                eventstore.store_hierarchy(session, doc)
                subscriptions.on_captured(session, stored)
                reporting.on_captured(session, stored_events)
            captured = len(stored)
        except _Rejected as exc:
            errors, captured = [exc.problem], 0
    return errors, captured


def _finish(
    database: Database, job_id: str, errors: list[dict[str, Any]], captured: int, *, keep_failed_job: bool
) -> dict[str, Any]:
    """End the capture job (failed when there are errors) and return its resource."""
    with database.write() as session:
        job = session.get(CaptureJob, job_id)
        assert job is not None
        job.status = CaptureStatus.FAILED if errors else CaptureStatus.SUCCESS
        job.errors, job.captured_count, job.finished_at = errors, captured, datetime.now(UTC)
        session.flush()
        view = job_view(job)
        if errors and not captured and not keep_failed_job:
            session.delete(job)  # the caller reports the failure itself; nothing of it stays behind
        return view


def capture_event(database: Database, actor: Principal, doc: model.Document) -> str:
    """`POST /events`: one event, synchronously; 409 when its eventID exists. Returns the eventID."""
    if len(doc.events) != 1:
        raise ValidationFailed(f"expected exactly one event, got {len(doc.events)}", field="body")
    event = doc.events[0]
    with database.write() as session:
        digest = event_hash(event)
        event.event_id = event.event_id or digest
        if eventstore.find(session, event.event_id) is not None:
            raise Conflict(f"an event with eventID {event.event_id} already exists", field="eventID")
        declared = event.error_declaration is not None  # first captured already in error: a record only
        try:
            state.apply(session, event, state.Context())
        except state.RuleViolation as exc:
            raise ValidationFailed(exc.detail, field=f"event.{exc.field}" if exc.field else "event") from None
        eventstore.store(
            session, event, record_time=datetime.now(UTC), captured_by=actor.name, capture_id=None, hash_id=digest
        )
        subscriptions.on_captured(session, [event.event_id])
        if not declared:
            reporting.on_captured(session, [event])
    return event.event_id


def get_job(database: Database, job_id: str) -> dict[str, Any]:
    with database.read() as session:
        job = session.get(CaptureJob, job_id)
        if job is None:
            raise NotFound(f"no capture job {job_id}", field="captureID")
        return job_view(job)


def list_jobs(database: Database, after: str | None, limit: int) -> list[dict[str, Any]]:
    """Capture jobs in captureID order, the page after `after` (the last captureID seen)."""
    with database.read() as session:
        # Ordered by the same key the page token compares, so pages neither skip nor repeat jobs.
        query = select(CaptureJob).order_by(CaptureJob.id).limit(limit)
        if after:
            query = query.where(CaptureJob.id > after)
        return [job_view(j) for j in session.scalars(query)]
