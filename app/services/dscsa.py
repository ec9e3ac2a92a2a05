"""US DSCSA channel: EPCIS 1.2 shipment documents for US partners (being built)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from epcis import model


def on_captured(session: Session, events: list[model.Event]) -> int:
    """Queue one DSCSA document per shipping event bound for a US partner; returns how many."""
    return 0


def partner_data(session: Session, codes: list[str]) -> dict[str, dict[str, Any]]:
    """What imported partner files say about `codes` (canonical EPC URIs): code -> its expected data
    (at least `partner_gln`, `gtin`, `lot`, `expiry`, `parent`); codes no file mentions are absent."""
    return {}
