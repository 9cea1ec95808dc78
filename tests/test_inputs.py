"""Request input: the form field limit (both encodings) and control characters, swept over the URL map."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from flask import url_for
from sqlalchemy import String, func, select

from elearn.auth.services import issue_set_password_link
from elearn.board.services import add_reply, create_thread
from elearn.cases.services import save_sheet
from elearn.extensions import db
from elearn.inputs import strip_control_characters
from elearn.models import (Attendance, BoardModerationLog, BoardPost, BoardReport, BoardThread, CaseSheet, Cohort,
                           Module, Role, RosterImport, User)

from .conftest import PASSWORD, csrf_from

NUL = "\x00"
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def dirty(text: str) -> str:
    """``text`` with a NUL, an escape and a DEL put in: what a careless paste or a hand-made request sends."""
    middle = len(text) // 2
    return f"{text[:middle]}{NUL}\x1b{text[middle:]}\x7f"


def test_strip_control_characters():
    assert strip_control_characters("a\x00b\x01c\x1b[0m\x7fd") == "abc[0md"
    assert strip_control_characters("行1\r\n\t行2\n") == "行1\r\n\t行2\n"


# --- the form field limit ------------------------------------------------------------------------

@pytest.fixture
def learner_on_case_page(client, auth, make_user, content):
    auth.login(make_user().email)
    return csrf_from(client.get("/cases/t-case").text)


def _sheet_fields(token: str, total: int) -> list[tuple[str, str]]:
    return [("csrf_token", token), ("issues", "書いた")] + [("padding", "x")] * (total - 2)


def _sheets(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(CaseSheet.id)))


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_too_many_form_fields_get_413(app, client, learner_on_case_page, encoding):
    """Past MAX_FORM_FIELDS either encoding is refused with the Japanese 413 page; nothing is saved."""
    limit = app.config["MAX_FORM_FIELDS"]

    def post(total: int):
        fields = _sheet_fields(learner_on_case_page, total)
        if encoding == "urlencoded":
            return client.post("/cases/t-case/sheet", data=urlencode(fields),
                               content_type="application/x-www-form-urlencoded")
        from werkzeug.datastructures import MultiDict
        return client.post("/cases/t-case/sheet", data=MultiDict(fields), content_type="multipart/form-data")

    refused = post(limit + 1)
    assert refused.status_code == 413 and "送信されたデータが大きすぎます" in refused.text
    assert _sheets(app) == 0
    assert post(limit).status_code == 302 and _sheets(app) == 1


def test_the_largest_attendance_form_fits(app):
    """An attendance page posts three fields per participant shown (``shown``, ``was-…``, ``status-…``)."""
    from elearn.organiser.routes_tracking import MAX_IDS

    assert 3 * MAX_IDS + 10 <= app.config["MAX_FORM_FIELDS"]


# --- control characters: every GET with a query string and every form POST -----------------------

@pytest.fixture
def world(app, make_user, make_cohort, content):
    """Someone of every role, a cohort with a day, a board thread, a shared sheet, a pending import
    and a set-password link, so that every URL of the map can be filled with real ids."""
    w = SimpleNamespace(admin=make_user(Role.ADMIN), organiser=make_user(Role.ORGANISER),
                        moderator=make_user(Role.MODERATOR), learner=make_user(), other=make_user(),
                        spare=make_user(), invitee=make_user())
    w.cohort = make_cohort([w.organiser], [w.learner, w.other], days=[date(2026, 9, 26)])
    w.to_archive = make_cohort([w.organiser], name="アーカイブする研修")
    with app.app_context():
        learner = db.session.get(User, w.learner.id)
        thread = create_thread(learner, category="self-care", title="訪問が続かない", body="どうしたら", anonymous=False)
        w.thread_id = thread.id
        w.opening_id = db.session.scalar(select(BoardPost.id).where(BoardPost.thread_id == thread.id))
        w.reply_id = add_reply(thread, db.session.get(User, w.other.id), body="わかります", anonymous=False).id
        w.doomed_id = add_reply(thread, learner, body="消す返信", anonymous=False).id
        case = db.session.scalar(select(Module).where(Module.slug == "t-case"))
        sheet = save_sheet(learner.id, case, {"issues": "共有するシート"})
        sheet.shared_at = sheet.updated_at
        pending = RosterImport(cohort_id=w.cohort.id, rows=[])
        db.session.add(pending)
        db.session.flush()
        w.sheet_id, w.import_id = sheet.id, pending.id
        invitee = db.session.get(User, w.invitee.id)  # as the cohort's roster import left it: no password yet
        invitee.password_hash, invitee.created_for_cohort_id = None, w.cohort.id
        w.link_token = issue_set_password_link(db.session.get(User, w.spare.id), db.session.get(User, w.admin.id))
        db.session.commit()
    return w


def _url_values(w) -> dict:
    return {"cohort_id": w.cohort.id, "user_id": w.learner.id, "day_id": w.cohort.day_ids[0],
            "import_id": w.import_id, "extension": "csv", "thread_id": w.thread_id, "post_id": w.opening_id,
            "sheet_id": w.sheet_id, "attempt_id": 1, "curriculum": "initial", "module_id": "t-alpha",
            "case_id": "t-case", "token": w.link_token, "code": "ABCD-EFGH-JKMN-PQRS", "platform_id": 1,
            "phase": "pre", "quiz_id": 1, "question_id": "q1"}


#: Every query parameter a view reads, each sent with control characters.
QUERY = {name: dirty(value) for name, value in {
    "q": "利用者", "category": "self-care", "show": "behind", "sort": "progress", "dir": "desc", "page": "2",
    "next": "/courses/", "choice": "a", "problems": "1", "back": "participants", "cohort": "1", "archived": "1",
    "code": "ABCD-EFGH-JKMN-PQRS", "since": "3", "step": "1",
    "iss": "https://moodle.example.jp", "login_hint": "1", "client_id": "c", "item": "t-alpha"}.items()}


def _client_as(app, auth_user):
    from .conftest import AuthActions

    client = app.test_client()
    if auth_user is not None:
        assert AuthActions(client).login(auth_user.email).status_code == 302, auth_user
    return client


def test_every_page_takes_control_characters_in_its_query_and_path(app, world):
    """Each GET URL of the map, as every role and signed out, with every query parameter dirty
    (and each text path segment dirty too): never a 500."""
    clients = [_client_as(app, user) for user in (world.admin, world.organiser, world.learner, None)]
    values = _url_values(world)
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in ("static", "health.healthz"):
                continue
            arguments = {key: values[key] for key in rule.arguments}
            urls.append(url_for(rule.endpoint, **(QUERY | arguments)))
            for key in rule.arguments:
                if isinstance(values[key], str) and key != "extension":
                    urls.append(url_for(rule.endpoint, **{**arguments, key: dirty(values[key])}))
    assert len(urls) > 40
    for url in urls:
        for client in clients:
            assert client.get(url).status_code < 500, url


@pytest.mark.parametrize("endpoint, values", [
    ("organiser.cohort", {"cohort_id": None}),
    ("organiser.participants", {"cohort_id": None}),
    ("organiser.attendance", {"cohort_id": None, "day_id": None}),
    ("organiser.index", {}),
    ("admin.users", {}),
])
def test_searches_find_what_was_meant(app, world, endpoint, values):
    """A search typed with stray control characters finds what the words without them find."""
    client = _client_as(app, world.admin if endpoint == "admin.users" else world.organiser)
    values = {key: _url_values(world)[key] for key in values}
    name = world.learner.display_name
    with app.test_request_context():
        url = url_for(endpoint, **values, q=dirty(name))
    response = client.get(url)
    assert response.status_code == 200 and name in response.text
    assert world.other.display_name not in response.text


@dataclass
class Post:
    """One form POST of the sweep: who sends it, to what, which fields, and the answer expected."""

    endpoint: str
    who: str | None
    data: dict = field(default_factory=dict)
    url: dict = field(default_factory=dict)
    status: int | None = None


def _posts(w) -> list[Post]:
    """Every POST endpoint, in an order where each finds what it needs (the lock and logout last)."""
    cohort, learner = w.cohort.id, w.learner.id
    return [
        Post("auth.login", None, {"email": dirty(w.learner.email), "password": PASSWORD + NUL,
                                  "next": dirty("/courses/")}, status=302),
        Post("cases.save", "learner", {"issues": dirty("母親が疲れている"), "assessment": dirty("見立て"),
                                       "partners": "保健所", "next_step": "手紙", "own_area": "居場所"},
             {"case_id": "t-case"}, status=302),
        Post("cases.share", "learner", url={"case_id": "t-case"}, status=302),
        Post("cases.share_group", "learner", url={"case_id": "t-case"}, status=302),
        Post("learning.submit_quiz", "learner", {"q-q1": dirty("a"), "q-q2": [dirty("a"), "b" + NUL]},
             {"module_id": "t-alpha"}, status=302),
        Post("board.new_thread", "learner", {"category": dirty("self-care"), "title": dirty("家族への連絡"),
                                             "body": dirty("どう伝えればよいか")}, status=302),
        Post("board.reply", "other", {"body": dirty("私も同じでした")}, {"thread_id": w.thread_id}, status=302),
        Post("board.edit", "learner", {"title": dirty("訪問が続かないとき"), "body": dirty("書き直しました")},
             {"post_id": w.opening_id}, status=302),
        Post("board.react", "other", url={"post_id": w.opening_id}, status=302),
        Post("board.report", "learner", {"reason": dirty("other"), "detail": dirty("気になる表現があります")},
             {"post_id": w.reply_id}, status=302),
        Post("board.delete", "learner", url={"post_id": w.doomed_id}, status=302),
        Post("board.act_on_post", "moderator", {"hide-reason": dirty("個人が特定されるおそれ")},
             {"post_id": w.reply_id, "action": "hide"}, status=302),
        Post("board.reveal", "admin", {"reveal-reason": dirty("通報が続いているための確認")},
             {"post_id": w.reply_id}, status=200),
        Post("organiser.new_cohort", "organiser", {
            "name": dirty("令和8年度 フォローアップ研修"), "curriculum": dirty("followup"),
            "opens_on": dirty("2026-07-01"), "closes_on": "2026-12-01", "days": dirty("2026-09-26"),
            "venue": dirty("県社会福祉会館"), "capacity": dirty("30"), "organisers": dirty(w.organiser.email)},
             status=302),
        Post("organiser.edit_cohort", "organiser", {
            "name": dirty("令和8年度 新任職員研修 第1期"), "curriculum": "initial", "opens_on": "2026-07-01",
            "closes_on": "2026-12-01", "days": "2026-09-26", "venue": dirty("会館"), "capacity": "150",
            "organisers": w.organiser.email}, {"cohort_id": cohort}, status=302),
        Post("organiser.add", "organiser", {"name": dirty("山田 花子"), "furigana": dirty("やまだ はなこ"),
                                            "email": dirty("hanako@example.jp"),
                                            "organisation": dirty("ひきこもり地域支援センター"),
                                            "prefecture": dirty("東京都")}, {"cohort_id": cohort}, status=200),
        Post("organiser.roster_import", "organiser", {
            "text": dirty("氏名,メールアドレス,所属,都道府県\n鈴木 一郎,ichiro@example.jp,福祉課,大阪府\n")},
             {"cohort_id": cohort}, status=302),
        Post("organiser.roster_import", "organiser", {"file": "upload"}, {"cohort_id": cohort}, status=302),
        Post("organiser.roster_confirm", "organiser", url={"cohort_id": cohort, "import_id": "latest"}, status=302),
        Post("organiser.roster_links", "organiser", url={"cohort_id": cohort, "import_id": "latest"}, status=200),
        Post("organiser.links", "organiser", url={"cohort_id": cohort}),
        Post("organiser.print_password_slips", "organiser", url={"cohort_id": cohort}),
        Post("organiser.certificate_settings", "organiser", {"title": dirty("修了証書"), "issuer": dirty("○○県"),
                                                            "issuer_title": dirty("知事 山田 太郎"), "seal": "y"},
             {"cohort_id": cohort}, status=302),
        Post("organiser.attendance", "organiser", {"shown": [dirty(str(learner))], f"was-{learner}": dirty("none"),
                                                   f"status-{learner}": dirty("present")},
             {"cohort_id": cohort, "day_id": w.cohort.day_ids[0], "q": dirty("利用者")}, status=302),
        Post("organiser.propose_groups", "organiser", {"smallest": dirty("5"), "largest": dirty("7")},
             {"cohort_id": cohort, "day_id": w.cohort.day_ids[0]}, status=302),
        Post("organiser.move_people", "organiser", {f"group-{learner}": dirty("2"), f"was-{learner}": dirty("1")},
             {"cohort_id": cohort, "day_id": w.cohort.day_ids[0]}, status=302),
        Post("organiser.copy_groups", "organiser", {"source": dirty(str(w.cohort.day_ids[0]))},
             {"cohort_id": cohort, "day_id": w.cohort.day_ids[0]}, status=302),
        Post("organiser.lock_groups", "organiser", url={"cohort_id": cohort, "day_id": w.cohort.day_ids[0]},
             status=302),
        Post("organiser.reception_mark", "organiser", {"was": dirty("present"), "status": dirty("present"),
                                                       "q": dirty("利用者")},
             {"cohort_id": cohort, "day_id": w.cohort.day_ids[0], "user_id": learner}, status=302),
        Post("checkin.scan", "learner", url={"cohort_id": cohort, "day_id": w.cohort.day_ids[0],
                                             "code": dirty("ABCD-EFGH-JKMN-PQRS")}, status=400),
        Post("organiser.set_password_link", "organiser",
             url={"user_id": w.invitee.id, "back": dirty("participants"), "cohort": dirty(str(cohort))}, status=200),
        Post("organiser.revoke", "organiser", url={"cohort_id": cohort, "user_id": learner}),
        Post("organiser.remove", "organiser", url={"cohort_id": cohort, "user_id": w.other.id,
                                                   "q": dirty("利用者")}, status=302),
        Post("organiser.archive_cohort", "organiser", url={"cohort_id": w.to_archive.id}, status=302),
        Post("admin.change_role", "admin", {"role": dirty("organiser")}, {"user_id": w.spare.id}, status=302),
        Post("admin.set_password_link", "admin", url={"user_id": w.spare.id}, status=200),
        Post("auth.change_password", "spare", {"current_password": PASSWORD + NUL,
                                               "new_password": dirty("あたらしい合言葉 horse battery"),
                                               "confirm": dirty("あたらしい合言葉 horse battery")}, status=302),
        Post("auth.set_password_from_link", None, {"new_password": dirty("べつの合言葉 staple correct"),
                                                   "confirm": dirty("べつの合言葉 staple correct")},
             {"token": "fresh"}, status=302),
        Post("privacy.download", "learner", status=200),
        Post("admin.privacy_export", "admin", {"export-reason": dirty("本人から依頼")}, {"user_id": w.spare.id}),
        Post("admin.privacy_delete", "admin", {"delete-reason": dirty("依頼"), "delete-confirm_email": dirty("x@example.jp")},
             {"user_id": w.spare.id}),
        Post("admin.toggle_active", "admin", url={"user_id": w.spare.id}, status=302),
        Post("lti.new_platform", "admin", {
            "name": dirty("○○県 Moodle"), "issuer": dirty("https://moodle.example.jp"), "client_id": dirty("tool-1"),
            "deployment_ids": dirty("1"), "key_set_url": dirty("https://moodle.example.jp/jwks"),
            "auth_login_url": dirty("https://moodle.example.jp/auth"),
            "auth_token_url": dirty("https://moodle.example.jp/token")}, status=302),
        Post("lti.edit_platform", "admin", {"name": dirty("○○県 Moodle")}, {"platform_id": 1}),  # 200/404 by database
        Post("lti.delete_platform", "admin", url={"platform_id": 2**31 - 1}, status=404),
        Post("lti.login", None, {"iss": dirty("https://unknown.example.jp"), "login_hint": dirty("1")}, status=400),
        Post("lti.launch", None, {"id_token": dirty("a.b.c"), "state": dirty("state-1")}, status=400),
        Post("lti.pick_items", "learner", {"item": dirty("t-alpha")}, status=404),
        Post("board.lock", "moderator", {"lock-reason": dirty("落ち着くまで")},
             {"thread_id": w.thread_id, "action": "lock"}, status=302),
        Post("auth.forgot_password", None, {"email": dirty(w.learner.email)}),
        Post("mail.settings", "learner", {"reminders": dirty("y")}, status=302),
        Post("mail.unsubscribe", None, {"List-Unsubscribe": dirty("One-Click")}, {"token": dirty("MQ.x")}),
        Post("organiser.invitations", "organiser", {"count": dirty("1")}, {"cohort_id": cohort, "user": dirty("1")}),
        Post("organiser.send_reminders", "organiser", url={"cohort_id": cohort}, status=302),
        Post("organiser.reminder_settings_save", "organiser", {"enabled": dirty("y"),
                                                               "days_before_close": dirty("7,1")},
             {"cohort_id": cohort}, status=302),
        Post("board.open_notification", "learner", url={"notification_id": 1}),
        Post("board.read_all", "learner", status=302),
        Post("auth.landing", "organiser", {"landing": dirty("dashboard"), "next": dirty("/organiser/")}, status=302),
        Post("evaluation.take_test", "learner", {"q1": dirty("a")}, {"cohort_id": cohort, "phase": dirty("pre")}),
        Post("evaluation.take_survey", "learner", {"understood": dirty("5"), "comments": dirty("よかった")},
             {"cohort_id": cohort}),
        Post("evaluation.settings", "organiser", {"pre": dirty("1"), "post": dirty("1"), "survey": dirty("1")},
             {"cohort_id": cohort}),
        Post("evaluation.remind_survey", "organiser", url={"cohort_id": cohort}, status=302),
        Post("auth.logout", "learner", status=302),
    ]


def _send(app, w, post: Post, latest_import: int):
    client = _client_as(app, getattr(w, post.who) if post.who else None)
    url_values = dict(post.url)
    if url_values.get("import_id") == "latest":
        url_values["import_id"] = latest_import
    if url_values.get("token") == "fresh":
        with app.app_context():
            url_values["token"] = issue_set_password_link(db.session.get(User, w.other.id), None)
            db.session.commit()
    with app.test_request_context():
        url = url_for(post.endpoint, **url_values)
    token = csrf_from(client.get("/auth/login" if post.who is None else "/").text)
    data = {f"{prefix}csrf_token": token for prefix in ("", "hide-", "reveal-", "lock-")} | post.data
    if data.get("file") == "upload":
        roster = "氏名,メールアドレス,所属,都道府県\r\n佐藤\x00 次郎,jiro@example.jp,セン\x1bター,北海道\r\n"
        data["file"] = (io.BytesIO(roster.encode("utf-8")), dirty("名簿.csv"))
        return client.post(url, data=data, content_type="multipart/form-data")
    return client.post(url, data=data)


def test_every_form_takes_control_characters(app, world):
    """Each POST endpoint of the map, sent by someone allowed to, with control characters in every
    text field and query parameter: never a 500, saved forms are saved, and without them."""
    posts = _posts(world)
    post_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert {post.endpoint for post in posts} == post_endpoints, "every form POST is in the sweep"
    for post in posts:
        with app.app_context():
            latest_import = db.session.scalar(select(func.max(RosterImport.id)))
        response = _send(app, world, post, latest_import)
        response.close()  # a streamed download keeps its request context until closed
        assert response.status_code < 500, (post.endpoint, response.status_code)
        if post.status is not None:
            assert response.status_code == post.status, (post.endpoint, response.status_code, response.text[:300])
    _assert_saved_without_control_characters(app, world)


def _assert_saved_without_control_characters(app, w):
    with app.app_context():
        sheet = db.session.scalar(select(CaseSheet).where(CaseSheet.user_id == w.learner.id))
        assert (sheet.issues, sheet.assessment) == ("母親が疲れている", "見立て")
        titles = set(db.session.scalars(select(BoardThread.title)))
        assert {"家族への連絡", "訪問が続かないとき"} <= titles
        bodies = set(db.session.scalars(select(BoardPost.body_markdown)))
        assert {"どう伝えればよいか", "私も同じでした", "書き直しました"} <= bodies
        assert db.session.scalar(select(BoardReport.detail)) == "気になる表現があります"
        reasons = set(db.session.scalars(select(BoardModerationLog.reason)))
        assert {"個人が特定されるおそれ", "落ち着くまで"} <= reasons
        cohorts = set(db.session.scalars(select(Cohort.name)))
        assert {"令和8年度 フォローアップ研修", "令和8年度 新任職員研修 第1期"} <= cohorts
        people = {u.email: (u.display_name, u.organisation) for u in db.session.scalars(select(User))}
        assert people["hanako@example.jp"] == ("山田 花子", "ひきこもり地域支援センター")
        assert people["jiro@example.jp"] == ("佐藤 次郎", "センター")  # cleaned by the roster's parser
        previewed = [row for rows in db.session.scalars(select(RosterImport.rows)) for row in rows]
        assert ("鈴木 一郎", "ichiro@example.jp") in {(row["name"], row["email"]) for row in previewed}
        assert db.session.scalar(select(Attendance.status).where(Attendance.user_id == w.learner.id)) == "present"
        assert "名簿.csv" in set(db.session.scalars(select(RosterImport.source)))
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String):
                    stored = db.session.scalars(select(column).where(column.is_not(None))).all()
                    assert not [value for value in stored if CONTROLS.search(value)], column
