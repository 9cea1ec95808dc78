"""The Alembic migrations produce exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elearn.extensions import db


def test_migrations_match_models(app):
    """Autogenerate against the migrated test database finds nothing to add or change."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
