"""completion counts: per participant (enrolments) and per required module (cohort_modules)

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-01 14:00:00

``enrolments.modules_done`` / ``last_done_at``: the participant's completed current required modules
and the last such completion; ``cohort_modules.completions``: the cohort's participants who completed
the module. Kept in the completing transaction by elearn.cohorts.counts; filled here from progress.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_PER_PARTICIPANT = (
    "FROM progress JOIN cohort_modules cm ON cm.module_id = progress.module_id "
    "JOIN modules ON modules.id = cm.module_id "
    "WHERE cm.cohort_id = enrolments.cohort_id AND progress.user_id = enrolments.user_id "
    "AND progress.completed_at IS NOT NULL AND modules.retired = :false")


def upgrade():
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('modules_done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_done_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('cohort_modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completions', sa.Integer(), server_default='0', nullable=False))
    connection = op.get_bind()
    connection.execute(sa.text(
        f"UPDATE enrolments SET modules_done = (SELECT COUNT(*) {_PER_PARTICIPANT}), "
        f"last_done_at = (SELECT MAX(progress.completed_at) {_PER_PARTICIPANT})"), {"false": False})
    connection.execute(sa.text(
        "UPDATE cohort_modules SET completions = (SELECT COUNT(*) FROM progress JOIN enrolments e "
        "ON e.user_id = progress.user_id WHERE e.cohort_id = cohort_modules.cohort_id "
        "AND progress.module_id = cohort_modules.module_id AND progress.completed_at IS NOT NULL)"))


def downgrade():
    with op.batch_alter_table('cohort_modules', schema=None) as batch_op:
        batch_op.drop_column('completions')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_column('last_done_at')
        batch_op.drop_column('modules_done')
