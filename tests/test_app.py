"""The app factory, configuration, security headers, error pages and health check."""
from __future__ import annotations

import pytest

from elearn import InsecureConfigError, create_app


@pytest.mark.parametrize("key", ["", "dev", "short-key"])
def test_refuses_to_start_without_a_real_secret_key(monkeypatch, key):
    """Outside debug/testing the app will not start without ELEARN_SECRET_KEY; the message says what to set."""
    monkeypatch.setenv("ELEARN_SECRET_KEY", key)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(InsecureConfigError, match="ELEARN_SECRET_KEY"):
        create_app()


def test_starts_with_a_real_secret_key_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("ELEARN_SECRET_KEY", "k" * 16 + "0123456789abcdef0123")
    monkeypatch.setenv("ELEARN_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("ELEARN_DATABASE_URL", f"sqlite:///{tmp_path / 'y.sqlite3'}")
    monkeypatch.setenv("ELEARN_CONTENT_DIR", str(tmp_path))
    monkeypatch.setenv("ELEARN_RATELIMIT_STORAGE_URL", "memory://")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("y.sqlite3")
    assert app.config["CONTENT_DIR"] == str(tmp_path)


def test_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    for part in ("script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                 "img-src 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client, auth, make_user, content):
    auth.login(make_user().email)
    for url in ("/", "/courses/", "/courses/initial/", "/courses/initial/t-alpha", "/cases/", "/cases/t-case"):
        html = client.get(url).text
        assert "<script>" not in html and " on" + "click=" not in html, url


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


def test_healthz_fails_when_database_is_down(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    assert app.test_client().get("/healthz").status_code == 503


def test_error_pages_are_japanese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "ページが見つかりません" in response.text


def test_request_body_limit(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/auth/login", data={"email": "a" * 5000})
    assert response.status_code == 413 and "大きすぎます" in response.text


def test_unexpected_error_shows_no_traceback(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "システムでエラーが発生しました" in response.text and "secret detail" not in response.text
    assert "Traceback" not in response.text


def test_trusted_proxy_supplies_the_client_address(database_url):
    """With ELEARN_TRUSTED_PROXIES=1 the per-IP login limit counts the client behind the proxy."""
    from tests.conftest import csrf_from

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute", "LOGIN_LIMIT_PER_IP": "1 per minute",
                      "TRUSTED_PROXIES": 1})
    client = app.test_client()
    codes = []
    for client_ip in ("203.0.113.1", "203.0.113.2", "203.0.113.2"):
        page = client.get("/auth/login")
        codes.append(client.post("/auth/login", headers={"X-Forwarded-For": client_ip}, data={
            "email": "x@example.jp", "password": "wrong password", "csrf_token": csrf_from(page.text)}).status_code)
    assert codes == [200, 200, 429]


SHEET_SECRET = "母親に知られたくない相談内容-7Q"


def _break_the_save(monkeypatch, how: str):
    """Make the real sheet save fail in the database with the sheet's text in the statement."""
    from elearn.cases import routes, services

    def save_sheet(user_id, case, values):
        if how == "foreign key":
            return services.save_sheet(2**31 - 1, case, values)  # no such user
        sheet = services.save_sheet(user_id, case, values)
        sheet.module_id = None  # PostgreSQL: "DETAIL: Failing row contains (…, <the sheet's text>, …)"
        return sheet

    monkeypatch.setattr(routes, "save_sheet", save_sheet)


def _logged(records) -> str:
    import logging

    formatter = logging.Formatter()
    return "\n".join(formatter.format(record) for record in records)


@pytest.mark.parametrize("how", ["foreign key", "not null"])
def test_failed_save_logs_no_sheet_text(app, client, auth, make_user, content, monkeypatch, caplog, how):
    """A database error while saving a 事例検討シート is logged (with the statement) but without the text."""
    from tests.conftest import csrf_from

    auth.login(make_user().email)
    _break_the_save(monkeypatch, how)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    token = csrf_from(client.get("/cases/t-case").text)
    with caplog.at_level("DEBUG"):
        response = client.post("/cases/t-case/sheet", data={"csrf_token": token, "issues": SHEET_SECRET})
    assert response.status_code == 500 and "システムでエラーが発生しました" in response.text
    log = _logged(caplog.records)
    assert SHEET_SECRET not in log
    assert "Exception on /cases/t-case/sheet [POST]: IntegrityError" in log and "INSERT INTO case_sheets" in log


def test_database_errors_hide_parameters(app, make_user, content):
    """The engine leaves parameters out of its errors, so no handler or log can print them."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from elearn.cases.services import save_sheet
    from elearn.extensions import db
    from elearn.models import Module

    make_user()
    with app.app_context():
        case = db.session.scalar(select(Module).where(Module.slug == "t-case"))
        save_sheet(2**31 - 1, case, {"issues": SHEET_SECRET})
        with pytest.raises(IntegrityError) as raised:
            db.session.commit()
        db.session.rollback()
    assert "INSERT INTO case_sheets" in str(raised.value) and SHEET_SECRET not in str(raised.value)


def _production_like(database_url, **settings):
    """Secure cookies and one trusted reverse proxy, as in the README's production line."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SESSION_COOKIE_SECURE": True,
                       "TRUSTED_PROXIES": 1, **settings})


def test_hsts_over_https_behind_the_proxy(database_url):
    client = _production_like(database_url).test_client()
    for url in ("/auth/login", "/healthz", "/no-such-page"):
        response = client.get(url, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", url


def test_hsts_include_subdomains_is_a_setting(database_url, monkeypatch):
    monkeypatch.setenv("ELEARN_HSTS_INCLUDE_SUBDOMAINS", "1")
    response = _production_like(database_url).test_client().get(
        "/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_hsts_on_plain_http(database_url):
    """Plain http, and an X-Forwarded-Proto nobody said to trust, get no HSTS."""
    client = _production_like(database_url).test_client()
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    untrusted = _production_like(database_url, TRUSTED_PROXIES=0).test_client()
    assert "Strict-Transport-Security" not in untrusted.get(
        "/auth/login", headers={"X-Forwarded-Proto": "https"}).headers
    assert "Strict-Transport-Security" in untrusted.get("/auth/login", base_url="https://localhost").headers


def test_static_files_have_versioned_urls_and_a_long_lifetime(client):
    """Pages link static files with a content hash, and those files may be cached for a year."""
    import re

    page = client.get("/auth/login").text
    urls = re.findall(r'(/static/[^"?]+)\?v=([0-9a-f]{12})"', page)
    assert {path for path, _ in urls} >= {"/static/css/app.css", "/static/js/app.js"}
    response = client.get(f"{urls[0][0]}?v={urls[0][1]}")
    assert response.status_code == 200 and "max-age=31536000" in response.headers["Cache-Control"]
