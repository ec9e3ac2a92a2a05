"""Delivery to partner channels over real HTTPS on 127.0.0.1: certificate verification against the system
store or the channel's CA bundle, mutual TLS with the channel's client certificate, credentials read at
delivery time, receiver refusals handed to people at once, and `Retry-After` honoured."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask.testing import FlaskClient

from app.models import OutboxStatus, PartnerChannel, TradingPartner
from app.services import worker
from tests.services.test_outbox import FAST, T0, Receiver, put, row

PARTNER_GLN = "4012345000009"


@dataclass(frozen=True)
class Pki:
    """A private CA with a server certificate for 127.0.0.1 and a client certificate, all PEM."""

    ca: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _cert(
    name: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None, signer: ec.EllipticCurvePrivateKey, ca: bool
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def pki() -> Pki:
    ca_key, server_key, client_key = _key(), _key(), _key()
    ca = _cert("Custody Test CA", ca_key, None, ca_key, ca=True)
    server = _cert("127.0.0.1", server_key, ca.subject, ca_key, ca=False)
    client = _cert("custody-client", client_key, ca.subject, ca_key, ca=False)

    def pem(cert: x509.Certificate) -> str:
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    return Pki(pem(ca), pem(server), _pem_key(server_key), pem(client), _pem_key(client_key))


def _server_context(pki: Pki, tmp: Path, require_client: bool) -> ssl.SSLContext:
    (tmp / "server.pem").write_text(pki.server_cert + pki.server_key)
    (tmp / "ca.pem").write_text(pki.ca)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "server.pem")
    if require_client:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(tmp / "ca.pem")
    return context


@pytest.fixture
def https(pki: Pki, tmp_path: Path) -> Iterator[Receiver]:
    server = Receiver(tls=_server_context(pki, tmp_path, require_client=False))
    yield server
    server.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def mutual(pki: Pki, tmp_path: Path) -> Iterator[Receiver]:
    server = Receiver(tls=_server_context(pki, tmp_path, require_client=True))
    yield server
    server.close()


def _channel(database: Any, url: str, **settings: Any) -> int:
    with database.write() as session:
        partner = TradingPartner(gln=PARTNER_GLN, name="Partner Distribution Inc.", country="US")
        session.add(partner)
        session.flush()
        channel = PartnerChannel(partner_id=partner.id, channel="dscsa", endpoint=url, **settings)
        session.add(channel)
        session.flush()
        return channel.id


def _status(database: Any, message_id: str) -> tuple[OutboxStatus, str | None]:
    message, _ = row(database, message_id)
    return message.status, message.last_error


def test_an_untrusted_certificate_is_refused_and_the_channel_ca_bundle_makes_it_trusted(
    database: Any, https: Receiver, pki: Pki
) -> None:
    channel_id = _channel(database, https.url)
    message_id = put(database, https.url, partner_channel_id=channel_id)
    report = worker.deliver_due(database, now=T0, policy=FAST)
    assert report.failed == 1 and https.requests == []
    status, error = _status(database, message_id)
    assert status is OutboxStatus.PENDING and error is not None and "SSLError" in error
    assert "CERTIFICATE_VERIFY_FAILED" in error
    with database.write() as session:
        channel = session.get(PartnerChannel, channel_id)
        assert channel is not None
        channel.ca_bundle = pki.ca
    assert worker.deliver_due(database, now=T0 + timedelta(hours=1), policy=FAST).delivered == 1
    assert https.ids() == [message_id]


def test_verification_off_is_a_per_channel_choice(database: Any, https: Receiver) -> None:
    channel_id = _channel(database, https.url, tls_verify=False)
    message_id = put(database, https.url, partner_channel_id=channel_id)
    other = put(database, https.url)  # no channel: the system store decides, and it does not know this CA
    report = worker.deliver_due(database, now=T0, policy=FAST)
    assert (report.delivered, report.failed) == (1, 1)
    assert https.ids() == [message_id]
    assert _status(database, other)[0] is OutboxStatus.PENDING


def test_mutual_tls_sends_the_channel_client_certificate(database: Any, mutual: Receiver, pki: Pki) -> None:
    channel_id = _channel(database, mutual.url, ca_bundle=pki.ca)
    message_id = put(database, mutual.url, partner_channel_id=channel_id)
    assert worker.deliver_due(database, now=T0, policy=FAST).failed == 1  # no client certificate yet
    with database.write() as session:
        channel = session.get(PartnerChannel, channel_id)
        assert channel is not None
        channel.client_cert, channel.client_key = pki.client_cert, pki.client_key
    assert worker.deliver_due(database, now=T0 + timedelta(hours=1), policy=FAST).delivered == 1
    assert mutual.ids() == [message_id]
    assert mutual.peer_subjects == ["custody-client"]


def test_the_credential_is_read_at_delivery_time_so_a_rotation_reaches_queued_messages(
    database: Any, receiver: Receiver
) -> None:
    channel_id = _channel(database, receiver.url, auth_header="Bearer old")
    message_id = put(database, receiver.url, partner_channel_id=channel_id)
    with database.write() as session:
        channel = session.get(PartnerChannel, channel_id)
        assert channel is not None
        channel.auth_header = "Bearer rotated"
    worker.deliver_due(database, now=T0, policy=FAST)
    assert receiver.requests[0].headers["Authorization"] == "Bearer rotated"
    message, _ = row(database, message_id)
    assert message.status is OutboxStatus.DELIVERED
    assert "Authorization" not in message.headers  # the secret never sits in the message row


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_a_refusal_goes_to_people_at_once_without_retries(database: Any, status: int) -> None:
    server = Receiver(statuses=[status])
    try:
        message_id = put(database, server.url)
        report = worker.deliver_due(database, now=T0, policy=FAST)
        assert report.needs_attention == 1
        message, attempts = row(database, message_id)
        assert message.status is OutboxStatus.NEEDS_ATTENTION and len(attempts) == 1
        assert message.last_error == f"HTTP {status}: refused (refused by the receiver: not retried)"
        assert worker.deliver_due(database, now=T0 + timedelta(days=1), policy=FAST).claimed == 0
    finally:
        server.close()


@pytest.mark.parametrize("status", [408, 425, 429, 500, 503])
def test_transient_answers_are_retried(database: Any, status: int) -> None:
    server = Receiver(statuses=[status])
    try:
        message_id = put(database, server.url)
        assert worker.deliver_due(database, now=T0, policy=FAST).failed == 1
        assert _status(database, message_id)[0] is OutboxStatus.PENDING
        assert worker.deliver_due(database, now=T0 + timedelta(days=1), policy=FAST).delivered == 1
    finally:
        server.close()


def test_retry_after_is_honoured_up_to_the_longest_backoff(database: Any) -> None:
    server = Receiver(statuses=[429], reply_headers={"Retry-After": "500"})
    try:
        message_id = put(database, server.url)
        worker.deliver_due(database, now=T0, policy=FAST)
        message, _ = row(database, message_id)
        wait = (message.next_attempt_at - T0).total_seconds()
        assert 500 <= wait <= FAST.max_delay
        assert worker.deliver_due(database, now=T0 + timedelta(seconds=499), policy=FAST).claimed == 0
    finally:
        server.close()


@pytest.mark.parametrize(
    ("header", "expected"),
    [("120", 120.0), (" 7 ", 7.0), ("", None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00", None)],
)
def test_retry_after_forms(header: str, expected: float | None) -> None:
    assert worker._retry_after(header) == expected


def test_channel_api_takes_tls_settings_and_never_echoes_secrets(
    client: FlaskClient, auth: dict[str, dict[str, str]], pki: Pki
) -> None:
    partner = client.post(
        "/api/v1/partners", headers=auth["admin"], json={"gln": PARTNER_GLN, "name": "Partner", "country": "US"}
    )
    assert partner.status_code == 201, partner.get_json()
    url = f"/api/v1/partners/{partner.get_json()['id']}/channels/dscsa"
    answer = client.put(
        url,
        headers=auth["admin"],
        json={
            "endpoint": "https://partner.example/dscsa",
            "authorization": "Basic c2VjcmV0",
            "ca_bundle": pki.ca,
            "client_certificate": pki.client_cert,
            "client_key": pki.client_key,
        },
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {
        "channel": "dscsa",
        "endpoint": "https://partner.example/dscsa",
        "active": True,
        "authorization_set": True,
        "tls_verify": True,
        "ca_bundle_set": True,
        "client_certificate_set": True,
    }
    assert "BEGIN" not in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "detail"),
    [
        ({"ca_bundle": "not a certificate"}, "ca_bundle", "ca_bundle is not valid PEM"),
        ({"client_certificate": "CLIENT"}, "client_key", "client_certificate and client_key go together"),
        ({"client_key": "KEY"}, "client_key", "client_key is not valid PEM"),
        (
            {"client_certificate": "CLIENT", "client_key": "SERVER_KEY"},
            "client_key",
            "client_key is not the private key of client_certificate",
        ),
    ],
)
def test_channel_api_rejects_bad_tls_material_and_writes_nothing(
    client: FlaskClient,
    auth: dict[str, dict[str, str]],
    unchanged: Any,
    pki: Pki,
    change: dict[str, str],
    field: str,
    detail: str,
) -> None:
    partner = client.post(
        "/api/v1/partners", headers=auth["admin"], json={"gln": PARTNER_GLN, "name": "Partner", "country": "US"}
    )
    url = f"/api/v1/partners/{partner.get_json()['id']}/channels/dscsa"
    body = {"endpoint": "https://partner.example/dscsa", **change}
    if change.get("client_certificate") == "CLIENT":
        body["client_certificate"] = pki.client_cert
    if change.get("client_key") == "SERVER_KEY":  # a real key, of another certificate
        body["client_key"] = pki.server_key
    with unchanged():
        answer = client.put(url, headers=auth["admin"], json=body)
    assert answer.status_code == 422, answer.get_json()
    problem = answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert problem["field"] == field and problem["detail"].startswith(detail)


def test_a_corrected_endpoint_reaches_queued_messages(database: Any, receiver: Receiver) -> None:
    """A message queued for a wrong address goes, after the channel is corrected, to the new one only, so the
    channel's credential never goes to the address it no longer belongs to."""
    wrong = "http://127.0.0.1:9/nowhere"  # nothing listens on the discard port
    channel_id = _channel(database, wrong, auth_header="Bearer old")
    message_id = put(database, wrong, partner_channel_id=channel_id)
    assert worker.deliver_due(database, now=T0, policy=FAST).failed == 1
    with database.write() as session:
        channel = session.get(PartnerChannel, channel_id)
        assert channel is not None
        channel.endpoint, channel.auth_header = receiver.url, "Bearer new"
    assert worker.deliver_due(database, now=T0 + timedelta(hours=1), policy=FAST).delivered == 1
    assert receiver.ids() == [message_id]
    assert receiver.requests[0].headers["Authorization"] == "Bearer new"
    message, _ = row(database, message_id)
    assert message.destination == receiver.url
