"""The elearn command line."""
from __future__ import annotations

from sqlalchemy import select

from elearn.extensions import db
from elearn.models import User


def test_user_create_prints_a_set_password_link(app, runner):
    result = runner.invoke(args=["user", "create", "--email", "New@Example.jp", "--role", "organiser",
                                 "--name", "新しい 担当", "--organisation", "○○県"])
    assert result.exit_code == 0, result.output
    assert "/auth/set-password/" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.jp"))
        assert user.role == "organiser" and user.password_hash is None


def test_user_create_refuses_duplicates(runner):
    runner.invoke(args=["user", "create", "--email", "a@example.jp"])
    result = runner.invoke(args=["user", "create", "--email", "a@example.jp"])
    assert result.exit_code != 0 and "すでに登録" in result.output


def test_demo_accounts_can_log_in(runner, auth):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    line = next(l for l in result.output.splitlines() if "learner@example.jp" in l)
    password = line.split("パスワード: ")[1].strip()
    assert auth.login("learner@example.jp", password).status_code == 302


def test_demo_creates_a_cohort_once(app, runner, content):
    from elearn.models import Cohort, Enrolment
    from sqlalchemy import func

    runner.invoke(args=["demo"])
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Cohort.id))) == 1
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
