"""An organiser in a real browser: import a roster, see the matrix, download the completion CSV."""
from __future__ import annotations

import re

from .conftest import login

ROSTER = """氏名,メールアドレス,所属,都道府県
山田 花子,hanako.e2e@example.jp,○○市ひきこもり地域支援センター,東京都
鈴木 一郎,ichiro.e2e@example.jp,△△町 保健福祉課,北海道
メール 誤り,not-an-email,□□市,大阪府
"""


def test_roster_import_matrix_and_csv(page):
    login(page, "organiser")
    page.goto("/organiser/cohorts/")
    page.get_by_role("link", name="E2E 新任職員研修").first.click()
    cohort_url = page.url
    page.goto(cohort_url.rstrip("/") + "/roster/import")
    page.locator("textarea").fill(ROSTER)
    page.get_by_role("button", name="確認する").click()
    main = page.locator("main").inner_text()
    assert "まだ登録されていません" in main and "山田 花子" in main and "not-an-email" in main
    page.get_by_role("button", name=re.compile(r"2人を取り込む")).click()
    assert "新しいアカウント 2人を作成" in page.locator("main").inner_text()
    page.goto(cohort_url)
    matrix = page.locator("main").inner_text()
    assert "山田 花子" in matrix and "鈴木 一郎" in matrix and "修了率" in matrix
    with page.expect_download() as download:
        page.get_by_role("link", name="修了状況（CSV）").click()
    data = open(download.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "山田 花子" in text and "hanako.e2e@example.jp" in text


def test_phone_targets_and_no_page_wide_overflow(browser, live_server):
    """At 390 px the navigation, breadcrumbs and buttons are at least 44 px tall, and the completion
    matrix scrolls inside its own focusable region instead of widening the page."""
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="ja-JP")
    page = context.new_page()
    try:
        login(page, "organiser")
        page.goto("/organiser/cohorts/")
        page.get_by_role("link", name="E2E 新任職員研修").first.click()
        page.get_by_role("button", name="メニュー").click()  # the collapsed navigation of a phone
        heights = page.evaluate("""() => [...document.querySelectorAll('.site-nav a, .breadcrumbs a, main .button')]
            .filter((el) => el.offsetParent !== null).map((el) => [el.textContent.trim(), el.getBoundingClientRect().height])""")
        assert heights and all(height >= 44 for _, height in heights), [h for h in heights if h[1] < 44]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        region = page.locator(".matrix-wrap")
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    finally:
        context.close()
