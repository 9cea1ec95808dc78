"""accounts remember the cohort that created them (who may issue their first set-password link)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:30:00

Existing accounts get the cohort of the confirmed roster import that created them
(``roster_imports.new_user_ids``); accounts created otherwise stay NULL, so only an admin can issue
their links.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_for_cohort_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_created_for_cohort_id'), ['created_for_cohort_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_created_for_cohort_id_cohorts'), 'cohorts',
                                    ['created_for_cohort_id'], ['id'], ondelete='SET NULL')
    connection = op.get_bind()
    imports = connection.execute(sa.text(
        "SELECT cohort_id, new_user_ids FROM roster_imports WHERE confirmed_at IS NOT NULL ORDER BY id"))
    for cohort_id, new_user_ids in imports:
        ids = new_user_ids if isinstance(new_user_ids, list) else json.loads(new_user_ids or "[]")
        for user_id in ids:
            connection.execute(sa.text("UPDATE users SET created_for_cohort_id = :cohort WHERE id = :user "
                                       "AND created_for_cohort_id IS NULL"), {"cohort": cohort_id, "user": user_id})


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_created_for_cohort_id_cohorts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_created_for_cohort_id'))
        batch_op.drop_column('created_for_cohort_id')
