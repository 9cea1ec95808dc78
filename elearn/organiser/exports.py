"""Streamed CSV (UTF-8 with BOM) and XLSX exports of a cohort, safe to open in Excel.

Rows come from server-side cursors read in batches (``yield_per``) and are written as they come,
so 10,000 participants × 40 modules never sit in memory at once. The three streams (participants,
progress, attendance) are ordered by each participant's position in あいうえお order (``User.sort_name``,
numbered once in SQL, so the merge compares integers whatever the database's collation) and merged,
so the query count stays fixed.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from urllib.parse import quote

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import and_, func, select

from ..extensions import db
from ..cohorts.rules import modules_complete
from ..dates import local_date, local_datetime
from ..models import (NOT_RECORDED, Attendance, AttendanceStatus, Certificate, Cohort, CohortDay, Enrolment, Module,
                      Progress, ProgressStatus, User)

BATCH = 500
CHUNK = 64 * 1024
#: A cell starting with one of these could run as a formula in Excel (full-width forms included).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """Prefix a single quote to text Excel would read as a formula; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_datetime(value).strftime("%Y/%m/%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y/%m/%d")
    return str(neutralise(value))


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """UTF-8 with BOM, CRLF, every cell neutralised; yields about every ``BATCH`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([_csv_text(h) for h in header])
    for number, row in enumerate(rows, 1):
        writer.writerow([_csv_text(v) for v in row])
        if number % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_value(value):
    if isinstance(value, datetime):
        return local_datetime(value).replace(tzinfo=None)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XLSX cannot hold
    return neutralise(value)


def xlsx_chunks(title: str, header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """An openpyxl write-only workbook (rows go to a temporary file as they come), then the file in chunks."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "B2"
    sheet.append([_xlsx_value(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


def download(chunks: Iterator[bytes], filename: str, fallback: str, mimetype: str) -> Response:
    """A streamed attachment; ``filename`` may be Japanese (RFC 5987), ``fallback`` is ASCII."""
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(stream_with_context(chunks), mimetype=mimetype,
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


def _stream(statement):
    return db.session.execute(statement.execution_options(yield_per=BATCH))


def _positions(cohort: Cohort):
    """Each enrolment of ``cohort`` with its position in あいうえお order (1, 2, …)."""
    return (select(Enrolment.id.label("enrolment_id"), Enrolment.user_id.label("user_id"),
                   func.row_number().over(order_by=(User.sort_name, User.id)).label("position"))
            .join(User, User.id == Enrolment.user_id).where(Enrolment.cohort_id == cohort.id).subquery())


def _participants(cohort: Cohort, order):
    return _stream(select(order.c.position, User.display_name, User.email, User.organisation, User.prefecture,
                          User.furigana, Enrolment.enrolled_at, User.last_login_at, User.password_hash.is_not(None),
                          Certificate.revoked_at, Certificate.id)
                   .select_from(order).join(Enrolment, Enrolment.id == order.c.enrolment_id)
                   .join(User, User.id == Enrolment.user_id)
                   .outerjoin(Certificate, and_(Certificate.cohort_id == cohort.id,
                                                Certificate.user_id == Enrolment.user_id))
                   .order_by(order.c.position))


def roster_export(cohort: Cohort) -> tuple[list[str], Iterator[list]]:
    """The roster in あいうえお order (re-importable first five columns) with enrolment date, last login
    and password status."""
    header = ["氏名", "メールアドレス", "所属", "都道府県", "ふりがな", "登録日", "最終ログイン", "パスワード設定"]

    def rows():
        for (_, name, email, organisation, prefecture, furigana, enrolled, login, has_password,
             *_) in _participants(cohort, _positions(cohort)):
            yield [name, email, organisation, prefecture, furigana, enrolled, login,
                   "済" if has_password else "未設定"]
    return header, rows()


class _Merge:
    """Rows of a stream ordered by participant position, taken one participant at a time."""

    def __init__(self, result):
        self.rows = iter(result)
        self.head = next(self.rows, None)

    def take(self, position: int) -> list:
        taken = []
        while self.head is not None and self.head[0] <= position:
            if self.head[0] == position:
                taken.append(self.head)
            self.head = next(self.rows, None)
        return taken


def completion_export(cohort: Cohort, modules: list[Module], days: list[CohortDay]) -> tuple[list[str], Iterator[list]]:
    """One row per participant: details, completed count, each module's completion date or status,
    attendance per in-person day and certificate status."""
    module_ids = [m.id for m in modules]
    header = (["氏名", "メールアドレス", "所属", "都道府県", "ふりがな", "最終ログイン", "修了数", "必修数", "状態"]
              + [f"{i}. {m.title}" for i, m in enumerate(modules, 1)]
              + [f"出席 {d.day.month}/{d.day.day}" for d in days] + ["修了証"])
    column = {module_id: i for i, module_id in enumerate(module_ids)}
    day_position = {d.id: i for i, d in enumerate(days)}

    def rows():
        order = _positions(cohort)
        people = _participants(cohort, order)
        progress = _Merge(_stream(
            select(order.c.position, Progress.module_id, Progress.completed_at)
            .join(Progress, Progress.user_id == order.c.user_id)
            .where(Progress.module_id.in_(module_ids or [0])).order_by(order.c.position)))
        attendance = _Merge(_stream(
            select(order.c.position, Attendance.day_id, Attendance.status)
            .join(Attendance, Attendance.user_id == order.c.user_id)
            .join(CohortDay, and_(CohortDay.id == Attendance.day_id, CohortDay.cohort_id == cohort.id))
            .order_by(order.c.position)))
        for position, name, email, organisation, prefecture, furigana, _, login, _, revoked, certificate in people:
            cells: list = [ProgressStatus.NOT_STARTED.label] * len(module_ids)
            done = 0
            for _, module_id, completed_at in progress.take(position):
                cells[column[module_id]] = (local_date(completed_at) if completed_at
                                              else ProgressStatus.IN_PROGRESS.label)
                done += completed_at is not None
            present: list = [NOT_RECORDED] * len(days)
            for _, day_id, status in attendance.take(position):
                present[day_position[day_id]] = AttendanceStatus(status).label
            state = "修了" if modules_complete(done, len(module_ids)) else "未修了"
            issued = "" if certificate is None else ("取消" if revoked else "発行済み")
            details = [name, email, organisation, prefecture, furigana, login, done, len(module_ids), state]
            yield details + cells + present + [issued]
    return header, rows()
