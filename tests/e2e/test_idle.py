"""The 事例検討シート draft in a real browser: it survives an idle timeout, and no one else restores it."""
from __future__ import annotations

import re

from datetime import timedelta

from sqlalchemy import create_engine, select, update

from elearn.models import User, UserSession, utcnow

from .conftest import ACCOUNTS, PASSWORD, login

CASE = "/cases/case-kochi"
RESTORED = "保存されていない下書きを復元しました。内容を確認して保存してください。"


def make_sessions_idle(database_url: str, email: str, minutes: int) -> None:
    """Move the account's sessions' last activity back, as if the browser had sat unused."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        user_id = connection.scalar(select(User.id).where(User.email == email))
        connection.execute(update(UserSession).where(UserSession.user_id == user_id)
                           .values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
    engine.dispose()


def test_unsaved_sheet_survives_the_idle_timeout(page, live_database):
    login(page, "other")
    page.goto(CASE)
    page.get_by_label("気づいた課題").fill("夜勤明けに書いた課題：家族の孤立")
    page.get_by_label("次の一手").fill("保健師と同行訪問の日程を決める")
    make_sessions_idle(live_database, ACCOUNTS["other"], minutes=121)

    page.get_by_role("button", name="下書きを保存する").click()
    page.wait_for_url(re.compile(r".*/auth/login\?next=%2Fcases%2Fcase-kochi(#.*)?$"))
    assert page.get_by_text("120分間操作がなかったので、安全のためログアウトしました。").is_visible()
    page.get_by_label("メールアドレス").fill(ACCOUNTS["other"])
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    page.wait_for_url("**" + CASE)
    assert page.get_by_text(RESTORED).is_visible()
    assert page.get_by_label("気づいた課題").input_value() == "夜勤明けに書いた課題：家族の孤立"
    assert page.get_by_label("次の一手").input_value() == "保健師と同行訪問の日程を決める"
    page.get_by_role("button", name="下書きを保存する").click()
    assert page.get_by_text("事例検討シートを保存しました。").is_visible()
    assert page.get_by_label("気づいた課題").input_value() == "夜勤明けに書いた課題：家族の孤立"
    assert not page.get_by_text(RESTORED).is_visible()
    assert not [key for key in page.evaluate("Object.keys(sessionStorage)") if key.startswith("elearn-draft:")]
    page.reload()
    assert not page.get_by_text(RESTORED).is_visible()


def test_another_account_in_the_same_tab_never_sees_the_draft(page, live_database):
    """On a shared computer: the next person signing in in this tab gets their own (empty) sheet."""
    login(page, "learner")
    page.goto("/cases/case-hino")
    page.get_by_label("気づいた課題").fill("前の人の下書き")
    make_sessions_idle(live_database, ACCOUNTS["learner"], minutes=121)
    page.get_by_role("button", name="下書きを保存する").click()
    page.wait_for_url("**/auth/login?**")
    page.get_by_label("メールアドレス").fill(ACCOUNTS["organiser"])
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/cases/case-hino")
    assert page.get_by_label("気づいた課題").input_value() == ""
    assert not page.get_by_text(RESTORED).is_visible()
    assert page.evaluate("Object.keys(sessionStorage)") == []


def test_signing_out_removes_the_drafts(page):
    login(page)
    page.goto("/cases/case-hirono")
    page.get_by_label("気づいた課題").fill("ログアウト前の下書き")
    assert "elearn-draft:sheet:case-hirono" in page.evaluate("Object.keys(sessionStorage)")
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/auth/login")
    assert page.evaluate("Object.keys(sessionStorage)") == []
