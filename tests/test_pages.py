"""Learner, organiser and admin pages and their permissions."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import Progress, Role, User

from .conftest import csrf_from


def test_anonymous_is_sent_to_login(client):
    response = client.get("/courses/initial/")
    assert response.status_code == 302 and "/auth/login?next=" in response.headers["Location"]


def test_module_page_shows_stored_html_and_marks_in_progress(app, client, auth, make_user, content):
    """Opening a module shows its body and sources and records it as 学習中 exactly once."""
    user = make_user()
    auth.login(user.email)
    page = client.get("/courses/initial/t-alpha")
    assert page.status_code == 200
    assert "テスト用の本文です。" in page.text and "出典" in page.text and "学習中" in page.text
    assert 'rel="next"' in page.text
    client.get("/courses/initial/t-alpha")
    with app.app_context():
        assert db.session.scalar(select(func.count(Progress.id))) == 1
    listing = client.get("/courses/initial/")
    assert re.search(r"テスト教材A.*?学習中", listing.text, re.S)
    assert re.search(r"テスト教材B.*?未着手", listing.text, re.S)


def test_unknown_module_is_404(client, auth, make_user, content):
    auth.login(make_user().email)
    assert client.get("/courses/initial/nothing").status_code == 404
    assert client.get("/courses/nothing/").status_code == 404
    assert client.get("/courses/followup/t-alpha").status_code == 404


def test_dashboard_shows_progress_and_next_module(client, auth, make_user, content):
    """A new learner is invited to begin; once something is opened, to continue."""
    auth.login(make_user().email)
    html = client.get("/").text
    assert "初任者研修" in html and "0 / 2 修了" in html and "最初の教材をはじめる：テスト教材A" in html
    assert "続きから" not in html
    client.get("/courses/initial/t-beta")
    assert "続きから：テスト教材B" in client.get("/").text


def test_the_cohorts_curriculum_comes_first(client, auth, make_user, make_cohort, content):
    """The curriculum of the learner's cohort leads the dashboard, marked as required; the others are quieter."""
    learner = make_user()
    auth.login(learner.email)
    plain = re.findall(r'<section class="card( card--quiet)?" aria-labelledby="c-(\w+)"', client.get("/").text)
    assert not any(quiet for quiet, _ in plain)  # no cohort: nothing is singled out
    make_cohort([], [learner], curriculum="initial")
    html = client.get("/").text
    cards = re.findall(r'<section class="card( card--quiet)?" aria-labelledby="c-(\w+)"', html)
    assert cards[0] == ("", "initial") and len(cards) > 1 and all(quiet for quiet, key in cards[1:])
    assert "受講中の研修の必修" in html


def test_organisers_land_on_their_page(client, auth, make_user):
    """Signing in without ?next= takes an organiser to 研修管理 and a learner to the dashboard."""
    assert auth.login(make_user(Role.ORGANISER).email).headers["Location"] == "/organiser/"
    auth.logout()
    assert auth.login(make_user().email).headers["Location"] == "/"


def test_organiser_can_choose_to_land_on_the_dashboard(app, client, auth, make_user):
    """The landing setting is remembered: an organiser who chose the dashboard lands there; learners cannot choose."""
    organiser = make_user(Role.ORGANISER)
    auth.login(organiser.email)
    page = client.get("/organiser/").text
    assert 'action="/auth/landing"' in page and 'value="organiser" checked' in page
    token = csrf_from(page)
    bad = client.post("/auth/landing", data={"csrf_token": token, "landing": "admin", "next": "/organiser/"})
    assert bad.status_code == 302 and "ログイン後に開くページを選んでください。" in client.get("/organiser/").text
    saved = client.post("/auth/landing", data={"csrf_token": token, "landing": "dashboard", "next": "//evil.example/"})
    assert saved.headers["Location"] == "/organiser/#landing"  # never off the site
    with app.app_context():
        assert db.session.get(User, organiser.id).landing == "dashboard"
    assert 'value="dashboard" checked' in client.get("/").text
    auth.logout()
    assert auth.login(organiser.email).headers["Location"] == "/"
    auth.logout()
    learner = make_user()
    auth.login(learner.email)
    assert 'action="/auth/landing"' not in client.get("/").text
    assert client.post("/auth/landing", data={"csrf_token": csrf_from(client.get("/").text),
                                              "landing": "organiser"}).status_code == 403


def test_case_page(client, auth, make_user, content):
    auth.login(make_user().email)
    html = client.get("/cases/t-case").text
    assert "センター1か所" in html and "事例検討の問い" in html


@pytest.mark.parametrize("url", ["/organiser/", "/admin/users"])
def test_learner_refused_on_organiser_and_admin_pages(client, auth, make_user, url):
    auth.login(make_user().email)
    response = client.get(url)
    assert response.status_code == 403 and "権限がありません" in response.text


def test_organiser_refused_on_admin_pages(client, auth, make_user):
    auth.login(make_user(Role.ORGANISER).email)
    assert client.get("/organiser/").status_code == 200
    assert client.get("/admin/users").status_code == 403


def test_organiser_issues_link_for_learner_not_admin(app, client, auth, make_user, make_cohort):
    """Organisers find and issue links for learners in their own cohorts only; never for an admin."""
    organiser = make_user(Role.ORGANISER)
    learner = make_user(name="受講 花子")
    stranger = make_user(name="受講 他所")
    admin = make_user(Role.ADMIN)
    cohort = make_cohort([organiser], [learner, admin])
    make_cohort([], [stranger])
    with app.app_context():  # as the cohort's roster import left it: no password yet
        row = db.session.get(User, learner.id)
        row.password_hash, row.created_for_cohort_id = None, cohort.id
        db.session.commit()
    auth.login(organiser.email)
    page = client.get("/organiser/?q=受講")
    assert "受講 花子" in page.text and "受講 他所" not in page.text
    token = csrf_from(page.text)
    response = client.post(f"/organiser/users/{learner.id}/set-password-link", data={"csrf_token": token})
    assert response.status_code == 200 and "/auth/set-password/" in response.text
    refused = client.post(f"/organiser/users/{admin.id}/set-password-link", data={"csrf_token": token})
    assert refused.status_code == 403
    other = client.post(f"/organiser/users/{stranger.id}/set-password-link", data={"csrf_token": token})
    assert other.status_code == 403


def test_organiser_start_page_lists_few_participants_and_starts_from_a_search_for_many(
        app, client, auth, make_user, make_cohort, monkeypatch):
    """Up to the limit the participants are listed by name; above it the page asks for a search,
    which still finds them (and never anyone outside the organiser's cohorts)."""
    from elearn.organiser import routes

    organiser = make_user(Role.ORGANISER)
    learners = [make_user(name=f"参加 {n}") for n in range(3)]
    make_cohort([organiser], learners)
    make_cohort([], [make_user(name="参加 他所")])
    auth.login(organiser.email)
    monkeypatch.setattr(routes, "LIST_WITHOUT_SEARCH", 3)
    listed = client.get("/organiser/").text
    assert all(f"参加 {n}" in listed for n in range(3)) and "参加 他所" not in listed
    monkeypatch.setattr(routes, "LIST_WITHOUT_SEARCH", 2)
    many = client.get("/organiser/").text
    assert "参加 0" not in many and "受講者が2人を超えるため、一覧は表示していません。" in many
    found = client.get("/organiser/?q=参加").text
    assert all(f"参加 {n}" in found for n in range(3)) and "参加 他所" not in found


def test_admin_searches_changes_role_and_deactivates(app, client, auth, make_user):
    admin = make_user(Role.ADMIN)
    target = make_user(name="山田 太郎", organisation="みどり市ひきこもり地域支援センター")
    make_user(name="別の人", organisation="別の所属")
    other_client = app.test_client()
    from .conftest import AuthActions
    AuthActions(other_client).login(target.email)
    auth.login(admin.email)
    page = client.get("/admin/users?q=みどり市")
    assert "山田 太郎" in page.text and "別の人" not in page.text
    token = csrf_from(page.text)
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "organiser", "csrf_token": token}).status_code == 302
    assert client.post(f"/admin/users/{target.id}/active", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        user = db.session.get(User, target.id)
        assert user.role == "organiser" and not user.active
    assert other_client.get("/").status_code == 302  # deactivation ended their session


def test_admin_cannot_demote_self(app, client, auth, make_user):
    admin = make_user(Role.ADMIN)
    auth.login(admin.email)
    token = csrf_from(client.get("/admin/users").text)
    client.post(f"/admin/users/{admin.id}/role", data={"role": "learner", "csrf_token": token})
    with app.app_context():
        assert db.session.get(User, admin.id).role == "admin"


def test_search_treats_wildcards_literally(client, auth, make_user):
    admin = make_user(Role.ADMIN)
    make_user(name="普通の名前")
    auth.login(admin.email)
    assert "普通の名前" not in client.get("/admin/users?q=%25").text


@pytest.mark.parametrize("url", ["/admin/users?q=%00", "/admin/users?q=a%00b"])
def test_control_characters_in_search_are_harmless(client, auth, make_user, url):
    auth.login(make_user(Role.ADMIN).email)
    assert client.get(url).status_code == 200


def test_oversized_ids_are_404(client, auth, make_user):
    auth.login(make_user(Role.ADMIN).email)
    token = csrf_from(client.get("/admin/users").text)
    assert client.post("/admin/users/99999999999/active", data={"csrf_token": token}).status_code == 404
    assert client.get("/cases/sheets/99999999999").status_code == 404
