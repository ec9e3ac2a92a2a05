"""The simulated EU hub's state and rules: product master data per market, batches and their packs, the
three-level status model (product withdrawn, batch recalled, pack statuses with the 10-day undo), the
message ids it has accepted (a repeat gets the first answer and changes nothing) and the alerts it raised.

Storage is one SQLite database (a file, or in memory by default) behind a lock; `clock` decides "now".
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.services import fmd_format as fmt

Clock = Callable[[], datetime]
UNDO_WINDOW = timedelta(days=10)
ACTIVE = "active"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS message (message_id TEXT PRIMARY KEY, digest TEXT NOT NULL, kind TEXT NOT NULL,
    answer TEXT NOT NULL, accepted_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS product (code TEXT PRIMARY KEY, scheme TEXT NOT NULL, name TEXT NOT NULL,
    common_name TEXT NOT NULL, form TEXT NOT NULL, strength TEXT NOT NULL, pack_type TEXT NOT NULL,
    pack_size TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS market (code TEXT NOT NULL, country TEXT NOT NULL, national_code TEXT,
    mah_id TEXT NOT NULL, mah_name TEXT NOT NULL, withdrawn_at TEXT, PRIMARY KEY (code, country));
CREATE TABLE IF NOT EXISTS batch (code TEXT NOT NULL, batch TEXT NOT NULL, expiry TEXT NOT NULL,
    parts INTEGER NOT NULL, recalled_at TEXT, recall_reason TEXT, PRIMARY KEY (code, batch));
CREATE TABLE IF NOT EXISTS batch_part (code TEXT NOT NULL, batch TEXT NOT NULL, part INTEGER NOT NULL,
    packs INTEGER NOT NULL, PRIMARY KEY (code, batch, part));
CREATE TABLE IF NOT EXISTS pack (code TEXT NOT NULL, serial TEXT NOT NULL, batch TEXT NOT NULL,
    status TEXT NOT NULL, status_at TEXT NOT NULL, PRIMARY KEY (code, serial)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert (alert_id TEXT PRIMARY KEY, code TEXT NOT NULL, severity TEXT NOT NULL,
    raised_at TEXT NOT NULL, market TEXT, product_code TEXT NOT NULL, batch TEXT, serial TEXT,
    message TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0, delivery_error TEXT);
"""


class HubRejection(Exception):
    """A message or request the hub refuses: HTTP `status`, a stable `code`, and the `field` at fault."""

    def __init__(self, status: int, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.field = status, code, detail, field

    def answer(self) -> dict[str, Any]:
        return {"result": "rejected", "code": self.code, "detail": self.detail, "field": self.field}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def expiry_date(yymmdd: str) -> date:
    """The last day a pack is usable: DD=00 means the month's last day."""
    year, month, day = 2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if day == 0:
        nxt = date(year + month // 12, month % 12 + 1, 1)
        return nxt - timedelta(days=1)
    return date(year, month, day)


@dataclass(frozen=True)
class Reply:
    """The hub's answer to a message; `repeat` when it is the stored answer to an id seen before."""

    answer: dict[str, Any]
    repeat: bool = False


class HubStore:
    """The hub's database and rules. Every public method is one transaction under the lock."""

    def __init__(self, path: str = ":memory:", clock: Clock | None = None) -> None:
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- messages from the marketing authorisation holder -------------------------------------------

    def receive(self, message_id: str, body: bytes) -> Reply:
        """Apply one message, all or nothing; a repeat of an accepted id answers as the first time did."""
        digest = hashlib.sha256(body).hexdigest()
        with self._tx() as db:
            seen = db.execute("SELECT digest, answer FROM message WHERE message_id = ?", (message_id,)).fetchone()
        if seen is not None:
            if seen[0] != digest:
                raise HubRejection(409, "MESSAGE_ID_REUSED", f"message id {message_id} was used for another body")
            return Reply(json.loads(seen[1]), repeat=True)
        try:
            envelope = fmt.parse(body)
        except fmt.FormatError as exc:
            raise HubRejection(400, "INVALID_FORMAT", exc.detail, exc.field) from None
        doc = envelope.document
        if isinstance(doc, fmt.Alert):
            raise HubRejection(400, "INVALID_FORMAT", "an Alert is sent by the hub, not to it", "body")
        with self._tx() as db:
            again = db.execute("SELECT answer FROM message WHERE message_id = ?", (message_id,)).fetchone()
            if again is not None:  # a concurrent repeat got here first
                return Reply(json.loads(again[0]), repeat=True)
            now = self.clock()
            answer = {"messageId": message_id, "result": "accepted", "kind": type(doc).__name__}
            answer.update(self._apply(db, doc, now))
            db.execute(
                "INSERT INTO message VALUES (?, ?, ?, ?, ?)",
                (message_id, digest, type(doc).__name__, json.dumps(answer), _iso(now)),
            )
        return Reply(answer)

    def _apply(self, db: sqlite3.Connection, doc: fmt.Document, now: datetime) -> dict[str, Any]:
        if isinstance(doc, fmt.ProductMasterData):
            return self._master_data(db, doc, now)
        if isinstance(doc, fmt.PackData):
            return self._pack_data(db, doc, now)
        if isinstance(doc, fmt.BatchRecall):
            return self._recall(db, doc, now)
        if isinstance(doc, fmt.ProductWithdrawal):
            return self._withdraw(db, doc, now)
        assert isinstance(doc, fmt.PackStatusChange)
        return self._status(db, doc, now)

    def _master_data(self, db: sqlite3.Connection, doc: fmt.ProductMasterData, now: datetime) -> dict[str, Any]:
        row = db.execute("SELECT scheme, version FROM product WHERE code = ?", (doc.product_code,)).fetchone()
        if row is not None and row[0] != doc.scheme:
            raise HubRejection(
                422, "SCHEME_MISMATCH", f"product {doc.product_code} is coded as {row[0]}", "productCode"
            )
        version = 1 if row is None else row[1] + 1
        values = (doc.name, doc.common_name, doc.pharmaceutical_form, doc.strength, doc.pack_type, doc.pack_size)
        if row is None:
            db.execute(
                "INSERT INTO product VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.product_code, doc.scheme, *values, version, _iso(now)),
            )
        else:
            db.execute(
                "UPDATE product SET name=?, common_name=?, form=?, strength=?, pack_type=?, pack_size=?, version=?,"
                " updated_at=? WHERE code=?",
                (*values, version, _iso(now), doc.product_code),
            )
        for market in doc.markets:
            db.execute(
                "INSERT INTO market (code, country, national_code, mah_id, mah_name) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (code, country) DO UPDATE SET national_code=excluded.national_code,"
                " mah_id=excluded.mah_id, mah_name=excluded.mah_name",
                (doc.product_code, market.country, market.national_code, market.mah.id, market.mah.name),
            )
        return {"version": version, "markets": [m.country for m in doc.markets]}

    def _product(self, db: sqlite3.Connection, code: str, scheme: str) -> None:
        row = db.execute("SELECT scheme FROM product WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise HubRejection(422, "UNKNOWN_PRODUCT", f"no product master data for product code {code}", "productCode")
        if row[0] != scheme:
            raise HubRejection(422, "SCHEME_MISMATCH", f"product {code} is coded as {row[0]}", "productCode")

    def _withdrawn(self, db: sqlite3.Connection, code: str) -> bool:
        """Withdrawn from every market it had."""
        open_markets = db.execute(
            "SELECT COUNT(*) FROM market WHERE code = ? AND withdrawn_at IS NULL", (code,)
        ).fetchone()[0]
        return int(open_markets) == 0

    def _batch(self, db: sqlite3.Connection, code: str, batch: str) -> tuple[str, int, str | None]:
        row = db.execute(
            "SELECT expiry, parts, recalled_at FROM batch WHERE code = ? AND batch = ?", (code, batch)
        ).fetchone()
        if row is None:
            raise HubRejection(422, "UNKNOWN_BATCH", f"no batch {batch} of product {code}", "batch")
        return row[0], row[1], row[2]

    def _pack_data(self, db: sqlite3.Connection, doc: fmt.PackData, now: datetime) -> dict[str, Any]:
        self._product(db, doc.product_code, doc.scheme)
        if self._withdrawn(db, doc.product_code):
            raise HubRejection(422, "PRODUCT_WITHDRAWN", f"product {doc.product_code} is withdrawn", "productCode")
        if doc.part > doc.parts:
            raise HubRejection(422, "INVALID_PART", f"part {doc.part} of {doc.parts}", "part")
        row = db.execute(
            "SELECT expiry, parts, recalled_at FROM batch WHERE code = ? AND batch = ?", (doc.product_code, doc.batch)
        ).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO batch (code, batch, expiry, parts) VALUES (?, ?, ?, ?)",
                (doc.product_code, doc.batch, doc.expiry, doc.parts),
            )
        else:
            if row[2] is not None:
                raise HubRejection(422, "BATCH_RECALLED", f"batch {doc.batch} is recalled", "batch")
            if row[0] != doc.expiry:
                raise HubRejection(
                    409, "BATCH_MISMATCH", f"batch {doc.batch} was uploaded with expiry {row[0]}", "expiry"
                )
            if row[1] != doc.parts:
                raise HubRejection(409, "BATCH_MISMATCH", f"batch {doc.batch} was uploaded in {row[1]} parts", "parts")
        try:
            db.execute(
                "INSERT INTO batch_part VALUES (?, ?, ?, ?)", (doc.product_code, doc.batch, doc.part, len(doc.serials))
            )
        except sqlite3.IntegrityError:
            raise HubRejection(
                409, "DUPLICATE_UPLOAD", f"part {doc.part} of batch {doc.batch} was uploaded already", "part"
            ) from None
        stamp = _iso(now)
        code, batch = doc.product_code, doc.batch
        try:
            db.executemany(
                "INSERT INTO pack VALUES (?, ?, ?, 'active', ?)", ((code, s, batch, stamp) for s in doc.serials)
            )
        except sqlite3.IntegrityError:
            raise self._duplicate(db, doc) from None
        received = db.execute("SELECT COUNT(*) FROM batch_part WHERE code = ? AND batch = ?", (code, batch)).fetchone()
        return {
            "packs": len(doc.serials),
            "part": doc.part,
            "parts": doc.parts,
            "batchComplete": received[0] == doc.parts,
        }

    def _duplicate(self, db: sqlite3.Connection, doc: fmt.PackData) -> HubRejection:
        """Name the first serial of the message that the hub holds already (or that the message repeats)."""
        seen: set[str] = set()
        for index, serial in enumerate(doc.serials):
            if serial in seen:
                return HubRejection(409, "DUPLICATE_UPLOAD", f"serial {serial} is listed twice", f"serials[{index}]")
            seen.add(serial)
        # The failed statement inserted nothing it will keep; the rows it reached are rolled back with the message.
        db.execute("ROLLBACK")
        db.execute("BEGIN")
        for index, serial in enumerate(doc.serials):
            row = db.execute(
                "SELECT batch FROM pack WHERE code = ? AND serial = ?", (doc.product_code, serial)
            ).fetchone()
            if row is not None:
                return HubRejection(
                    409,
                    "DUPLICATE_UPLOAD",
                    f"serial {serial} was uploaded already (batch {row[0]})",
                    f"serials[{index}]",
                )
        return HubRejection(409, "DUPLICATE_UPLOAD", "the upload repeats packs the hub holds", "serials")

    def _recall(self, db: sqlite3.Connection, doc: fmt.BatchRecall, now: datetime) -> dict[str, Any]:
        self._product(db, doc.product_code, doc.scheme)
        _, _, recalled = self._batch(db, doc.product_code, doc.batch)
        if recalled is not None:
            raise HubRejection(409, "ALREADY_RECALLED", f"batch {doc.batch} was recalled on {recalled}", "batch")
        db.execute(
            "UPDATE batch SET recalled_at = ?, recall_reason = ? WHERE code = ? AND batch = ?",
            (_iso(now), doc.reason, doc.product_code, doc.batch),
        )
        packs = db.execute(
            "SELECT COUNT(*) FROM pack WHERE code = ? AND batch = ?", (doc.product_code, doc.batch)
        ).fetchone()[0]
        return {"batch": doc.batch, "packs": packs}

    def _withdraw(self, db: sqlite3.Connection, doc: fmt.ProductWithdrawal, now: datetime) -> dict[str, Any]:
        self._product(db, doc.product_code, doc.scheme)
        rows = dict(db.execute("SELECT country, withdrawn_at FROM market WHERE code = ?", (doc.product_code,)))
        for index, market in enumerate(doc.markets):
            if market not in rows:
                raise HubRejection(
                    422, "UNKNOWN_MARKET", f"product {doc.product_code} is not listed for {market}", f"market[{index}]"
                )
        targets = [m for m in (doc.markets or tuple(rows)) if rows[m] is None]
        if not targets:
            raise HubRejection(409, "ALREADY_WITHDRAWN", f"product {doc.product_code} is withdrawn there already")
        db.executemany(
            "UPDATE market SET withdrawn_at = ? WHERE code = ? AND country = ?",
            [(_iso(now), doc.product_code, m) for m in targets],
        )
        return {"withdrawn": sorted(targets)}

    def _status(self, db: sqlite3.Connection, doc: fmt.PackStatusChange, now: datetime) -> dict[str, Any]:
        self._product(db, doc.product_code, doc.scheme)
        expiry, _, recalled = self._batch(db, doc.product_code, doc.batch)
        if doc.undo and doc.status in fmt.IRREVERSIBLE:
            raise HubRejection(422, "IRREVERSIBLE_STATUS", f"a pack {doc.status} can never be reactivated", "status")
        if recalled is not None:
            raise HubRejection(422, "BATCH_RECALLED", f"batch {doc.batch} is recalled", "batch")
        if self._withdrawn(db, doc.product_code):
            raise HubRejection(422, "PRODUCT_WITHDRAWN", f"product {doc.product_code} is withdrawn", "productCode")
        if doc.undo and expiry_date(expiry) < now.date():
            raise HubRejection(422, "PACK_EXPIRED", f"batch {doc.batch} expired ({expiry})", "batch")
        for index, serial in enumerate(doc.serials):
            row = db.execute(
                "SELECT batch, status, status_at FROM pack WHERE code = ? AND serial = ?", (doc.product_code, serial)
            ).fetchone()
            where = f"serials[{index}]"
            if row is None:
                raise HubRejection(422, "UNKNOWN_PACK", f"no pack {serial} of product {doc.product_code}", where)
            batch, status, status_at = row
            if batch != doc.batch:
                raise HubRejection(422, "BATCH_MISMATCH", f"pack {serial} belongs to batch {batch}", where)
            if not doc.undo and status != ACTIVE:
                raise HubRejection(422, "PACK_NOT_ACTIVE", f"pack {serial} is {status}", where)
            if doc.undo and status != doc.status:
                raise HubRejection(422, "NOT_IN_STATUS", f"pack {serial} is {status}, not {doc.status}", where)
            if doc.undo and doc.status not in fmt.UNDO_ANY_TIME and now - _when(status_at) > UNDO_WINDOW:
                raise HubRejection(
                    422,
                    "UNDO_WINDOW_EXPIRED",
                    f"pack {serial} became {status} on {status_at[:10]}, over 10 days ago",
                    where,
                )
        target = ACTIVE if doc.undo else doc.status
        db.executemany(
            "UPDATE pack SET status = ?, status_at = ? WHERE code = ? AND serial = ?",
            [(target, _iso(now), doc.product_code, s) for s in doc.serials],
        )
        return {"packs": len(doc.serials), "status": target}

    # -- what the hub knows (inspection for tests and demos) ------------------------------------------

    def product(self, code: str) -> dict[str, Any] | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT scheme, name, common_name, version FROM product WHERE code = ?", (code,)
            ).fetchone()
            if row is None:
                return None
            markets = db.execute(
                "SELECT country, national_code, mah_id, mah_name, withdrawn_at FROM market WHERE code = ?"
                " ORDER BY country",
                (code,),
            ).fetchall()
        return {
            "productCode": code,
            "scheme": row[0],
            "name": row[1],
            "commonName": row[2],
            "version": row[3],
            "markets": [
                {"country": m[0], "nationalCode": m[1], "mahId": m[2], "mahName": m[3], "withdrawn": m[4] is not None}
                for m in markets
            ],
        }

    def batch(self, code: str, batch: str) -> dict[str, Any] | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT expiry, parts, recalled_at FROM batch WHERE code = ? AND batch = ?", (code, batch)
            ).fetchone()
            if row is None:
                return None
            parts = [
                p[0]
                for p in db.execute(
                    "SELECT part FROM batch_part WHERE code = ? AND batch = ? ORDER BY part", (code, batch)
                )
            ]
            counts = dict(
                db.execute(
                    "SELECT status, COUNT(*) FROM pack WHERE code = ? AND batch = ? GROUP BY status", (code, batch)
                )
            )
        return {
            "productCode": code,
            "batch": batch,
            "expiry": row[0],
            "parts": row[1],
            "partsReceived": parts,
            "recalled": row[2] is not None,
            "packs": sum(counts.values()),
            "statuses": counts,
        }

    def pack(self, code: str, serial: str) -> dict[str, Any] | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT batch, status, status_at FROM pack WHERE code = ? AND serial = ?", (code, serial)
            ).fetchone()
        if row is None:
            return None
        return {"productCode": code, "serial": serial, "batch": row[0], "status": row[1], "statusAt": row[2]}

    def message_count(self) -> int:
        with self._tx() as db:
            return int(db.execute("SELECT COUNT(*) FROM message").fetchone()[0])

    # -- national systems and the alerts they raise ----------------------------------------------------

    def national(self, market: str, code: str, serial: str, batch: str, expiry: str, operation: str) -> dict[str, Any]:
        """A pharmacy or wholesaler scan in a national system: verify, or set a status (e.g. supplied).

        Mismatches raise the alerts the hub sends back: A3 pack (or product) not found, A2 batch not found,
        A68 batch or expiry mismatch, A24 state change refused (pack not active, batch recalled, product
        withdrawn). Answers the outcome and the alert (None when there was none).
        """
        now = self.clock()
        with self._tx() as db:
            pack = db.execute("SELECT batch, status FROM pack WHERE code = ? AND serial = ?", (code, serial)).fetchone()
            known_batch = db.execute(
                "SELECT expiry, recalled_at FROM batch WHERE code = ? AND batch = ?", (code, batch)
            ).fetchone()
            alert: tuple[str, str, str] | None = None
            if pack is None:
                alert = ("A3", "critical", f"pack {serial} of product {code} not found")
            elif known_batch is None:
                alert = ("A2", "critical", f"batch {batch} of product {code} not found")
            elif pack[0] != batch or known_batch[0] != expiry:
                alert = ("A68", "critical", f"pack {serial}: batch or expiry does not match the uploaded data")
            elif operation != "verify":
                if known_batch[1] is not None or self._withdrawn(db, code) or pack[1] != ACTIVE:
                    why = "batch recalled" if known_batch[1] is not None else f"pack {pack[1]}"
                    if self._withdrawn(db, code):
                        why = "product withdrawn"
                    alert = ("A24", "warning", f"{operation} of pack {serial} refused: {why}")
                else:
                    db.execute(
                        "UPDATE pack SET status = ?, status_at = ? WHERE code = ? AND serial = ?",
                        (operation, _iso(now), code, serial),
                    )
            raised = None
            if alert is not None:
                seed = f"{now.isoformat()}|{market}|{code}|{serial}|{alert[0]}"
                alert_id = f"{market}-{hashlib.sha256(seed.encode()).hexdigest()[:16]}"
                db.execute(
                    "INSERT OR IGNORE INTO alert (alert_id, code, severity, raised_at, market, product_code, batch,"
                    " serial, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (alert_id, alert[0], alert[1], _iso(now), market, code, batch, serial, alert[2]),
                )
                raised = alert_id
            current = db.execute("SELECT status FROM pack WHERE code = ? AND serial = ?", (code, serial)).fetchone()
        return {"status": current[0] if current else None, "alertId": raised}

    def alert(self, alert_id: str) -> fmt.Alert:
        with self._tx() as db:
            row = db.execute(
                "SELECT code, severity, raised_at, market, product_code, batch, serial, message FROM alert"
                " WHERE alert_id = ?",
                (alert_id,),
            ).fetchone()
            scheme = db.execute("SELECT scheme FROM product WHERE code = ?", (row[4],)).fetchone()
        return fmt.Alert(
            alert_id=alert_id,
            code=row[0],
            severity=row[1],
            raised_at=_when(row[2]),
            market=row[3],
            product_code=row[4],
            scheme=scheme[0] if scheme else ("GTIN" if row[4].isdigit() and len(row[4]) == 14 else "PPN"),
            batch=row[5],
            serial=row[6],
            message=row[7],
        )

    def mark_alert(self, alert_id: str, delivered: bool, error: str | None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE alert SET delivered = ?, delivery_error = ? WHERE alert_id = ?",
                (int(delivered), error, alert_id),
            )

    def alerts(self) -> list[dict[str, Any]]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT alert_id, code, severity, raised_at, market, product_code, batch, serial, message, delivered,"
                " delivery_error FROM alert ORDER BY raised_at, alert_id"
            ).fetchall()
        keys = ("alertId", "code", "severity", "raisedAt", "market", "productCode", "batch", "serial", "message")
        return [{**dict(zip(keys, r[:9], strict=True)), "delivered": bool(r[9]), "deliveryError": r[10]} for r in rows]
