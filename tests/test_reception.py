"""Reception mode (受付): one tap for 出席 with and without JavaScript, the counts, what changed since a
version, conflicting marks refused, who may use it, and the QR projector the organiser shows."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

import elearn.cohorts.checkin as checkin
from elearn.cohorts.attendance import record_attendance
from elearn.dates import today
from elearn.extensions import db
from elearn.models import Attendance, AttendanceChange, CohortDay, Role, User, UserSession, utcnow

from .conftest import csrf_from

JSON = {"Accept": "application/json"}


@pytest.fixture
def desk(app, make_user, make_cohort):
    """An organiser, a cohort with today's in-person day and two participants."""
    organiser = make_user(Role.ORGANISER)
    hanako = make_user(name="山田 花子", organisation="○○市ひきこもり地域支援センター", email="hanako@example.jp")
    ichiro = make_user(name="佐藤 一郎", organisation="△△町 保健福祉課", email="ichiro@example.jp")
    cohort = make_cohort([organiser], [hanako, ichiro], days=[today()])
    return organiser, hanako, ichiro, cohort


def _base(cohort) -> str:
    return f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/reception"


def _tap(client, cohort, user_id, status="present", was="none", headers=None, follow_redirects=False, **extra):
    """A tap on a row's button, as its form sends it (``headers=JSON`` as the page's script does)."""
    token = csrf_from(client.get(_base(cohort)).text)
    return client.post(f"{_base(cohort)}/{user_id}", data={"csrf_token": token, "was": was, "status": status,
                                                           **extra}, headers=headers or {},
                       follow_redirects=follow_redirects)


def _states(app):
    with app.app_context():
        return {a.user_id: (a.status, a.method) for a in db.session.scalars(select(Attendance))}


def _set(app, cohort, user_id, status, recorder_id):
    """Another organiser records ``status`` on the attendance page."""
    with app.app_context():
        day = db.session.get(CohortDay, cohort.day_ids[0])
        record_attendance(day, {user_id: status}, db.session.get(User, recorder_id))
        db.session.commit()


def test_page_lists_participants_with_counts_and_one_button_each(client, auth, desk):
    organiser, hanako, ichiro, cohort = desk
    auth.login(organiser.email)
    page = client.get(_base(cohort)).text
    assert "山田 花子" in page and "佐藤 一郎" in page and "△△町 保健福祉課" in page
    assert re.search(r'data-count="attended">0</strong> / 予定 <strong data-count="expected">2<', page)
    assert page.count(">出席</button>") == 2 and "取消</button>" not in page
    assert 'data-search="山田 花子 ○○市ひきこもり地域支援センター hanako@example.jp"' in page
    assert "js/reception.js" in page and " style=" not in page and "<script>" not in page
    assert f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/checkin" in page


def test_tap_without_javascript_saves_and_comes_back(app, client, auth, desk):
    """The row's form posts, redirects to the page (search kept) and shows the new state and count."""
    organiser, hanako, _, cohort = desk
    auth.login(organiser.email)
    response = _tap(client, cohort, hanako.id, q="山田")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{_base(cohort)}?q=%E5%B1%B1%E7%94%B0#p-{hanako.id}")
    assert _states(app) == {hanako.id: ("present", "desk")}
    page = client.get(response.headers["Location"]).text
    assert "山田 花子 さん：出席" in page and 'data-count="attended">1<' in page and "取消</button>" in page
    assert "佐藤 一郎" not in page  # the search was kept
    back = _tap(client, cohort, hanako.id, status="none", was="present")
    assert back.status_code == 302 and _states(app) == {}
    with app.app_context():
        log = db.session.execute(select(AttendanceChange.status, AttendanceChange.method, AttendanceChange.recorded_by_id)
                                 .order_by(AttendanceChange.id)).all()
    assert log == [("present", "desk", organiser.id), (None, "desk", organiser.id)]


def test_tap_with_javascript_answers_json(app, client, auth, desk):
    organiser, hanako, ichiro, cohort = desk
    auth.login(organiser.email)
    response = _tap(client, cohort, hanako.id, headers=JSON)
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert data["result"] == "saved" and data["row"]["state"] == "present" and data["row"]["attended"]
    assert data["row"]["label"] == "出席" and "受付" in data["row"]["note"] and data["row"]["version"] > 0
    assert data["counts"]["attended"] == 1 and data["counts"]["expected"] == 2
    same = _tap(client, cohort, hanako.id, headers=JSON).get_json()  # a second desk taps the same person
    assert same["result"] == "same" and "すでに「出席」" in same["message"]
    _set(app, cohort, ichiro.id, "late", organiser.id)
    counted = _tap(client, cohort, hanako.id, status="none", was="present", headers=JSON).get_json()
    assert counted["counts"]["attended"] == 1 and counted["counts"]["late"] == 1


def test_a_stale_tap_never_overwrites_a_later_mark(app, client, auth, make_user, desk):
    """The row showed 未記録, a colleague has since recorded 遅刻: the tap is refused (409), the row
    comes back as it is now, with the reason; without JavaScript the same, as a message."""
    organiser, hanako, ichiro, cohort = desk
    colleague = make_user(Role.ADMIN)
    _set(app, cohort, hanako.id, "late", colleague.id)
    auth.login(organiser.email)
    response = _tap(client, cohort, hanako.id, headers=JSON)
    assert response.status_code == 409
    data = response.get_json()
    assert data["result"] == "conflict" and data["row"]["state"] == "late" and data["row"]["label"] == "遅刻"
    assert "先に「遅刻」と記録していたため" in data["message"]
    assert _states(app) == {hanako.id: ("late", "page")}
    _set(app, cohort, ichiro.id, "present", colleague.id)
    stale_undo = _tap(client, cohort, ichiro.id, status="none", was="absent", follow_redirects=True)
    assert "先に「出席」と記録していたため" in stale_undo.text
    assert _states(app)[ichiro.id] == ("present", "page")


def test_changes_since_a_version(app, client, auth, make_user, desk):
    """A page asks what changed after its version: marks, 取消 (no row any more) and counts."""
    organiser, hanako, ichiro, cohort = desk
    auth.login(organiser.email)
    page = client.get(_base(cohort)).text
    version = int(re.search(r'data-version="(\d+)"', page).group(1))
    assert client.get(f"{_base(cohort)}/changes?since={version}").get_json() == {
        "version": version, "rows": [], "counts": {"present": 0, "late": 0, "left_early": 0, "absent": 0,
                                                    "none": 2, "attended": 0, "expected": 2}}
    _tap(client, cohort, hanako.id)
    _tap(client, cohort, ichiro.id)
    _tap(client, cohort, ichiro.id, status="none", was="present")
    data = client.get(f"{_base(cohort)}/changes?since={version}").get_json()
    rows = {row["user_id"]: row for row in data["rows"]}
    assert rows[hanako.id]["state"] == "present" and rows[ichiro.id]["state"] == "none"
    assert rows[ichiro.id]["label"] == "未記録" and rows[ichiro.id]["version"] == data["version"]
    assert data["counts"]["attended"] == 1 and data["version"] > version
    assert client.get(f"{_base(cohort)}/changes?since={data['version']}").get_json()["rows"] == []
    for since in ("abc", "-5", "99999999999999999999"):  # nonsense: everything from the start
        assert len(client.get(f"{_base(cohort)}/changes?since={since}").get_json()["rows"]) == 2


def test_self_check_in_reaches_the_desk(app, client, auth, desk):
    """A participant's QR check-in shows at the desk as a change, marked as theirs."""
    organiser, hanako, _, cohort = desk
    with app.app_context():
        from elearn.cohorts.checkin import check_in
        day = db.session.get(CohortDay, cohort.day_ids[0])
        check_in(db.session.get(User, hanako.id), day.cohort, day)
        db.session.commit()
    auth.login(organiser.email)
    row = client.get(f"{_base(cohort)}/changes?since=0").get_json()["rows"][0]
    assert row["state"] == "present" and row["note"].endswith("山田 花子・QR（本人）")


def test_refused_taps(app, client, auth, make_user, make_cohort, desk):
    """Unknown states, someone not in the cohort, a day ahead and an archived cohort: nothing saved."""
    organiser, hanako, _, cohort = desk
    outsider = make_user()
    auth.login(organiser.email)
    assert _tap(client, cohort, hanako.id, status="late", headers=JSON).status_code == 400
    assert _tap(client, cohort, hanako.id, was="maybe", headers=JSON).status_code == 400
    assert _tap(client, cohort, outsider.id).status_code == 404
    ahead = make_cohort([organiser], [hanako], days=[today() + timedelta(days=3)])
    page = client.get(_base(ahead)).text
    assert "まだ来ていない" in page and ">出席</button>" not in page
    refused = _tap(client, ahead, hanako.id, headers=JSON)
    assert refused.status_code == 400 and "まだ来ていない日" in refused.get_json()["error"]
    archived = make_cohort([organiser], [hanako], days=[today()], archived=True)
    assert "アーカイブ" in _tap(client, archived, hanako.id, follow_redirects=True).text
    assert _states(app) == {}


def test_others_get_403_and_scripts_get_json(app, client, auth, make_user, desk):
    """Another organiser and a participant are refused every reception URL; a script asking for JSON
    gets the reason as JSON (403), and 401 when signed out."""
    _, hanako, _, cohort = desk
    urls = [_base(cohort), f"{_base(cohort)}/changes?since=0",
            f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/checkin",
            f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/checkin/qr.svg"]
    for user in (make_user(Role.ORGANISER), hanako):
        auth.login(user.email)
        for url in urls:
            assert client.get(url).status_code == 403, url
        refused = client.get(urls[1], headers=JSON)
        assert refused.status_code == 403 and refused.get_json() == {"error": "このページを見る権限がありません"}
        token = csrf_from(client.get("/").text)
        tap = client.post(f"{_base(cohort)}/{hanako.id}", data={"csrf_token": token, "was": "none",
                                                               "status": "present"}, headers=JSON)
        assert tap.status_code == 403 and tap.is_json
        auth.logout()
    signed_out = client.get(urls[1], headers=JSON)
    assert signed_out.status_code == 401 and "ログイン" in signed_out.get_json()["error"]
    assert client.get(urls[1]).status_code == 302  # a browser opening it goes to the login page
    assert _states(app) == {}


def test_polling_is_not_activity(app, client, auth, desk):
    """A reception page left open still signs out after the idle timeout: its polls do not count."""
    organiser, _, _, cohort = desk
    auth.login(organiser.email)

    def idle_for(minutes):
        with app.app_context():
            db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
            db.session.commit()

    def last_seen():
        with app.app_context():
            return db.session.scalar(select(UserSession.last_seen_at))

    idle_for(20)
    before = last_seen()
    assert client.get(f"{_base(cohort)}/changes?since=0", headers=JSON).status_code == 200
    assert last_seen() == before
    client.get(_base(cohort))  # opening the page (or a tap) is activity
    assert last_seen() > before
    idle_for(31)
    assert client.get(f"{_base(cohort)}/changes?since=0", headers=JSON).status_code == 401


def test_cohort_nav_and_attendance_page_link_to_reception(client, auth, desk):
    organiser, _, _, cohort = desk
    auth.login(organiser.email)
    overview = client.get(f"/organiser/cohorts/{cohort.id}").text
    assert f'href="{_base(cohort)}"' in overview and "受付 " in overview
    attendance = client.get(f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/attendance").text
    assert f'href="{_base(cohort)}"' in attendance and "受付モード" in attendance


def test_attendance_page_refuses_to_overwrite_a_later_mark(app, client, auth, desk):
    """A row changed on an attendance page opened before a desk marked that person is not saved."""
    organiser, hanako, ichiro, cohort = desk
    auth.login(organiser.email)
    url = f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/attendance"
    stale = client.get(url).text
    _tap(client, cohort, hanako.id)  # the desk: 出席
    data = {"csrf_token": csrf_from(stale), "shown": [hanako.id, ichiro.id]}
    for user_id, status in ((hanako.id, "absent"), (ichiro.id, "present")):
        data |= {f"was-{user_id}": "none", f"status-{user_id}": status}
    saved = client.post(url, data=data, follow_redirects=True).text
    assert "1人分を更新" in saved and "1人分は、このページを開いた後に" in saved
    assert _states(app) == {hanako.id: ("present", "desk"), ichiro.id: ("present", "page")}


# --- the projector -------------------------------------------------------------------------------

def test_projector_shows_a_qr_code_of_the_check_in_address(app, client, auth, desk, monkeypatch):
    """The image is segno's SVG for the absolute check-in URL of the current step (frozen clock)."""
    from elearn.organiser.routes_reception import qr_svg

    organiser, _, _, cohort = desk

    class Clock:
        @staticmethod
        def time():
            return 59_000_000 * 30.0 + 12

    monkeypatch.setattr(checkin, "time", Clock)
    auth.login(organiser.email)
    projector = f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/checkin"
    page = client.get(projector).text
    assert f'src="{projector}/qr.svg?step=59000000"' in page and 'data-refresh-ms="19000"' in page
    assert '<meta http-equiv="refresh" content="19">' in page and "<noscript>" in page
    image = client.get(f"{projector}/qr.svg")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert image.headers["Cache-Control"] == "no-store"
    with app.test_request_context():
        code = checkin.make_code(cohort.id, cohort.day_ids[0], 59_000_000)
        expected = f"http://localhost/checkin/{cohort.id}/{cohort.day_ids[0]}/{code}"
        assert image.text == qr_svg(expected)
    assert image.text.startswith("<svg") and "<script" not in image.text


def test_projector_only_on_the_day_itself(client, auth, make_cohort, desk):
    organiser, hanako, _, _ = desk
    auth.login(organiser.email)
    for days, fields in (([today() + timedelta(days=1)], {}), ([today() - timedelta(days=1)], {}),
                         ([today()], {"archived": True})):
        cohort = make_cohort([organiser], [hanako], days=days, **fields)
        projector = f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/checkin"
        page = client.get(projector).text
        assert "qr.svg" not in page and "QRコードは" in page
        assert client.get(f"{projector}/qr.svg").status_code == 404


def test_simultaneous_writes_to_one_row_are_serialised(app, desk):
    """Two writers who both saw 未記録: the second waits for the first (PostgreSQL locks the day's row,
    SQLite takes its write lock), then finds 出席 and is refused instead of failing or overwriting."""
    import threading

    organiser, hanako, _, cohort = desk
    outcome = {}

    def second_writer():
        with app.app_context():
            day = db.session.get(CohortDay, cohort.day_ids[0])
            outcome["result"] = record_attendance(day, {hanako.id: "absent"}, db.session.get(User, organiser.id),
                                                  expected={hanako.id: "none"})
            db.session.commit()

    with app.app_context():
        day = db.session.get(CohortDay, cohort.day_ids[0])
        first = record_attendance(day, {hanako.id: "present"}, db.session.get(User, organiser.id),
                                  expected={hanako.id: "none"})
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second writer waits while the first holds the day"
        db.session.commit()
    thread.join(timeout=10)
    assert first.changed == 1 and outcome["result"].refused == [hanako.id] and outcome["result"].changed == 0
    assert _states(app) == {hanako.id: ("present", "page")}
