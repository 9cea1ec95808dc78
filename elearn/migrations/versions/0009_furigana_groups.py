"""ふりがな and a folded search key on users; groups per in-person day; sheets shared with a group; certificate settings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

``users.furigana`` (hiragana, "" when unknown) and ``users.search_key``: 氏名, ふりがな, 所属 and
email folded by ``elearn.kana.fold`` (NFKC, lower case, katakana as hiragana, variant kanji), back-filled
here for every existing account, so a name search is one substring LIKE on one column.
``group_plans`` (a day's sizes, seed, lock) and ``group_members`` (one group per person and day);
``case_sheets.group_shared_at``; ``certificate_settings`` (a cohort's 修了証 title, issuer, seal).
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

    op.create_table(
        'group_plans',
        sa.Column('day_id', sa.Integer(), nullable=False),
        sa.Column('smallest', sa.Integer(), nullable=False),
        sa.Column('largest', sa.Integer(), nullable=False),
        sa.Column('seed', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('locked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['day_id'], ['cohort_days.id'], name=op.f('fk_group_plans_day_id_cohort_days'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['locked_by_id'], ['users.id'], name=op.f('fk_group_plans_locked_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('day_id', name=op.f('pk_group_plans')),
    )
    op.create_table(
        'group_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['day_id'], ['cohort_days.id'], name=op.f('fk_group_members_day_id_cohort_days'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_members_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_members')),
        sa.UniqueConstraint('day_id', 'user_id', name=op.f('uq_group_members_day_id_user_id')),
    )
    op.create_index(op.f('ix_group_members_user_id'), 'group_members', ['user_id'], unique=False)
    op.add_column('case_sheets', sa.Column('group_shared_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'certificate_settings',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=40), nullable=False),
        sa.Column('issuer', sa.String(length=200), nullable=False),
        sa.Column('issuer_title', sa.String(length=200), nullable=False),
        sa.Column('seal', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_certificate_settings_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id', name=op.f('pk_certificate_settings')),
    )


def downgrade():
    op.drop_table('certificate_settings')
    op.drop_column('case_sheets', 'group_shared_at')
    op.drop_index(op.f('ix_group_members_user_id'), table_name='group_members')
    op.drop_table('group_members')
    op.drop_table('group_plans')
    op.drop_column('users', 'search_key')
    op.drop_column('users', 'furigana')
