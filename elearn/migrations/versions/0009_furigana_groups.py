"""ふりがな and a folded search key on users

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

``users.furigana`` (hiragana, "" when unknown) and ``users.search_key``: 氏名, ふりがな, 所属 and
email folded by ``elearn.kana.fold`` (NFKC, lower case, katakana as hiragana, variant kanji), back-filled
here for every existing account, so a name search is one substring LIKE on one column.
"""
import sqlalchemy as sa
from alembic import op

from elearn.kana import search_key

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    # Plain ADD COLUMN (never a batch copy of ``users``): on SQLite, with foreign keys on, recreating
    # the table would cascade-delete every row that references a user.
    op.add_column('users', sa.Column('furigana', sa.String(length=100), nullable=False, server_default=''))
    op.add_column('users', sa.Column('search_key', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    users = connection.execute(sa.text(
        "SELECT id, display_name, furigana, organisation, email FROM users ORDER BY id")).all()
    for start in range(0, len(users), BATCH):
        connection.execute(sa.text("UPDATE users SET search_key = :key WHERE id = :id"),
                           [{"id": user_id, "key": search_key(*fields)} for user_id, *fields in users[start:start + BATCH]])


def downgrade():
    op.drop_column('users', 'search_key')
    op.drop_column('users', 'furigana')
