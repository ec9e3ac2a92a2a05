"""SQLAlchemy 2 typed models, one module per area; importing this registers every table."""

# Area modules that export their own names (import from them directly); imported here to register their tables.
import app.models.dscsa
import app.models.fmd
import app.models.shipments
import app.models.web  # noqa: F401
from app.models.audit import AuditEntry, AuditHead
from app.models.base import Base
from app.models.batches import Batch, BatchStatus
from app.models.channels import PartnerChannel
from app.models.epcis import (
    CaptureJob,
    CaptureStatus,
    CodeState,
    EpcisEvent,
    EventEpc,
    EventField,
    EventLink,
    EventQuantity,
    LocationLink,
)
from app.models.masterdata import Location, LocationKind, Product, SerialSource, TradingPartner
from app.models.outbox import OutboxAttempt, OutboxMessage, OutboxStatus
from app.models.security import ApiToken, IdempotencyRecord, Role, User
from app.models.serials import (
    ImportedSerial,
    ImportedStatus,
    SerialAllocation,
    SerialPool,
    SsccAllocation,
    SsccCounter,
    VoidedSerial,
)
from app.models.subscriptions import NamedQuery, Subscription
from app.models.vrs import VerificationRequest

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Batch",
    "BatchStatus",
    "CaptureJob",
    "CaptureStatus",
    "CodeState",
    "EpcisEvent",
    "EventEpc",
    "EventField",
    "EventLink",
    "EventQuantity",
    "IdempotencyRecord",
    "ImportedSerial",
    "ImportedStatus",
    "Location",
    "LocationKind",
    "LocationLink",
    "NamedQuery",
    "OutboxAttempt",
    "OutboxMessage",
    "OutboxStatus",
    "PartnerChannel",
    "Product",
    "Role",
    "SerialAllocation",
    "SerialPool",
    "SerialSource",
    "SsccAllocation",
    "SsccCounter",
    "Subscription",
    "TradingPartner",
    "User",
    "VerificationRequest",
    "VoidedSerial",
]
