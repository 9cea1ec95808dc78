"""reception and QR check-in: how each attendance record was made, and every attendance write in order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 15:00:00

``attendance.method`` says where a record was made: ``page`` (the attendance page; every existing
record), ``desk`` (reception mode) or ``qr`` (the participant's own check-in). ``attendance_changes``
logs every write from now on: reception pages poll it for what changed (deletions included), and it
keeps the self check-ins after an organiser corrected them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=8), server_default='page', nullable=False))
    op.create_table(
        'attendance_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=True),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['day_id'], ['cohort_days.id'], name=op.f('fk_attendance_changes_day_id_cohort_days'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_attendance_changes_recorded_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_changes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_changes')),
    )
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_changes_day_id'), ['day_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_changes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_changes_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_changes_day_id'))
    op.drop_table('attendance_changes')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_column('method')
