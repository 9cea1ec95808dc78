"""Cohorts: create, edit, archive, validation, and who may see and change what."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.models import Attendance, Cohort, Role

from .conftest import csrf_from


def _cohort_form(client, url: str, **overrides) -> dict:
    page = client.get(url)
    data = {"csrf_token": csrf_from(page.text), "name": "令和8年度 新任職員研修 第1期", "curriculum": "initial",
            "opens_on": "2026-07-01", "closes_on": "2026-08-31", "days": "2026-09-26\n2026/9/27",
            "venue": "○○県社会福祉会館", "capacity": "150", "organisers": ""}
    data.update(overrides)
    return data


def test_organiser_creates_cohort_with_default_modules(app, client, auth, make_user, content):
    """A new cohort gets the whole curriculum as required modules and its creator as organiser."""
    organiser = make_user(Role.ORGANISER)
    auth.login(organiser.email)
    data = _cohort_form(client, "/organiser/cohorts/new", organisers=organiser.email)
    response = client.post("/organiser/cohorts/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        assert [d.day for d in cohort.days] == [date(2026, 9, 26), date(2026, 9, 27)]
        assert [m.slug for m in cohort.required_modules] == ["t-alpha", "t-beta"]
        assert [u.email for u in cohort.organisers] == [organiser.email]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "令和8年度 新任職員研修 第1期" in page.text


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "研修名を入力してください。"),
    ("capacity", "たくさん", "定員は半角数字で入力してください。"),
    ("capacity", "0", "定員は1〜10,000人で入力してください。"),
    ("opens_on", "7月1日", "受講期間の開始日は 2026-09-26 の形式で入力してください。"),
    ("closes_on", "2026-06-30", "受講期限は開始日と同じか、それより後の日にしてください。"),
    ("days", "2026-09-26\nそのうち", "日付として読み取れません：そのうち"),
    ("days", "2026-06-01", "集合研修日に受講期間の開始日より前の日があります。"),
    ("venue", "", "会場を入力するか、「オンラインで開催する」を選んでください。"),
    ("organisers", "nobody@example.jp", "登録されていないメールアドレスです：nobody@example.jp"),
    ("curriculum", "hints", "研修課程を選び直してください。"),
    ("required_modules", "999999", "必修教材を選び直してください。"),
])
def test_cohort_form_errors_in_japanese(client, auth, make_user, content, field, value, message):
    """Every invalid field gets a Japanese message tied to the field, and nothing is saved."""
    organiser = make_user(Role.ORGANISER)
    auth.login(organiser.email)
    data = _cohort_form(client, "/organiser/cohorts/new", **{"organisers": organiser.email, field: value})
    response = client.post("/organiser/cohorts/new", data=data)
    assert response.status_code == 200
    assert message in response.text and 'aria-invalid="true"' in response.text


def test_learner_cannot_be_named_organiser(client, auth, make_user):
    organiser = make_user(Role.ORGANISER)
    learner = make_user()
    auth.login(organiser.email)
    data = _cohort_form(client, "/organiser/cohorts/new", organisers=learner.email)
    response = client.post("/organiser/cohorts/new", data=data)
    assert "研修担当または管理者の有効なアカウントではありません" in response.text


def test_edit_keeps_days_with_attendance(app, client, auth, make_user, make_cohort, content):
    """A day with attendance recorded cannot be deleted by editing the cohort; other edits save."""
    organiser = make_user(Role.ORGANISER)
    learner = make_user()
    cohort = make_cohort([organiser], [learner], days=[date(2026, 9, 26)], opens_on=date(2026, 7, 1))
    with app.app_context():
        db.session.add(Attendance(day_id=cohort.day_ids[0], user_id=learner.id, status="present"))
        db.session.commit()
    auth.login(organiser.email)
    url = f"/organiser/cohorts/{cohort.id}/edit"
    page = client.get(url)
    assert "2026-09-26" in page.text and organiser.email in page.text
    data = _cohort_form(client, url, days="2026-09-27", organisers=organiser.email)
    assert "出席を記録済みの日は削除できません：2026-09-26" in client.post(url, data=data).text
    data = _cohort_form(client, url, days="2026-09-26\n2026-09-27", organisers=organiser.email, name="第1期（改）")
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        saved = db.session.get(Cohort, cohort.id)
        assert saved.name == "第1期（改）" and len(saved.days) == 2


def test_archive_makes_cohort_read_only(app, client, auth, make_user, make_cohort):
    """An archived cohort leaves the list and refuses roster changes until restored."""
    organiser = make_user(Role.ORGANISER)
    cohort = make_cohort([organiser], name="アーカイブする研修")
    auth.login(organiser.email)
    page = client.get(f"/organiser/cohorts/{cohort.id}/edit")
    archived = client.post(f"/organiser/cohorts/{cohort.id}/archive", data={"csrf_token": csrf_from(page.text)},
                           follow_redirects=True)
    assert "アーカイブしました" in archived.text
    assert "アーカイブする研修" not in client.get("/organiser/cohorts/").text
    assert "アーカイブする研修" in client.get("/organiser/cohorts/?archived=1").text
    response = client.get(f"/organiser/cohorts/{cohort.id}/roster/import")
    assert response.status_code == 302
    assert "アーカイブした研修は変更できません" in client.get(response.headers["Location"]).text


def test_cohort_list_shows_only_assigned_cohorts(client, auth, make_user, make_cohort):
    """Organisers see their own cohorts; an admin sees every cohort."""
    mine, theirs, admin = make_user(Role.ORGANISER), make_user(Role.ORGANISER), make_user(Role.ADMIN)
    make_cohort([mine], name="わたしの研修")
    make_cohort([theirs], name="よその研修")
    auth.login(mine.email)
    listing = client.get("/organiser/cohorts/").text
    assert "わたしの研修" in listing and "よその研修" not in listing
    assert "わたしの研修" in client.get("/organiser/").text
    auth.logout()
    auth.login(admin.email)
    listing = client.get("/organiser/cohorts/").text
    assert "わたしの研修" in listing and "よその研修" in listing


def test_online_cohort_without_days(app, client, auth, make_user, content):
    """An online cohort needs no venue and no in-person days; chosen modules replace the default."""
    organiser = make_user(Role.ORGANISER)
    auth.login(organiser.email)
    with app.app_context():
        from elearn.models import Module
        beta = db.session.scalar(select(Module.id).where(Module.slug == "t-beta"))
    data = _cohort_form(client, "/organiser/cohorts/new", organisers=organiser.email, days="", venue="",
                        online="y", required_modules=str(beta))
    assert client.post("/organiser/cohorts/new", data=data).status_code == 302
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        assert cohort.online and cohort.days == [] and cohort.place == "オンライン"
        assert [m.slug for m in cohort.required_modules] == ["t-beta"]
