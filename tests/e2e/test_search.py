"""Search in a real browser: one query from the navigation's box finds a module, a case and a thread."""
from __future__ import annotations

import re
from urllib.parse import unquote

from .conftest import login, post_thread


def test_one_query_finds_a_module_a_case_and_a_board_thread(browser, live_server):
    """「８０５０」 typed full width finds 8050 in the course, a case and an anonymous post, marked;
    each result leads to its place, and the post's author stays anonymous."""
    author = browser.new_context(base_url=live_server)
    page = author.new_page()
    login(page, "learner")
    post_thread(page, "親御さんの高齢化が気になる", "いわゆる8050問題の家庭への訪問で、何から話せばよいか迷っています。",
                anonymous=True)
    author.close()

    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    login(page, "other")
    page.goto("/")
    box = page.get_by_role("search", name="サイト内検索")
    box.get_by_label("サイト内を検索").fill("８０５０")
    box.get_by_role("button", name="検索").click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    for group in ("教材", "事例", "支援者のひろば"):
        assert page.locator("h2", has_text=group).count() == 1, group
    assert page.locator(".search-result__snippet mark", has_text="8050").count() >= 3
    assert "E2E learner" not in page.content() and "e2e-learner@example.jp" not in page.content()

    page.locator("#group-board ~ ol .search-result a").first.click()
    page.wait_for_url(re.compile(r"/board/\d+[^#]*#post-\d+"))
    assert "8050問題の家庭" in page.content() and "E2E learner" not in page.content()

    page.go_back()
    page.locator("#group-module ~ ol .search-result a").first.click()
    page.wait_for_url(re.compile(r"/courses/\w+/[\w-]+#"))
    anchor = unquote(page.url.split("#", 1)[1])
    assert page.locator(f"[id='{anchor}']").count() == 1, "the result leads to a heading of the page"
    context.close()
