"""Printables as PDF: Chromium prints each page (Playwright's page.pdf, the page's own @page sizes) and
poppler's pdfinfo / pdftotext check the page count, orientation and that no column is cut."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from elearn import create_app
from elearn.cohorts.groups import propose, set_locked
from elearn.dates import today
from elearn.extensions import db
from elearn.models import (Attendance, CertificateSettings, Cohort, CohortDay, Enrolment, Module, Progress, Role,
                           User, utcnow)

from elearn.passwords import hash_password

from .conftest import ARTIFACTS, PASSWORD

A4_PORTRAIT, A4_LANDSCAPE = (595.28, 841.89), (841.89, 595.28)
ORGANISATIONS = ["北区ひきこもり地域支援センター", "南町保健福祉課", "東市社会福祉協議会", "西村ひきこもりサポート事業所",
                 "中央精神保健福祉センター"]
PEOPLE = 23
#: The organiser of these tests, signed in once for the module (logins are rate-limited per account).
ORGANISER = "e2e-print-organiser@example.jp"
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねの"


def _require_poppler():
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.fail("poppler-utils is missing (make test installs it: apt-get install poppler-utils)")


@pytest.fixture(scope="module")
def printing(live_server, live_database):
    """A cohort of the e2e organiser with 23 participants without passwords (ふりがな, 5 organisations),
    an in-person day today with locked groups of 5–7, and one participant who has earned the 修了証."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": live_database, "MAINTENANCE_COMMAND": True})
    with app.app_context():
        organiser = User(email=ORGANISER, display_name="E2E 印刷担当", role=Role.ORGANISER.value,
                         password_hash=hash_password(PASSWORD))
        db.session.add(organiser)
        cohort = Cohort(name="E2E 印刷研修", curriculum="initial", opens_on=today() - timedelta(days=20),
                        closes_on=today() + timedelta(days=10), venue="E2E会館", capacity=100)
        cohort.days = [CohortDay(day=today())]
        cohort.organisers = [organiser]
        cohort.required_modules = list(db.session.scalars(select(Module).where(Module.curriculum == "initial",
                                                                              Module.retired.is_(False))))
        db.session.add(cohort)
        db.session.flush()
        people = [User(email=f"print{i:02d}@example.jp", display_name=f"印刷{i:02d}号", furigana=f"{KANA[PEOPLE - 1 - i]}いんさつ",
                       organisation=ORGANISATIONS[i % 5], prefecture=["東京都", "神奈川県", "埼玉県"][i % 3],
                       role=Role.LEARNER.value, created_for_cohort_id=cohort.id) for i in range(PEOPLE)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(Enrolment(cohort_id=cohort.id, user_id=p.id) for p in people)
        earned = people[0]
        db.session.add_all(Progress(user_id=earned.id, module_id=m.id, completed_at=utcnow())
                           for m in cohort.required_modules)
        db.session.add(Attendance(day_id=cohort.days[0].id, user_id=earned.id, status="present"))
        db.session.add(CertificateSettings(cohort_id=cohort.id, title="修了証書", issuer="E2E県ひきこもり地域支援センター",
                                           issuer_title="センター長 印刷 太郎", seal=True))
        propose(cohort.days[0], 5, 7)
        set_locked(cohort.days[0], True, organiser)
        db.session.commit()
        result = {"cohort": cohort.id, "day": cohort.days[0].id, "earned": earned.id,
                  "names": [p.display_name for p in people], "modules": len(cohort.required_modules)}
        db.session.remove()
        db.engine.dispose()
    return result


@pytest.fixture(scope="module")
def signed_in(browser, live_server, printing, tmp_path_factory):
    """The organiser's cookies, from one sign-in through the login form."""
    context = browser.new_context(base_url=live_server, locale="ja-JP")
    page = context.new_page()
    page.goto("/auth/login")
    page.get_by_label("メールアドレス").fill(ORGANISER)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/")
    state = str(tmp_path_factory.mktemp("print-state") / "state.json")
    context.storage_state(path=state)
    context.close()
    return state


@pytest.fixture
def page(browser, live_server, signed_in, request):
    """A browser context already signed in as the organiser; a screenshot is saved when the test fails."""
    context = browser.new_context(base_url=live_server, locale="ja-JP", storage_state=signed_in,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def _pdf(page, tmp_path, name: str) -> tuple[dict, str]:
    """Print the page as Chromium does (its @page sizes) and read the PDF back with poppler."""
    _require_poppler()
    path = tmp_path / f"{name}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    info = subprocess.run(["pdfinfo", "-l", "1000", str(path)], capture_output=True, text=True, check=True).stdout
    sizes = [tuple(float(v) for v in m) for m in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return {"pages": int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)), "sizes": sizes}, text


def _is(size, expected) -> bool:
    return abs(size[0] - expected[0]) < 1 and abs(size[1] - expected[1]) < 1


def _fits(page, selector: str) -> bool:
    """Under print media, the table is no wider than the page's printable width (nothing cut off)."""
    return page.evaluate("""(selector) => {
        const table = document.querySelector(selector);
        return table.scrollWidth <= table.parentElement.clientWidth + 1
            && table.getBoundingClientRect().right <= document.documentElement.clientWidth + 1;
    }""", selector)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_reception_list_is_landscape_with_every_column_and_person(page, printing, tmp_path):
    page.goto(f"/organiser/cohorts/{printing['cohort']}/print/reception?day={printing['day']}")
    page.set_viewport_size({"width": 1047, "height": 740})  # A4 landscape less 10 mm margins, at 96 dpi
    page.emulate_media(media="print")
    assert _fits(page, ".reception-table")
    info, text = _pdf(page, tmp_path, "reception")
    assert info["pages"] >= 1 and all(_is(size, A4_LANDSCAPE) for size in info["sizes"])
    for header in ("番号", "受付", "氏名", "ふりがな", "所属", "都道府県", "グループ", "備考"):
        assert header in text
    flat = _flat(text)
    assert all(name in flat for name in printing["names"]) and "北区ひきこもり地域支援センター" in flat
    assert flat.index("印刷22号") < flat.index("印刷00号")  # あ… before の…: あいうえお order by ふりがな


def test_name_tags_ten_to_a_portrait_page(page, printing, tmp_path):
    page.goto(f"/organiser/cohorts/{printing['cohort']}/days/{printing['day']}/print/name-tags")
    assert page.locator(".name-tag").count() == PEOPLE
    info, text = _pdf(page, tmp_path, "name-tags")
    assert info["pages"] == 3 and all(_is(size, A4_PORTRAIT) for size in info["sizes"])  # 10 + 10 + 3
    flat = _flat(text)
    assert all(name in flat for name in printing["names"]) and "グループ1" in flat and "グループ4" in flat


def test_group_lists(page, printing, tmp_path):
    page.goto(f"/organiser/cohorts/{printing['cohort']}/days/{printing['day']}/print/groups")
    info, text = _pdf(page, tmp_path, "groups")
    assert all(_is(size, A4_PORTRAIT) for size in info["sizes"])
    flat = _flat(text)
    assert [f"グループ{n}（" in flat for n in range(1, 5)] == [True] * 4 and "グループ5（" not in flat  # 23 → 4 groups
    assert all(name in flat for name in printing["names"])


def test_password_slips_issue_links_with_qr_codes(page, printing, tmp_path):
    """The POST issues a fresh link per participant without a password: 23 slips, 6 to a page, a QR code each."""
    page.goto(f"/organiser/cohorts/{printing['cohort']}/print")
    page.get_by_role("button", name="リンクを発行して案内を印刷する").click()
    expect(page.locator(".slip")).to_have_count(PEOPLE, timeout=30_000)  # the POST issues 23 links: wait for its page
    assert page.locator("svg.slip__qr").count() == PEOPLE
    link = page.locator(".slip__link").first.inner_text()
    assert "/auth/set-password/" in link
    info, text = _pdf(page, tmp_path, "slips")
    assert info["pages"] == 4 and all(_is(size, A4_PORTRAIT) for size in info["sizes"])  # 6 × 3 + 5
    assert all(name in _flat(text) for name in printing["names"])
    context = page.context.browser.new_context(base_url=page.url.split("/organiser")[0])
    fresh = context.new_page()
    fresh.goto(link)  # the printed link works (and is one-time)
    assert "パスワード" in fresh.locator("main").inner_text()
    context.close()


def test_completion_matrix_landscape_with_every_column(page, printing, tmp_path):
    page.goto(f"/organiser/cohorts/{printing['cohort']}/print/completion")
    page.set_viewport_size({"width": 1047, "height": 740})
    page.emulate_media(media="print")
    assert _fits(page, ".completion-table")
    headers = page.locator(".completion-table thead th").all_inner_texts()
    assert len(headers) == 3 + printing["modules"] + 1 + 1  # name, org, count, modules, the day, 修了証
    info, text = _pdf(page, tmp_path, "completion")
    assert all(_is(size, A4_LANDSCAPE) for size in info["sizes"])
    flat = _flat(text)
    for header in headers:
        assert _flat(header) in flat
    assert all(name in flat for name in printing["names"])


def test_certificate_prints_on_one_page_with_issuer_and_seal(page, printing, tmp_path):
    page.goto(f"/organiser/cohorts/{printing['cohort']}/participants/{printing['earned']}/certificate")
    info, text = _pdf(page, tmp_path, "certificate")
    assert info["pages"] == 1 and _is(info["sizes"][0], A4_PORTRAIT)
    flat = _flat(text)
    for expected in ("修了証書", "印刷00号殿", "発行日令和", "E2E県ひきこもり地域支援センター", "センター長印刷太郎", "印"):
        assert expected in flat


def test_training_effect_report_prints_on_a4_portrait(page, printing, live_database, tmp_path):
    """The committee's report (issue 15): pre/post with its charts, the survey once 5 have answered, on A4 portrait."""
    from elearn.evaluation.rules import cohort_setup
    from elearn.evaluation.services import submit_survey
    from elearn.models import AssessmentAttempt

    app = create_app({"SQLALCHEMY_DATABASE_URI": live_database, "MAINTENANCE_COMMAND": True})
    with app.app_context():
        cohort = db.session.get(Cohort, printing["cohort"])
        setup = cohort_setup(cohort)
        assert setup.pre is not None and setup.survey is not None
        people = list(db.session.scalars(select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)))
        for index, user_id in enumerate(people[:6]):
            for phase, score in (("pre", 40 + index), ("post", 60 + 2 * index)):
                db.session.add(AssessmentAttempt(cohort_id=cohort.id, user_id=user_id, phase=phase, form_id=setup.pre.id,
                                                 answers={}, correct=0, total=len(setup.pre.questions), score=score))
            answers = {item["id"]: (4 if item["type"] == "scale" else item["options"][0]["id"] if item["type"] == "single"
                                    else [item["options"][0]["id"]] if item["type"] == "multiple" else f"感想{index}")
                       for item in setup.survey.items}
            submit_survey(cohort, user_id, setup.survey, answers)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    page.goto(f"/evaluation/cohorts/{printing['cohort']}/report/print")
    assert page.locator("svg.chart__svg").count() >= 3
    info, text = _pdf(page, tmp_path, "effect-report")
    assert all(_is(size, A4_PORTRAIT) for size in info["sizes"])
    flat = _flat(text)
    for words in ("研修効果の報告", "事前・事後テスト", "効果量", "受講後アンケート", "回答6件", "感想3", "見直したい問題と教材"):
        assert words in flat, words
    assert not any(name in flat for name in printing["names"])  # the survey names nobody
