"""Exports: CSV with BOM that Excel reads as Japanese, XLSX, both streamed, formulas neutralised."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from elearn.extensions import db
from elearn.models import Attendance, Module, Progress, Role
from elearn.organiser import exports
from elearn.organiser.exports import csv_chunks, neutralise

COMPLETED = datetime(2026, 9, 1, 16, 0, tzinfo=timezone.utc)  # 2026-09-02 01:00 in Japan


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+81 3", "'+81 3"), ("-1+2", "'-1+2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("＝1+1", "'＝1+1"),
    ("山田 花子", "山田 花子"), ("a=b", "a=b"), (12, 12), (None, None),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.fixture
def exported(app, make_user, make_cohort, auth, content):
    """A cohort with a formula-looking participant who completed one module and attended the day."""
    organiser = make_user(Role.ORGANISER)
    evil = make_user(name="=HYPERLINK(\"http://evil.example/\",\"押して\")", organisation="@所属", email="evil@example.jp")
    plain = make_user(name="山田 花子", organisation="○○市ひきこもり地域支援センター", email="hanako@example.jp")
    cohort = make_cohort([organiser], [evil, plain], days=[date(2026, 9, 26)], opens_on=date(2026, 7, 1))
    with app.app_context():
        alpha = db.session.scalar(select(Module.id).where(Module.slug == "t-alpha"))
        beta = db.session.scalar(select(Module.id).where(Module.slug == "t-beta"))
        db.session.add_all([Progress(user_id=plain.id, module_id=alpha, completed_at=COMPLETED),
                            Progress(user_id=plain.id, module_id=beta),
                            Attendance(day_id=cohort.day_ids[0], user_id=plain.id, status="present"),
                            Attendance(day_id=cohort.day_ids[0], user_id=evil.id, status="absent")])
        db.session.commit()
    auth.login(organiser.email)
    return cohort


def test_completion_csv(client, exported):
    """UTF-8 with BOM, Japanese intact, dates in Japan time, statuses, attendance, formulas neutralised."""
    response = client.get(f"/organiser/cohorts/{exported.id}/completion.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    assert "attachment;" in response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:9] == ["氏名", "メールアドレス", "所属", "都道府県", "ふりがな", "最終ログイン", "修了数", "必修数", "状態"]
    assert rows[0][9:] == ["1. テスト教材A", "2. テスト教材B", "出席 9/26", "修了証"]
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["hanako@example.jp"] == ["山田 花子", "hanako@example.jp", "○○市ひきこもり地域支援センター", "東京都",
                                             "", "", "1", "2", "未修了", "2026/09/02", "学習中", "出席", ""]
    evil = by_email["evil@example.jp"]
    assert evil[0] == "'=HYPERLINK(\"http://evil.example/\",\"押して\")" and evil[2] == "'@所属"
    assert evil[9:] == ["未着手", "未着手", "欠席", ""]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_completion_xlsx(client, exported):
    """A real XLSX: header, Japanese text, a date cell, and formula-looking text kept as text."""
    response = client.get(f"/organiser/cohorts/{exported.id}/completion.xlsx")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == exports.XLSX_MIMETYPE
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "氏名" and sheet.title == "修了状況"
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["hanako@example.jp"][9] == datetime(2026, 9, 2)
    evil_cell = sheet.cell(row=[r[1] for r in rows].index("evil@example.jp") + 1, column=1)
    assert evil_cell.data_type == "s" and evil_cell.value.startswith("'=")


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_roster_exports(client, exported, extension):
    response = client.get(f"/organiser/cohorts/{exported.id}/roster.{extension}")
    assert response.status_code == 200 and response.is_streamed
    if extension == "csv":
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    else:
        rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.get_data())).active.iter_rows()]
    assert rows[0][:4] == ["氏名", "メールアドレス", "所属", "都道府県"]
    assert ["山田 花子", "hanako@example.jp", "○○市ひきこもり地域支援センター", "東京都"] in [r[:4] for r in rows]


def test_csv_is_written_in_batches(monkeypatch):
    """The CSV generator yields as it goes instead of building one string."""
    monkeypatch.setattr(exports, "BATCH", 2)
    chunks = list(csv_chunks(["氏名"], ([f"人{i}"] for i in range(5))))
    assert len(chunks) == 3 and chunks[0].startswith(b"\xef\xbb\xbf")
    assert b"".join(chunks).decode("utf-8-sig").splitlines() == ["氏名"] + [f"人{i}" for i in range(5)]


def test_export_merges_streams_in_small_batches(app, client, exported, monkeypatch):
    """Reading the cursors in batches of one still puts every progress row on its own participant."""
    monkeypatch.setattr(exports, "BATCH", 1)
    rows = list(csv.reader(io.StringIO(client.get(f"/organiser/cohorts/{exported.id}/completion.csv")
                                       .get_data().decode("utf-8-sig"))))
    assert {row[1]: row[9] for row in rows[1:]} == {"evil@example.jp": "未着手", "hanako@example.jp": "2026/09/02"}
