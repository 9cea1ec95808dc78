"""Attendance, certificate eligibility and pages, 和暦 dates, and the public /verify page."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from elearn import create_app
from elearn.extensions import db
from elearn.dates import wareki
from elearn.models import Attendance, AttendanceChange, Certificate, Module, Progress, Role
from elearn.cohorts.certificates import format_code, normalise_code

from .conftest import csrf_from

DAY = date(2026, 9, 26)


@pytest.mark.parametrize("value, expected", [
    (date(2026, 9, 26), "令和8年9月26日"),
    (date(2019, 5, 1), "令和元年5月1日"),
    (date(2019, 4, 30), "平成31年4月30日"),
    (date(2020, 1, 1), "令和2年1月1日"),
    (date(1989, 1, 8), "平成元年1月8日"),
    (date(1989, 1, 7), "昭和64年1月7日"),
    (date(1926, 12, 25), "昭和元年12月25日"),
    (date(1900, 1, 1), "1900年1月1日"),
    (datetime(2019, 4, 30, 15, 0, tzinfo=timezone.utc), "令和元年5月1日"),  # already 1 May in Japan
    (datetime(2026, 9, 25, 14, 59, tzinfo=timezone.utc), "令和8年9月25日"),
    (None, ""),
])
def test_wareki(value, expected):
    assert wareki(value) == expected


def test_codes_are_typed_forgivingly():
    assert normalise_code("abcd-efgh jkmn-pqrs") == "ABCDEFGHJKMNPQRS"
    assert normalise_code("ABCD-EFGH-JKMN-PQR0") is None  # 0 is never in a code
    assert normalise_code("short") is None
    assert format_code("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS"


@pytest.fixture
def course(app, make_user, make_cohort, content):
    """An organiser, a cohort with one in-person day, and two participants; nothing done yet."""
    organiser = make_user(Role.ORGANISER)
    learner = make_user(name="山田 花子", organisation="秘密の所属", email="hanako@example.jp")
    other = make_user(name="佐藤 一郎")
    cohort = make_cohort([organiser], [learner, other], days=[DAY], opens_on=date(2026, 7, 1),
                         name="令和8年度 新任職員研修 第1期")
    return organiser, learner, other, cohort


def _finish_modules(app, user_id: int) -> None:
    with app.app_context():
        for slug in ("t-alpha", "t-beta"):
            module_id = db.session.scalar(select(Module.id).where(Module.slug == slug))
            db.session.add(Progress(user_id=user_id, module_id=module_id, completed_at=datetime.now(timezone.utc)))
        db.session.commit()


def _attend(app, user_id: int, cohort) -> None:
    with app.app_context():
        db.session.add(Attendance(day_id=cohort.day_ids[0], user_id=user_id, status="present"))
        db.session.commit()


def _earn(app, user_id: int, cohort) -> None:
    """Complete every required module and attend the in-person day."""
    _finish_modules(app, user_id)
    _attend(app, user_id, cohort)


def _attendance_url(cohort) -> str:
    return f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/attendance"


def _states(page_text: str, changes: dict[int, str], shown: list[int]) -> dict:
    """The attendance form as a browser sends it: every shown row's radio (as shown, or changed) and
    its hidden ``was-`` value."""
    data = {"csrf_token": csrf_from(page_text), "shown": shown}
    for user_id in shown:
        match = re.search(rf'name="was-{user_id}" value="(\w+)"', page_text)
        was = match.group(1) if match else "none"
        data[f"was-{user_id}"] = was
        data[f"status-{user_id}"] = changes.get(user_id, was)
    return data


def test_attendance_saved_with_recorder_and_unrecorded_stays_unrecorded(app, client, auth, course, make_user):
    """Only what was marked is saved: nobody becomes 欠席 by not being ticked; outsiders are ignored."""
    organiser, learner, other, cohort = course
    outsider = make_user()
    auth.login(organiser.email)
    page = client.get(_attendance_url(cohort))
    assert "山田 花子" in page.text and "佐藤 一郎" in page.text and "未記録 2人" in page.text
    response = client.post(_attendance_url(cohort), data=_states(
        page.text, {learner.id: "late", outsider.id: "present"}, [learner.id, other.id, outsider.id]),
        follow_redirects=True)
    assert "出席を保存しました（1人分を更新）" in response.text
    assert "遅刻 1人" in response.text and "未記録 1人" in response.text
    with app.app_context():
        rows = {a.user_id: a for a in db.session.scalars(select(Attendance))}
        assert set(rows) == {learner.id} and rows[learner.id].status == "late"
        assert rows[learner.id].recorded_by_id == organiser.id and rows[learner.id].recorded_at is not None
        first_time = rows[learner.id].recorded_at
    page = client.get(_attendance_url(cohort))
    again = client.post(_attendance_url(cohort), data=_states(page.text, {}, [learner.id, other.id]),
                        follow_redirects=True)
    assert "0人分を更新" in again.text
    page = client.get(_attendance_url(cohort))
    client.post(_attendance_url(cohort), data=_states(page.text, {other.id: "absent"}, [learner.id, other.id]))
    with app.app_context():
        assert db.session.scalar(select(Attendance.recorded_at).where(Attendance.user_id == learner.id)) == first_time
        assert db.session.scalar(select(Attendance.status).where(Attendance.user_id == other.id)) == "absent"
    page = client.get(_attendance_url(cohort))
    client.post(_attendance_url(cohort), data=_states(page.text, {other.id: "none"}, [learner.id, other.id]))
    with app.app_context():  # taken back to 未記録: the record goes
        assert db.session.scalar(select(Attendance.id).where(Attendance.user_id == other.id)) is None


def test_two_organisers_never_undo_each_other(app, client, auth, course):
    """A page loaded before a colleague recorded someone leaves that record alone when saved."""
    organiser, learner, other, cohort = course
    auth.login(organiser.email)
    stale = client.get(_attendance_url(cohort)).text
    fresh = client.get(_attendance_url(cohort)).text
    client.post(_attendance_url(cohort), data=_states(fresh, {learner.id: "present"}, [learner.id, other.id]))
    client.post(_attendance_url(cohort), data=_states(stale, {other.id: "present"}, [learner.id, other.id]))
    with app.app_context():
        rows = dict(db.session.execute(select(Attendance.user_id, Attendance.status)).all())
    assert rows == {learner.id: "present", other.id: "present"}


def test_a_stale_page_never_overwrites_a_later_mark(app, client, auth, course):
    """Both pages change the same row: the one opened before the other's save is refused for that row."""
    organiser, learner, other, cohort = course
    auth.login(organiser.email)
    stale = client.get(_attendance_url(cohort)).text
    fresh = client.get(_attendance_url(cohort)).text
    client.post(_attendance_url(cohort), data=_states(fresh, {learner.id: "late"}, [learner.id, other.id]))
    saved = client.post(_attendance_url(cohort), follow_redirects=True, data=_states(
        stale, {learner.id: "absent", other.id: "present"}, [learner.id, other.id])).text
    assert "1人分を更新" in saved and "1人分は、このページを開いた後にほかの担当者" in saved
    with app.app_context():
        rows = dict(db.session.execute(select(Attendance.user_id, Attendance.status)).all())
        methods = set(db.session.scalars(select(Attendance.method)))
        changes = db.session.scalar(select(db.func.count()).select_from(AttendanceChange))
    assert rows == {learner.id: "late", other.id: "present"} and methods == {"page"} and changes == 2


def test_a_day_that_has_not_come_cannot_be_recorded(app, client, auth, make_user, make_cohort):
    """Recording a future day is refused with a message; the page says when it opens."""
    from elearn.dates import today

    organiser, learner = make_user(Role.ORGANISER), make_user()
    cohort = make_cohort([organiser], [learner], days=[today() + timedelta(days=3)])
    auth.login(organiser.email)
    url = _attendance_url(cohort)
    page = client.get(url)
    assert "この日はまだ来ていない" in page.text and "出席を保存する" not in page.text
    refused = client.post(url, data=_states(page.text, {learner.id: "present"}, [learner.id]), follow_redirects=True)
    assert "まだ来ていない日の出席は記録できません" in refused.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Attendance.id))) == 0


def test_certificate_waits_for_every_day(app, client, auth, make_user, make_cohort, content):
    """Modules done and the first day attended: no certificate while another day is still ahead."""
    from elearn.dates import today

    learner = make_user()
    cohort = make_cohort([], [learner], days=[DAY, today() + timedelta(days=20)])
    _finish_modules(app, learner.id)
    _attend(app, learner.id, cohort)
    auth.login(learner.email)
    page = client.get(f"/certificates/{cohort.id}").text
    assert "修了証はまだ発行できません" in page and "これからの日程が1日あります" in page
    assert "修了証の条件を見る" in client.get("/certificates/").text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Certificate.id))) == 0


def test_attendance_search_saves_only_shown_people(app, client, auth, course):
    """Saving a searched list leaves the participants who were not shown untouched."""
    organiser, learner, other, cohort = course
    auth.login(organiser.email)
    page = client.get(_attendance_url(cohort) + "?q=山田")
    assert "山田 花子" in page.text and "佐藤 一郎" not in page.text
    client.post(_attendance_url(cohort) + "?q=山田", data={
        **_states(page.text, {learner.id: "present"}, [learner.id]), f"status-{other.id}": "absent"})
    with app.app_context():
        assert db.session.scalars(select(Attendance.user_id)).all() == [learner.id]


@pytest.mark.parametrize("field, value", [("shown", "1; DROP"), ("status", "maybe")])
def test_attendance_rejects_garbage(app, client, auth, course, field, value):
    organiser, learner, _, cohort = course
    auth.login(organiser.email)
    token = csrf_from(client.get(_attendance_url(cohort)).text)
    data = {"csrf_token": token, "shown": value} if field == "shown" else {
        "csrf_token": token, "shown": [learner.id], f"was-{learner.id}": "none", f"status-{learner.id}": value}
    response = client.post(_attendance_url(cohort), data=data, follow_redirects=True)
    assert response.status_code == 400 or "出席の状態を選び直してください" in response.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Attendance.id))) == 0


def test_day_of_another_cohort_is_404(client, auth, course, make_cohort):
    organiser, _, _, cohort = course
    other = make_cohort([organiser], days=[DAY])
    auth.login(organiser.email)
    assert client.get(f"/organiser/cohorts/{cohort.id}/days/{other.day_ids[0]}/attendance").status_code == 404


def test_certificate_needs_modules_and_attendance(app, client, auth, course):
    """Until both are done the learner sees what is missing; then the certificate is issued once."""
    organiser, learner, _, cohort = course
    auth.login(learner.email)
    pending = client.get(f"/certificates/{cohort.id}")
    assert "修了証はまだ発行できません" in pending.text and "0 / 2 修了" in pending.text
    _finish_modules(app, learner.id)
    assert "集合研修の出席：0 / 1 日" in client.get(f"/certificates/{cohort.id}").text
    listing = client.get("/certificates/").text  # modules done is not enough: the day is still missing
    assert "修了証の条件を見る" in listing and "修了証を開く" not in listing
    _attend(app, learner.id, cohort)
    page = client.get(f"/certificates/{cohort.id}")
    assert page.status_code == 200 and "修了証" in page.text
    html = page.text
    assert "山田 花子 殿" in html and "令和8年度 新任職員研修 第1期" in html and "初任者研修" in html
    assert "令和8年7月1日" in html and "令和8年9月26日" in html
    code = re.search(r"証明番号 ([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})", html).group(1)
    assert f"http://localhost/verify/{code}" in html
    assert 'data-print' in html and " style=" not in html
    assert code in client.get(f"/certificates/{cohort.id}").text  # same certificate, not a new one
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Certificate.id))) == 1
    listing = client.get("/certificates/").text
    assert "修了証を開く" in listing
    auth.logout()
    auth.login(organiser.email)
    assert code in client.get(f"/organiser/cohorts/{cohort.id}/participants/{learner.id}/certificate").text
    assert "発行済み" in client.get(f"/organiser/cohorts/{cohort.id}").text


def test_certificate_is_issued_while_others_write(app, client, auth, course, make_user, monkeypatch):
    """Issuing on first open waits for the write lock: a quiz submission committed between the page's
    reads and its write no longer makes SQLite refuse it ("database is locked")."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has no database-wide write lock")
    import sqlite3

    import elearn.certificates.pages as pages

    _, learner, other, cohort = course
    _earn(app, learner.id, cohort)
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with app.app_context():
        quiz_module = db.session.scalar(select(Module.id).where(Module.slug == "t-alpha"))
    checked = pages.eligibility

    def eligibility_then_someone_submits(*args, **kwargs):
        result = checked(*args, **kwargs)  # the page now holds a read snapshot
        with sqlite3.connect(path, timeout=10) as other_connection:  # another worker records a pass
            other_connection.execute("INSERT INTO progress (user_id, module_id, opened_at, completed_at) "
                                     "VALUES (?, ?, '2026-09-01 00:00:00', '2026-09-01 00:00:00')",
                                     (other.id, quiz_module))
        return result

    monkeypatch.setattr(pages, "eligibility", eligibility_then_someone_submits)
    auth.login(learner.email)
    page = client.get(f"/certificates/{cohort.id}")
    assert page.status_code == 200 and "証明番号" in page.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Certificate.id))) == 1


def test_verify_shows_only_what_is_printed(app, client, auth, course):
    """/verify/<code> needs no login and shows name, cohort and date, never the email or 所属."""
    organiser, learner, _, cohort = course
    _earn(app, learner.id, cohort)
    auth.login(learner.email)
    code = re.search(r"証明番号 (\S+)</p>", client.get(f"/certificates/{cohort.id}").text).group(1)
    auth.logout()
    response = client.get(f"/verify/{code.lower()}")
    assert response.status_code == 200 and "有効な修了証です" in response.text
    assert "山田 花子" in response.text and "令和8年度 新任職員研修 第1期" in response.text and "令和" in response.text
    assert learner.email not in response.text and "秘密の所属" not in response.text
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert client.get(f"/verify/?code={code.replace('-', '')}").headers["Location"].endswith(f"/verify/{code}")
    missing = client.get("/verify/ABCD-EFGH-JKMN-PQRS")
    assert missing.status_code == 404 and "見つかりませんでした" in missing.text
    assert client.get("/verify/<script>").status_code == 404
    assert client.get("/verify/").status_code == 200


def test_revoked_certificate_stops_verifying_and_reissues(app, client, auth, course):
    organiser, learner, _, cohort = course
    _earn(app, learner.id, cohort)
    auth.login(organiser.email)
    url = f"/organiser/cohorts/{cohort.id}/participants/{learner.id}/certificate"
    page = client.get(url)
    code = re.search(r"証明番号 (\S+)</p>", page.text).group(1)
    revoked = client.post(url + "/revoke", data={"csrf_token": csrf_from(client.get("/organiser/").text)},
                          follow_redirects=True)
    assert "を取り消しました" in revoked.text
    assert client.get(f"/verify/{code}").status_code == 404
    new_code = re.search(r"証明番号 (\S+)</p>", client.get(url).text).group(1)
    assert new_code != code and client.get(f"/verify/{new_code}").status_code == 200


def test_remove_refused_while_certificate_valid(app, client, auth, course):
    organiser, learner, _, cohort = course
    _earn(app, learner.id, cohort)
    auth.login(organiser.email)
    client.get(f"/organiser/cohorts/{cohort.id}/participants/{learner.id}/certificate")
    token = csrf_from(client.get(f"/organiser/cohorts/{cohort.id}/participants").text)
    refused = client.post(f"/organiser/cohorts/{cohort.id}/participants/{learner.id}/remove",
                          data={"csrf_token": token}, follow_redirects=True)
    assert "修了証を発行済みのため外せません" in refused.text


def test_learner_cannot_open_others_certificates(client, auth, course, make_cohort):
    """A learner sees only their own certificate: another cohort's is 404, organiser URLs 403."""
    organiser, learner, other, cohort = course
    elsewhere = make_cohort([organiser], [other])
    auth.login(learner.email)
    assert client.get(f"/certificates/{elsewhere.id}").status_code == 404
    assert client.get(f"/organiser/cohorts/{cohort.id}/participants/{other.id}/certificate").status_code == 403


def test_verify_is_rate_limited(database_url):
    """Guessing codes is slowed down per address (the limit comes from VERIFY_LIMIT)."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "VERIFY_LIMIT": "3 per minute"})
    client = app.test_client()
    codes = [client.get(f"/verify/AAAA-BBBB-CCCC-DDD{i}").status_code for i in range(2, 7)]
    assert codes == [404, 404, 404, 429, 429]
    with app.app_context():
        db.engine.dispose()
