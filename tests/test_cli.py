"""The elearn command line."""
from __future__ import annotations

import subprocess
from pathlib import Path

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


def test_demo_prints_the_address_make_run_serves(runner):
    """``make run PORT=8123`` prints a login URL on port 8123, not 5000."""
    root = Path(__file__).resolve().parent.parent
    plan = subprocess.run(["make", "-n", "run", "PORT=8123", "HOST=127.0.0.1"], cwd=root,
                          capture_output=True, text=True, check=True).stdout
    demo_line = next(line for line in plan.splitlines() if "elearn demo" in line)
    assert "--base-url http://127.0.0.1:8123" in demo_line and "--port 8123" in plan
    assert "http://127.0.0.1:8123/auth/login" in runner.invoke(args=["demo", "--base-url", "http://127.0.0.1:8123"]).output


def test_demo_creates_a_cohort_once(app, runner, content):
    from elearn.models import Cohort, Enrolment
    from sqlalchemy import func

    runner.invoke(args=["demo"])
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Cohort.id))) == 1
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
