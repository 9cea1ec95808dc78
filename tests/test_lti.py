"""LTI 1.3 against a third-party platform (PyPI ``lti1p3platform``, run locally): OIDC login, launch,
AGS score return, deep linking, tampered launches, iframe cookies and frame-ancestors."""
from __future__ import annotations

import base64
import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from elearn.extensions import db
from elearn.models import (Cohort, Enrolment, LtiAccount, LtiContext, LtiLaunchState, OutboxItem, Role, User,
                           cohort_organisers, utcnow)
from elearn.outbox import send_due

from .conftest import csrf_from
from .lti_platform import INSTRUCTOR, Platform
from .test_learning import RIGHT, WRONG, submit

TOOL = "https://localhost"


@pytest.fixture
def platform():
    running = Platform(TOOL)
    yield running
    running.stop()


@pytest.fixture
def tool(app, client, platform, make_user, auth, content):
    """The tool with ``platform`` registered by an admin through the registration page."""
    admin = make_user(role=Role.ADMIN)
    auth.login(admin.email)
    page = client.get("/lti/platforms/new")
    response = client.post("/lti/platforms/new", data=platform.registration | {"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302, response.text
    auth.logout()
    platform.settings["tool_key_set"] = client.get("/lti/jwks").get_json()
    return app


def login_flow(client, platform, sub="learner-sub-1", conf=None, **launch):
    """Platform -> tool login initiation -> (redirect to the platform's auth) -> launch POST to the tool."""
    url = platform.login_url(sub, conf)
    assert url.startswith(f"{TOOL}/lti/login?")
    initiated = client.get(url.removeprefix(TOOL), base_url=TOOL)
    assert initiated.status_code == 302, initiated.text
    auth_redirect = initiated.headers["Location"]
    assert auth_redirect.startswith(f"{platform.url}/auth?")
    form = platform.launch(auth_redirect, sub=sub, conf=conf, **launch)
    assert form["launch_url"] == f"{TOOL}/lti/launch"
    return form


def post_launch(client, form):
    return client.post("/lti/launch", base_url=TOOL, data={"id_token": form["id_token"], "state": form["state"]})


def test_resource_launch_signs_in_by_sub_and_returns_quiz_scores_to_the_platform(tool, client, platform):
    """A learner launched into t-alpha gets an account bound to the sub; each attempt's score reaches
    the platform's line item through AGS (token from the platform, score posted over HTTP)."""
    lineitem = platform.add_lineitem({"label": "t-alpha", "scoreMaximum": 100, "resourceLinkId": "link-1"})
    form = login_flow(client, platform, item="t-alpha", lineitem=lineitem["id"], email="taro@example.jp")
    response = post_launch(client, form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/initial/t-alpha")
    page = client.get("/courses/initial/t-alpha", base_url=TOOL)
    assert page.status_code == 200 and "受講 太郎" in page.text

    with tool.app_context():
        account = db.session.scalar(select(LtiAccount))
        user = db.session.get(User, account.user_id)
        assert account.sub == "learner-sub-1" and user.role == "learner"
        assert user.email != "taro@example.jp" and user.email.endswith("@lti.invalid")  # e-mail not trusted
        cohort = db.session.get(Cohort, db.session.scalar(select(LtiContext.cohort_id)))
        assert db.session.scalar(select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)) == user.id

    assert submit(client, WRONG, url=f"{TOOL}/courses/initial/t-alpha").status_code == 302
    assert submit(client, RIGHT, url=f"{TOOL}/courses/initial/t-alpha").status_code == 302
    with tool.app_context():
        assert db.session.scalar(select(db.func.count(OutboxItem.id)).where(OutboxItem.channel == "lti_score")) == 2
        report = send_due("lti_score")
    assert report.sent == 2, report
    scores = platform.scores[lineitem["id"]]
    assert [(s["userId"], s["scoreGiven"], s["scoreMaximum"]) for s in scores] == [
        ("learner-sub-1", 0, 100), ("learner-sub-1", 100, 100)]
    assert [s["activityProgress"] for s in scores] == ["Submitted", "Completed"]
    assert {s["gradingProgress"] for s in scores} == {"FullyGraded"}


def test_score_waits_while_the_platform_is_down_and_is_sent_once_later(tool, client, platform):
    """Platform unavailable: the score stays queued (retried), then arrives exactly once; with only a
    line-items URL the tool finds or creates its line item on the platform."""
    post_launch(client, login_flow(client, platform, item="t-alpha"))
    submit(client, RIGHT, url=f"{TOOL}/courses/initial/t-alpha")
    platform.available = False
    with tool.app_context():
        assert send_due("lti_score").retried == 1
        db.session.execute(update(OutboxItem).values(next_attempt_at=utcnow()))
        db.session.commit()
    platform.available = True
    with tool.app_context():
        assert send_due("lti_score").sent == 1
        assert send_due("lti_score").total == 0
    [(item_id, scores)] = platform.scores.items()
    assert platform.lineitems[item_id]["resourceId"] == "t-alpha" and len(scores) == 1
    assert scores[0]["scoreGiven"] == 100


def test_instructor_launch_organises_the_course_cohort(tool, client, platform):
    """Instructor -> organiser of the cohort bound to the platform's course."""
    post_launch(client, login_flow(client, platform, sub="teacher-1", item="t-alpha", roles=(INSTRUCTOR,)))
    with tool.app_context():
        user = db.session.scalar(select(User).join(LtiAccount, LtiAccount.user_id == User.id))
        assert user.role == "organiser"
        cohort_id = db.session.scalar(select(LtiContext.cohort_id))
        assert db.session.execute(select(cohort_organisers).where(
            cohort_organisers.c.cohort_id == cohort_id, cohort_organisers.c.user_id == user.id)).first()


def test_deep_linking_lets_the_teacher_pick_modules(tool, client, platform):
    """The platform's LtiDeepLinkingRequest -> the picker -> a signed answer the platform accepts."""
    response = post_launch(client, login_flow(client, platform, sub="teacher-1", roles=(INSTRUCTOR,),
                                              deep_link=True))
    assert response.status_code == 302 and response.headers["Location"].endswith("/lti/deep-link")
    picker = client.get("/lti/deep-link", base_url=TOOL)
    assert "コースに置く教材を選ぶ" in picker.text
    same_origin = {"Referer": f"{TOOL}/lti/deep-link"}  # what a browser sends; CSRF checks it on https
    empty = client.post("/lti/deep-link", base_url=TOOL, headers=same_origin,
                        data={"csrf_token": csrf_from(picker.text)})
    assert empty.status_code == 400 and "1つ以上選んで" in empty.text
    answer = client.post("/lti/deep-link", base_url=TOOL, headers=same_origin, data={
        "csrf_token": csrf_from(picker.text), "item": ["t-alpha", "t-case"]})
    assert answer.status_code == 200
    assert f'action="{platform.url}/deep-link-return"' in answer.text
    token = re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1)
    conf = platform.conf()
    conf.get_registration()
    items = conf.validate_deeplinking_resp({"JWT": token})
    assert sorted((i["type"], i["custom"]["item"], i["url"]) for i in items) == [
        ("ltiResourceLink", "t-alpha", f"{TOOL}/lti/launch"), ("ltiResourceLink", "t-case", f"{TOOL}/lti/launch")]
    alpha = next(i for i in items if i["custom"]["item"] == "t-alpha")
    assert alpha["lineItem"]["scoreMaximum"] == 100 and alpha["lineItem"]["resourceId"] == "t-alpha"


def test_learner_cannot_deep_link(tool, client, platform):
    """Only an instructor gets the picker."""
    response = post_launch(client, login_flow(client, platform, deep_link=True))
    assert response.status_code == 403 and "教員（Instructor）だけ" in response.text


def _tamper_body(token: str, **changes) -> str:
    header, body, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return ".".join([header, encoded, signature])


@pytest.mark.parametrize("tamper, reason, message", [
    ("signature", "bad_signature", "署名を確認できませんでした"),
    ("issuer", "unknown_platform", "登録されていません"),
    ("deployment", "unknown_deployment", "デプロイメントIDは登録されていません"),
    ("expired_token", "expired", "有効期限が切れています"),
    ("expired_nonce", "nonce", "すでに使われたか、期限が切れています"),
    ("replay", "nonce", "すでに使われたか、期限が切れています"),
    ("unknown_item", "unknown_item", "教材が見つかりません"),
])
def test_tampered_launches_are_refused_and_logged(tool, client, platform, caplog, tamper, reason, message):
    """Each tampering is refused with its Japanese message, logged, and signs no one in."""
    conf, launch = None, {"item": "t-alpha"}
    if tamper == "issuer":
        conf = platform.conf(iss="https://evil.example.jp")
        # The login initiation itself already refuses an unknown issuer.
        refused = client.get(platform.login_url("x", conf).removeprefix(TOOL), base_url=TOOL)
        assert refused.status_code == 400 and "登録されていません" in refused.text
        form = login_flow(client, platform, **launch)
        form["id_token"] = platform.conf(iss="https://evil.example.jp").get_registration().platform_encode_and_sign(
            _claims(form["id_token"]) | {"iss": "https://evil.example.jp"}, expiration=300)
    elif tamper == "deployment":
        form = login_flow(client, platform, conf=platform.conf(deployment_id="someone-else"), **launch)
    elif tamper == "expired_token":
        form = login_flow(client, platform, expires_in=-60, **launch)
    elif tamper == "unknown_item":
        form = login_flow(client, platform, item="no-such-item")
    else:
        form = login_flow(client, platform, **launch)
    if tamper == "signature":
        form["id_token"] = _tamper_body(form["id_token"], sub="admin")
    if tamper == "expired_nonce":
        with tool.app_context():
            db.session.execute(update(LtiLaunchState).values(expires_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
    if tamper == "replay":
        assert post_launch(client, form).status_code == 302
        client.post("/auth/logout", base_url=TOOL, headers={"Referer": f"{TOOL}/"}, data={
            "csrf_token": csrf_from(client.get("/", base_url=TOOL).text)})
    with tool.app_context():
        accounts_before = db.session.scalar(select(db.func.count(LtiAccount.id)))
    caplog.set_level(logging.WARNING, logger="elearn.security")
    response = post_launch(client, form)
    assert response.status_code in (400, 404) and message in response.text
    assert any("lti_refused" in r.getMessage() and f"reason={reason}" in r.getMessage() for r in caplog.records)
    assert client.get("/", base_url=TOOL).status_code == 302  # not signed in
    with tool.app_context():
        if tamper != "unknown_item":
            assert db.session.scalar(select(db.func.count(LtiAccount.id))) == accounts_before


def _claims(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_lti_session_cookie_and_frame_ancestors(tool, client, platform, make_user, auth):
    """After a launch: SameSite=None; Secure and frame-ancestors = the platform; otherwise Lax and 'none'."""
    response = post_launch(client, login_flow(client, platform, item="t-alpha"))
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("elearn_session="))
    assert "SameSite=None" in cookie and "Secure" in cookie
    page = client.get("/courses/initial/t-alpha", base_url=TOOL)
    assert f"frame-ancestors {platform.url}" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    refused = client.get(platform.login_url("x", platform.conf(iss="https://evil.example.jp")).removeprefix(TOOL),
                         base_url=TOOL)
    assert f"frame-ancestors {platform.url}" in refused.headers["Content-Security-Policy"]  # the launch pages

    other = tool.test_client()
    user = make_user()
    other.post("/auth/login", data={"email": user.email, "password": "とても長い合言葉 correct horse",
                                    "csrf_token": csrf_from(other.get("/auth/login").text)})
    plain = other.get("/courses/initial/t-alpha")
    assert "frame-ancestors 'none'" in plain.headers["Content-Security-Policy"]
    assert plain.headers["X-Frame-Options"] == "DENY"


def test_platform_registration_is_admin_only_and_validated(tool, client, make_user, auth, platform):
    """Learners and organisers get 403; a bad URL or a missing deployment id is said in Japanese."""
    for role in (Role.LEARNER, Role.ORGANISER):
        user = make_user(role=role)
        auth.login(user.email)
        assert client.get("/lti/platforms").status_code == 403
        auth.logout()
    admin = make_user(role=Role.ADMIN)
    auth.login(admin.email)
    listing = client.get("/lti/platforms")
    assert "テスト県 学習プラットフォーム" in listing.text and "/lti/login" in listing.text
    page = client.get("/lti/platforms/new")
    bad = client.post("/lti/platforms/new", data=platform.registration | {
        "csrf_token": csrf_from(page.text), "key_set_url": "ftp://x", "deployment_ids": " "})
    assert bad.status_code == 400
    assert "https:// で始まるURL" in bad.text and "デプロイメントIDを1つ以上" in bad.text
    duplicate = client.post("/lti/platforms/new", data=platform.registration | {"csrf_token": csrf_from(page.text)})
    assert duplicate.status_code == 400 and "すでに登録されています" in duplicate.text
