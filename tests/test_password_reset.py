"""「パスワードをお忘れの方」: the same answer for any address, a one-hour one-time link by real SMTP,
other sessions ended, limits per IP and per address."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn import create_app
from elearn.extensions import db
from elearn.models import OutboxItem, SetPasswordLink, User, UserSession
from elearn.outbox import send_due
from tests.conftest import PASSWORD, AuthActions, csrf_from
from tests.smtpd import smtp_server  # noqa: F401 (fixture)

NEW_PASSWORD = "あたらしい長い合言葉 staple battery"


@pytest.fixture
def mail_app(app, smtp_server):
    app.config.update(BASE_URL="http://localhost", MAIL_URL=smtp_server.url())
    return app


def _ask(client, email, **kwargs):
    page = client.get("/auth/forgot")
    return client.post("/auth/forgot", data={"email": email, "csrf_token": csrf_from(page.text)}, **kwargs)


def test_login_page_links_to_reset(mail_app, client):
    """The login page offers 「パスワードをお忘れの方」."""
    assert 'href="/auth/forgot">パスワードをお忘れの方' in client.get("/auth/login").text


def test_without_mail_the_page_says_so(app, client):
    """Without ELEARN_MAIL_URL the page explains that an organiser must issue a link, and has no form."""
    page = client.get("/auth/forgot")
    assert "メールを送る設定になっていない" in page.text and "csrf_token" not in page.text


def test_same_answer_whether_or_not_the_address_exists(mail_app, client, make_user):
    """Known and unknown addresses get the same redirect and page; only the known one gets a mail."""
    make_user(email="known@example.jp")
    known = _ask(client, "known@example.jp")
    unknown = _ask(client, "nobody@example.jp")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/auth/forgot/sent"
    with mail_app.app_context():
        assert db.session.scalars(select(OutboxItem.recipient)).all() == ["known@example.jp"]


def test_invalid_address_is_explained(mail_app, client):
    """A malformed address comes back with a Japanese message."""
    response = _ask(client, "not-an-address")
    assert response.status_code == 200 and "メールアドレスの形式が正しくありません。" in response.text


def test_reset_by_mail_end_to_end(mail_app, client, make_user, smtp_server):
    """The mailed link (1 hour, once) sets a new password, signs in and ends the other sessions."""
    user = make_user(email="hanako@example.jp", name="山田 花子")
    other_device = mail_app.test_client()
    AuthActions(other_device).login("hanako@example.jp")
    _ask(client, "hanako@example.jp")
    with mail_app.app_context():
        link_row = db.session.scalar(select(SetPasswordLink).where(SetPasswordLink.user_id == user.id))
        assert link_row.expires_at - link_row.created_at == timedelta(hours=1)
        [item] = db.session.scalars(select(OutboxItem)).all()
        assert item.kind == "password_reset"
        assert send_due("mail").sent == 1
        item = db.session.get(OutboxItem, item.id)
        assert item.payload is None  # the token left with the mail
    [received] = smtp_server.received
    message = received.message
    assert message["Subject"] == "【ひきこもり支援者研修】パスワードの再設定"
    assert message["List-Unsubscribe"] is None  # a reset cannot be unsubscribed from
    body = message.get_content()
    assert "依頼した覚えがない場合" in body
    link = re.search(r"http://localhost(/auth/set-password/\S+)", body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    response = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert "ログアウト" in client.get("/").text  # signed in
    assert other_device.get("/").status_code == 302  # the other session ended
    with mail_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1
    assert client.get(link).status_code == 404  # once only
    assert AuthActions(mail_app.test_client()).login("hanako@example.jp", NEW_PASSWORD).status_code == 302
    assert AuthActions(mail_app.test_client()).login("hanako@example.jp", PASSWORD).status_code == 200


def test_expired_reset_link_does_not_work(mail_app, client, make_user, smtp_server):
    """Past its hour the link is refused."""
    user = make_user(email="late@example.jp")
    _ask(client, "late@example.jp")
    with mail_app.app_context():
        send_due("mail")
        link_row = db.session.scalar(select(SetPasswordLink).where(SetPasswordLink.user_id == user.id))
        link_row.expires_at = link_row.created_at - timedelta(seconds=1)
        db.session.commit()
    link = re.search(r"http://localhost(/auth/set-password/\S+)", smtp_server.received[0].message.get_content()).group(1)
    assert client.get(link).status_code == 404


def test_deactivated_account_gets_no_mail(mail_app, client, make_user):
    """A deactivated account is answered the same and gets nothing."""
    make_user(email="off@example.jp", active=False)
    assert _ask(client, "off@example.jp").status_code == 302
    with mail_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 0


@pytest.mark.parametrize("limits, addresses", [
    ({"RESET_LIMIT_PER_ACCOUNT": "2 per hour", "RESET_LIMIT_PER_IP": "100 per minute"}, ["a@example.jp"] * 3),
    ({"RESET_LIMIT_PER_ACCOUNT": "100 per hour", "RESET_LIMIT_PER_IP": "2 per minute"},
     ["a@example.jp", "b@example.jp", "c@example.jp"]),
])
def test_reset_is_rate_limited(database_url, smtp_server, limits, addresses):
    """Per address (from many IPs) and per IP (over many addresses) the third request gets 429."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "MAIL_URL": smtp_server.url(), "BASE_URL": "http://localhost"} | limits)
    per_ip = "RESET_LIMIT_PER_IP" in limits and limits["RESET_LIMIT_PER_IP"].startswith("2")
    codes = []
    for n, address in enumerate(addresses):
        client = app.test_client()
        remote = "10.0.0.9" if per_ip else f"10.0.1.{n}"
        codes.append(_ask(client, address, environ_base={"REMOTE_ADDR": remote}).status_code)
    assert codes == [302, 302, 429]
    with app.app_context():
        db.engine.dispose()
