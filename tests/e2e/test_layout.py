"""Issue 16 layout at 390×844 and 1366×900: the matrix, 学習の記録 cards, board action groups, contents."""
from __future__ import annotations

import re

import pytest

from .conftest import login, post_thread

#: People of this module's own (the roster test of test_organiser.py imports its own two, expecting them new).
ROSTER = """氏名,メールアドレス,所属,都道府県
表示 確認,layout-one.e2e@example.jp,○○市ひきこもり地域支援センター,東京都
表示 二郎,layout-two.e2e@example.jp,△△町 保健福祉課,北海道
"""

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(params=list(SIZES))
def sized(request, browser, live_server):
    context = browser.new_context(base_url=live_server, locale="ja-JP", viewport=SIZES[request.param])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield request.param, page
    context.close()


def no_page_wide_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def ensure_participants(page) -> str:
    """The organiser's cohort page, with the roster's two people enrolled (imported once)."""
    page.goto("/organiser/cohorts/")
    page.get_by_role("link", name="E2E 新任職員研修").first.click()
    cohort_url = page.url
    if "表示 確認" not in page.locator("main").inner_text():
        page.goto(cohort_url.rstrip("/") + "/roster/import")
        page.locator("textarea").fill(ROSTER)
        page.get_by_role("button", name="確認する").click()
        page.get_by_role("button", name=re.compile(r"2人を取り込む")).click()
        page.goto(cohort_url)
    return cohort_url


def test_matrix_is_a_table_on_a_desktop_and_a_list_on_a_phone(sized):
    """Desktop: the table with a text legend, sticky header row and name column. Phone: one entry per person.
    Never a page-wide horizontal overflow."""
    size, page = sized
    login(page, "organiser")
    ensure_participants(page)
    table, listing = page.locator(".matrix-wrap"), page.locator(".matrix-list")
    assert "空欄は未着手" in page.locator(".matrix-legend").inner_text()
    if size == "phone":
        assert listing.is_visible() and not table.is_visible()
        entry = listing.locator(".matrix-list__item", has_text="表示 確認")
        assert re.search(r"修了 0 / \d+", entry.inner_text())
        entry.locator("summary").click()
        assert entry.locator(".matrix-list__modules li").first.is_visible()
    else:
        assert table.is_visible() and not listing.is_visible()
        positions = page.evaluate("""() => ({
            header: getComputedStyle(document.querySelector('.matrix thead th:nth-child(4)')).position,
            name: getComputedStyle(document.querySelector('.matrix tbody th.matrix__name')).position})""")
        assert positions == {"header": "sticky", "name": "sticky"}
        blank = table.locator("tr", has_text="表示 確認").locator("td.cell--not_started").first
        visible = blank.evaluate("""(td) => [...td.childNodes].filter((n) => n.textContent.trim() &&
            !(n.nodeType === 1 && n.classList.contains('visually-hidden'))).length""")
        assert visible == 0 and blank.text_content().strip() == "未着手"  # blank; 未着手 only for screen readers
    assert no_page_wide_overflow(page)


def test_records_are_cards_on_a_phone(sized):
    """学習の記録: cards instead of the six-column table on a phone, the table on a desktop."""
    size, page = sized
    login(page, "other")
    page.goto("/courses/initial/initial-03")
    page.goto("/records")
    cards, table = page.locator(".record-cards"), page.locator(".records-table")
    if size == "phone":
        assert cards.is_visible() and not table.is_visible()
        title = cards.locator(".record-card__title a").first
        assert title.bounding_box()["height"] >= 44
    else:
        assert table.is_visible() and not cards.is_visible()
    assert no_page_wide_overflow(page)


def test_board_delete_sits_apart_from_edit(sized):
    """On a post of one's own, 削除 is in its own group away from 編集 and わかります; every action ≥ 44 px."""
    size, page = sized
    login(page, "other")
    post_thread(page, f"レイアウト確認 {size}", "ボタンの並びを確かめます。")
    post = page.locator("article.post").first
    edit = post.get_by_role("link", name="編集").bounding_box()
    delete = post.get_by_role("link", name="削除").bounding_box()
    assert edit["height"] >= 44 and delete["height"] >= 44
    if size == "phone":
        assert delete["y"] >= edit["y"] + edit["height"] + 12  # on its own row below
    else:
        assert delete["x"] - (edit["x"] + edit["width"]) >= 48  # far apart on one row
    assert no_page_wide_overflow(page)


def test_long_module_contents_lead_to_the_quiz(sized):
    """A long module starts with its contents; 「確認テストへ」 brings the quiz into view."""
    _, page = sized
    login(page, "other")
    page.goto("/courses/initial/initial-04")
    toc = page.locator("nav.toc")
    assert toc.is_visible() and toc.locator("li").count() >= 4
    toc.get_by_role("link", name="確認テストへ").click()
    assert page.evaluate("location.hash") == "#quiz"
    box = page.locator("#quiz-heading").bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]
    assert no_page_wide_overflow(page)
