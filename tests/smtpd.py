"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 (a free port), with STARTTLS, implicit TLS,
AUTH and scripted faults (4xx/5xx replies), recording every message it accepted."""
from __future__ import annotations

import email
import socket
import ssl
import subprocess
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, SECRET = "elearn", "smtp-secret-9f3k"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with the openssl command (the client trusts it as its CA)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    tls: bool
    authenticated: bool

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)


class Handler:
    """Accepts mail, except where told: ``data_replies`` answer DATA in turn, ``reject`` refuses addresses."""

    def __init__(self):
        self.received: list[Received] = []
        self.data_replies: list[str] = []
        self.reject: dict[str, str] = {}
        self.data_attempts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_attempts += 1
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                                      tls=server.transport.get_extra_info("ssl_object") is not None, authenticated=bool(session.authenticated)))
        return "250 Message accepted for delivery"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and \
        auth_data.password == SECRET.encode()
    return AuthResult(success=ok)


class SmtpServer:
    """One aiosmtpd server; ``start()``/``stop()`` may be called again (the same port)."""

    def __init__(self, port: int, mode: str = "plain", cert: tuple[Path, Path] | None = None):
        self.port, self.mode, self.cert = port, mode, cert
        self.handler = Handler()
        self.controller: Controller | None = None

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*map(str, self.cert))
        return context

    def start(self) -> SmtpServer:
        options = {}
        if self.mode in ("starttls", "auth"):
            options |= {"tls_context": self._context(), "require_starttls": True}
        if self.mode == "auth":
            options |= {"authenticator": _authenticator, "auth_required": True, "auth_require_tls": True}
        if self.mode == "smtps":
            options |= {"ssl_context": self._context(), "server_hostname": "127.0.0.1"}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def url(self, query: str = "") -> str:
        cafile = f"cafile={self.cert[0]}" if self.cert else ""
        params = "&".join(p for p in (query, cafile) if p)
        scheme = "smtps" if self.mode == "smtps" else "smtp"
        user = f"{USER}:{SECRET}@" if self.mode == "auth" else ""
        return f"{scheme}://{user}127.0.0.1:{self.port}" + (f"?{params}" if params else "")


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("smtp"))


@pytest.fixture
def smtp_server():
    """A plain SMTP relay on 127.0.0.1 (no STARTTLS offered), as a local relay would be."""
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def make_smtp_server(smtp_certificate):
    """``make_smtp_server("starttls" | "auth" | "smtps" | "plain", start=True)``."""
    servers = []

    def make(mode="plain", start=True, port=None):
        server = SmtpServer(port or free_port(), mode, smtp_certificate if mode != "plain" else None)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()
