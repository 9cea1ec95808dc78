"""Access: learners get 403 on every organiser URL, organisers only reach their own cohorts, admins all."""
from __future__ import annotations

from datetime import date

import pytest

from elearn.extensions import db
from elearn.models import Role, RosterImport

from .conftest import csrf_from


def _organiser_requests(app, cohort, user_id: int, import_id: int):
    """(method, url) for every rule of the organiser blueprint, with real ids filled in."""
    values = {"cohort_id": cohort.id, "user_id": user_id, "day_id": cohort.day_ids[0], "import_id": import_id,
              "extension": "csv"}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("organiser."):
            continue
        url = rule.build({key: values[key] for key in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


@pytest.fixture
def setting(app, make_user, make_cohort, content):
    """Two organisers with a cohort each (one in-person day, one participant, one pending import)."""
    mine, theirs = make_user(Role.ORGANISER), make_user(Role.ORGANISER)
    learner = make_user()
    cohort = make_cohort([theirs], [learner], days=[date(2026, 9, 26)], opens_on=date(2026, 7, 1))
    with app.app_context():
        roster = RosterImport(cohort_id=cohort.id, rows=[])
        db.session.add(roster)
        db.session.commit()
        import_id = roster.id
    return mine, theirs, learner, cohort, import_id


def _call(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(client.get("/").text)})


def test_every_organiser_url_refuses_learners(app, client, auth, setting):
    """A learner gets 403 on each organiser page, form, export and download, GET and POST."""
    _, _, learner, cohort, import_id = setting
    auth.login(learner.email)
    requests = list(_organiser_requests(app, cohort, learner.id, import_id))
    assert len(requests) >= 20
    for method, url in requests:
        assert _call(client, method, url).status_code == 403, (method, url)


def test_other_organisers_cohort_is_refused(app, client, auth, setting):
    """An organiser not assigned to a cohort gets 403 on every URL of it."""
    mine, _, learner, cohort, import_id = setting
    auth.login(mine.email)
    requests = [(m, u) for m, u in _organiser_requests(app, cohort, learner.id, import_id) if "/cohorts/" in u
                and not u.endswith(("/cohorts/", "/cohorts/new"))]
    assert len(requests) >= 15
    for method, url in requests:
        assert _call(client, method, url).status_code == 403, (method, url)


def test_assigned_organiser_and_admin_get_in(client, auth, make_user, setting):
    _, theirs, _, cohort, _ = setting
    for user in (theirs, make_user(Role.ADMIN)):
        auth.login(user.email)
        assert client.get(f"/organiser/cohorts/{cohort.id}").status_code == 200
        assert client.get(f"/organiser/cohorts/{cohort.id}/completion.xlsx").status_code == 200
        auth.logout()


def test_anonymous_is_sent_to_login(app, client, setting):
    _, _, learner, cohort, import_id = setting
    for method, url in _organiser_requests(app, cohort, learner.id, import_id):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
    assert client.get("/certificates/").status_code == 302


def test_unknown_cohort_is_404(client, auth, make_user):
    auth.login(make_user(Role.ADMIN).email)
    assert client.get("/organiser/cohorts/999999").status_code == 404
