"""QR self check-in: the code a projector shows for a cohort day, who may use it, and the write.

A code is an itsdangerous signature (salt ``elearn.checkin``, the app's secret key) over the cohort
id, the day id and the 30-second time step it was made in. The projector shows the current step's
code and a new one every step; a code is accepted during its own step and the next one only, so at
most 60 seconds after it first appeared. A photo of the screen forwarded later does not work.

Signing in takes longer than that on a phone, so a browser that opened a code while it was valid
gets a *scan pass* (a signed cookie, salt ``elearn.checkin.scan``, only for that cohort day) that
lets it finish for ten minutes: sign in and tap 「出席する」. The pass never leaves that browser.

The participant's check-in goes through :func:`record_attendance` like every other write, expecting
未記録: it never changes what someone else recorded (an organiser's 欠席 or 遅刻 stays until they
change it).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from ..dates import today
from ..extensions import db
from ..models import Attendance, AttendanceMethod, AttendanceStatus, Cohort, CohortDay, Enrolment, User
from .attendance import NOT_RECORDED_VALUE, record_attendance

STEP_SECONDS = 30
#: Steps accepted: the current one and the one before it (a code lives 30-60 seconds).
ACCEPTED_STEPS = 2
SCAN_PASS_SECONDS = 600
SCAN_COOKIE = "elearn_checkin"
CODE_SALT = "elearn.checkin"
SCAN_SALT = "elearn.checkin.scan"
MAX_CODE_LENGTH = 200

REFUSALS = {
    "unreadable": (400, "このQRコードは読み取れませんでした。会場のスクリーンに表示されているQRコードを、"
                        "もう一度読み取ってください。"),
    "expired": (400, "このQRコードは有効期限が切れています（表示されてから約1分で切れます）。"
                     "会場のスクリーンに表示されている最新のQRコードを読み取ってください。"),
    "other_day": (400, "このQRコードは別の研修日（または別の研修）のものです。"
                       "今日の会場のスクリーンに表示されているQRコードを読み取ってください。"),
    "future": (400, "この研修日はまだ来ていないため、出席を記録できません。"),
    "past": (400, "この研修日は終わっているため、QRコードでは出席を記録できません。研修担当者にお知らせください。"),
    "archived": (400, "この研修は終了（アーカイブ）しているため、出席を記録できません。研修担当者にお知らせください。"),
    "not_enrolled": (403, "ログインしているアカウントは、この研修の参加者として登録されていません。"
                          "アカウントを確かめるか、受付にお声がけください。"),
}


class CheckinRefused(Exception):
    """A check-in that cannot go ahead; ``reason`` is a key of :data:`REFUSALS`."""

    def __init__(self, reason: str):
        self.reason = reason
        self.status, self.message = REFUSALS[reason]
        super().__init__(reason)


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def current_step(now: float | None = None) -> int:
    """The 30-second step ``now`` (a Unix time, default the clock) falls in."""
    return int(_now(now) // STEP_SECONDS)


def seconds_left(now: float | None = None) -> float:
    """Seconds until the next step, when the projector shows a new code."""
    return STEP_SECONDS - _now(now) % STEP_SECONDS


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=salt)


def make_code(cohort_id: int, day_id: int, step: int | None = None) -> str:
    """The code for a cohort day in ``step`` (default the current one)."""
    return _serializer(CODE_SALT).dumps([cohort_id, day_id, current_step() if step is None else step])


def _payload(serializer: URLSafeSerializer, value: str | None, size: int) -> list[int] | None:
    """The signed list of ``size`` integers in ``value``, or None when it is not one of ours."""
    if not value or len(value) > MAX_CODE_LENGTH:
        return None
    try:
        payload = serializer.loads(value)
    except BadData:
        return None
    if not (isinstance(payload, list) and len(payload) == size
            and all(isinstance(n, int) and not isinstance(n, bool) for n in payload)):
        return None
    return payload


def read_code(code: str, cohort_id: int, day_id: int, now: float | None = None) -> None:
    """Accept ``code`` for this cohort day now, or raise :class:`CheckinRefused` (unreadable or
    tampered, made for another day or cohort, or older than the previous step)."""
    payload = _payload(_serializer(CODE_SALT), code, 3)
    if payload is None:
        raise CheckinRefused("unreadable")
    code_cohort, code_day, step = payload
    if (code_cohort, code_day) != (cohort_id, day_id):
        raise CheckinRefused("other_day")
    # A later step than now only happens when hosts' clocks differ; it is treated like an old code.
    if not 0 <= current_step(now) - step < ACCEPTED_STEPS:
        raise CheckinRefused("expired")


def make_scan_pass(cohort_id: int, day_id: int, now: float | None = None) -> str:
    """The cookie value for a browser that just opened a valid code for this cohort day."""
    return _serializer(SCAN_SALT).dumps([cohort_id, day_id, int(_now(now))])


def scan_pass_valid(value: str | None, cohort_id: int, day_id: int, now: float | None = None) -> bool:
    """Whether ``value`` is this cohort day's scan pass, made less than ten minutes ago."""
    payload = _payload(_serializer(SCAN_SALT), value, 3)
    if payload is None or payload[:2] != [cohort_id, day_id]:
        return False
    return 0 <= _now(now) - payload[2] < SCAN_PASS_SECONDS


def refusal_for(user: User, cohort: Cohort, day: CohortDay) -> CheckinRefused | None:
    """Why ``user`` may not check in to ``day`` of ``cohort`` (None: they may). Only the day itself
    (Japan time) takes check-ins, only for a cohort not archived, and only from its participants."""
    if cohort.archived:
        return CheckinRefused("archived")
    if day.day > today():
        return CheckinRefused("future")
    if day.day < today():
        return CheckinRefused("past")
    enrolled = db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                            Enrolment.user_id == user.id))
    if enrolled is None:
        return CheckinRefused("not_enrolled")
    return None


@dataclass
class CheckinOutcome:
    """After a check-in: ``recorded`` (marked 出席 now), ``already`` (had 出席・遅刻・早退) or ``kept``
    (someone recorded another state, e.g. 欠席, which a self check-in does not change)."""

    result: str
    record: Attendance | None

    @property
    def label(self) -> str:
        return self.record.state.label if self.record is not None else ""


def own_record(user: User, day: CohortDay) -> Attendance | None:
    """The participant's attendance record for ``day``, if any."""
    return db.session.scalar(select(Attendance).where(Attendance.day_id == day.id, Attendance.user_id == user.id)
                             .execution_options(populate_existing=True))


def outcome_of(record: Attendance | None, result: str | None = None) -> CheckinOutcome:
    """How a participant's record reads after (or without) a check-in."""
    if result is None:
        result = "none" if record is None else ("already" if record.attended else "kept")
    return CheckinOutcome(result, record)


def check_in(user: User, cohort: Cohort, day: CohortDay) -> CheckinOutcome:
    """Mark ``user`` 出席 on ``day`` by their own QR check-in, unless they have a record already.

    The caller has verified the code (:func:`read_code` or a scan pass) and :func:`refusal_for`;
    the caller commits.
    """
    present = AttendanceStatus.PRESENT.value
    written = record_attendance(day, {user.id: present}, user, expected={user.id: NOT_RECORDED_VALUE},
                                method=AttendanceMethod.QR)
    record = own_record(user, day)
    return outcome_of(record, "recorded" if written.changed else None)
