"""Security events reach the application log: refused access, failed logins, lockouts and credential
actions, with ids, route and address, and nothing anyone wrote or their email."""
from __future__ import annotations

import logging
import secrets

import pytest

from elearn import create_app
from elearn.extensions import db
from elearn.models import Role

from .conftest import PASSWORD, csrf_from


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="elearn.security")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "elearn.security"]


def test_refused_exports_are_logged_with_who_and_where(client, auth, make_user, make_cohort, content, security_log):
    """Four 403s of a learner at organiser exports leave four lines naming the account, route and address."""
    learner = make_user(name="山田 花子", email="hanako@example.jp")
    cohort = make_cohort([make_user(Role.ORGANISER)], [learner])
    auth.login(learner.email)
    for url in ("completion.csv", "completion.xlsx", "roster.csv", "roster.xlsx"):
        assert client.get(f"/organiser/cohorts/{cohort.id}/{url}").status_code == 403
    lines = [line for line in security_log() if line.startswith("access_denied")]
    assert len(lines) == 4
    assert all(f"user={learner.id} role=learner" in line and "status=403" in line and "ip=127.0.0.1" in line
               for line in lines)
    assert "route=organiser.completion_download" in lines[0] and "route=organiser.roster_download" in lines[3]
    assert not any("hanako" in line or "山田" in line for line in security_log())


def test_failed_logins_name_the_account_not_the_email(auth, make_user, security_log):
    user = make_user(email="someone@example.jp")
    auth.login(user.email, "a wrong password")
    auth.login("nobody-here@example.jp", "a wrong password")
    failed = [line for line in security_log() if line.startswith("login_failed")]
    assert len(failed) == 2
    assert f"account={user.id}" in failed[0] and "account=unknown" in failed[1]
    assert not any("example.jp" in line or "wrong" in line for line in security_log())


def test_lockout_is_logged(database_url, make_user, security_log):
    """Past the per-account limit the login answers 429 and the lockout is logged."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "LOGIN_LIMIT_PER_ACCOUNT": "2 per minute", "LOGIN_LIMIT_PER_IP": "100 per minute"})
    user = make_user(email=f"locked-{secrets.token_hex(4)}@example.jp")
    client = app.test_client()
    codes = []
    for _ in range(3):
        page = client.get("/auth/login")
        codes.append(client.post("/auth/login", data={"email": user.email, "password": "a wrong password",
                                                      "csrf_token": csrf_from(page.text)}).status_code)
    assert codes == [200, 200, 429]
    locked = [line for line in security_log() if line.startswith("login_locked")]
    assert len(locked) == 1 and f"account={user.id}" in locked[0] and "route=auth.login" in locked[0]


def test_credential_actions_on_others_are_logged(client, auth, make_user, security_log):
    """An admin issuing a link, changing a role and deactivating an account: each is a line."""
    admin, target = make_user(Role.ADMIN), make_user()
    auth.login(admin.email)
    token = csrf_from(client.get("/admin/users").text)
    client.post(f"/admin/users/{target.id}/set-password-link", data={"csrf_token": token})
    client.post(f"/admin/users/{target.id}/role", data={"csrf_token": token, "role": "organiser"})
    client.post(f"/admin/users/{target.id}/active", data={"csrf_token": token})
    events = [line.split()[0] for line in security_log() if f"target={target.id}" in line]
    assert events == ["set_password_link_issued", "role_changed", "account_deactivated"]
    assert all(f"user={admin.id} role=admin" in line for line in security_log() if f"target={target.id}" in line)
    assert PASSWORD not in " ".join(security_log())
