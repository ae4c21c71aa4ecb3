"""Email delivery through a real SMTP server (aiosmtpd) on 127.0.0.1:
plain SMTP with AUTH, STARTTLS, implicit TLS, and a relay that refuses."""

import datetime as dt
import email
import email.policy
import ipaddress
import logging
import ssl

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from stationwatch import delivery
from tests.helpers import free_port, start_smtp
from tests.test_digest import SCRIPT, save, statement

PASSWORD = "s3cr%t p@ss"  # URL-encoded in STATIONWATCH_SMTP_URL as s3cr%25t%20p%40ss



class Inbox:
    """aiosmtpd handler: keeps what it received; can refuse every message."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.messages = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.refuse:
            return "554 5.7.1 Message refused by policy"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"watch", PASSWORD.encode())
        self.logins.append((mechanism, auth_data.login.decode(), ok))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def smtp_server():
    """Start an SMTP server on 127.0.0.1; stopped at the end of the test."""
    controllers = []

    def start(inbox, **kwargs):
        controller = start_smtp(inbox, **kwargs)
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        controller.stop()


def config(tmp_path, url, **env):
    return delivery.DeliveryConfig.from_env(str(tmp_path / "s.db"), {
        "STATIONWATCH_DIGEST_DIR": str(tmp_path / "digests"),
        "STATIONWATCH_DIGEST_TO": "researcher@example.org, Desk <desk@example.org>",
        "STATIONWATCH_DIGEST_FROM": "stationwatch@example.org",
        "STATIONWATCH_SMTP_URL": url,
        **env,
    })


def test_digest_email_parts_and_headers(db, tmp_path, smtp_server, caplog):
    inbox = Inbox()
    controller = smtp_server(inbox, authenticator=inbox.authenticate, auth_require_tls=False)
    save(db, statement("hc-1", body="Home Office", speaker="Tom Tugendhat", speaker_role="Security Minister",
                       title=f"Police stations {SCRIPT}", text=f"We are investigating {SCRIPT}."))
    caplog.set_level(logging.DEBUG)
    url = f"smtp://watch:s3cr%25t%20p%40ss@127.0.0.1:{controller.port}"
    result = delivery.deliver(db, config(tmp_path, url))

    (mechanism, login, accepted), = inbox.logins
    assert (login, accepted) == ("watch", True)  # the URL-encoded password arrived decoded
    (mail_from, rcpt_tos, message), = inbox.messages
    assert mail_from == "stationwatch@example.org"
    assert rcpt_tos == ["researcher@example.org", "desk@example.org"]
    assert message["Subject"] == f"stationwatch {result.digest.created_at[:10]}: 1 new, 0 updates"
    assert message["From"] == "stationwatch@example.org"
    assert message["To"] == "researcher@example.org, desk@example.org"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@example.org>")
    assert abs(message["Date"].datetime - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(hours=1)
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert text_part.get_content_type() == "text/plain" and html_part.get_content_type() == "text/html"
    text, html = text_part.get_content(), html_part.get_content()
    assert f"* Police stations {SCRIPT}" in text  # plain text: the characters as they are
    assert "  Tom Tugendhat, Security Minister" in text
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "<strong>Tom Tugendhat</strong>, Security Minister" in html
    assert json_list(db, "SELECT channels FROM digests") == ["markdown", "atom", "email"]
    assert db.execute("SELECT COUNT(*) FROM statements WHERE digest_id IS NULL").fetchone()[0] == 0
    # The password never reaches a log line.
    assert "s3cr" not in caplog.text and "watch@127.0.0.1:" in caplog.text


def json_list(db, sql):
    import json

    return json.loads(db.execute(sql).fetchone()[0])


def test_a_refused_delivery_marks_nothing_and_the_next_delivers_all(db, tmp_path, smtp_server):
    save(db, statement("r1"), statement("r2", text="second text"))
    refusing = smtp_server(Inbox(refuse=True))
    with pytest.raises(delivery.DeliveryError, match="554"):
        delivery.deliver(db, config(tmp_path, f"smtp://127.0.0.1:{refusing.port}"))
    assert db.execute("SELECT COUNT(*) FROM statements WHERE digest_id IS NULL").fetchone()[0] == 2
    assert db["digests"].count == 0
    assert not (tmp_path / "digests").exists()  # no Markdown file for an undelivered digest

    save(db, statement("r3", text="third text"))  # the next cycle found one more
    inbox = Inbox()
    working = smtp_server(inbox)
    result = delivery.deliver(db, config(tmp_path, f"smtp://127.0.0.1:{working.port}"))
    assert result.digest.new_count == 3
    (_, _, message), = inbox.messages
    text = message.get_body(("plain",)).get_content()
    assert all(f"Test statement {r}" in text for r in ("r1", "r2", "r3"))

    delivery.deliver(db, config(tmp_path, f"smtp://127.0.0.1:{working.port}"))
    assert inbox.messages[1][2]["Subject"].endswith(": nothing new")
    assert inbox.messages[1][2].get_body(("plain",)).get_content().startswith("stationwatch: nothing new since ")


def test_a_wrong_password_is_a_delivery_error_without_the_password(db, tmp_path, smtp_server):
    inbox = Inbox()
    controller = smtp_server(inbox, authenticator=inbox.authenticate, auth_require_tls=False)
    save(db, statement("w1"))
    with pytest.raises(delivery.DeliveryError, match="SMTPAuthenticationError") as error:
        delivery.deliver(db, config(tmp_path, f"smtp://watch:wrong-secret@127.0.0.1:{controller.port}"))
    assert "wrong-secret" not in str(error.value)
    assert inbox.messages == [] and db["digests"].count == 0


def test_an_unreachable_relay_marks_nothing(db, tmp_path):
    save(db, statement("u1"))
    with pytest.raises(delivery.DeliveryError, match=r"smtp://watch@127.0.0.1:\d+ failed: ConnectionRefusedError") as error:
        delivery.deliver(db, config(tmp_path, f"smtp://watch:s3cr%25t@127.0.0.1:{free_port()}"))
    assert "s3cr" not in str(error.value)
    assert db.execute("SELECT COUNT(*) FROM statements WHERE digest_id IS NULL").fetchone()[0] == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, trusted through SSL_CERT_FILE."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def server_context(certificate):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_starttls(db, tmp_path, smtp_server, certificate, monkeypatch):
    inbox = Inbox()
    controller = smtp_server(inbox, tls_context=server_context(certificate), require_starttls=True,
                             authenticator=inbox.authenticate)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    save(db, statement("t1"))
    delivery.deliver(db, config(tmp_path, f"smtp+starttls://watch:s3cr%25t%20p%40ss@127.0.0.1:{controller.port}"))
    assert len(inbox.messages) == 1 and inbox.logins[0][2] is True


def test_starttls_refuses_an_untrusted_certificate(db, tmp_path, smtp_server, certificate, monkeypatch):
    controller = smtp_server(Inbox(), tls_context=server_context(certificate), require_starttls=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    save(db, statement("t2"))
    with pytest.raises(delivery.DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        delivery.deliver(db, config(tmp_path, f"smtp+starttls://127.0.0.1:{controller.port}"))
    assert db.execute("SELECT COUNT(*) FROM statements WHERE digest_id IS NULL").fetchone()[0] == 1


def test_implicit_tls(db, tmp_path, smtp_server, certificate, monkeypatch):
    inbox = Inbox()
    controller = smtp_server(inbox, ssl_context=server_context(certificate))
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    save(db, statement("s1"))
    delivery.deliver(db, config(tmp_path, f"smtps://127.0.0.1:{controller.port}"))
    assert len(inbox.messages) == 1
