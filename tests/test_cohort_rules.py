"""The cohort rules, without HTTP: completion, pace, required modules and certificate eligibility."""
from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from elearn.cohorts.rules import (Eligibility, eligibility, expected_done, modules_complete, modules_complete_sql,
                                  required_modules)
from elearn.extensions import db
from elearn.models import Attendance, Cohort, Module, Progress


@pytest.mark.parametrize("completed, required, done", [(0, 0, False), (3, 0, False), (1, 2, False), (2, 2, True),
                                                       (3, 2, True)])
def test_modules_complete_needs_a_requirement(completed, required, done):
    assert modules_complete(completed, required) is done


def test_sql_form_of_the_completion_rule_agrees(app):
    """The matrix filter (SQL) and the Python rule answer alike."""
    with app.app_context():
        for completed, required in [(0, 0), (3, 0), (1, 2), (2, 2), (3, 2)]:
            condition = modules_complete_sql(db.literal(completed), required)
            assert bool(db.session.scalar(select(condition))) is modules_complete(completed, required)


def test_expected_pace_runs_evenly_through_the_window():
    """Nobody is behind before the window; half-way, half the modules are expected; all from the deadline."""
    window = SimpleNamespace(opens_on=date(2026, 7, 1), closes_on=date(2026, 7, 10))
    assert expected_done(window, 4, date(2026, 6, 30)) == 0
    assert expected_done(window, 4, date(2026, 7, 5)) == 2
    assert expected_done(window, 4, date(2026, 7, 10)) == 4
    assert expected_done(window, 4, date(2026, 12, 1)) == 4


def test_eligibility_needs_modules_and_every_day():
    assert Eligibility(2, 2, 1, 1).eligible
    assert not Eligibility(2, 2, 2, 1).eligible
    assert not Eligibility(0, 0, 0, 0).eligible  # no required module: nothing to certify
    assert Eligibility(1, 1, 0, 0).eligible  # no in-person day: the modules suffice
    assert not Eligibility(2, 2, 1, 1, days_to_come=1).eligible  # a day still ahead: not yet


def test_retired_modules_stop_counting(app, content, make_user, make_cohort):
    """A required module retired from the content no longer counts, for requirement and eligibility."""
    learner = make_user()
    cohort = make_cohort([], [learner], days=[date(2026, 9, 26)], module_slugs=["t-alpha", "t-beta"])
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        assert [m.slug for m in required_modules(row)] == ["t-alpha", "t-beta"]
        alpha = db.session.scalar(select(Module).where(Module.slug == "t-alpha"))
        db.session.add(Progress(user_id=learner.id, module_id=alpha.id, completed_at=datetime.now(timezone.utc)))
        db.session.add(Attendance(day_id=cohort.day_ids[0], user_id=learner.id, status="present"))
        db.session.commit()
        assert not eligibility(row, learner.id).eligible
        db.session.scalar(select(Module).where(Module.slug == "t-beta")).retired = True
        db.session.commit()
        assert [m.slug for m in required_modules(row)] == ["t-alpha"]
        assert eligibility(row, learner.id) == Eligibility(1, 1, 1, 1)
