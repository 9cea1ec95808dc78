"""attendance states: 出席 / 遅刻 / 早退 / 欠席, and 未記録 as no record

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:10:00

``present`` becomes ``status`` (true -> present, false -> absent), keeping what was recorded.
Rows recorded before their day (Japan time) are removed: nobody could have seen that day yet, so
those participants are 未記録 again.
"""
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JST = timezone(timedelta(hours=9))  # Japan has no daylight saving time


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _as_datetime(value) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def upgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=True))
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE attendance SET status = CASE WHEN present THEN 'present' ELSE 'absent' END"))
    rows = connection.execute(sa.text(
        "SELECT attendance.id, cohort_days.day, attendance.recorded_at FROM attendance "
        "JOIN cohort_days ON cohort_days.id = attendance.day_id")).all()
    early = [row_id for row_id, day, recorded_at in rows
             if recorded_at is not None and _as_date(day) > _as_datetime(recorded_at).astimezone(JST).date()]
    for row_id in early:
        connection.execute(sa.text("DELETE FROM attendance WHERE id = :id"), {"id": row_id})
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=12), nullable=False)
        batch_op.drop_column('present')


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('present', sa.Boolean(), nullable=True))
    op.execute("UPDATE attendance SET present = (status <> 'absent')")
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.alter_column('present', existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_column('status')
