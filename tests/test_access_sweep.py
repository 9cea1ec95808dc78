"""Every admin and moderation URL, walked from the URL map: who is refused, who gets in; and every
paginated page answers huge or nonsense page numbers without an error."""
from __future__ import annotations

from datetime import date

import pytest

from elearn.extensions import db
from elearn.models import Role, User
from elearn.board import services

from .conftest import csrf_from

ADMIN_ONLY_MODERATION = {"board.reveal", "board.reveal_history"}


def _requests(app, prefix: str, values: dict):
    """(endpoint, method, url) for every rule whose endpoint starts with ``prefix``, ids filled in."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(prefix):
            continue
        arguments = {key: values[key][rule.endpoint] if isinstance(values[key], dict) else values[key]
                     for key in rule.arguments}
        url = rule.build(arguments, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _call(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(client.get("/").text)})


@pytest.fixture
def board_post(app, make_user):
    """A thread by someone, so moderation URLs have a real post and thread."""
    author = make_user()
    with app.app_context():
        thread = services.create_thread(db.session.get(User, author.id), category="other", title="相談",
                                        body="本文", anonymous=True)
        db.session.commit()
        post_id = db.session.scalar(db.select(db.func.min(services.BoardPost.id)))
        return thread.id, post_id


def _admin_requests(app, target_id: int):
    return list(_requests(app, "admin.", {"user_id": target_id}))


def _moderation_requests(app, thread_id: int, post_id: int):
    values = {"thread_id": thread_id, "post_id": post_id, "notification_id": 1,
              "action": {"board.act_on_post": "dismiss", "board.lock": "lock"}}
    return [r for r in _requests(app, "board.", values) if "/moderation/" in r[2]]


@pytest.mark.parametrize("role", [Role.LEARNER, Role.ORGANISER, Role.MODERATOR])
def test_admin_urls_refuse_everyone_but_admins(app, client, auth, make_user, role):
    """Each admin page and action answers 403 to learners, organisers and moderators."""
    target = make_user()
    auth.login(make_user(role).email)
    requests = _admin_requests(app, target.id)
    assert len(requests) >= 4
    for endpoint, method, url in requests:
        assert _call(client, method, url).status_code == 403, (role, method, url)
    with app.app_context():
        assert db.session.get(User, target.id).active and db.session.get(User, target.id).role == "learner"


@pytest.mark.parametrize("role", [Role.LEARNER, Role.ORGANISER])
def test_moderation_urls_refuse_learners_and_organisers(app, client, auth, make_user, board_post, role):
    """Each moderation page and action answers 403 to learners and organisers."""
    auth.login(make_user(role).email)
    requests = _moderation_requests(app, *board_post)
    assert len(requests) >= 7
    for endpoint, method, url in requests:
        assert _call(client, method, url).status_code == 403, (role, method, url)


def test_moderators_reach_moderation_but_not_reveals(app, client, auth, make_user, board_post):
    """A moderator works the queue but can never look up an author, nor reach the admin pages."""
    auth.login(make_user(Role.MODERATOR).email)
    for endpoint, method, url in _moderation_requests(app, *board_post):
        expected = 403 if endpoint in ADMIN_ONLY_MODERATION else None
        status = _call(client, method, url).status_code
        if expected:
            assert status == expected, (method, url)
        else:
            assert status in (200, 302), (method, url, status)


def test_anonymous_visitors_are_sent_to_login(app, client, make_user, board_post):
    for endpoint, method, url in _admin_requests(app, make_user().id) + _moderation_requests(app, *board_post):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


HUGE_PAGES = ["0", "-1", "abc", "999999999999999999999", "9223372036854775807", "1e9"]


def _paginated_urls(cohort, thread_id: int) -> list[str]:
    """Every page that takes ``?page=``."""
    return ["/records", "/board/", "/board/?q=相談", f"/board/{thread_id}", "/board/moderation/",
            "/board/moderation/log", "/board/moderation/reveals", "/admin/users", "/admin/users?q=利用者",
            "/organiser/", "/organiser/cohorts/", "/organiser/cohorts/?archived=1",
            f"/organiser/cohorts/{cohort.id}", f"/organiser/cohorts/{cohort.id}?show=behind&sort=progress",
            f"/organiser/cohorts/{cohort.id}/participants", f"/organiser/cohorts/{cohort.id}/sheets",
            f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/attendance",
            f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/reception"]


def test_every_paginated_page_clamps_the_page_number(app, client, auth, make_user, make_cohort, content, board_post):
    """?page= of any size or shape shows a page (the last one for huge numbers), never an error."""
    admin = make_user(Role.ADMIN)
    cohort = make_cohort([admin], [make_user()], days=[date(2026, 9, 26)], opens_on=date(2026, 7, 1))
    auth.login(admin.email)
    for url in _paginated_urls(cohort, board_post[0]):
        joiner = "&" if "?" in url else "?"
        for page in HUGE_PAGES:
            response = client.get(f"{url}{joiner}page={page}")
            assert response.status_code == 200, (url, page, response.status_code)
