"""axe-core (tests/js, pinned) over the main pages at phone and desktop size: no violation of any impact.

axe is evaluated through the DevTools protocol (``page.evaluate``), which the page's Content-Security-Policy
does not govern, so the pages are checked as users get them, CSP on.
"""
from __future__ import annotations

import re

import pytest

from .conftest import ROOT, login
from .test_layout import ensure_participants

AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
#: Every impact fails the test (the issue asks for 0 violations); narrow to ("critical", "serious") if ever needed.
BLOCKING = ("critical", "serious", "moderate", "minor")


def axe_violations(page, impacts=BLOCKING) -> list[dict]:
    """Run axe on the page as it is now; its violations of the given impacts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impacts]


def test_axe_reports_what_it_should(page):
    """The check itself can fail: an image without alt text and an unlabelled scroll box are reported."""
    page.goto("/healthz")
    page.set_content('<html lang="ja"><body><main><img src="/x.png">'
                     '<div style="overflow:auto;width:50px"><p style="width:900px">広い内容</p></div></main></body></html>')
    assert {v["id"] for v in axe_violations(page)} >= {"image-alt", "scrollable-region-focusable"}


@pytest.fixture(params=list(SIZES))
def sized(request, browser, live_server):
    """A fresh context at one of the two sizes."""
    context = browser.new_context(base_url=live_server, locale="ja-JP", viewport=SIZES[request.param])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_axe_finds_no_serious_problem_on_learner_pages(sized):
    """Dashboard, a module (with tables), a scene's feedback, a quiz result, a case, the records and the board."""
    page = sized
    assert AXE.exists(), "run `make js` (tests/js) first"
    login(page, "other")
    found = {}
    for path in ("/", "/courses/", "/courses/initial/", "/courses/initial/initial-01", "/courses/followup/followup-10",
                 "/courses/followup/followup-12", "/courses/hints/scene-1", "/courses/hints/scene-1?choice=b",
                 "/cases/", "/cases/case-hino", "/cases/case-hyogo", "/records", "/board/", "/board/new",
                 "/certificates/", "/auth/password", "/verify/", "/verify/ABCD-EFGH-JKLM-NPQR"):
        page.goto(path)
        found[path] = axe_violations(page)
    page.goto("/courses/initial/initial-02")
    page.locator("li.question").first.locator("input").first.check()
    page.locator("li.question").nth(1).locator("input").first.check()
    page.get_by_role("button", name="回答を送信する").click()
    found["quiz errors"] = axe_violations(page)
    for item in page.locator("li.question").all():
        if not item.locator("input:checked").count():
            item.locator("input").first.check()
    page.get_by_role("button", name="回答を送信する").click()
    page.wait_for_url(re.compile(r".*/result.*|.*/attempts/.*"))
    found["quiz result"] = axe_violations(page)
    assert {where: v for where, v in found.items() if v} == {}


def test_axe_finds_no_problem_on_organiser_and_admin_pages(sized):
    """研修管理, the cohort list, the completion matrix (a table on a desktop, a list on a phone) and the
    cohort's other pages; the admin's users page; the login page."""
    page = sized
    found = {}
    page.goto("/auth/login")
    found["login"] = axe_violations(page)
    login(page, "organiser")
    for path in ("/organiser/", "/organiser/cohorts/"):
        page.goto(path)
        found[path] = axe_violations(page)
    cohort = ensure_participants(page).rstrip("/")  # the matrix shows its table / list only with people in it
    assert page.locator(".matrix-list__item").count() >= 2
    found["matrix"] = axe_violations(page)
    for tail in ("/participants", "/roster/import", "/edit", "/groups", "/sheets", "/certificate-settings", "/print"):
        page.goto(cohort + tail)
        found[tail] = axe_violations(page)
    page.context.clear_cookies()
    login(page, "admin")
    page.goto("/admin/users")
    found["/admin/users"] = axe_violations(page)
    assert {where: v for where, v in found.items() if v} == {}
