"""QR self check-in: the code (30-second steps, accepted for its own step and the next), the scan
pass that survives signing in, who may check in, and the pages a participant goes through."""
from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

import elearn.cohorts.checkin as checkin
from elearn.cohorts.attendance import record_attendance
from elearn.cohorts.checkin import (CheckinRefused, current_step, make_code, make_scan_pass, read_code, refusal_for,
                                    scan_pass_valid)
from elearn.dates import today
from elearn.extensions import db
from elearn.models import Attendance, AttendanceChange, Cohort, CohortDay, Role, User

from .conftest import csrf_from

STEP = 59_000_000  # a 30-second step in 2026
T0 = STEP * 30.0  # the first instant of that step


@pytest.fixture
def day_today(app, make_user, make_cohort):
    """An organiser, a cohort whose in-person day is today (Japan time), a participant and an outsider."""
    organiser = make_user(Role.ORGANISER)
    participant = make_user(name="山田 花子", email="hanako@example.jp")
    outsider = make_user(name="佐藤 一郎")
    cohort = make_cohort([organiser], [participant], days=[today()])
    return organiser, participant, outsider, cohort


def _refusal(code, cohort_id, day_id, now):
    with pytest.raises(CheckinRefused) as refused:
        read_code(code, cohort_id, day_id, now=now)
    return refused.value.reason


# --- the code ------------------------------------------------------------------------------------

@pytest.mark.parametrize("now, accepted", [
    (T0, True),                 # made now
    (T0 + 29.999, True),        # still on the screen
    (T0 + 30, True),            # replaced on the screen: accepted during the next step
    (T0 + 59.999, True),        # the last instant of the next step
    (T0 + 60, False),           # two steps on: older than a minute can be
    (T0 + 3600, False),         # a photo forwarded an hour later
    (T0 - 0.001, False),        # a step later than the clock (hosts' clocks differ)
])
def test_code_lives_for_its_step_and_the_next(app, now, accepted):
    """With a frozen clock: accepted from its step's first instant to the end of the next step only."""
    with app.app_context():
        code = make_code(3, 7, STEP)
        if accepted:
            read_code(code, 3, 7, now=now)
        else:
            assert _refusal(code, 3, 7, now) == "expired"


def test_code_changes_every_step_and_carries_its_day(app):
    """Each step has its own code; a code made for one day or cohort is refused for another."""
    with app.app_context():
        assert make_code(3, 7, STEP) != make_code(3, 7, STEP + 1)
        assert current_step(T0 + 29.9) == STEP and current_step(T0 + 30) == STEP + 1
        code = make_code(3, 7, STEP)
        assert _refusal(code, 3, 8, T0) == "other_day"
        assert _refusal(code, 4, 7, T0) == "other_day"


def test_tampered_or_foreign_codes_are_unreadable(app):
    """A changed signature or payload, another key, the scan pass's salt or junk: never accepted."""
    with app.app_context():
        code = make_code(3, 7, STEP)
        payload, signature = code.rsplit(".", 1)
        flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
        forged_payload = URLSafeSerializer("x").dumps([3, 7, STEP + 10]).rsplit(".", 1)[0]
        other_key = URLSafeSerializer("another secret key of 32 characters", salt=checkin.CODE_SALT)
        for bad in (f"{payload}.{flipped}", f"{forged_payload}.{signature}", other_key.dumps([3, 7, STEP]),
                    make_scan_pass(3, 7, now=T0), "", "x" * 500, "ABCD-EFGH-JKMN-PQRS",
                    URLSafeSerializer(app.secret_key, salt=checkin.CODE_SALT).dumps([3, 7, True]),
                    URLSafeSerializer(app.secret_key, salt=checkin.CODE_SALT).dumps({"day": 7})):
            assert _refusal(bad, 3, 7, T0) == "unreadable", bad


def test_scan_pass_lasts_ten_minutes_for_its_day_only(app):
    with app.app_context():
        value = make_scan_pass(3, 7, now=T0)
        assert scan_pass_valid(value, 3, 7, now=T0 + 599)
        assert not scan_pass_valid(value, 3, 7, now=T0 + 600)
        assert not scan_pass_valid(value, 3, 8, now=T0 + 1)
        assert not scan_pass_valid(make_code(3, 7, STEP), 3, 7, now=T0)
        assert not scan_pass_valid(None, 3, 7, now=T0)


# --- who may check in ----------------------------------------------------------------------------

def _reason(app, user_id, cohort_id, day_id):
    with app.app_context():
        cohort, day, user = db.session.get(Cohort, cohort_id), db.session.get(CohortDay, day_id), db.session.get(User, user_id)
        refusal = refusal_for(user, cohort, day)
        return refusal.reason if refusal else None


def test_only_participants_on_the_day_of_an_active_cohort(app, make_user, make_cohort, day_today):
    """Enrolled and today: yes. Not enrolled, archived, a day ahead or past: refused with a reason."""
    _, participant, outsider, cohort = day_today
    assert _reason(app, participant.id, cohort.id, cohort.day_ids[0]) is None
    assert _reason(app, outsider.id, cohort.id, cohort.day_ids[0]) == "not_enrolled"
    ahead = make_cohort([], [participant], days=[today() + timedelta(days=1)])
    assert _reason(app, participant.id, ahead.id, ahead.day_ids[0]) == "future"
    past = make_cohort([], [participant], days=[today() - timedelta(days=1)])
    assert _reason(app, participant.id, past.id, past.day_ids[0]) == "past"
    archived = make_cohort([], [participant], days=[today()], archived=True)
    assert _reason(app, participant.id, archived.id, archived.day_ids[0]) == "archived"


# --- the participant's pages ---------------------------------------------------------------------

class Clock:
    """Stands in for the ``time`` module in :mod:`elearn.cohorts.checkin`."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock(T0 + 5)
    monkeypatch.setattr(checkin, "time", frozen)
    return frozen


def _url(app, cohort, step=None) -> str:
    with app.app_context():
        return f"/checkin/{cohort.id}/{cohort.day_ids[0]}/{make_code(cohort.id, cohort.day_ids[0], step)}"


def _rows(app):
    with app.app_context():
        return [(a.user_id, a.status, a.method, a.recorded_by_id) for a in db.session.scalars(select(Attendance))]


def test_signed_in_participant_confirms_and_is_marked_present(app, client, auth, day_today, clock):
    """Opening the code shows whose attendance it records; 「出席する」 records 出席 by QR, once."""
    organiser, participant, _, cohort = day_today
    auth.login(participant.email)
    url = _url(app, cohort)
    page = client.get(url)
    assert page.status_code == 200 and "出席する" in page.text and "山田 花子 さん" in page.text
    assert "令和8年度 新任職員研修 第1期" in page.text
    assert _rows(app) == []  # opening it records nothing
    done = client.post(url, data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/checkin/{cohort.id}/{cohort.day_ids[0]}")
    status = client.get(done.headers["Location"]).text
    assert "出席を記録しました" in status and "出席は記録済みです：出席" in status and "QR（本人）" in status
    assert _rows(app) == [(participant.id, "present", "qr", participant.id)]
    again = client.post(url, data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert "出席は記録済みです" in again.text and "出席を記録しました" not in again.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AttendanceChange.id))) == 1
    auth.logout()
    auth.login(organiser.email)
    attendance = client.get(f"/organiser/cohorts/{cohort.id}/days/{cohort.day_ids[0]}/attendance").text
    assert "（QR（本人））" in attendance and "QRコードで本人が受付した記録（1件）" in attendance


def test_without_the_csrf_token_nothing_is_recorded(app, client, auth, day_today, clock):
    _, participant, _, cohort = day_today
    auth.login(participant.email)
    assert client.post(_url(app, cohort), data={}).status_code == 400
    assert _rows(app) == []


def test_signing_in_after_the_scan_still_works_but_a_forwarded_code_does_not(app, client, auth, day_today, clock,
                                                                               make_user):
    """Not signed in: the login page, back to the code, and 10 minutes to finish even though the code
    expired meanwhile; the same address opened by another browser is refused."""
    _, participant, _, cohort = day_today
    url = _url(app, cohort)
    to_login = client.get(url)
    assert to_login.status_code == 302 and "/auth/login?next=" in to_login.headers["Location"]
    assert checkin.SCAN_COOKIE in to_login.headers["Set-Cookie"]
    clock.now += 120  # the participant takes two minutes to sign in: the code itself has expired
    signed_in = auth.login(participant.email, next=url)
    assert signed_in.headers["Location"] == url
    page = client.get(url)
    assert "出席する" in page.text
    client.post(url, data={"csrf_token": csrf_from(page.text)})
    assert _rows(app) == [(participant.id, "present", "qr", participant.id)]

    forwarded = app.test_client()  # someone else's phone, sent the link or a photo of the screen
    from .conftest import AuthActions
    friend = make_user()
    with app.app_context():
        from elearn.models import Enrolment
        db.session.add(Enrolment(cohort_id=cohort.id, user_id=friend.id))
        db.session.commit()
    AuthActions(forwarded).login(friend.email)
    refused = forwarded.get(url)
    assert refused.status_code == 400 and "有効期限が切れています" in refused.text
    assert friend.id not in [row[0] for row in _rows(app)]


def test_the_scan_pass_runs_out_after_ten_minutes(app, client, auth, day_today, clock):
    _, participant, _, cohort = day_today
    url = _url(app, cohort)
    client.get(url)
    clock.now += 601
    auth.login(participant.email, next=url)
    assert "有効期限が切れています" in client.get(url).text


@pytest.mark.parametrize("case, message", [
    ("old", "有効期限が切れています"),
    ("tampered", "読み取れませんでした"),
    ("other_day", "別の研修日"),
])
def test_bad_codes_are_refused_with_a_reason(app, client, auth, day_today, clock, make_cohort, case, message):
    _, participant, _, cohort = day_today
    auth.login(participant.email)
    if case == "old":
        url = _url(app, cohort, step=current_step(clock.now) - 2)
    elif case == "tampered":
        url = _url(app, cohort)[:-3] + "abc"
    else:
        other = make_cohort([], [participant], days=[today()])
        with app.app_context():
            url = f"/checkin/{cohort.id}/{cohort.day_ids[0]}/{make_code(other.id, other.day_ids[0])}"
    page = client.get(url)
    assert page.status_code == 400 and message in page.text and "出席する" not in page.text
    assert client.post(url, data={"csrf_token": csrf_from(client.get("/").text)}).status_code == 400
    assert _rows(app) == []


def test_someone_not_enrolled_is_refused(app, client, auth, day_today, clock):
    _, _, outsider, cohort = day_today
    auth.login(outsider.email)
    page = client.get(_url(app, cohort))
    assert page.status_code == 403 and "参加者として登録されていません" in page.text
    assert "令和8年度" not in page.text  # the training is not named to an outsider
    client.post(_url(app, cohort), data={"csrf_token": csrf_from(client.get("/").text)})
    assert _rows(app) == []


@pytest.mark.parametrize("when, fields, message", [
    ("ahead", {}, "まだ来ていない"),
    ("today", {"archived": True}, "アーカイブ"),
    ("past", {}, "終わっている"),
])
def test_wrong_day_or_archived_cohort_is_refused(app, client, auth, make_user, make_cohort, clock, when, fields,
                                                 message):
    participant = make_user()
    day = {"ahead": today() + timedelta(days=2), "today": today(), "past": today() - timedelta(days=2)}[when]
    cohort = make_cohort([], [participant], days=[day], **fields)
    auth.login(participant.email)
    url = _url(app, cohort)
    assert message in client.get(url).text
    client.post(url, data={"csrf_token": csrf_from(client.get("/").text)})
    assert _rows(app) == []


def test_an_organisers_record_is_never_changed_by_a_check_in(app, client, auth, day_today, clock):
    """欠席 recorded at the desk stays: the participant is told to go to reception."""
    organiser, participant, _, cohort = day_today
    with app.app_context():
        day = db.session.get(CohortDay, cohort.day_ids[0])
        record_attendance(day, {participant.id: "absent"}, db.session.get(User, organiser.id))
        db.session.commit()
    auth.login(participant.email)
    url = _url(app, cohort)
    page = client.get(url)
    assert "「欠席」と記録しています" in page.text and "出席する" not in page.text
    client.post(url, data={"csrf_token": csrf_from(page.text)})
    assert _rows(app) == [(participant.id, "absent", "page", organiser.id)]


def test_unknown_or_mismatched_day_is_404(client, auth, day_today, make_cohort, app, clock):
    _, participant, _, cohort = day_today
    other = make_cohort([], days=[today()])
    auth.login(participant.email)
    assert client.get(f"/checkin/{cohort.id}/{other.day_ids[0]}/x").status_code == 404
    assert client.get(f"/checkin/{cohort.id}/999999/x").status_code == 404
