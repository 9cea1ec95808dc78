"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1): headers, encoding, TLS, AUTH and faults."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from elearn.extensions import db
from elearn.mail import queue_mail
from elearn.mail.settings import MailUrlError, parse_mail_url
from elearn.models import OutboxItem, User, utcnow
from elearn.outbox import claim, send_due
from tests.smtpd import free_port, make_smtp_server, smtp_certificate, smtp_server  # noqa: F401 (fixtures)

SUBJECT = "【ひきこもり支援者研修】受講期間の終了まであと7日（令和8年度 第1期）"
BODY = "山田 花子 様\n\n必修教材 11 件のうち、完了は 3 件です。①㈱髙橋\n"


@pytest.fixture
def mail_app(app):
    app.config.update(BASE_URL="http://elearn.test", MAIL_FROM="研修事務局 <no-reply@elearn.test>",
                      OUTBOX_RETRY_SECONDS=60, MAIL_TIMEOUT_SECONDS=5)
    return app


def _queue(app, user, kind="reminder_close", count=1, subject=SUBJECT):
    with app.app_context():
        person = db.session.get(User, user.id)
        for n in range(count):
            queue_mail(kind, person, subject if count == 1 else f"{subject} {n}", BODY)
        db.session.commit()


def _items(app):
    with app.app_context():
        return db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)).all()


def _send(app):
    with app.app_context():
        return send_due("mail")


def _make_due(app):
    with app.app_context():
        db.session.execute(update(OutboxItem).where(OutboxItem.status == "queued").values(next_attempt_at=utcnow()))
        db.session.commit()


def test_mail_url_forms():
    """smtp, smtps and file URLs are understood; anything else is refused."""
    plain = parse_mail_url("smtp://user:p%40ss@mail.example.jp:587?starttls=required")
    assert (plain.host, plain.port, plain.username, plain.password, plain.starttls) == \
        ("mail.example.jp", 587, "user", "p@ss", "required")
    assert parse_mail_url("smtps://mail.example.jp").port == 465
    assert parse_mail_url("smtp://relay").port == 25
    assert str(parse_mail_url("file:///var/mail/elearn").path) == "/var/mail/elearn"
    assert "p@ss" not in plain.describe()
    for wrong in ("http://x", "smtp://", "smtp://h?starttls=maybe", "file://"):
        with pytest.raises(MailUrlError):
            parse_mail_url(wrong)


def test_japanese_mail_arrives_with_correct_headers(mail_app, smtp_server, make_user):
    """Subject and body in UTF-8, encoded headers, Message-ID, Date, From, To; the body is dropped after."""
    mail_app.config["MAIL_URL"] = smtp_server.url()
    user = make_user(email="hanako@example.jp", name="山田 花子")
    _queue(mail_app, user)
    assert _send(mail_app).sent == 1
    [received] = smtp_server.received
    assert received.rcpt_tos == ["hanako@example.jp"] and received.mail_from == "no-reply@elearn.test"
    raw_headers = received.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # headers are pure ASCII on the wire
    assert "=?utf-8?" in raw_headers.lower()
    message = received.message
    assert message["Subject"] == SUBJECT
    assert message["To"] == "hanako@example.jp"
    assert message["From"].addresses[0].display_name == "研修事務局"
    assert message["Message-ID"].endswith("@elearn.test>") and message["Date"].datetime is not None
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "必修教材 11 件のうち、完了は 3 件です。①㈱髙橋" in body
    # An optional mail carries RFC 8058 one-click unsubscribe, and the link is in the body too.
    assert message["List-Unsubscribe"].strip().startswith("<http://elearn.test/mail/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip().strip("<>") in body
    [item] = _items(mail_app)
    assert item.status == "sent" and item.payload is None and item.summary == SUBJECT
    assert item.recipient == "hanako@example.jp" and item.sent_at is not None


def test_invitations_carry_no_unsubscribe(mail_app, smtp_server, make_user):
    """Invitations and resets cannot be stopped: no List-Unsubscribe."""
    mail_app.config["MAIL_URL"] = smtp_server.url()
    _queue(mail_app, make_user(), kind="invitation")
    _send(mail_app)
    assert smtp_server.received[0].message["List-Unsubscribe"] is None


def test_starttls_is_used_when_offered(mail_app, make_smtp_server, make_user):
    """A server offering STARTTLS (and requiring it) gets the mail over TLS."""
    server = make_smtp_server("starttls")
    mail_app.config["MAIL_URL"] = server.url()
    _queue(mail_app, make_user())
    assert _send(mail_app).sent == 1
    assert server.received[0].tls


def test_starttls_required_refuses_a_plain_server(mail_app, smtp_server, make_user):
    """?starttls=required sends nothing to a server without STARTTLS and says why."""
    mail_app.config["MAIL_URL"] = smtp_server.url("starttls=required")
    _queue(mail_app, make_user())
    assert _send(mail_app).retried == 1
    assert smtp_server.received == []
    assert "STARTTLS" in _items(mail_app)[0].last_reply


def test_auth_over_starttls(mail_app, make_smtp_server, make_user):
    """user:password in the URL logs in (after STARTTLS); a wrong password is retried, not lost."""
    server = make_smtp_server("auth")
    mail_app.config["MAIL_URL"] = server.url().replace("elearn:", "elearn:wrong")
    _queue(mail_app, make_user())
    assert _send(mail_app).retried == 1
    assert _items(mail_app)[0].status == "queued" and server.received == []
    mail_app.config["MAIL_URL"] = server.url()
    _make_due(mail_app)
    assert _send(mail_app).sent == 1
    assert server.received[0].tls and server.received[0].authenticated


def test_implicit_tls(mail_app, make_smtp_server, make_user):
    """smtps:// speaks TLS from the first byte."""
    server = make_smtp_server("smtps")
    mail_app.config["MAIL_URL"] = server.url()
    _queue(mail_app, make_user())
    assert _send(mail_app).sent == 1
    assert server.received[0].tls


def test_451_then_accept_is_retried_and_sent_once(mail_app, smtp_server, make_user):
    """A temporary 451 keeps the mail queued with the reply; the retry delivers it exactly once."""
    mail_app.config["MAIL_URL"] = smtp_server.url()
    smtp_server.handler.data_replies = ["451 4.3.0 Try again later"]
    _queue(mail_app, make_user())
    assert _send(mail_app).retried == 1
    [item] = _items(mail_app)
    assert item.status == "queued" and item.last_reply.startswith("451") and item.payload is not None
    assert _send(mail_app).total == 0  # the backoff holds it
    _make_due(mail_app)
    assert _send(mail_app).sent == 1
    assert len(smtp_server.received) == 1 and smtp_server.handler.data_attempts == 2


def test_550_fails_with_the_reply(mail_app, smtp_server, make_user):
    """A permanent 550 stops: 失敗 with the server's reply, never retried, body dropped."""
    mail_app.config["MAIL_URL"] = smtp_server.url()
    smtp_server.handler.reject["gone@example.jp"] = "550 5.1.1 <gone@example.jp>: Recipient address rejected"
    _queue(mail_app, make_user(email="gone@example.jp"))
    assert _send(mail_app).failed == 1
    [item] = _items(mail_app)
    assert item.status == "failed" and "550 5.1.1" in item.last_reply and item.payload is None
    _make_due(mail_app)
    assert _send(mail_app).total == 0 and smtp_server.received == []


def test_server_down_then_up(mail_app, make_smtp_server, make_user):
    """While the server is down mails stay queued; when it is back they are sent."""
    server = make_smtp_server("plain", start=False)
    mail_app.config["MAIL_URL"] = server.url()
    _queue(mail_app, make_user(), count=3)
    assert _send(mail_app).retried == 3
    assert {i.status for i in _items(mail_app)} == {"queued"}
    assert "接続できません" in _items(mail_app)[0].last_reply
    server.start()
    _make_due(mail_app)
    assert _send(mail_app).sent == 3
    assert len(server.received) == 3


def test_two_senders_at_once_send_each_mail_once(mail_app, smtp_server, make_user):
    """Two senders (threads, each its own database connection) deliver 60 mails, each exactly once."""
    mail_app.config["MAIL_URL"] = smtp_server.url()
    _queue(mail_app, make_user(), count=60)
    errors = []

    def work(name):
        try:
            with mail_app.app_context():
                send_due("mail", worker=name)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"sender-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert {i.status for i in _items(mail_app)} == {"sent"}


def test_crash_between_claim_and_send_does_not_lose_the_mail(mail_app, smtp_server, make_user):
    """A sender that claimed and died: after its lease, the next sender delivers the mail, once."""
    mail_app.config["MAIL_URL"] = smtp_server.url()
    _queue(mail_app, make_user())
    with mail_app.app_context():
        assert len(claim("mail", 10, "crashed-sender")) == 1
        assert send_due("mail").total == 0 and smtp_server.received == []
        db.session.execute(update(OutboxItem).values(claimed_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert send_due("mail").sent == 1
    assert len(smtp_server.received) == 1


def test_file_backend_writes_eml(mail_app, make_user, tmp_path):
    """file:///folder writes one .eml per mail, readable as the same message."""
    import email
    from email import policy

    mail_app.config["MAIL_URL"] = f"file://{tmp_path / 'mail'}"
    _queue(mail_app, make_user(), count=2)
    assert _send(mail_app).sent == 2
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["Subject"].startswith(SUBJECT) and "髙橋" in message.get_content()


def test_cli_mail_send(mail_app, smtp_server, make_user):
    """`elearn mail send` sends what is due and says how many; without ELEARN_MAIL_URL it refuses."""
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0 and "ELEARN_MAIL_URL" in result.output
    mail_app.config["MAIL_URL"] = smtp_server.url()
    _queue(mail_app, make_user(), count=2)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "送信 2 件" in result.output and len(smtp_server.received) == 2
