"""Retention: each rule removes only what is older than its period; a run is idempotent and audited."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from elearn import audit
from elearn.auth.services import issue_set_password_link
from elearn.extensions import db
from elearn.models import (AuditEntry, BoardAuthorReveal, Cohort, RosterImport, SetPasswordLink, User, UserSession,
                           utcnow)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_retention_run_removes_old_rows_only_and_is_idempotent(app, runner, make_user, make_cohort):
    organiser = make_user()
    old_inactive = make_user(active=False)
    recent_inactive = make_user(active=False)
    active_old = make_user()
    cohort = make_cohort()
    now = utcnow()
    long_ago = now - timedelta(days=800)
    with app.app_context():
        db.session.add_all([
            RosterImport(cohort_id=cohort.id, created_by_id=organiser.id, created_at=now - timedelta(days=2)),
            RosterImport(cohort_id=cohort.id, created_by_id=organiser.id, created_at=now - timedelta(hours=2)),
            RosterImport(cohort_id=cohort.id, created_by_id=organiser.id, created_at=now - timedelta(days=40),
                         confirmed_at=now - timedelta(days=40)),
            RosterImport(cohort_id=cohort.id, created_by_id=organiser.id, created_at=now - timedelta(days=3),
                         confirmed_at=now - timedelta(days=3)),
            UserSession(token_hash="a" * 64, user_id=organiser.id, expires_at=now - timedelta(days=2)),
            UserSession(token_hash="b" * 64, user_id=organiser.id, expires_at=now + timedelta(hours=2)),
            BoardAuthorReveal(admin_id=organiser.id, reason="古い確認", created_at=now - timedelta(days=1200)),
            BoardAuthorReveal(admin_id=organiser.id, reason="最近の確認", created_at=now - timedelta(days=10)),
        ])
        for user_id, when in ((old_inactive.id, long_ago), (recent_inactive.id, now - timedelta(days=10)),
                              (active_old.id, long_ago)):
            db.session.get(User, user_id).last_login_at = when
        issue_set_password_link(db.session.get(User, active_old.id), None)
        db.session.add(SetPasswordLink(token_hash="c" * 64, user_id=active_old.id, created_at=long_ago,
                                       expires_at=long_ago + timedelta(days=7)))
        db.session.add(AuditEntry(action="role_changed", created_at=now - timedelta(days=2000)))
        audit.record("role_changed", target_type="user", target_id=1)
        db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    for line in ("roster_previews: 1 件削除", "roster_imports: 1 件削除", "expired_sessions: 1 件削除",
                 "set_password_links: 1 件削除", "author_reveals: 1 件削除", "inactive_accounts: 1 件削除",
                 "audit_log: 1 件削除", "合計 7 件"):
        assert line in result.output, result.output
    with app.app_context():
        assert _count(RosterImport) == 2 and _count(UserSession) == 1 and _count(SetPasswordLink) == 1
        assert [r.reason for r in db.session.scalars(select(BoardAuthorReveal))] == ["最近の確認"]
        assert db.session.get(User, old_inactive.id) is None
        assert db.session.get(User, recent_inactive.id) and db.session.get(User, active_old.id)
        assert db.session.get(Cohort, cohort.id) is not None
    again = runner.invoke(args=["retention", "run"])
    assert "合計 0 件" in again.output
    with app.app_context():
        runs = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention_run")
                                  .order_by(AuditEntry.id)).all()
        assert [r.details["removed"]["roster_imports"] for r in runs] == [1, 0]
        assert runs[0].details["removed"]["inactive_accounts"] == 1


def test_a_period_of_zero_turns_a_rule_off(app, runner, make_user):
    app.config["RETENTION_DAYS"] = {"expired_sessions": 0}
    user = make_user()
    with app.app_context():
        db.session.add(UserSession(token_hash="d" * 64, user_id=user.id, expires_at=utcnow() - timedelta(days=9)))
        db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert "expired_sessions: 0 件削除（保存期間 無効）" in result.output
    with app.app_context():
        assert _count(UserSession) == 1


def test_retention_days_from_the_environment(monkeypatch, tmp_path):
    from elearn.config import from_environment
    monkeypatch.setenv("ELEARN_RETENTION_DAYS_AUDIT_LOG", "3650")
    assert from_environment(str(tmp_path))["RETENTION_DAYS"] == {"audit_log": 3650}
