"""search index: one table of searchable texts, with SQLite FTS5 (trigram) or PostgreSQL pg_trgm around it

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 14:00:00

``search_documents`` holds every searchable text (content sections, quiz explanations, board titles
and posts) as shown and folded. On SQLite the FTS5 table ``search_fts`` (tokenize='trigram', SQLite
3.34+) follows it through triggers. On PostgreSQL the migration runs ``CREATE EXTENSION IF NOT EXISTS
pg_trgm`` and a GIN index on the folded text; when the extension cannot be created (no privilege)
it says so and carries on: search then scans the table. To fix that later, as a superuser:
``CREATE EXTENSION pg_trgm;`` in the database, then ``elearn search rebuild``. The index is filled
from the content and the board as they are now.
"""
import sqlalchemy as sa
from alembic import op

from elearn.search_index import create_structures, drop_structures, rebuild_board, rebuild_content

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('curriculum', sa.String(length=20), nullable=True),
        sa.Column('slug', sa.String(length=100), nullable=True),
        sa.Column('thread_id', sa.Integer(), nullable=True),
        sa.Column('post_id', sa.Integer(), nullable=True),
        sa.Column('anchor', sa.String(length=200), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('heading', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('folded', sa.Text(), nullable=False),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.Column('thread_hidden', sa.Boolean(), nullable=False),
        sa.Column('sort_key', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['board_posts.id'], name=op.f('fk_search_documents_post_id_board_posts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['thread_id'], ['board_threads.id'],
                                name=op.f('fk_search_documents_thread_id_board_threads'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_kind_sort', ['kind', 'sort_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_documents_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_documents_thread_id'), ['thread_id'], unique=False)
    connection = op.get_bind()
    setup = create_structures(connection)
    if setup == "like":
        print("search: no trigram index (see the warning above and README「Search」); search scans the table")
    rebuild_content(connection)
    rebuild_board(connection)


def downgrade():
    drop_structures(op.get_bind())
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_documents_thread_id'))
        batch_op.drop_index(batch_op.f('ix_search_documents_post_id'))
        batch_op.drop_index('ix_search_documents_kind_sort')
    op.drop_table('search_documents')
