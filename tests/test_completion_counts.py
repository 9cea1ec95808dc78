"""Stored completion counts (elearn.cohorts.counts): exact after a quiz, enrolments, removals, changed
required modules and retired modules; ``elearn counts check`` finds and repairs a difference."""
from __future__ import annotations

from sqlalchemy import select, update

from elearn.cohorts.counts import count_problems
from elearn.extensions import db
from elearn.models import Cohort, Enrolment, Module, Role, cohort_modules

from .test_learning import RIGHT, WRONG, submit


def _stored(app, cohort_id: int) -> tuple[dict, dict]:
    """(user_id -> modules_done, module_id -> completions) as stored for the cohort."""
    with app.app_context():
        done = dict(db.session.execute(select(Enrolment.user_id, Enrolment.modules_done)
                                       .where(Enrolment.cohort_id == cohort_id)).all())
        per_module = dict(db.session.execute(select(cohort_modules.c.module_id, cohort_modules.c.completions)
                                             .where(cohort_modules.c.cohort_id == cohort_id)).all())
        assert count_problems() == []
        return done, per_module


def test_a_passed_quiz_counts_once(app, client, auth, make_user, make_cohort, content):
    """A pass adds one to the participant and the module in every cohort requiring it; a fail or a
    second pass adds nothing."""
    learner = make_user()
    first, second = make_cohort([], [learner]), make_cohort([], [learner], module_slugs=["t-beta"])
    auth.login(learner.email)
    assert submit(client, WRONG).status_code == 302
    assert _stored(app, first.id)[0] == {learner.id: 0}
    assert submit(client, RIGHT).status_code == 302
    assert submit(client, RIGHT).status_code == 302
    done, per_module = _stored(app, first.id)
    assert done == {learner.id: 1} and per_module == {first.module_ids[0]: 1, first.module_ids[1]: 0}
    assert _stored(app, second.id) == ({learner.id: 0}, {second.module_ids[0]: 0})


def test_enrolment_removal_and_requirement_changes_recount(app, client, auth, make_user, make_cohort, content):
    """Enrolling someone with earlier completions, changing the required modules, retiring a module and
    removing a participant each leave the stored counts equal to progress."""
    from elearn.organiser.services import remove_participant

    learner, other = make_user(), make_user()
    auth.login(learner.email)
    submit(client, RIGHT)
    cohort = make_cohort([], [learner, other])
    assert _stored(app, cohort.id)[0] == {learner.id: 1, other.id: 0}
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        row.required_modules = [m for m in row.required_modules if m.slug == "t-beta"]
        db.session.commit()
    assert _stored(app, cohort.id) == ({learner.id: 0, other.id: 0}, {cohort.module_ids[1]: 0})
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        row.required_modules = list(db.session.scalars(select(Module).where(Module.slug.in_(["t-alpha", "t-beta"]))))
        db.session.commit()
    assert _stored(app, cohort.id)[0] == {learner.id: 1, other.id: 0}
    with app.app_context():
        db.session.scalar(select(Module).where(Module.slug == "t-alpha")).retired = True
        db.session.commit()
    assert _stored(app, cohort.id)[0] == {learner.id: 0, other.id: 0}
    with app.app_context():
        db.session.scalar(select(Module).where(Module.slug == "t-alpha")).retired = False
        db.session.commit()
        remove_participant(db.session.get(Cohort, cohort.id), learner.id)
        db.session.commit()
    assert _stored(app, cohort.id) == ({other.id: 0}, {cohort.module_ids[0]: 0, cohort.module_ids[1]: 0})


def test_counts_check_finds_and_repairs(app, client, auth, runner, make_user, make_cohort, content):
    """``elearn counts check`` exits 1 on a stored count that disagrees with progress; --repair fixes it."""
    learner = make_user()
    cohort = make_cohort([make_user(Role.ORGANISER)], [learner])
    auth.login(learner.email)
    submit(client, RIGHT)
    assert runner.invoke(args=["counts", "check"]).exit_code == 0
    with app.app_context():
        db.session.execute(update(Enrolment).where(Enrolment.cohort_id == cohort.id).values(modules_done=7))
        db.session.commit()
    result = runner.invoke(args=["counts", "check"])
    assert result.exit_code == 1 and f"user {learner.id}: modules_done 7, progress says 1" in result.output
    assert runner.invoke(args=["counts", "check", "--repair"]).exit_code == 0
    assert runner.invoke(args=["counts", "check"]).exit_code == 0


def test_finished_participants_are_counted_by_their_day_in_japan(app, make_user, make_cohort, content):
    """The dashboard's line counts finishers per Japanese calendar day, grouped in SQL: 23:59 and
    00:30 JST fall on two days although both are 30 November in UTC."""
    from datetime import date, datetime, timezone

    from elearn.organiser.dashboard import completion_counts

    people = [make_user() for _ in range(4)]
    cohort = make_cohort([], people, module_slugs=["t-alpha"])
    finished = {people[0].id: datetime(2026, 11, 30, 14, 59, tzinfo=timezone.utc),  # 23:59 JST on 30 Nov
                people[1].id: datetime(2026, 11, 30, 15, 30, tzinfo=timezone.utc),  # 00:30 JST on 1 Dec
                people[2].id: datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)}     # 11:00 JST on 1 Dec
    with app.app_context():
        for user_id, at in finished.items():
            db.session.execute(update(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user_id)
                               .values(modules_done=1, last_done_at=at))
        db.session.commit()
        completion = completion_counts(db.session.get(Cohort, cohort.id), cohort.module_ids)
        assert completion.by_day == [(date(2026, 11, 30), 1), (date(2026, 12, 1), 2)]
        assert completion.finished == 3
