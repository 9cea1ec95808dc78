"""Who may issue a set-password link: the cross-cohort takeover is closed on every path.

The attack: the organiser of cohort Y enrols a learner of cohort X into Y by email (allowed), then
issues a set-password link for them, signs in as them and sees which anonymous posts are theirs.
Every URL that issues links is walked from the URL map, as Y, after the linking."""
from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.models import CaseSheet, Module, Role, SetPasswordLink, User, utcnow

from .conftest import PASSWORD, AuthActions, csrf_from

HEADER = "氏名,メールアドレス,所属,都道府県\n"
#: Endpoints that issue set-password links to someone else; a new one must be added to the test below.
LINK_ENDPOINTS = {"organiser.set_password_link", "organiser.links", "organiser.roster_links", "organiser.add",
                  "admin.set_password_link"}


def _add(client, cohort_id: int, email: str, name: str = "受講 花子"):
    url = f"/organiser/cohorts/{cohort_id}/participants"
    return client.post(url, data={"csrf_token": csrf_from(client.get(url).text), "name": name, "email": email,
                                  "organisation": "センター", "prefecture": "東京都"})


@pytest.fixture
def takeover(app, make_user, make_cohort, content):
    """Organiser X created learner L through X's participant form; organiser Y runs cohort Y."""
    organiser_x, organiser_y = make_user(Role.ORGANISER), make_user(Role.ORGANISER)
    cohort_x, cohort_y = make_cohort([organiser_x]), make_cohort([organiser_y], name="別の研修")
    client = app.test_client()
    AuthActions(client).login(organiser_x.email)
    assert _add(client, cohort_x.id, "hanako@example.jp").status_code == 200  # the link page, shown once
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.email == "hanako@example.jp"))
        assert learner.created_for_cohort_id == cohort_x.id and learner.password_hash is None
        learner_id = learner.id
    return organiser_x, organiser_y, cohort_x, cohort_y, learner_id


def _links_for(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count(SetPasswordLink.id)).where(SetPasswordLink.user_id == user_id))


def test_every_link_endpoint_is_covered():
    """The URL map has exactly the link-issuing endpoints this file walks."""
    from elearn import create_app

    app = create_app({"TESTING": True})
    issuing = {rule.endpoint for rule in app.url_map.iter_rules()
               if ("link" in rule.endpoint or rule.endpoint == "organiser.add") and not rule.endpoint.startswith("auth.")}
    assert issuing == LINK_ENDPOINTS


def test_linking_an_account_gives_no_power_over_it(app, client, auth, takeover):
    """Y enrols L by email, then every link path refuses or leaves L out; L's links stay as they were."""
    _, organiser_y, _, cohort_y, learner_id = takeover
    auth.login(organiser_y.email)
    linked = _add(client, cohort_y.id, "hanako@example.jp")
    assert linked.status_code == 302  # "existing account linked"
    before = _links_for(app, learner_id)
    token = csrf_from(client.get(f"/organiser/cohorts/{cohort_y.id}/participants").text)

    # organiser.set_password_link
    assert client.post(f"/organiser/users/{learner_id}/set-password-link",
                       data={"csrf_token": token}).status_code == 403
    # organiser.links: nobody of Y's needs a link that Y may issue
    bulk = client.post(f"/organiser/cohorts/{cohort_y.id}/links.csv", data={"csrf_token": token})
    assert bulk.status_code == 302 and "hanako" not in bulk.get_data(as_text=True)
    # organiser.roster_links: an import into Y that links L lists no link for L
    page = client.get(f"/organiser/cohorts/{cohort_y.id}/roster/import")
    upload = client.post(f"/organiser/cohorts/{cohort_y.id}/roster/import", content_type="multipart/form-data",
                         data={"csrf_token": csrf_from(page.text),
                               "file": (io.BytesIO((HEADER + "別名,hanako@example.jp,センター,東京都\n").encode()),
                                        "名簿.csv")})
    preview = upload.headers["Location"]
    client.post(preview + "/confirm", data={"csrf_token": token})
    roster_links = client.post(preview + "/links.csv", data={"csrf_token": token})
    assert roster_links.status_code == 302 and "hanako" not in roster_links.get_data(as_text=True)
    # organiser.add: adding L again creates nothing and shows no link
    again = _add(client, cohort_y.id, "hanako@example.jp")
    assert again.status_code == 400 and "/auth/set-password/" not in again.text
    # admin.set_password_link
    assert client.post(f"/admin/users/{learner_id}/set-password-link", data={"csrf_token": token}).status_code == 403
    # and the participants page offers no button for L
    assert f"/organiser/users/{learner_id}/set-password-link" not in client.get(
        f"/organiser/cohorts/{cohort_y.id}/participants").text
    assert _links_for(app, learner_id) == before


def test_the_creating_cohort_may_until_a_password_is_set(app, client, auth, takeover):
    """X (whose form created L) may issue L's first links; once L has a password, not even X may."""
    organiser_x, _, cohort_x, _, learner_id = takeover
    auth.login(organiser_x.email)
    token = csrf_from(client.get(f"/organiser/cohorts/{cohort_x.id}/participants").text)
    issued = client.post(f"/organiser/users/{learner_id}/set-password-link", data={"csrf_token": token})
    assert issued.status_code == 200 and "/auth/set-password/" in issued.text
    with app.app_context():
        from elearn.passwords import hash_password
        db.session.get(User, learner_id).password_hash = hash_password(PASSWORD)
        db.session.commit()
    assert client.post(f"/organiser/users/{learner_id}/set-password-link",
                       data={"csrf_token": token}).status_code == 403
    bulk = client.post(f"/organiser/cohorts/{cohort_x.id}/links.csv", data={"csrf_token": token})
    assert bulk.status_code == 302


def test_admins_issue_links_for_anyone_and_it_is_logged(app, client, auth, make_user, takeover, caplog):
    _, _, _, _, learner_id = takeover
    admin = make_user(Role.ADMIN)
    caplog.set_level(logging.INFO, logger="elearn.security")
    auth.login(admin.email)
    token = csrf_from(client.get("/admin/users").text)
    response = client.post(f"/admin/users/{learner_id}/set-password-link", data={"csrf_token": token})
    assert response.status_code == 200 and "/auth/set-password/" in response.text
    assert any(r.getMessage().startswith("set_password_link_issued") and f"target={learner_id}" in r.getMessage()
               and f"user={admin.id}" in r.getMessage() for r in caplog.records)


def test_sheets_shared_before_the_linking_stay_closed(app, client, auth, takeover):
    """A sheet L shared while only in X is readable by X's organiser, not by Y's after Y enrols L."""
    organiser_x, organiser_y, cohort_x, cohort_y, learner_id = takeover
    with app.app_context():
        case_id = db.session.scalar(select(Module.id).where(Module.slug == "t-case"))
        sheet = CaseSheet(user_id=learner_id, module_id=case_id, issues="家族だけが相談に来ている", shared_at=utcnow())
        db.session.add(sheet)
        db.session.commit()
        sheet_id = sheet.id
    auth.login(organiser_y.email)
    _add(client, cohort_y.id, "hanako@example.jp")
    assert client.get(f"/cases/sheets/{sheet_id}").status_code == 404
    assert "家族だけが相談" not in client.get(f"/organiser/cohorts/{cohort_y.id}").text
    auth.logout()
    auth.login(organiser_x.email)
    assert client.get(f"/cases/sheets/{sheet_id}").status_code == 200
    assert "家族だけが相談" in client.get(f"/organiser/cohorts/{cohort_x.id}").text
