"""The Alembic migrations produce exactly the schema the models describe."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from elearn import create_app
from elearn.extensions import db
from elearn.models import UserSession
from elearn.models.base import UTCDateTime


def test_migrations_match_models(app):
    """Autogenerate against the migrated test database finds nothing to add or change."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


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
