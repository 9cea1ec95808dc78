"""A learner in a real browser: module, quiz, dashboard progress, scene and case sheet."""
from __future__ import annotations

import re

import pytest
import yaml

from .conftest import ROOT, login

QUIZ = yaml.safe_load((ROOT / "quizzes" / "initial-01.yaml").read_text(encoding="utf-8"))


def answer_quiz(page, quiz: dict, right: bool = True) -> None:
    """Tick the correct (or a wrong) answer of every question, by the option texts the page shows."""
    for number, question in enumerate(quiz["questions"], start=1):
        item = page.locator("li.question").nth(number - 1)
        if question["type"] == "truefalse":
            texts = ["正しい" if question["answer"] == right else "誤り"]
        else:
            options = question["options"]
            texts = [o["text"] for o in options if bool(o.get("correct")) == right]
            if not right:
                texts = texts[:1]
        for text in texts:
            item.get_by_label(text, exact=True).check()


def test_module_quiz_and_dashboard_progress(page):
    """Open a module, pass its quiz, and see the dashboard count it."""
    login(page)
    assert "0 / 11 修了" in page.locator("main").inner_text()
    page.get_by_role("link", name="研修コース").click()
    page.get_by_role("link", name="初任者研修").click()
    page.get_by_role("link", name=re.compile("ひきこもりとは")).click()
    assert page.get_by_role("heading", name="学習目標").is_visible()
    quiz_html = page.locator("#quiz").inner_html()
    assert "correct" not in quiz_html
    for question in QUIZ["questions"]:
        assert question["explanation"][:20] not in quiz_html
        for option in question.get("options", []):
            assert not option.get("reason") or option["reason"][:20] not in quiz_html
    answer_quiz(page, QUIZ)
    page.get_by_role("button", name="回答を送信する").click()
    assert page.get_by_text("合格です").is_visible()
    assert page.get_by_text("100%").first.is_visible()
    page.get_by_role("link", name="ダッシュボード").first.click()
    assert "1 / 11 修了" in page.locator("main").inner_text()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_missing_answer_lands_at_the_summary(browser, live_server, javascript):
    """On a phone, an incomplete quiz lands at the summary (in view, focused) naming the questions as links,
    whether the browser checks it (JS) or the server does."""
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                  java_script_enabled=javascript, locale="ja-JP")
    page = context.new_page()
    try:
        login(page, "other")
        page.goto("/courses/initial/initial-02")
        page.get_by_role("button", name="回答を送信する").click()
        summary = page.locator("#quiz-errors")
        summary.wait_for(state="visible")
        assert summary.get_by_role("link", name="問1", exact=True).is_visible()
        assert page.locator(".question--error").count() >= 8
        box = summary.bounding_box()
        assert box is not None and -2 <= box["y"] < 844, box  # in the viewport, not 15,000 px down
        if javascript:
            assert page.evaluate("document.activeElement.id") == "quiz-errors"
            assert page.locator("[data-answered-count]").inner_text() == "0"
    finally:
        context.close()


def test_scene_choice_feedback_and_hints(page):
    login(page)
    page.goto("/courses/hints/scene-1")
    page.locator(".scene__choose input[type=radio]").first.check()
    page.get_by_role("button", name="この対応を選ぶ").click()
    assert page.get_by_role("heading", name="あなたが選んだ対応").is_visible()
    assert page.get_by_role("heading", name="支援のヒント").is_visible()
    assert page.get_by_role("heading", name="確認テスト").is_visible()


def test_case_sheet_is_saved_and_points_revealed(page):
    login(page)
    page.goto("/cases/case-oita")
    assert not page.get_by_role("heading", name="検討のポイント").is_visible()
    page.get_by_label("気づいた課題").fill("家族会が地域に少ない")
    page.get_by_label("次の一手").fill("家族教室の日程を調べる")
    page.get_by_role("button", name="下書きを保存する").click()
    assert page.get_by_text("事例検討シートを保存しました。").is_visible()
    assert page.get_by_text("最終保存").is_visible()
    assert page.get_by_role("heading", name="検討のポイント").is_visible()
    assert page.get_by_label("気づいた課題").input_value() == "家族会が地域に少ない"


def test_keyboard_only_login_and_quiz(page):
    """The login form and a quiz can be completed with the keyboard alone."""
    from .conftest import ACCOUNTS, PASSWORD

    page.goto("/auth/login")
    page.keyboard.press("Tab")  # skip link
    assert page.evaluate("document.activeElement.textContent") == "本文へ移動"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(ACCOUNTS["other"])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    page.goto("/courses/hints/scene-2?choice=a")
    quiz = yaml.safe_load((ROOT / "quizzes" / "scene-2.yaml").read_text(encoding="utf-8"))
    page.locator("li.question input").first.focus()
    for index, question in enumerate(quiz["questions"]):
        group = page.locator("li.question").nth(index)
        group.locator("input").first.focus()
        # Space ticks a checkbox; arrow keys move within a radio group and select.
        kind = question["type"]
        if kind == "multiple":
            page.keyboard.press("Space")
        else:
            page.keyboard.press("ArrowDown")
        assert group.locator("input:checked").count() >= 1
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.locator("button", has_text="回答を送信する").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/quiz/scene-2/attempts/\d+"))
    assert page.get_by_role("heading", name="確認テストの結果").is_visible()


def test_password_can_be_shown_while_typing(page):
    """The login form's password field has a toggle that shows what was typed, and hides it again."""
    page.goto("/auth/login")
    field = page.get_by_label("パスワード", exact=True)
    field.fill("長い合言葉 2026")
    page.get_by_role("button", name="パスワードを表示").click()
    assert field.get_attribute("type") == "text"
    page.get_by_role("button", name="パスワードを隠す").click()
    assert field.get_attribute("type") == "password"
