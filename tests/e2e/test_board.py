"""The peer board in a real browser: an anonymous post shows no author to anyone else."""
from __future__ import annotations

import re

from .conftest import login


def test_anonymous_post_shows_no_author(browser, live_server):
    """A learner posts anonymously; another learner and an admin see 「匿名の支援者」 and no name."""
    author = browser.new_context(base_url=live_server)
    page = author.new_page()
    login(page, "learner")
    page.goto("/board/new")
    page.get_by_label("カテゴリ").select_option(index=1)
    page.get_by_label("タイトル").fill("訪問を断られ続けて気持ちが沈む")
    page.get_by_label("本文").fill("何度訪問しても会えず、自分のやり方が悪いのではと考えてしまいます。")
    page.locator("input[name=anonymous]").check()
    page.get_by_role("button", name="投稿する").click()
    page.wait_for_url(re.compile(r"/board/\d+"))
    thread_url = page.url
    author.close()
    for who in ("other", "admin"):
        context = browser.new_context(base_url=live_server)
        viewer = context.new_page()
        login(viewer, who)
        viewer.goto(thread_url)
        html = viewer.content()
        assert "匿名の支援者" in html
        assert "E2E learner" not in html and "e2e-learner@example.jp" not in html
        viewer.goto("/board/")
        assert "訪問を断られ続けて" in viewer.content() and "E2E learner" not in viewer.content()
        context.close()
