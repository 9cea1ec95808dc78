"""The Alembic migrations produce exactly the schema the models describe."""
from __future__ import annotations

import warnings
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from elearn import create_app
from elearn.extensions import db
from elearn.models import UserSession
from elearn.models.base import UTCDateTime
from elearn.models.search import include_object as search_include_object


def test_migrations_match_models(app):
    """Autogenerate against the migrated test database finds nothing to add or change. SQLAlchemy
    does not reflect expression indexes on SQLite, so the name-order index is looked up directly."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                              "include_object": search_include_object})
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index "
                                    "ix_users_sort_name", sa.exc.SAWarning)
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index "
                                    "'ix_users_sort_name'", UserWarning)
            assert compare_metadata(context, db.metadata) == []
        indexes = (sa.text("SELECT name FROM sqlite_master WHERE type = 'index'") if connection.dialect.name == "sqlite"
                   else sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'users'"))
        assert "ix_users_sort_name" in set(connection.scalars(indexes))


def test_0007_counts_existing_sessions_as_seen_when_they_began(tmp_path):
    """Sessions from before 0007 get last_seen_at = created_at (their idle time runs from sign-in)."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    began = datetime(2026, 11, 1, 1, 2, 3, tzinfo=timezone.utc)
    users = sa.table("users", *(sa.column(name) for name in ("id", "email", "display_name", "organisation",
                                                              "prefecture", "role", "active")),
                     sa.column("created_at", UTCDateTime))
    sessions = sa.table("user_sessions", sa.column("token_hash"), sa.column("user_id"),
                        sa.column("created_at", UTCDateTime), sa.column("expires_at", UTCDateTime))
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.execute(users.insert().values(id=1, email="a@example.jp", display_name="A", organisation="",
                                                     prefecture="", role="learner", active=True, created_at=began))
            connection.execute(sessions.insert().values(token_hash="x" * 64, user_id=1, created_at=began,
                                                        expires_at=began + timedelta(hours=12)))
        upgrade()
        assert db.session.scalar(sa.select(UserSession.last_seen_at)) == began
        db.session.remove()
        db.engine.dispose()


def test_0008_keeps_recorded_attendance_and_drops_marks_made_before_the_day(tmp_path):
    """present -> 出席, absent -> 欠席; a mark recorded before its day (Japan time) becomes 未記録."""
    from datetime import date

    from elearn.models import Attendance

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    users = sa.table("users", *(sa.column(name) for name in ("id", "email", "display_name", "organisation",
                                                              "prefecture", "role", "active")),
                     sa.column("created_at", UTCDateTime))
    cohorts = sa.table("cohorts", *(sa.column(n) for n in ("id", "name", "curriculum", "opens_on", "closes_on",
                                                            "venue", "online", "capacity", "archived")),
                       sa.column("created_at", UTCDateTime))
    days = sa.table("cohort_days", sa.column("id"), sa.column("cohort_id"), sa.column("day"))
    attendance = sa.table("attendance", sa.column("id"), sa.column("day_id"), sa.column("user_id"),
                          sa.column("present"), sa.column("recorded_at", UTCDateTime))
    now = datetime(2026, 9, 26, 1, 0, tzinfo=timezone.utc)  # 10:00 on 26 September in Japan
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as connection:
            connection.execute(users.insert(), [
                {"id": i, "email": f"u{i}@example.jp", "display_name": f"U{i}", "organisation": "", "prefecture": "",
                 "role": "learner", "active": True, "created_at": now} for i in (1, 2, 3)])
            connection.execute(cohorts.insert().values(id=1, name="C", curriculum="initial", opens_on=date(2026, 7, 1),
                                                       closes_on=date(2026, 9, 1), venue="", online=True, capacity=10,
                                                       archived=False, created_at=now))
            connection.execute(days.insert(), [{"id": 1, "cohort_id": 1, "day": date(2026, 9, 26)},
                                               {"id": 2, "cohort_id": 1, "day": date(2026, 9, 27)}])
            connection.execute(attendance.insert(), [
                {"id": 1, "day_id": 1, "user_id": 1, "present": True, "recorded_at": now},
                {"id": 2, "day_id": 1, "user_id": 2, "present": False, "recorded_at": now},
                {"id": 3, "day_id": 2, "user_id": 3, "present": False, "recorded_at": now}])  # a day early
        upgrade()
        rows = dict(db.session.execute(sa.select(Attendance.id, Attendance.status)).all())
        assert rows == {1: "present", 2: "absent"}
        db.session.remove()
        db.engine.dispose()


def test_upgrading_an_existing_database_keeps_every_row(tmp_path):
    """A migration that rebuilds a table on SQLite (batch mode) must not cascade-delete what refers to it:
    enrolments, progress, sessions and board posts of existing users all survive the upgrade."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as connection:
            run = connection.exec_driver_sql
            run("INSERT INTO users (id, email, display_name, organisation, prefecture, role, active, created_at) "
                "VALUES (1, 'a@example.jp', 'A', '', '', 'learner', 1, '2026-09-01 00:00:00')")
            run("INSERT INTO cohorts (id, name, curriculum, opens_on, closes_on, venue, online, capacity, archived, "
                "created_at) VALUES (1, 'C', 'initial', '2026-07-01', '2026-09-30', '', 1, 10, 0, '2026-07-01 00:00:00')")
            run("INSERT INTO enrolments (id, cohort_id, user_id, enrolled_at) VALUES (1, 1, 1, '2026-07-01 00:00:00')")
            run("INSERT INTO modules (id, slug, kind, curriculum, position, title, minutes, meta, body_html, "
                "content_hash, source_path, retired, imported_at) VALUES (1, 'm', 'module', 'initial', 1, 'M', 1, "
                "'{}', '', 'x', '', 0, '2026-07-01 00:00:00')")
            run("INSERT INTO progress (id, user_id, module_id, opened_at) VALUES (1, 1, 1, '2026-07-02 00:00:00')")
            run("INSERT INTO user_sessions (id, token_hash, user_id, created_at, expires_at) "
                "VALUES (1, 'h', 1, '2026-09-01 00:00:00', '2026-09-01 12:00:00')")
        upgrade()
        with db.engine.connect() as connection:
            for table in ("users", "enrolments", "progress", "user_sessions"):
                assert connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 1, table
        db.session.remove()
        db.engine.dispose()


def test_0010_marks_existing_attendance_as_recorded_on_the_page(tmp_path):
    """Records made before 0010 read as made on the attendance page; the change log starts empty."""
    from datetime import date

    from elearn.models import Attendance, AttendanceChange

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    now = datetime(2026, 9, 26, 1, 0, tzinfo=timezone.utc)
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (id, email, display_name, organisation, prefecture, role, active, created_at) "
                "VALUES (1, 'u@example.jp', 'U', '', '', 'learner', 1, :now)"), {"now": now})
            connection.execute(sa.text(
                "INSERT INTO cohorts (id, name, curriculum, opens_on, closes_on, venue, online, capacity, archived, "
                "created_at) VALUES (1, 'C', 'initial', :day, :day, '', 1, 10, 0, :now)"),
                {"day": date(2026, 9, 26), "now": now})
            connection.execute(sa.text("INSERT INTO cohort_days (id, cohort_id, day) VALUES (1, 1, :day)"),
                               {"day": date(2026, 9, 26)})
            connection.execute(sa.text("INSERT INTO attendance (id, day_id, user_id, status, recorded_at) "
                                       "VALUES (1, 1, 1, 'present', :now)"), {"now": now})
        upgrade()
        assert db.session.execute(sa.select(Attendance.status, Attendance.method)).all() == [("present", "page")]
        assert db.session.scalar(sa.select(sa.func.count(AttendanceChange.id))) == 0
        db.session.remove()
        db.engine.dispose()


def test_0013_grades_existing_quiz_attempts_into_question_results(tmp_path):
    """Attempts recorded before 0013 get their per-question results (first attempt marked) for question analysis."""
    import json

    from elearn.models import QuestionChoice, QuestionResult

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    now = datetime(2026, 9, 26, 1, 0, tzinfo=timezone.utc)
    questions = [{"id": "q1", "type": "single", "options": [{"id": "a", "correct": True}, {"id": "b", "correct": False}]},
                 {"id": "q2", "type": "multiple", "options": [{"id": "a", "correct": True}, {"id": "b", "correct": True},
                                                               {"id": "c", "correct": False}]}]
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (id, email, display_name, organisation, prefecture, role, active, created_at) "
                "VALUES (1, 'u@example.jp', 'U', '', '', 'learner', 1, :now)"), {"now": now})
            connection.execute(sa.text(
                "INSERT INTO modules (id, slug, kind, curriculum, position, title, minutes, meta, body_html, "
                "content_hash, source_path, retired, imported_at) VALUES (1, 'm', 'module', 'initial', 1, 'M', 1, '{}', "
                "'', 'h', '', 0, :now)"), {"now": now})
            connection.execute(sa.text(
                "INSERT INTO quizzes (id, slug, module_id, pass_mark, questions, content_hash, source_path, retired) "
                "VALUES (1, 'quiz-m', 1, 80, :q, 'h', '', 0)"), {"q": json.dumps(questions)})
            for attempt_id, answers, score, when in ((1, {"q1": ["b"], "q2": ["a", "b"]}, 50, now),
                                                     (2, {"q1": ["a"], "q2": ["a", "b"]}, 100, now + timedelta(days=1))):
                connection.execute(sa.text(
                    "INSERT INTO quiz_attempts (id, nonce, user_id, quiz_id, answers, score, passed, submitted_at) "
                    "VALUES (:id, :id, 1, 1, :a, :s, 0, :t)"), {"id": attempt_id, "a": json.dumps(answers), "s": score, "t": when})
        upgrade()
        rows = db.session.execute(sa.select(QuestionResult.attempt_id, QuestionResult.question_id, QuestionResult.first,
                                            QuestionResult.correct, QuestionResult.score)
                                  .order_by(QuestionResult.attempt_id, QuestionResult.question_id)).all()
        assert rows == [(1, "q1", True, False, 50), (1, "q2", True, True, 50), (2, "q1", False, True, 100),
                        (2, "q2", False, True, 100)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionChoice)) == 6
        db.session.remove()
        db.engine.dispose()


def test_0015_keeps_every_account_on_the_default_landing(tmp_path):
    """Accounts from before 0015 have no landing choice (研修管理 for organisers, the dashboard otherwise)."""
    from elearn.models import User

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    now = datetime(2026, 9, 26, 1, 0, tzinfo=timezone.utc)
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (id, email, display_name, organisation, prefecture, role, active, created_at) "
                "VALUES (1, 'o@example.jp', 'O', '', '', 'organiser', 1, :now)"), {"now": now})
        upgrade()
        assert db.session.execute(sa.select(User.email, User.landing)).all() == [("o@example.jp", None)]
        db.session.remove()
        db.engine.dispose()
