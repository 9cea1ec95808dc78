"""The mail, evaluation, LTI and xAPI areas wired into data protection: the personal export, retention,
``elearn doctor`` and account deletion."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import JSON, String, Text, func, select

from elearn.board import services as board
from elearn.extensions import db
from elearn.models import (AssessmentAttempt, AssessmentForm, LtiAccount, LtiGradeLink, LtiLaunchState, LtiPlatform,
                           MailPreference, Module, Notification, OutboxItem, Role, Survey, SurveyAnswer,
                           SurveyResponded, SurveyResponse, User, XapiStatement, utcnow)
from elearn.privacy.deletion import delete_account
from elearn.privacy.export import export_zip
from elearn.xapi import hooks as xapi_hooks
from elearn.xapi import statements as xs

BODY_SECRET = "本文の中の秘密 token-9f8e7d"
SURVEY_TEXT = "匿名アンケートの自由記述"


def _platform() -> LtiPlatform:
    platform = LtiPlatform(name="県の学習管理システム", issuer="https://lms.example.jp", client_id="tool-1",
                           auth_login_url="https://lms.example.jp/auth", auth_token_url="https://lms.example.jp/token",
                           key_set_url="https://lms.example.jp/jwks", tool_private_key="-", tool_public_key="-")
    db.session.add(platform)
    db.session.flush()
    return platform


def _mail(user: User, **fields) -> OutboxItem:
    values = {"channel": "mail", "kind": "invitation", "recipient": user.email, "summary": "研修のご案内",
              "payload": json.dumps({"text": BODY_SECRET}), "user_id": user.id, "status": "sent",
              "sent_at": utcnow(), "last_reply": "250 2.0.0 Ok: queued as ABC123"} | fields
    item = OutboxItem(**values)
    db.session.add(item)
    return item


def _fill(app, person_id: int, other_id: int, cohort_id: int) -> dict:
    """For the person (and a little for another): mail, notifications on a named and an anonymous thread,
    mail choices, a pre-test, a survey answered, LTI links and an xAPI statement queued for the LRS."""
    app.config["XAPI_URL"] = "http://127.0.0.1:9/xAPI/"  # queue statements; nothing is sent here
    with app.app_context():
        person, other = db.session.get(User, person_id), db.session.get(User, other_id)
        _mail(person)
        _mail(other, kind="password_reset")
        named = board.create_thread(person, category="other", title="名前つきの相談", body="名前つきの本文",
                                    anonymous=False)
        hidden = board.create_thread(person, category="other", title="匿名の相談", body="匿名の本文", anonymous=True)
        db.session.flush()
        db.session.add_all([Notification(user_id=person.id, kind="reply", thread_id=named.id, count=2),
                            Notification(user_id=person.id, kind="reaction", thread_id=hidden.id, count=3)])
        db.session.add(MailPreference(user_id=person.id, reminders=False, board_digest=True))
        form = AssessmentForm(slug="pre-1", curriculum="initial", title="事前テスト", questions=[], content_hash="x")
        survey = Survey(slug="s-1", curriculum="initial", title="受講後アンケート", items=[], content_hash="y")
        db.session.add_all([form, survey])
        db.session.flush()
        db.session.add(AssessmentAttempt(cohort_id=cohort_id, user_id=person.id, phase="pre", form_id=form.id,
                                         answers={"q1": [1]}, correct=3, total=4, score=75))
        db.session.add(SurveyResponded(cohort_id=cohort_id, user_id=person.id))
        response = SurveyResponse(cohort_id=cohort_id, survey_id=survey.id, day=utcnow().date())
        db.session.add(response)
        db.session.flush()
        db.session.add(SurveyAnswer(response_id=response.id, cohort_id=cohort_id, item_id="free", text=SURVEY_TEXT))
        platform = _platform()
        module = db.session.scalars(select(Module)).first()
        db.session.add_all([LtiAccount(platform_id=platform.id, sub="lms-sub-person", user_id=person.id),
                            LtiAccount(platform_id=platform.id, sub="lms-sub-other", user_id=other.id),
                            LtiGradeLink(platform_id=platform.id, user_id=person.id, module_id=module.id,
                                         sub="lms-sub-person", endpoint={"lineitem": "https://lms.example.jp/li/1"})])
        quiz = xs.activity("http://localhost/content/x/quiz", "quiz", "確認テスト")
        built = xs.statement("http://localhost", "passed", person.id, quiz, utcnow())
        xapi_hooks.record(built, person.id)
        xapi_hooks.record(xs.statement("http://localhost", "passed", other.id, quiz, utcnow()), other.id)
        db.session.commit()
        return {"named": named.id, "hidden": hidden.id, "statement": built["id"]}


def _files(data: bytes) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def test_export_holds_mail_log_notifications_evaluation_lti_and_xapi(app, make_user, make_cohort, content):
    person, other = make_user(), make_user()
    cohort = make_cohort(participants=[person, other])
    made = _fill(app, person.id, other.id, cohort.id)
    with app.app_context():
        mine = _files(export_zip(db.session.get(User, person.id), by_self=True))
        admins = _files(export_zip(db.session.get(User, person.id), by_self=False))
    mail = json.loads(mine["mail_log.json"])
    assert [(m["kind"], m["recipient"], m["status"]) for m in mail] == [("invitation", person.email, "sent")]
    assert mail[0]["server_reply"].startswith("250 2.0.0") and mail[0]["sent_at"]
    everything = "".join(mine.values()) + "".join(admins.values())
    assert BODY_SECRET not in everything and "token-9f8e7d" not in everything  # never a body or a token
    assert SURVEY_TEXT not in everything and other.email not in everything and "lms-sub-other" not in everything
    notes = json.loads(mine["notifications.json"])
    assert sorted((n["kind"], n["count"], n["thread"]) for n in notes) == [
        ("reaction", 3, f"/board/{made['hidden']}"), ("reply", 2, f"/board/{made['named']}")]
    assert json.loads(mine["mail_preferences.json"])[0] | {"updated_at": None} == {
        "reminders": False, "board_digest": True, "updated_at": None, "default": False}
    attempt = json.loads(mine["assessments.json"])
    assert [(a["phase"], a["score"], a["correct"], a["total"]) for a in attempt] == [("pre", 75, 3, 4)]
    assert json.loads(mine["surveys_answered.json"]) == [{"cohort": "令和8年度 新任職員研修 第1期", "answered": True}]
    assert [a["sub"] for a in json.loads(mine["lti_accounts.json"])] == ["lms-sub-person"]
    assert [g["sub"] for g in json.loads(mine["lti_grade_links.json"])] == ["lms-sub-person"]
    statements = json.loads(mine["xapi_statements.json"])
    assert [s["id"] for s in statements] == [made["statement"]]
    assert statements[0]["statement"]["actor"]["account"]["name"] == str(person.id)
    assert "mail_log: " in mine["README.txt"] and "xapi_statements: " in mine["README.txt"]
    # An admin's export: the notification on the anonymous thread would reveal its author.
    assert [n["thread"] for n in json.loads(admins["notifications.json"])] == [f"/board/{made['named']}"]
    assert f"/board/{made['hidden']}" not in "".join(admins.values())
    assert "匿名の本文" not in "".join(admins.values()) and "匿名の本文" in mine["board_posts.json"]


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_retention_removes_old_outbox_notifications_launch_states_and_statements(app, runner, make_user,
                                                                                make_cohort, content):
    person = make_user()
    cohort = make_cohort(participants=[person])
    old, recent = utcnow() - timedelta(days=400), utcnow() - timedelta(days=2)
    with app.app_context():
        user = db.session.get(User, person.id)
        thread = board.create_thread(user, category="other", title="相談", body="本文", anonymous=False)
        db.session.flush()
        thread_id = thread.id
        _mail(user, sent_at=old, created_at=old)  # removed (sent, 400 days)
        _mail(user, status="failed", sent_at=None, last_attempt_at=utcnow() - timedelta(days=200), created_at=old)
        _mail(user, sent_at=recent, created_at=recent)  # kept: recent
        _mail(user, status="queued", sent_at=None, created_at=old)  # kept: still to send
        _mail(user, channel="lti_score", kind="score", sent_at=utcnow() - timedelta(days=100), created_at=old)
        db.session.add_all([
            Notification(user_id=user.id, kind="reply", thread_id=thread_id, read_at=utcnow() - timedelta(days=91)),
            Notification(user_id=user.id, kind="reaction", thread_id=thread_id, read_at=recent),
            Notification(user_id=user.id, kind="reply", thread_id=thread_id, created_at=old),  # unread: kept
            LtiLaunchState(key="state-old", value={}, expires_at=utcnow() - timedelta(days=2)),
            LtiLaunchState(key="state-new", value={}, expires_at=utcnow() + timedelta(minutes=5)),
        ])
        quiz = xs.activity("http://localhost/content/x/quiz", "quiz", "確認テスト")
        for name in ("sent", "waiting", "new"):
            built = xs.statement("http://localhost", "passed", user.id, quiz, utcnow(), statement_id=None)
            db.session.add(XapiStatement(id=built["id"], user_id=user.id, verb="passed", statement=built,
                                         created_at=recent if name == "new" else old))
            db.session.add(OutboxItem(channel="xapi", kind="passed", payload="{}", user_id=user.id,
                                      dedupe_key=f"xapi:{built['id']}", created_at=recent,
                                      status="sent" if name == "sent" else "queued",
                                      sent_at=recent if name == "sent" else None))
            if name == "waiting":
                waiting = built["id"]
        db.session.commit()
    first = runner.invoke(args=["retention", "run"])
    assert first.exit_code == 0, first.output
    for line in ("mail_log: 2 件削除（保存期間 180 日）", "outbox_other: 1 件削除（保存期間 90 日）",
                 "read_notifications: 1 件削除（保存期間 90 日）", "lti_launch_states: 1 件削除（保存期間 1 日）",
                 "xapi_statements: 1 件削除（保存期間 365 日）"):
        assert line in first.output, first.output
    with app.app_context():
        assert _count(OutboxItem, OutboxItem.channel == "mail") == 2
        assert _count(OutboxItem, OutboxItem.channel == "lti_score") == 0
        assert _count(Notification) == 2
        assert list(db.session.scalars(select(LtiLaunchState.key))) == ["state-new"]
        assert _count(XapiStatement) == 2 and db.session.get(XapiStatement, waiting) is not None
    again = runner.invoke(args=["retention", "run"])
    for name in ("mail_log", "outbox_other", "read_notifications", "lti_launch_states", "xapi_statements"):
        assert f"{name}: 0 件削除" in again.output


def test_retention_periods_of_the_new_rules_are_configurable(app, runner, make_user, monkeypatch, tmp_path):
    from elearn.config import from_environment
    monkeypatch.setenv("ELEARN_RETENTION_DAYS_MAIL_LOG", "30")
    assert from_environment(str(tmp_path))["RETENTION_DAYS"] == {"mail_log": 30}
    app.config["RETENTION_DAYS"] = {"mail_log": 30, "xapi_statements": 0}
    person = make_user()
    with app.app_context():
        _mail(db.session.get(User, person.id), sent_at=utcnow() - timedelta(days=40))
        db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert "mail_log: 1 件削除（保存期間 30 日）" in result.output
    assert "xapi_statements: 0 件削除（保存期間 無効）" in result.output


def _doctor_line(runner, name: str) -> str:
    output = runner.invoke(args=["doctor"]).output
    return next(line for line in output.splitlines() if f"] {name}: " in line)


def test_doctor_says_mail_and_xapi_are_off_when_not_set(app, runner):
    app.config.update(MAIL_URL=None, XAPI_URL="")
    assert _doctor_line(runner, "mail_sender").startswith("[情報] mail_sender: ELEARN_MAIL_URL が未設定")
    assert _doctor_line(runner, "xapi_sender").startswith("[情報] xapi_sender: ELEARN_XAPI_URL が未設定")
    from elearn.operations.doctor import EXIT_CODES, INFO
    assert EXIT_CODES[INFO] == 0


def test_doctor_warns_when_due_mail_waits_and_shows_the_last_send(app, runner, make_user):
    app.config.update(MAIL_URL="smtp://127.0.0.1:2525", XAPI_URL="http://127.0.0.1:9/xAPI/")
    person = make_user()
    assert "まだ1件も送信していません" in _doctor_line(runner, "mail_sender")
    with app.app_context():
        user = db.session.get(User, person.id)
        sent_at = utcnow().replace(year=2026, month=11, day=30, hour=1, minute=2, second=0, microsecond=0)
        _mail(user, sent_at=sent_at)
        _mail(user, status="queued", sent_at=None, next_attempt_at=utcnow() - timedelta(minutes=3))  # not late yet
        db.session.commit()
    line = _doctor_line(runner, "mail_sender")
    assert line.startswith("[OK] mail_sender:") and "2026年11月30日 10:02" in line  # Japan time
    with app.app_context():
        _mail(db.session.get(User, person.id), status="queued", sent_at=None,
              next_attempt_at=utcnow() - timedelta(minutes=11))
        db.session.add(OutboxItem(channel="xapi", kind="passed", payload="{}", status="sending",
                                  claimed_until=utcnow() - timedelta(minutes=30)))  # a crashed sender's claim
        db.session.commit()
    line = _doctor_line(runner, "mail_sender")
    assert line.startswith("[注意] mail_sender: メール 1 件が 10 分以上送信されずに") and "elearn mail send" in line
    assert "2026年11月30日 10:02" in line
    xapi = _doctor_line(runner, "xapi_sender")
    assert xapi.startswith("[注意] xapi_sender: xAPI ステートメント 1 件") and "まだ1件も送信していません" in xapi


def _user_columns():
    """Every (table, column) that holds an account id: a foreign key to users.id, or named user_id."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if table.name != "users" and (column.name == "user_id" or any(
                    fk.column.table.name == "users" for fk in column.foreign_keys)):
                yield table, column


def _remains(user_id: int, email: str) -> list[str]:
    """Where an account id or an e-mail address is still stored, across all tables."""
    found = []
    for table, column in _user_columns():
        if db.session.scalar(select(func.count()).select_from(table).where(column == user_id)):
            found.append(f"{table.name}.{column.name}")
    for table in db.metadata.sorted_tables:
        texts = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        for row in db.session.execute(select(*texts)) if texts else ():
            for column, value in zip(texts, row):
                if value is not None and email in (value if isinstance(value, str) else json.dumps(value)):
                    found.append(f"{table.name}.{column.name} (e-mail)")
    for statement in db.session.scalars(select(XapiStatement.statement)):
        if statement["actor"]["account"]["name"] == str(user_id):
            found.append("xapi_statements.statement (actor)")
    return found


def test_deletion_leaves_nothing_with_the_persons_id_or_email_in_any_table(app, make_user, make_cohort, content):
    admin = make_user(Role.ADMIN)
    person, other = make_user(email="kieru@example.jp"), make_user(email="nokoru@example.jp")
    cohort = make_cohort(participants=[person, other])
    _fill(app, person.id, other.id, cohort.id)
    with app.app_context():
        db.session.add(OutboxItem(channel="mail", kind="invitation", recipient=person.email, payload="{}"))  # no id
        db.session.commit()
        before = _remains(person.id, person.email)
        assert {"outbox.user_id", "xapi_statements.user_id", "lti_accounts.user_id", "lti_grade_links.user_id",
                "notifications.user_id", "mail_preferences.user_id", "assessment_attempts.user_id",
                "survey_responded.user_id", "outbox.recipient (e-mail)", "users.email (e-mail)",
                "xapi_statements.statement (actor)"} <= set(before), before
        delete_account(db.session.get(User, person.id), db.session.get(User, admin.id))
        db.session.commit()
        assert _remains(person.id, person.email) == []
        kept = _remains(other.id, other.email)  # the other person's data is untouched (and the scan finds it)
        assert {"outbox.user_id", "xapi_statements.user_id", "lti_accounts.user_id", "users.email (e-mail)"} <= set(kept)
