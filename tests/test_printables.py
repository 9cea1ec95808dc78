"""Printables through the test client: who may open them, what they hold, and the slips' link rule.
(tests/e2e/test_printables.py prints each one to PDF and checks pages, orientation and columns.)"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.cohorts.groups import propose
from elearn.dates import today
from elearn.extensions import db
from elearn.models import CohortDay, Role, SetPasswordLink, User

from .conftest import csrf_from


@pytest.fixture
def cohort_for_print(app, content, make_user, make_cohort, auth):
    """An organiser signed in; a cohort with a day today and 12 participants, 11 created by it without a password."""
    organiser = make_user(Role.ORGANISER)
    new = [make_user(name=f"新規{i:02d}", furigana=f"{'あいうえおかきくけこさ'[10 - i]}しんき", password_hash=None)
           for i in range(11)]
    linked = make_user(name="既存 一郎", password_hash=None)  # enrolled, but not created by this cohort
    cohort = make_cohort([organiser], new + [linked], days=[today()])
    with app.app_context():
        for user in new:
            db.session.get(User, user.id).created_for_cohort_id = cohort.id
        propose(db.session.get(CohortDay, cohort.day_ids[0]), 5, 7)
        db.session.commit()
    auth.login(organiser.email)
    return cohort, new, linked


def test_learner_gets_403_on_every_printable(client, make_user, make_cohort, auth):
    """Printables are for the cohort's organisers only."""
    learner = make_user()
    cohort = make_cohort([make_user(Role.ORGANISER)], [learner], days=[today()])
    auth.login(learner.email)
    base, day = f"/organiser/cohorts/{cohort.id}", cohort.day_ids[0]
    for url in (f"{base}/print", f"{base}/print/reception", f"{base}/days/{day}/print/name-tags",
                f"{base}/days/{day}/print/groups", f"{base}/print/completion", f"{base}/certificate-settings"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{base}/print/password-slips", data={"csrf_token": csrf_from(client.get("/").text)}).status_code == 403


def test_reception_lists_everyone_in_aiueo_order(client, cohort_for_print):
    cohort, new, linked = cohort_for_print
    page = client.get(f"/organiser/cohorts/{cohort.id}/print/reception?day={cohort.day_ids[0]}").text
    for header in ("氏名", "ふりがな", "所属", "都道府県", "受付", "グループ"):
        assert f">{header}</th>" in page
    assert page.index("新規10") < page.index("新規00") and "既存 一郎" in page
    assert page.count('class="tick-box"') == 12


def test_name_tags_and_group_lists(client, cohort_for_print):
    """Name tags come 10 to a sheet with the day's group; the group list shows each group."""
    cohort, _, _ = cohort_for_print
    tags = client.get(f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/print/name-tags").text
    assert tags.count('class="tag-sheet"') == 2 and tags.count('class="name-tag"') == 12
    assert "グループ 1" in tags and "グループ 2" in tags
    groups = client.get(f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/print/groups").text
    assert "グループ 1（6人）" in groups and "グループ 2（6人）" in groups


def test_slips_issue_fresh_links_only_for_link_targets(app, client, cohort_for_print):
    """The POST issues a link per account the organiser may issue for (not the linked existing one),
    with an inline SVG QR code and no inline style; issuing again replaces the earlier links."""
    cohort, new, linked = cohort_for_print
    url = f"/organiser/cohorts/{cohort.id}/print/password-slips"
    token = csrf_from(client.get(f"/organiser/cohorts/{cohort.id}/print").text)
    assert client.get(url).status_code == 405
    first = client.post(url, data={"csrf_token": token})
    assert first.status_code == 200 and first.headers["Cache-Control"].startswith("no-store")
    assert first.text.count('class="slip"') == 11 and "既存 一郎" not in first.text
    assert first.text.count('<svg viewBox=') == 11 and not re.search(r"<svg[^>]*style=", first.text)
    links = re.findall(r'class="slip__link">([^<]+)<', first.text)
    assert len(links) == 11 and all("/auth/set-password/" in link for link in links)
    old = links[0].split("/auth/set-password/")[1]
    assert client.get(f"/auth/set-password/{old}").status_code == 200
    again = client.post(url, data={"csrf_token": token})
    assert again.text.count('class="slip"') == 11
    assert client.get(f"/auth/set-password/{old}").status_code == 404  # the earlier link stopped working
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SetPasswordLink)) == 11
    assert client.post(url, data={}).status_code == 400


def test_completion_print_has_every_module_and_participant(client, cohort_for_print):
    cohort, new, linked = cohort_for_print
    page = client.get(f"/organiser/cohorts/{cohort.id}/print/completion").text
    assert "テスト教材A" in page and "テスト教材B" in page  # the legend names each numbered column
    assert all(user.display_name in page for user in new + [linked])
    assert page.count('<td class="col-cert">') == 12


def test_certificate_settings_change_what_the_certificate_prints(app, client, content, make_user, make_cohort, auth):
    """Title, issuer, its title and the seal area come from the cohort's settings (defaults otherwise)."""
    from elearn.models import Progress, utcnow

    organiser, learner = make_user(Role.ORGANISER), make_user(name="修了 花子")
    cohort = make_cohort([organiser], [learner])
    with app.app_context():
        db.session.add_all(Progress(user_id=learner.id, module_id=m, completed_at=utcnow()) for m in cohort.module_ids)
        db.session.commit()
    auth.login(organiser.email)
    certificate_url = f"/organiser/cohorts/{cohort.id}/participants/{learner.id}/certificate"
    default = client.get(certificate_url).text
    assert ">修了証</h1>" in default and "ひきこもり支援者研修 事務局" in default and "certificate__seal" in default
    assert "発行日 令和" in default
    url = f"/organiser/cohorts/{cohort.id}/certificate-settings"
    token = csrf_from(client.get(url).text)
    assert client.post(url, data={"csrf_token": token, "title": "", "issuer": "○○県"}).status_code == 400
    saved = client.post(url, data={"csrf_token": token, "title": "修了証書", "issuer": "○○県ひきこもり地域支援センター",
                                   "issuer_title": "センター長 山田 太郎"})
    assert saved.status_code == 302
    page = client.get(certificate_url).text
    assert ">修了証書</h1>" in page and "○○県ひきこもり地域支援センター<br>センター長 山田 太郎" in page
    assert "certificate__seal" not in page  # the box was left unticked


def test_printables_need_the_cohorts_own_day(client, cohort_for_print, make_cohort):
    """A day of another cohort is 404, not someone else's groups."""
    cohort, _, _ = cohort_for_print
    other = make_cohort(days=[today() + timedelta(days=3)])
    assert client.get(f"/organiser/cohorts/{cohort.id}/days/{other.day_ids[0]}/print/name-tags").status_code == 404
