"""Service configuration: one typed object read from the environment, defaults for a laptop."""

from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Outbox channel of the EU hub messages. Its credential is a setting (below), not a partner channel's.
FMD_CHANNEL = "eu_fmd"


def _instance_secret(instance_path: str) -> str:
    """A random secret kept in instance/ so a laptop run needs no set-up and survives restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Config:
    """Everything the service reads from its environment; see README "Configuration"."""

    database_url: str
    secret_key: str
    max_serials_per_request: int = 1_000_000
    max_sscc_per_request: int = 100_000
    serial_overage_percent: int = 20
    default_lifetime_volume: int = 1_000_000
    page_size: int = 50
    max_page_size: int = 500
    max_body_bytes: int = 16 * 1024 * 1024
    digital_link_domain: str = "https://id.gs1.org"
    capture_max_events: int = 100_000
    capture_max_bytes: int = 64 * 1024 * 1024
    # EU FMD channel: the hub (or on-boarding partner gateway) messages go to; None turns the channel off.
    fmd_hub_url: str | None = None
    fmd_hub_token: str | None = None
    fmd_sender_id: str | None = None
    fmd_split_size: int = 250_000
    testing: bool = False

    @classmethod
    def from_env(cls, instance_path: str) -> Config:
        env = os.environ
        default_db = f"sqlite:///{Path(instance_path) / 'custody.db'}"
        return cls(
            database_url=env.get("DATABASE_URL", default_db),
            secret_key=env.get("SECRET_KEY") or _instance_secret(instance_path),
            max_serials_per_request=int(env.get("CUSTODY_MAX_SERIALS_PER_REQUEST", 1_000_000)),
            max_sscc_per_request=int(env.get("CUSTODY_MAX_SSCC_PER_REQUEST", 100_000)),
            serial_overage_percent=int(env.get("CUSTODY_SERIAL_OVERAGE_PERCENT", 20)),
            default_lifetime_volume=int(env.get("CUSTODY_DEFAULT_LIFETIME_VOLUME", 1_000_000)),
            digital_link_domain=env.get("CUSTODY_DIGITAL_LINK_DOMAIN", "https://id.gs1.org").rstrip("/"),
            capture_max_events=int(env.get("CUSTODY_CAPTURE_MAX_EVENTS", 100_000)),
            capture_max_bytes=int(env.get("CUSTODY_CAPTURE_MAX_BYTES", 64 * 1024 * 1024)),
            fmd_hub_url=env.get("CUSTODY_FMD_HUB_URL") or None,
            fmd_hub_token=env.get("CUSTODY_FMD_HUB_TOKEN") or None,
            fmd_sender_id=env.get("CUSTODY_FMD_SENDER_ID") or None,
            fmd_split_size=int(env.get("CUSTODY_FMD_SPLIT_SIZE", 250_000)),
        )

    def channel_authorization(self, channel: str) -> str | None:
        """The `Authorization` header of an outbox channel whose credential is a setting, read at delivery time
        (so a rotated token reaches messages already queued, and no message stores it); None for the others."""
        tokens = {FMD_CHANNEL: self.fmd_hub_token}
        token = tokens.get(channel)
        return f"Bearer {token}" if token else None

    def channel_endpoint(self, channel: str) -> str | None:
        """Where an outbox channel configured by a setting delivers now (a corrected URL reaches messages
        already queued, with the credential that goes with it); None for the others."""
        return {FMD_CHANNEL: self.fmd_hub_url}.get(channel)

    def replace(self, **changes: Any) -> Config:
        known = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise KeyError(f"unknown config keys: {sorted(unknown)}")
        return dataclasses.replace(self, **changes)

    def as_flask(self) -> dict[str, Any]:
        return {
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": max(self.max_body_bytes, self.capture_max_bytes),
            "TESTING": self.testing,
            "JSON_SORT_KEYS": False,
        }
