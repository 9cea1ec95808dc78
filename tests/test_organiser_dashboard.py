"""The completion dashboard: matrix, filters, sorting, pagination, charts, shared sheets, and a query
count that does not grow with the number of participants."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from elearn.extensions import db
from elearn.models import CaseSheet, Module, Progress, Role, User, utcnow
from elearn.organiser.charts import cumulative_line
from elearn.cohorts.learner import cohorts_for_learner
from elearn.dates import today as japan_today

from .conftest import count_statements

NOW = datetime.now(timezone.utc)


def _complete(app, user_id: int, slug: str, when: datetime | None = NOW, opened_only: bool = False) -> None:
    with app.app_context():
        module_id = db.session.scalar(select(Module.id).where(Module.slug == slug))
        db.session.add(Progress(user_id=user_id, module_id=module_id, opened_at=when or NOW,
                                completed_at=None if opened_only else when))
        db.session.commit()


@pytest.fixture
def dashboard(app, make_user, make_cohort, auth, content):
    """Three participants: one finished, one half-way, one who never logged in."""
    organiser = make_user(Role.ORGANISER)
    done = make_user(name="A 完了", organisation="Bセンター", last_login_at=NOW)
    half = make_user(name="B 途中", organisation="Aセンター", last_login_at=NOW)
    never = make_user(name="C 未着手", organisation="Cセンター")
    cohort = make_cohort([organiser], [done, half, never])
    _complete(app, done.id, "t-alpha", NOW - timedelta(days=2))
    _complete(app, done.id, "t-beta", NOW)
    _complete(app, half.id, "t-alpha", NOW)
    _complete(app, half.id, "t-beta", opened_only=True)
    auth.login(organiser.email)
    return cohort


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="matrix__name">([^<]+)<br>', html)


def test_matrix_summary_and_charts(client, dashboard):
    """The matrix shows status and date per module; the summary counts; the charts are inline SVG
    without style attributes or script (the CSP forbids both)."""
    html = client.get(f"/organiser/cohorts/{dashboard.id}").text
    assert _names(html) == ["A 完了", "B 途中", "C 未着手"]
    done = '<span class="cell-mark" aria-hidden="true">✓</span><span class="visually-hidden">修了</span>'
    blank = '<td class="cell cell--not_started"><span class="visually-hidden">未着手</span></td>'
    table = html[:html.index('class="matrix-list"')]
    assert re.search(rf"A 完了.*?cell--completed\">{done}<br>.*?cell--completed\">{done}", table, re.S)
    assert re.search(rf"B 途中.*?cell--completed\">{done}.*?cell--in_progress\">学習中</td>", table, re.S)
    assert re.search(rf"C 未着手.*?{blank}\s*{blank}", table, re.S)
    assert table.count(">未着手<") == 2  # only the hidden text of C's two blank cells, never a visible 未着手
    assert "空欄は未着手" in html and "✓</span> 修了" in html  # the legend, in text
    phone = html[html.index('class="matrix-list"'):]
    assert re.search(r"A 完了.*?修了 2 / 2.*?B 途中.*?修了 1 / 2.*?学習中.*?C 未着手.*?修了 0 / 2", phone, re.S)
    assert re.search(r"<dt>修了者数</dt><dd>1人</dd>.*?<dt>修了率</dt><dd>33%</dd>.*?<dt>未ログイン</dt><dd>1人</dd>",
                     html, re.S)
    assert "あと30日" in html
    assert html.count("<svg") == 2 and "<polyline" in html and 'class="chart__bar"' in html
    assert " style=" not in html and "<script>" not in html


@pytest.mark.parametrize("show, expected", [
    ("complete", ["A 完了"]),
    ("incomplete", ["B 途中", "C 未着手"]),
    ("never", ["C 未着手"]),
    ("behind", ["C 未着手"]),  # half-way through the window one module of two is expected
    ("nonsense", ["A 完了", "B 途中", "C 未着手"]),
])
def test_filters(client, dashboard, show, expected):
    assert _names(client.get(f"/organiser/cohorts/{dashboard.id}?show={show}").text) == expected


@pytest.mark.parametrize("query, expected", [
    ("sort=organisation", ["B 途中", "A 完了", "C 未着手"]),
    ("sort=progress&dir=desc", ["A 完了", "B 途中", "C 未着手"]),
    ("sort=progress&dir=asc", ["C 未着手", "B 途中", "A 完了"]),
    ("sort=name&dir=desc", ["C 未着手", "B 途中", "A 完了"]),
    ("sort=bogus", ["A 完了", "B 途中", "C 未着手"]),
    ("q=Aセンター", ["B 途中"]),
    ("q=%25", []),
])
def test_sorting_and_search(client, dashboard, query, expected):
    assert _names(client.get(f"/organiser/cohorts/{dashboard.id}?{query}").text) == expected


def test_cumulative_line_counts_up():
    chart = cumulative_line([(date(2026, 7, 3), 2), (date(2026, 7, 5), 1)], date(2026, 7, 1), date(2026, 7, 31),
                            10, date(2026, 7, 6))
    assert [v for _, v in chart.series] == [0, 0, 2, 2, 3, 3]
    assert chart.steps == [(date(2026, 7, 3), 2), (date(2026, 7, 5), 3)]


def test_pagination(app, client, make_user, make_cohort, auth, content):
    organiser = make_user(Role.ORGANISER)
    people = [make_user(name=f"受講者{i:03d}") for i in range(55)]
    cohort = make_cohort([organiser], people, capacity=100)
    auth.login(organiser.email)
    first = client.get(f"/organiser/cohorts/{cohort.id}").text
    second = client.get(f"/organiser/cohorts/{cohort.id}?page=2").text
    assert len(_names(first)) == 50 and len(_names(second)) == 5
    assert "1 / 2 ページ" in first and 'rel="next"' in first and "受講者054" in second
    assert len(_names(client.get(f"/organiser/cohorts/{cohort.id}?page=99").text)) == 5


def _add_participants(app, cohort_id: int, start: int, count: int) -> None:
    """Bulk-add participants who completed the first module and opened the second."""
    from elearn.models import Enrolment
    with app.app_context():
        modules = db.session.scalars(select(Module.id).where(Module.curriculum == "initial")
                                     .order_by(Module.position)).all()
        db.session.execute(insert(User), [{"email": f"bulk{i}@example.jp", "display_name": f"一括{i:04d}",
                                           "organisation": "センター", "prefecture": "東京都",
                                           "last_login_at": NOW if i % 2 else None}
                                          for i in range(start, start + count)])
        ids = db.session.scalars(select(User.id).where(User.email.like("bulk%"))
                                 .order_by(User.id).offset(start)).all()
        db.session.execute(insert(Enrolment), [{"cohort_id": cohort_id, "user_id": i} for i in ids])
        db.session.execute(insert(Progress), [{"user_id": i, "module_id": modules[0], "completed_at": NOW}
                                              for i in ids] +
                           [{"user_id": i, "module_id": modules[1], "completed_at": None} for i in ids])
        db.session.commit()


def test_dashboard_query_count_does_not_grow_with_participants(app, client, make_user, make_cohort, auth, content):
    """The page, the CSV and the XLSX run the same number of statements at 10 and at 500 participants."""
    organiser = make_user(Role.ORGANISER)
    cohort = make_cohort([organiser], capacity=1000, days=[japan_today()])
    auth.login(organiser.email)
    urls = [f"/organiser/cohorts/{cohort.id}", f"/organiser/cohorts/{cohort.id}?show=behind&sort=progress",
            f"/organiser/cohorts/{cohort.id}/completion.csv", f"/organiser/cohorts/{cohort.id}/completion.xlsx",
            f"/organiser/cohorts/{cohort.id}/roster.csv"]
    counts = {}
    for size in (10, 500):
        _add_participants(app, cohort.id, len(counts) * 10, size - len(counts) * 10)
        counts[size] = []
        for url in urls:
            with count_statements(app) as statements:
                response = client.get(url)
                body = response.get_data()
            assert response.status_code == 200 and body
            counts[size].append(len(statements))
    assert counts[10] == counts[500], counts
    assert max(counts[500]) <= 20


def test_shared_case_sheets_appear_for_the_cohort_only(app, client, make_user, make_cohort, auth, content):
    """Shared sheets of participants show on the cohort page; private sheets and outsiders' never do."""
    organiser = make_user(Role.ORGANISER)
    member, outsider = make_user(name="共有 する人"), make_user(name="外部 の人")
    cohort = make_cohort([organiser], [member])
    with app.app_context():
        case_id = db.session.scalar(select(Module.id).where(Module.slug == "t-case"))
        db.session.add_all([
            CaseSheet(user_id=member.id, module_id=case_id, issues="<b>家族だけが相談</b>", shared_at=utcnow()),
            CaseSheet(user_id=outsider.id, module_id=case_id, issues="外部の共有", shared_at=utcnow())])
        db.session.commit()
    auth.login(organiser.email)
    html = client.get(f"/organiser/cohorts/{cohort.id}").text
    assert "&lt;b&gt;家族だけが相談&lt;/b&gt;" in html and "共有 する人" in html and "外部の共有" not in html
    assert "家族だけが相談" in client.get(f"/organiser/cohorts/{cohort.id}/sheets").text


def test_cohorts_for_learner(app, make_user, make_cohort, content):
    """The dashboard helper lists active cohorts with deadline and required/completed counts."""
    learner = make_user()
    make_cohort([], [learner], name="進行中", days=[japan_today() + timedelta(days=40)])
    make_cohort([], [learner], name="終了", archived=True)
    make_cohort([], [], name="無関係")
    _complete(app, learner.id, "t-alpha")
    with app.app_context():
        mine = cohorts_for_learner(learner.id)
    assert [c.name for c in mine] == ["進行中"]
    assert (mine[0].required, mine[0].completed, mine[0].days_left) == (2, 1, 30)
    assert mine[0].next_day == japan_today() + timedelta(days=40) and not mine[0].complete


def test_completions_by_day_uses_japan_dates(app, make_user, make_cohort, content):
    """A participant who finished at 01:00 Japan time counts on that Japanese day."""
    from elearn.models import Cohort
    from elearn.organiser.dashboard import completion_by_module, completion_counts, completions_by_day, summary

    early, late, half = make_user(), make_user(), make_user()
    cohort = make_cohort([], [early, late, half])
    _complete(app, early.id, "t-alpha", datetime(2026, 9, 1, 0, 0, tzinfo=timezone.utc))
    _complete(app, early.id, "t-beta", datetime(2026, 9, 1, 16, 0, tzinfo=timezone.utc))  # 9/2 01:00 JST
    _complete(app, late.id, "t-alpha", datetime(2026, 9, 2, 3, 0, tzinfo=timezone.utc))
    _complete(app, late.id, "t-beta", datetime(2026, 9, 2, 14, 59, tzinfo=timezone.utc))  # 9/2 23:59 JST
    _complete(app, half.id, "t-alpha", datetime(2026, 9, 3, 0, 0, tzinfo=timezone.utc))
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        completion = completion_counts(row, cohort.module_ids)
        assert completions_by_day(completion) == [(date(2026, 9, 2), 2)]
        assert completion_by_module(row, cohort.module_ids) == {cohort.module_ids[0]: 3, cohort.module_ids[1]: 2}
        totals = summary(row, completion)
        assert (totals.participants, totals.completed, totals.percent) == (3, 2, 67)


def test_capacity_cannot_drop_below_participants(client, auth, make_user, make_cohort):
    organiser = make_user(Role.ORGANISER)
    cohort = make_cohort([organiser], [make_user(), make_user()], opens_on=date(2026, 7, 1))
    auth.login(organiser.email)
    url = f"/organiser/cohorts/{cohort.id}/edit"
    page = client.get(url)
    from .conftest import csrf_from
    data = {"csrf_token": csrf_from(page.text), "name": "第1期", "curriculum": "initial", "opens_on": "2026-07-01",
            "closes_on": "2026-08-31", "venue": "会館", "capacity": "1", "organisers": organiser.email}
    assert "定員は現在の参加者数（2人）より少なくできません。" in client.post(url, data=data).text


def test_summary_follows_every_completion(app, client, auth, make_user, make_cohort, content):
    """The cohort-wide figures come from stored counts, so the next view after a completion shows it."""
    organiser, learner = make_user(Role.ORGANISER), make_user(name="キャッシュ 太郎")
    cohort = make_cohort([organiser], [learner], module_slugs=["t-alpha"])
    auth.login(organiser.email)
    first = client.get(f"/organiser/cohorts/{cohort.id}").text
    assert "集計：" in first and re.search(r"修了者数</dt><dd>0人", first)
    _complete(app, learner.id, "t-alpha")
    after = client.get(f"/organiser/cohorts/{cohort.id}").text
    assert re.search(r"修了者数</dt><dd>1人", after)
    assert "修了" in after.split("キャッシュ 太郎", 1)[1]


def test_phone_list_lines_are_escaped_and_dated():
    """The phone list's per-module lines are built in Python (a page has hundreds): the title is
    escaped, a 修了 line carries its day in Japan time, the others only the status."""
    from datetime import datetime, timezone

    from elearn.models import ProgressStatus
    from elearn.organiser.dashboard import Cell, ParticipantRow

    row = ParticipantRow(1, "氏名", "a@example.jp", "", "", None, 1,
                         cells=[Cell(ProgressStatus.COMPLETED, datetime(2026, 3, 31, 16, 0, tzinfo=timezone.utc)),
                                Cell(ProgressStatus.NOT_STARTED)])
    modules = [type("M", (), {"title": "<b>基礎</b>"})(), type("M", (), {"title": "相談"})()]
    lines = str(row.module_items(modules))
    assert lines == ('<li>&lt;b&gt;基礎&lt;/b&gt;：<span class="cell--completed">修了（4/1）</span></li>'
                     '<li>相談：<span class="cell--not_started">未着手</span></li>')
    assert str(row.cells_html).count("<td class=") == 2
