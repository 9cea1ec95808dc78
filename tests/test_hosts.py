"""Host header and absolute links: unknown hosts get 400, and links are built from ELEARN_BASE_URL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn import create_app
from elearn.extensions import db
from elearn.models import Role, SetPasswordLink

from .conftest import PASSWORD, csrf_from

SECRET = "a-real-secret-key-for-this-test-only-0123456789"


def _issue_link_as_admin(client, make_user, host: str = "localhost"):
    """Sign in as a new admin and issue a link for a new learner, every request on ``host``."""
    admin, target = make_user(Role.ADMIN), make_user()
    base = f"http://{host}"
    page = client.get("/auth/login", base_url=base)
    client.post("/auth/login", base_url=base, data={"email": admin.email, "password": PASSWORD,
                                                    "csrf_token": csrf_from(page.text)})
    token = csrf_from(client.get("/admin/users", base_url=base).text)
    return target, client.post(f"/admin/users/{target.id}/set-password-link", data={"csrf_token": token},
                               base_url=base)


@pytest.fixture
def site(database_url):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                       "BASE_URL": "https://elearn.example.jp/", "ALLOWED_HOSTS": "elearn.example.jp, internal.example"})


def test_unknown_hosts_are_refused(site):
    client = site.test_client()
    assert client.get("/auth/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/auth/login", headers={"Host": "elearn.example.jp"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "internal.example:8000"}).status_code == 200


def test_hosts_default_to_the_base_url(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "BASE_URL": "https://pref.example/"})
    assert app.config["TRUSTED_HOSTS"] == ["pref.example"] and app.config["BASE_URL"] == "https://pref.example"
    assert app.test_client().get("/auth/login", headers={"Host": "evil.example"}).status_code == 400


def test_links_use_the_base_url_not_the_host_header(site, make_user):
    """A link issued through another allowed host still points at ELEARN_BASE_URL."""
    _, response = _issue_link_as_admin(site.test_client(), make_user, "internal.example")
    assert response.status_code == 200
    assert 'value="https://elearn.example.jp/auth/set-password/' in response.text
    assert "internal.example" not in response.text


def test_without_base_url_in_production_no_link_is_issued(database_url, make_user):
    """Outside debug and tests, a missing ELEARN_BASE_URL is a clear Japanese refusal, not a poisoned link."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET, "SESSION_COOKIE_SECURE": False,
                      "RATELIMIT_ENABLED": False, "CONTENT_CACHE_SECONDS": 0})
    client = app.test_client()
    target, response = _issue_link_as_admin(client, make_user)
    assert response.status_code == 503 and "ELEARN_BASE_URL" in response.text
    with app.app_context():
        assert db.session.scalar(select(SetPasswordLink.id).where(SetPasswordLink.user_id == target.id)) is None
