"""Reception mode and QR check-in in a real browser: two desks marking at once, a stale tap refused,
and a phone checking in with the code read off the projector page."""
from __future__ import annotations

import io
import re
import uuid
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, select

from elearn.dates import today
from elearn.models import Attendance

from .conftest import ACCOUNTS, PASSWORD, login

CROSS_DESK_MS = 8_000  # a poll every 3 s, with room for a slow machine
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/130.0.0.0 Mobile Safari/537.36"}


@pytest.fixture
def day_today(live_server, live_database):
    """A new cohort run by the e2e organiser with today's in-person day, the e2e learner and three
    more participants enrolled (names made unique per test)."""
    from elearn import create_app
    from elearn.cli import create_user
    from elearn.extensions import db
    from elearn.models import Cohort, CohortDay, Enrolment, Role, User

    tag = uuid.uuid4().hex[:6]
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": live_database})
    with app.app_context():
        people = {"一郎": "△△町 保健福祉課", "二郎": "カタカナ支援センター", "三郎": "□□市 福祉課"}
        users = {name: create_user(f"{tag}-{n}@example.jp", Role.LEARNER, f"受付 {name}", organisation, "東京都", None)
                 for n, (name, organisation) in enumerate(people.items())}
        cohort = Cohort(name=f"E2E 受付の研修 {tag}", curriculum="initial", opens_on=today(), closes_on=today(),
                        venue="E2E会館", capacity=50, days=[CohortDay(day=today())])
        cohort.organisers = [db.session.scalar(select(User).where(User.email == ACCOUNTS["organiser"]))]
        db.session.add(cohort)
        db.session.flush()
        learner = db.session.scalar(select(User).where(User.email == ACCOUNTS["learner"]))
        db.session.add_all(Enrolment(cohort_id=cohort.id, user_id=u.id) for u in [learner, *users.values()])
        db.session.commit()
        day_id = cohort.days[0].id
        base = f"/organiser/cohorts/{cohort.id}/days/{day_id}"
        result = SimpleNamespace(id=cohort.id, day_id=day_id, reception=f"{base}/reception",
                                 attendance=f"{base}/attendance", projector=f"{base}/checkin",
                                 ids={name: u.id for name, u in users.items()} | {"learner": learner.id})
        db.engine.dispose()
    return result


def _states(database_url: str, day_id: int) -> dict[int, str]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = dict(connection.execute(select(Attendance.user_id, Attendance.status)
                                       .where(Attendance.day_id == day_id)).all())
    engine.dispose()
    return rows


def _row(page, name: str):
    return page.locator("li.reception-row", has_text=name)


def _desk(browser, live_server, who: str):
    context = browser.new_context(base_url=live_server, locale="ja-JP", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(10_000)
    login(page, who)
    return context, page


def test_two_desks_see_each_others_marks_and_a_stale_tap_is_refused(browser, live_server, live_database, day_today):
    context_a, a = _desk(browser, live_server, "organiser")
    context_b, b = _desk(browser, live_server, "admin")
    try:
        a.goto(day_today.reception)
        b.goto(day_today.reception)
        expect(a.locator('[data-count="expected"]')).to_have_text("4")

        # Both desks tap at once, each a different participant: no reload, and each sees the other's.
        _row(a, "受付 一郎").get_by_role("button", name="出席").click()
        _row(b, "受付 二郎").get_by_role("button", name="出席").click()
        expect(_row(a, "受付 一郎").locator("[data-row-label]")).to_have_text("出席")
        expect(_row(b, "受付 二郎").locator("[data-row-label]")).to_have_text("出席")
        expect(_row(a, "受付 二郎").locator("[data-row-label]")).to_have_text("出席", timeout=CROSS_DESK_MS)
        expect(_row(b, "受付 一郎").locator("[data-row-label]")).to_have_text("出席", timeout=CROSS_DESK_MS)
        expect(a.locator('[data-count="attended"]')).to_have_text("2", timeout=CROSS_DESK_MS)
        expect(b.locator('[data-count="attended"]')).to_have_text("2", timeout=CROSS_DESK_MS)
        expect(_row(b, "受付 一郎").get_by_role("button", name="取消")).to_be_visible()

        # Search as you type: name, 所属 (katakana typed in hiragana), email.
        search = b.get_by_label("氏名・所属・メールアドレスで検索")
        search.fill("かたかな")
        expect(b.locator("li.reception-row:visible")).to_have_count(1)
        expect(_row(b, "受付 二郎")).to_be_visible()
        search.fill("三郎")
        expect(b.locator("li.reception-row:visible")).to_have_count(1)

        # Desk B stops hearing from the server; meanwhile desk A records 三郎 as 遅刻 on the attendance page.
        b.route("**/reception/changes**", lambda route: route.abort())
        a.goto(day_today.attendance)
        a.locator("tr", has_text="受付 三郎").get_by_label("遅刻").check()
        a.get_by_role("button", name="出席を保存する").click()
        expect(a.get_by_text("出席を保存しました（1人分を更新）")).to_be_visible()
        stale = _row(b, "受付 三郎")
        expect(stale.locator("[data-row-label]")).to_have_text("未記録")
        stale.get_by_role("button", name="出席").click()  # B's row is out of date
        expect(b.locator("[data-reception-note]")).to_contain_text("先に「遅刻」と記録していたため、変更していません")
        expect(stale.locator("[data-row-label]")).to_have_text("遅刻")
        assert _states(live_database, day_today.day_id)[day_today.ids["三郎"]] == "late"

        # Taking a mark back travels too.
        b.unroute("**/reception/changes**")
        search.fill("")
        _row(b, "受付 一郎").get_by_role("button", name="取消").click()
        expect(_row(b, "受付 一郎").locator("[data-row-label]")).to_have_text("未記録")
        a.goto(day_today.reception)
        expect(_row(a, "受付 一郎").locator("[data-row-label]")).to_have_text("未記録")
        expect(a.locator('[data-count="attended"]')).to_have_text("2")  # 二郎 出席, 三郎 遅刻
    finally:
        context_a.close()
        context_b.close()


def _decode_qr(png: bytes) -> str:
    """The text of the one QR code in a screenshot (zxing-cpp)."""
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, found
    return found[0].text


def test_phone_checks_in_with_the_projected_code(browser, live_server, live_database, page, day_today):
    """The organiser projects the code; a phone not signed in opens it, signs in, taps 「出席する」."""
    login(page, "organiser")
    page.goto(day_today.projector)
    qr = page.locator("img[data-qr]")
    page.wait_for_function("document.querySelector('img[data-qr]').naturalWidth > 0")
    url = _decode_qr(qr.screenshot())
    assert re.fullmatch(rf"{re.escape(live_server)}/checkin/{day_today.id}/{day_today.day_id}/[\w.-]+", url)

    phone_context = browser.new_context(base_url=live_server, locale="ja-JP", **PHONE)
    phone = phone_context.new_page()
    phone.set_default_timeout(10_000)
    try:
        phone.goto(url)
        phone.get_by_label("メールアドレス").fill(ACCOUNTS["learner"])
        phone.get_by_label("パスワード").fill(PASSWORD)
        phone.get_by_role("button", name="ログイン").click()
        phone.wait_for_url(url)
        expect(phone.locator("main").get_by_text("E2E learner さん")).to_be_visible()
        button = phone.get_by_role("button", name="出席する")
        box = button.bounding_box()
        assert box["width"] > 300 and box["height"] >= 48  # one large tap target
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        button.tap()
        expect(phone.get_by_text("出席を記録しました。")).to_be_visible()
        expect(phone.get_by_text("出席は記録済みです：出席")).to_be_visible()
        assert _states(live_database, day_today.day_id) == {day_today.ids["learner"]: "present"}

        # The projector's count follows, and the attendance page names the QR check-in.
        expect(page.locator('[data-count="attended"]')).to_have_text("1", timeout=CROSS_DESK_MS)
        page.goto(day_today.attendance)
        expect(page.locator("tr", has_text="E2E learner")).to_contain_text("QR（本人）")
        expect(page.get_by_text("QRコードで本人が受付した記録（1件）")).to_be_visible()

        # Reception on the same phone: rows fit the screen and one tap marks.
        phone_context.clear_cookies()
        login(phone, "organiser")
        phone.goto(day_today.reception)
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _row(phone, "受付 一郎").get_by_role("button", name="出席").tap()
        expect(_row(phone, "受付 一郎").locator("[data-row-label]")).to_have_text("出席")
    finally:
        phone_context.close()


def test_projector_replaces_the_code_at_each_step(page, day_today):
    """With the page's clock run to the end of the step, and then 30 s more, the image is fetched again
    for the next step each time."""
    page.clock.install()
    login(page, "organiser")
    page.goto(day_today.projector)
    image = page.locator("img[data-qr]")
    step = int(image.get_attribute("src").rsplit("=", 1)[1])
    page.clock.run_for(int(page.locator("[data-projector]").get_attribute("data-refresh-ms")) + 100)
    expect(image).to_have_attribute("src", re.compile(rf"step={step + 1}$"))
    page.clock.run_for(30_000)
    expect(image).to_have_attribute("src", re.compile(rf"step={step + 2}$"))
