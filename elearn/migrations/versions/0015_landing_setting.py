"""where an organiser lands after signing in: users.landing

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-01 16:00:00

``users.landing`` is ``dashboard`` or ``organiser`` (研修管理) as the person chose it, or NULL for the
default (研修管理 for organisers and admins, the dashboard for everyone else). Every existing account
keeps the default.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('landing', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('landing')
