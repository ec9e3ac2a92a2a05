"""Names for places and parties: the GLN inside a location or owner key, shown as its master-data name."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import Database
from app.models import Location, TradingPartner

# The GLN of a canonical location (414) or party (417) key: https://id.gs1.org/414/<gln>[/254/<ext>].
_GLN = re.compile(r"/(?:414|417)/(\d{13})")


def gln_of(key: str | None) -> str | None:
    found = _GLN.search(key or "")
    return found.group(1) if found else None


def gln_names(session: Session, keys: Iterable[str | None]) -> dict[str, str]:
    """GLN -> name of our own location or of a trading partner (the partner wins) for the GLNs in `keys`."""
    glns = {g for g in (gln_of(k) for k in keys) if g}
    if not glns:
        return {}
    names = {loc.gln: loc.name for loc in session.scalars(select(Location).where(Location.gln.in_(glns)))}
    names.update({p.gln: p.name for p in session.scalars(select(TradingPartner).where(TradingPartner.gln.in_(glns)))})
    return names


def labels(database: Database, keys: Iterable[str | None]) -> dict[str, str]:
    """key -> "Name (GLN)" for every key whose GLN is in master data; other keys are left out."""
    wanted = {k for k in keys if k}
    with database.read() as s:
        names = gln_names(s, wanted)
    out = {}
    for key in wanted:
        gln = gln_of(key)
        if gln and gln in names:
            out[key] = f"{names[gln]} ({gln})"
    return out
