"""Signing in and out, sessions, passwords and set-password links."""
from __future__ import annotations

import re

import pytest

from elearn import create_app
from elearn.auth.services import issue_set_password_link
from elearn.extensions import db
from elearn.models import Role, User

from .conftest import PASSWORD, csrf_from


def test_login_and_logout(client, auth, make_user):
    """A learner logs in, sees the dashboard, logs out and is sent to the login page."""
    user = make_user()
    response = auth.login(user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "ダッシュボード" in client.get("/").text
    auth.logout()
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_unknown_email_and_wrong_password_get_the_same_answer(auth, make_user):
    """The login form never tells whether an account exists."""
    user = make_user()
    wrong_password = auth.login(user.email, "wrong password here")
    auth.client.cookie_jar.clear() if hasattr(auth.client, "cookie_jar") else None
    unknown = auth.login("nobody@example.jp", "wrong password here")
    assert wrong_password.status_code == unknown.status_code == 200
    assert "メールアドレスまたはパスワードが正しくありません。" in wrong_password.text
    assert "メールアドレスまたはパスワードが正しくありません。" in unknown.text


def test_deactivated_account_cannot_log_in(auth, make_user):
    user = make_user(active=False)
    assert auth.login(user.email).status_code == 200


def test_copied_cookie_stops_working_after_logout(app, client, auth, make_user):
    """Logout ends the server-side session: a cookie copied before logout no longer logs in."""
    user = make_user()
    auth.login(user.email)
    stolen = client.get_cookie("elearn_session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("elearn_session", stolen)
    assert thief.get("/").status_code == 302


def test_session_is_renewed_at_login(app, client, auth, make_user):
    """A session cookie planted before login is not the one used after login."""
    user = make_user()
    client.get("/auth/login")
    before = client.get_cookie("elearn_session").value
    auth.login(user.email)
    assert client.get_cookie("elearn_session").value != before
    attacker = app.test_client()
    attacker.set_cookie("elearn_session", before)
    assert attacker.get("/").status_code == 302


def test_password_change_ends_other_sessions(app, client, auth, make_user):
    """Changing the password logs out every other browser but keeps this one."""
    user = make_user()
    other = app.test_client()
    from .conftest import AuthActions
    AuthActions(other).login(user.email)
    auth.login(user.email)
    page = client.get("/auth/password")
    new = "新しい合言葉をここに書きます2026"
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": new, "confirm": new,
        "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    auth.logout()
    assert auth.login(user.email, new).status_code == 302


@pytest.mark.parametrize("password, message", [
    ("short", "10文字以上"),
    ("aaaaaaaaaaaa", "同じ文字の繰り返し"),
    ("password123", "よく使われていて"),
    ("1234567890", "よく使われていて"),
    ("abcdefghijk", "連続した文字"),
])
def test_weak_passwords_refused(client, auth, make_user, password, message):
    """Trivially weak passwords are refused with a Japanese reason tied to the field."""
    user = make_user()
    auth.login(user.email)
    page = client.get("/auth/password")
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": password, "confirm": password,
        "csrf_token": csrf_from(page.text)})
    assert response.status_code == 200
    assert message in response.text
    assert 'id="new_password-error"' in response.text and 'aria-invalid="true"' in response.text


@pytest.mark.parametrize("password", ["4815162342", "1234554321", "q1w2e3r4t5", "michael123!", "Baseball12",
                                      "hikikomori", "elearning2026"])
def test_common_passwords_come_from_a_maintained_list(password):
    """The policy knows tens of thousands of common passwords (zxcvbn's list), not a short list of its own."""
    from elearn.passwords import _common_passwords, password_problem

    assert len(_common_passwords()) >= 10_000
    assert "よく使われていて" in (password_problem(password) or "")


@pytest.mark.parametrize("password", ["ひきこもり支援の研修を受けています", "研修で学んだことを明日からの支援に生かしたいと思います。" * 8, "長いパスフレーズ with spaces 2026!"])
def test_long_and_japanese_passwords_accepted(client, auth, make_user, password):
    user = make_user()
    auth.login(user.email)
    page = client.get("/auth/password")
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": password, "confirm": password,
        "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    auth.logout()
    assert auth.login(user.email, password).status_code == 302


def test_password_hash_is_argon2id_at_owasp_parameters(make_user, app):
    from elearn.passwords import hash_password
    digest = hash_password("ひきこもり支援の研修を受けています")
    assert digest.startswith("$argon2id$") and "m=19456,t=2,p=1" in digest


def test_post_without_csrf_token_is_refused(client, make_user):
    """Every form is CSRF-protected: a login POST without a token gets 400, in Japanese."""
    user = make_user()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "フォームの有効期限が切れたか" in response.text


@pytest.mark.parametrize("target, expected", [
    ("/courses/", "/courses/"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_only_redirects_within_the_site(auth, make_user, target, expected):
    user = make_user()
    response = auth.login(user.email, next=target)
    assert response.headers["Location"] == expected


def _issue(app, user_id: int) -> str:
    with app.app_context():
        token = issue_set_password_link(db.session.get(User, user_id), None)
        db.session.commit()
        return token


def test_set_password_link_works_once(app, client, auth, make_user):
    """A set-password link sets the password once; the second use is refused."""
    user = make_user(password_hash=None)
    token = _issue(app, user.id)
    page = client.get(f"/auth/set-password/{token}")
    assert page.status_code == 200
    new = "はじめてのパスワードです2026"
    response = client.post(f"/auth/set-password/{token}", data={
        "new_password": new, "confirm": new, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302 and response.headers["Location"] == "/"  # signed in, at the dashboard
    welcome = client.get("/").text
    assert "パスワードを設定しました" in welcome and user.email in welcome
    auth.logout()
    assert auth.login(user.email, new).status_code == 302
    again = client.get(f"/auth/set-password/{token}")
    assert again.status_code == 404 and "このリンクは使えません" in again.text


def test_expired_link_is_refused(app, client, make_user):
    from datetime import timedelta
    user = make_user(password_hash=None)
    app.config["SET_PASSWORD_LINK_LIFETIME"] = timedelta(seconds=-1)
    token = _issue(app, user.id)
    assert client.get(f"/auth/set-password/{token}").status_code == 404


def test_new_link_replaces_the_old_one(app, client, make_user):
    user = make_user(password_hash=None)
    first = _issue(app, user.id)
    second = _issue(app, user.id)
    assert client.get(f"/auth/set-password/{first}").status_code == 404
    assert client.get(f"/auth/set-password/{second}").status_code == 200


def test_login_rate_limited_per_account(database_url, make_user):
    """Repeated failures against one account get 429 with a Japanese page, even from new IPs."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute", "LOGIN_LIMIT_PER_IP": "100 per minute"})
    with app.app_context():
        from elearn.cli import create_user
        create_user("target@example.jp", Role.LEARNER, "対象")
        db.session.commit()
    codes = []
    for attempt in range(5):
        client = app.test_client()
        page = client.get("/auth/login")
        response = client.post("/auth/login", environ_base={"REMOTE_ADDR": f"10.0.0.{attempt}"}, data={
            "email": "target@example.jp", "password": "wrong password", "csrf_token": csrf_from(page.text)})
        codes.append(response.status_code)
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
    assert "短時間に操作が集中しました" in response.text
    assert re.search(r"約\d+分待ってから、もう一度お試しください", response.text)  # how long to wait
    assert 'href="/auth/login">ログイン画面に戻る' in response.text
    with app.app_context():
        db.session.execute(db.delete(User))
        db.session.commit()
        db.engine.dispose()


def test_login_rate_limited_per_ip(database_url):
    """Many accounts tried from one address are limited too."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute", "LOGIN_LIMIT_PER_IP": "2 per minute"})
    client = app.test_client()
    codes = []
    for attempt in range(3):
        page = client.get("/auth/login")
        codes.append(client.post("/auth/login", data={
            "email": f"n{attempt}@example.jp", "password": "wrong password",
            "csrf_token": csrf_from(page.text)}).status_code)
    assert codes == [200, 200, 429]
    with app.app_context():
        db.engine.dispose()


def _redis_up() -> bool:
    import socket
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


WORKER_SCRIPT = """
import re, sys
from elearn import create_app
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_ENABLED": True,
                  "RATELIMIT_STORAGE_URI": sys.argv[2], "LOGIN_LIMIT_PER_ACCOUNT": "2 per minute",
                  "LOGIN_LIMIT_PER_IP": "100 per minute"})
client = app.test_client()
page = client.get("/auth/login").text
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
print(client.post("/auth/login", data={"email": "shared@example.jp", "password": "wrong password",
                                        "csrf_token": token}).status_code)
"""


def _login_in_separate_processes(database_url: str, storage: str, times: int) -> list[int]:
    import subprocess
    import sys

    return [int(subprocess.run([sys.executable, "-c", WORKER_SCRIPT, database_url, storage], check=True,
                               capture_output=True, text=True).stdout.split()[-1]) for _ in range(times)]


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_login_limit_holds_across_workers_with_redis(database_url):
    """With ELEARN_RATELIMIT_STORAGE_URL set to Redis, separate worker processes share one count."""
    import redis

    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    assert _login_in_separate_processes(database_url, "redis://127.0.0.1:6379/15", 4) == [200, 200, 429, 429]


def test_in_memory_limits_are_per_process(database_url):
    """Without Redis each worker process counts alone (why the README says to set the Redis URL)."""
    assert _login_in_separate_processes(database_url, "memory://", 3) == [200, 200, 200]
