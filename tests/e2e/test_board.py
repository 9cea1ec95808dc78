"""The peer board in a real browser: an anonymous post shows no author to anyone else."""
from __future__ import annotations

from .conftest import login, post_thread


def test_anonymous_post_shows_no_author(browser, live_server):
    """A learner posts anonymously; another learner and an admin see 「匿名の支援者」 and no name."""
    author = browser.new_context(base_url=live_server)
    page = author.new_page()
    login(page, "learner")
    thread_url = post_thread(page, "訪問を断られ続けて気持ちが沈む",
                             "何度訪問しても会えず、自分のやり方が悪いのではと考えてしまいます。", anonymous=True)
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
