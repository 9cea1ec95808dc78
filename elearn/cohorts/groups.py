"""Groups of an in-person day against the database: propose, move, lock, copy, and what a participant sees.

The proposal itself is the pure :func:`elearn.cohorts.grouping.propose_groups`; "experienced" is
whether the participant has completed every required module of the cohort (the rule of
:mod:`elearn.cohorts.rules`), so each group mixes those who finished the on-demand part with those
still working through it.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import CaseSheet, Cohort, CohortDay, Enrolment, GroupMember, GroupPlan, Module, Progress, User, utcnow
from ..permissions import sheet_shared_with_group
from ..queries import person_order
from .grouping import Member, organisation_key, propose_groups
from .rules import modules_complete, required_modules

#: Sizes an organiser may ask for.
MIN_SIZE, MAX_SIZE = 2, 30


class GroupError(ValueError):
    """A change the grouping refuses (the message is for the organiser)."""


@dataclass
class Person:
    """A participant as the group pages show them."""

    user_id: int
    name: str
    furigana: str
    organisation: str
    prefecture: str
    experienced: bool
    number: int | None = None


@dataclass
class Group:
    """One group of a day with what the organiser should look at."""

    number: int
    people: list[Person] = field(default_factory=list)
    #: 所属 appearing more than once in the group, with their count.
    shared_organisations: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.people)

    @property
    def experienced(self) -> int:
        return sum(p.experienced for p in self.people)


def plan_for(day: CohortDay) -> GroupPlan:
    """The day's grouping settings (a fresh, unsaved one with the default sizes when there is none)."""
    return db.session.get(GroupPlan, day.id) or GroupPlan(day_id=day.id, smallest=5, largest=7, seed=0)


def participants(day: CohortDay) -> list[Person]:
    """Every participant of the day's cohort in あいうえお order, with their group on ``day`` (three queries)."""
    cohort = db.session.get(Cohort, day.cohort_id)
    module_ids = [m.id for m in required_modules(cohort)]
    done = dict(db.session.execute(
        select(Progress.user_id, func.count()).join(Enrolment, Enrolment.user_id == Progress.user_id)
        .where(Enrolment.cohort_id == day.cohort_id, Progress.module_id.in_(module_ids or [0]),
               Progress.completed_at.is_not(None)).group_by(Progress.user_id)).all())
    numbers = dict(db.session.execute(select(GroupMember.user_id, GroupMember.number)
                                      .where(GroupMember.day_id == day.id)).all())
    rows = db.session.execute(
        select(User.id, User.display_name, User.furigana, User.organisation, User.prefecture)
        .join(Enrolment, Enrolment.user_id == User.id).where(Enrolment.cohort_id == day.cohort_id)
        .order_by(*person_order()))
    return [Person(user_id, name, furigana, organisation, prefecture,
                   modules_complete(done.get(user_id, 0), len(module_ids)), numbers.get(user_id))
            for user_id, name, furigana, organisation, prefecture in rows]


def groups_of(people: list[Person]) -> tuple[list[Group], list[Person]]:
    """The people in groups (by number, empty groups left out) and those in none."""
    by_number: dict[int, Group] = {}
    unassigned = []
    for person in people:
        if person.number is None:
            unassigned.append(person)
        else:
            by_number.setdefault(person.number, Group(person.number)).people.append(person)
    groups = [by_number[number] for number in sorted(by_number)]
    for group in groups:
        counts = Counter(organisation_key(Member(p.user_id, p.organisation)) for p in group.people)
        names = {}
        for p in group.people:
            key = organisation_key(Member(p.user_id, p.organisation))
            if counts[key] > 1:
                names[p.organisation] = counts[key]
        group.shared_organisations = names
    return groups, unassigned


def _editable(day: CohortDay) -> GroupPlan:
    plan = plan_for(day)
    if plan.locked:
        raise GroupError("グループは確定済みです。変更するには、先に確定を解除してください。")
    return plan


def _replace(day: CohortDay, numbers: dict[int, int]) -> None:
    db.session.execute(delete(GroupMember).where(GroupMember.day_id == day.id))
    db.session.add_all(GroupMember(day_id=day.id, user_id=user_id, number=number)
                       for user_id, number in sorted(numbers.items()))


def propose(day: CohortDay, smallest: int, largest: int) -> GroupPlan:
    """A new proposal for every participant (the next seed, so proposing again gives other groups)."""
    plan = _editable(day)
    if not (MIN_SIZE <= smallest <= largest <= MAX_SIZE):
        raise GroupError(f"グループの人数は{MIN_SIZE}〜{MAX_SIZE}人の範囲で、少ない方から入力してください。")
    people = participants(day)
    if not people:
        raise GroupError("この研修にはまだ参加者がいません。")
    plan.smallest, plan.largest, plan.seed, plan.updated_at = smallest, largest, (plan.seed or 0) + 1, utcnow()
    db.session.add(plan)
    groups = propose_groups([Member(p.user_id, p.organisation, p.prefecture, p.experienced) for p in people],
                            smallest, largest, plan.seed)
    _replace(day, {member.id: number for number, group in enumerate(groups, 1) for member in group})
    return plan


def largest_number(people: list[Person]) -> int:
    """The highest group number a person can be moved to: one past the highest in use (a new group)."""
    return max([p.number or 0 for p in people] + [0]) + 1


def move(day: CohortDay, chosen: dict[int, int | None]) -> int:
    """Put participants in the groups chosen (None: no group); returns how many changed."""
    plan = _editable(day)
    people = {p.user_id: p for p in participants(day)}
    highest = largest_number(list(people.values()))
    changed = 0
    for user_id, number in chosen.items():
        person = people.get(user_id)
        if person is None or person.number == number:
            continue
        if number is not None and not 1 <= number <= highest:
            raise GroupError("グループを選び直してください。")
        person.number = number
        changed += 1
    if changed:
        _replace(day, {p.user_id: p.number for p in people.values() if p.number is not None})
        plan.updated_at = utcnow()
        db.session.add(plan)
    return changed


def copy_from(day: CohortDay, source: CohortDay) -> int:
    """The groups of another day of the same cohort, for the participants enrolled now; returns how many."""
    plan = _editable(day)
    if source.cohort_id != day.cohort_id or source.id == day.id:
        raise GroupError("コピー元の日を選び直してください。")
    enrolled = set(db.session.scalars(select(Enrolment.user_id).where(Enrolment.cohort_id == day.cohort_id)))
    numbers = {user_id: number for user_id, number in db.session.execute(
        select(GroupMember.user_id, GroupMember.number).where(GroupMember.day_id == source.id)) if user_id in enrolled}
    if not numbers:
        raise GroupError("コピー元の日にはまだグループがありません。")
    source_plan = plan_for(source)
    plan.smallest, plan.largest, plan.updated_at = source_plan.smallest, source_plan.largest, utcnow()
    db.session.add(plan)
    _replace(day, numbers)
    return len(numbers)


def set_locked(day: CohortDay, locked: bool, actor: User) -> GroupPlan:
    """Lock the day's groups (participants see them from then on) or unlock them for changes."""
    plan = plan_for(day)
    if locked and not db.session.scalar(select(func.count()).where(GroupMember.day_id == day.id)):
        raise GroupError("確定するグループがありません。先にグループを提案してください。")
    plan.locked_at, plan.locked_by_id = (utcnow(), actor.id) if locked else (None, None)
    db.session.add(plan)
    return plan


def remove_from_groups(cohort: Cohort, user_id: int) -> None:
    """Take a participant out of every group of ``cohort`` (when they leave it)."""
    db.session.execute(delete(GroupMember).where(
        GroupMember.user_id == user_id,
        GroupMember.day_id.in_(select(CohortDay.id).where(CohortDay.cohort_id == cohort.id))))


@dataclass
class MyGroup:
    """A participant's locked group on one day: who is in it and the sheets they shared with it."""

    day: CohortDay
    number: int
    members: list[tuple[str, str]]
    sheets: list[tuple[int, str, str]]


def my_groups(cohort: Cohort, user_id: int) -> list[MyGroup]:
    """The participant's groups on the cohort's days whose grouping is locked, day by day (three queries)."""
    mine = db.session.execute(
        select(CohortDay, GroupMember.number).join(GroupMember, GroupMember.day_id == CohortDay.id)
        .join(GroupPlan, GroupPlan.day_id == CohortDay.id)
        .where(CohortDay.cohort_id == cohort.id, GroupMember.user_id == user_id, GroupPlan.locked_at.is_not(None))
        .order_by(CohortDay.day)).all()
    if not mine:
        return []
    members: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    member_ids: dict[tuple[int, int], set[int]] = defaultdict(set)
    for day_id, number, member_id, name, organisation in db.session.execute(
            select(GroupMember.day_id, GroupMember.number, User.id, User.display_name, User.organisation)
            .join(User, User.id == GroupMember.user_id)
            .where(GroupMember.day_id.in_([day.id for day, _ in mine])).order_by(*person_order())):
        members[(day_id, number)].append((name, organisation))
        member_ids[(day_id, number)].add(member_id)
    shared = db.session.execute(
        select(CaseSheet.id, CaseSheet.user_id, User.display_name, Module.title)
        .join(User, User.id == CaseSheet.user_id).join(Module, Module.id == CaseSheet.module_id)
        .where(sheet_shared_with_group(user_id)).order_by(*person_order(), Module.title)).all()
    result = []
    for day, number in mine:
        key = (day.id, number)
        sheets = [(sheet_id, name, title) for sheet_id, author_id, name, title in shared
                  if author_id in member_ids[key] and author_id != user_id]
        result.append(MyGroup(day, number, members[key], sheets))
    return result

