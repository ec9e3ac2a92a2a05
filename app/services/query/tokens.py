"""Opaque, tamper-evident page tokens: base64url JSON of the page key plus an HMAC over it and the query."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from app.errors import QueryParameterError
from app.services.query.model import PageKey

# Used when the caller passes no key; the service passes its own secret so tokens cannot be forged.
DEFAULT_TOKEN_KEY = b"custody-epcis-next-page-token"
_FIELD = "nextPageToken"


def _mac(key: bytes, payload: bytes) -> str:
    digest = hmac.new(key, payload, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def encode(key: bytes, signature: str, page: PageKey) -> str:
    """The token for the page after `page`, bound to the query `signature`."""
    payload = json.dumps(
        {"q": signature, "t": page.order_value, "i": page.row_id, "n": page.delivered}, separators=(",", ":")
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")
    return f"{body}.{_mac(key, payload)}"


def decode(key: bytes, signature: str, token: str) -> PageKey:
    """The page key inside `token`; QueryParameterError when it was altered, forged or is for another query."""
    body, _, mac = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        payload = b""
    if not payload or not mac.isascii() or not hmac.compare_digest(mac, _mac(key, payload)):
        raise QueryParameterError(f"{_FIELD}: not a token issued by this repository", field=_FIELD)
    data = json.loads(payload)
    if data["q"] != signature:
        raise QueryParameterError(f"{_FIELD}: the token belongs to a different query", field=_FIELD)
    return PageKey(order_value=data["t"], row_id=data["i"], delivered=data["n"])
