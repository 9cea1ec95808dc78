"""The audit log: actions recorded in their own transaction, the admin page, its filters and CSV, append-only."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from elearn import audit
from elearn.extensions import db
from elearn.models import AuditEntry, Role
from elearn.models.audit import AppendOnlyError

from .conftest import csrf_from


def _entries(app, action=None):
    with app.app_context():
        statement = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            statement = statement.where(AuditEntry.action == action)
        return [(e.action, e.actor_id, e.target_type, e.target_id, e.details, e.ip)
                for e in db.session.scalars(statement)]


def test_role_change_deactivation_and_link_are_recorded_with_who_and_where(app, client, auth, make_user):
    admin = make_user(Role.ADMIN)
    target = make_user()
    auth.login(admin.email)
    token = csrf_from(client.get("/admin/users").text)
    client.post(f"/admin/users/{target.id}/role", data={"role": "organiser", "csrf_token": token},
                environ_base={"REMOTE_ADDR": "192.0.2.7"})
    client.post(f"/admin/users/{target.id}/active", data={"csrf_token": token})
    client.post(f"/admin/users/{target.id}/set-password-link", data={"csrf_token": token})
    entries = _entries(app)
    assert entries[0] == ("role_changed", admin.id, "user", target.id,
                          {"old_role": "learner", "new_role": "organiser"}, "192.0.2.7")
    assert [e[0] for e in entries] == ["role_changed", "account_deactivated", "set_password_link_issued"]
    assert all(e[1] == admin.id and e[3] == target.id for e in entries)


def test_a_refused_action_records_nothing(app, client, auth, make_user):
    admin = make_user(Role.ADMIN)
    auth.login(admin.email)
    token = csrf_from(client.get("/admin/users").text)
    client.post(f"/admin/users/{admin.id}/role", data={"role": "learner", "csrf_token": token})
    assert _entries(app) == []


def test_entry_rolls_back_with_its_action(app, make_user):
    target = make_user()
    with app.app_context():
        audit.record("role_changed", db.session.get(type(target), target.id), new_role="admin")
        db.session.rollback()
    assert _entries(app) == []


def test_entries_cannot_be_changed_or_deleted(app, make_user):
    with app.app_context():
        entry = audit.record("retention_run", target_type="retention")
        db.session.commit()
        entry.action = "role_changed"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AppendOnlyError):
            db.session.delete(db.session.get(AuditEntry, entry.id))
            db.session.commit()
        db.session.rollback()
    assert [e[0] for e in _entries(app)] == ["retention_run"]


def test_admin_page_filters_and_exports_csv(app, client, auth, make_user):
    admin = make_user(Role.ADMIN)
    first, second = make_user(), make_user()
    with app.app_context():
        audit.record("role_changed", db.session.get(type(first), first.id), new_role="organiser")
        audit.record("account_deactivated", db.session.get(type(second), second.id))
        db.session.commit()
    auth.login(admin.email)
    page = client.get("/admin/audit?action=account_deactivated")
    assert page.status_code == 200 and "アカウント停止" in page.text
    assert f"user {second.id}" in page.text and f"user {first.id}" not in page.text
    assert f"user {first.id}" in client.get(f"/admin/audit?target={first.id}").text
    bad = client.get("/admin/audit?action=nope&actor=abc&since=2026-13-01")
    assert bad.status_code == 200
    assert "操作の種類を一覧から選んでください" in bad.text and "数字で入力" in bad.text and "2026-04-01 の形" in bad.text
    response = client.get("/admin/audit.csv?action=role_changed")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "日時" and len(rows) == 2 and rows[1][1] == "役割の変更" and rows[1][5] == str(first.id)
    assert "audit_exported" in [e[0] for e in _entries(app)]


def test_cohort_organiser_change_is_recorded(app, client, auth, make_user, content):
    from elearn.models import Cohort
    admin = make_user(Role.ADMIN)
    organiser = make_user(Role.ORGANISER)
    auth.login(admin.email)
    form = client.get("/organiser/cohorts/new")
    response = client.post("/organiser/cohorts/new", data={
        "csrf_token": csrf_from(form.text), "name": "監査テスト研修", "curriculum": "initial",
        "opens_on": "2026-04-01", "closes_on": "2026-06-30", "capacity": "30", "days": "",
        "venue": "会館", "organisers": organiser.email})
    assert response.status_code == 302, response.text
    with app.app_context():
        cohort_id = db.session.scalar(select(Cohort.id))
    assert _entries(app, "cohort_organisers_changed") == [
        ("cohort_organisers_changed", admin.id, "cohort", cohort_id, {"added": [organiser.id], "removed": []}, "127.0.0.1")]
