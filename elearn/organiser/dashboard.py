"""The completion dashboard's data: a fixed number of queries whatever the cohort size.

Summary, charts and the progress filters read the stored completion counts (elearn.cohorts.counts);
the matrix loads only the current page's participants and their progress rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property

from markupsafe import Markup, escape
from sqlalchemy import case, func, literal, select

from ..cohorts.rules import Eligibility, expected_done, modules_complete_sql
from ..dates import short_date, today
from ..database import local_day
from ..extensions import db
from ..models import (ATTENDED_VALUES, Attendance, CaseSheet, Certificate, Cohort, CohortDay, Enrolment, Module,
                      Progress, ProgressStatus, User, cohort_modules)
from ..permissions import sheet_shared_with_enrolment
from ..queries import Page, paginate, person_matches

FILTERS = {"all": "全員", "behind": "遅れている人", "incomplete": "未修了", "complete": "修了", "never": "未ログイン"}
SORTS = {"name": "氏名", "organisation": "所属", "progress": "進み具合"}
PER_PAGE = 50


@dataclass
class Completion:
    """The cohort's finished participants (all required modules done) by the day (Japan time) of
    their last required completion, in order.

    Read from the stored per-participant counts (elearn.cohorts.counts), which the completing
    transaction keeps exact: the figures are never older than the last completion.
    """

    required: int
    by_day: list[tuple[date, int]]

    @property
    def finished(self) -> int:
        return sum(count for _day, count in self.by_day)


def completion_counts(cohort: Cohort, module_ids: list[int]) -> Completion:
    """The cohort's :class:`Completion` (one grouped query over its enrolments)."""
    required = len(module_ids)
    day = local_day(Enrolment.last_done_at)
    rows = db.session.execute(select(day, func.count()).where(
        Enrolment.cohort_id == cohort.id, modules_complete_sql(Enrolment.modules_done, required),
        Enrolment.last_done_at.is_not(None)).group_by(day).order_by(day))
    return Completion(required, [(_as_date(on), count) for on, count in rows])


def _as_date(value) -> date:
    """A day as SQL returned it (SQLite's ``date()`` is text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class Aggregates:
    """The cohort-wide numbers behind the summary and charts, with the time they were read."""

    completion: Completion
    by_module: dict[int, int]
    computed_at: datetime


def cohort_aggregates(cohort: Cohort, module_ids: list[int]) -> Aggregates:
    """Finished participants and per-module completions, from the stored counts (two queries)."""
    return Aggregates(completion_counts(cohort, module_ids), completion_by_module(cohort, module_ids),
                      datetime.now(timezone.utc))


@dataclass
class Summary:
    participants: int
    completed: int
    never_logged_in: int
    behind: int
    required: int
    days_left: int

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.participants) if self.participants else 0


def summary(cohort: Cohort, completion: Completion) -> Summary:
    """完了者数, 完了率, 未ログイン, 遅れている人 and 期限までの日数 (one query plus ``completion``)."""
    expected = expected_done(cohort, completion.required, today())
    on_pace = func.count(case((Enrolment.modules_done >= expected, 1))) if expected else func.count(Enrolment.id)
    participants, never, paced = db.session.execute(
        select(func.count(Enrolment.id), func.count(case((User.last_login_at.is_(None), 1))), on_pace)
        .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)).one()
    return Summary(participants, completion.finished, never, participants - paced, completion.required,
                   (cohort.closes_on - today()).days)


def completion_by_module(cohort: Cohort, module_ids: list[int]) -> dict[int, int]:
    """Participants who completed each required module (stored per cohort and module; one query)."""
    rows = db.session.execute(
        select(cohort_modules.c.module_id, cohort_modules.c.completions)
        .where(cohort_modules.c.cohort_id == cohort.id, cohort_modules.c.module_id.in_(module_ids or [0]),
               cohort_modules.c.completions > 0))
    return dict(rows.all())


def completions_by_day(completion: Completion) -> list[tuple[date, int]]:
    """How many participants finished all required modules on each day (Japan time), in order."""
    return completion.by_day


#: Each status's label, escaped once (a page has hundreds of cells).
_LABELS = {status: escape(status.label) for status in ProgressStatus}


@dataclass
class Cell:
    status: ProgressStatus
    completed_at: datetime | None = None

    @cached_property
    def day(self) -> str:
        """The day of 修了 as the matrix shows it (escaped), or ""."""
        return escape(short_date(self.completed_at)) if self.completed_at else ""

    @property
    def mark(self) -> Markup:
        """The matrix cell's content: ✓ and the day for 修了, 学習中, else the status for screen readers
        only. Built here rather than by a template macro: a page has hundreds of cells."""
        label = _LABELS[self.status]
        if self.status is ProgressStatus.COMPLETED:
            mark = f'<span class="cell-mark" aria-hidden="true">✓</span><span class="visually-hidden">{label}</span>'
            if self.completed_at:
                mark += (f'<br><span class="cell__date"><time datetime="{escape(self.completed_at.isoformat())}">'
                         f'{self.day}</time></span>')
            return Markup(mark)
        if self.status is ProgressStatus.IN_PROGRESS:
            return label
        return Markup(f'<span class="visually-hidden">{label}</span>')

    @property
    def td(self) -> Markup:
        return Markup(f'<td class="cell cell--{self.status.value}">{self.mark}</td>')

    def item(self, title: str) -> Markup:
        """The phone list's line for this cell's module: title, status and the day of 修了."""
        day = f"（{self.day}）" if self.completed_at else ""
        return Markup(f'<li>{escape(title)}：<span class="cell--{self.status.value}">'
                      f'{_LABELS[self.status]}{day}</span></li>')


@dataclass
class ParticipantRow:
    user_id: int
    name: str
    email: str
    organisation: str
    prefecture: str
    last_login_at: datetime | None
    done: int
    cells: list[Cell] = field(default_factory=list)
    attended: int = 0
    certificate: Certificate | None = None
    #: The certificate rule holds (modules and attendance), so 「発行する」 is offered.
    certificate_ready: bool = False

    @property
    def cells_html(self) -> Markup:
        """The row's matrix cells (built in Python, like :attr:`Cell.mark`: a page has hundreds)."""
        return Markup("").join(cell.td for cell in self.cells)

    def module_items(self, modules: list) -> Markup:
        """The phone list's lines, one per required module, in the matrix's order."""
        return Markup("").join(cell.item(module.title) for cell, module in zip(self.cells, modules))


def matrix_page(cohort: Cohort, modules: list[Module], *, show: str = "all", sort: str = "name",
                descending: bool = False, query: str = "", page: int = 1, participants: int | None = None) -> Page:
    """One page of participants × required modules, filtered and sorted in SQL.

    The common views — everyone or 未ログイン, sorted by name or 所属 — page through participants
    without aggregating progress at all. ``participants``, when the caller counted them (the
    summary), is the total of the unfiltered view.
    """
    module_ids = [m.id for m in modules]
    if show in ("all", "never") and sort != "progress":
        total = participants if show == "all" and person_matches(query) is None else None
        return _plain_matrix_page(cohort, module_ids, show=show, sort=sort, descending=descending,
                                  query=query, page=page, total=total)
    count = Enrolment.modules_done
    statement = (select(User.id, User.display_name, User.email, User.organisation, User.prefecture,
                        User.last_login_at, count.label("done"))
                 .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
                 .where(Enrolment.cohort_id == cohort.id))
    conditions = {
        "behind": count < expected_done(cohort, len(module_ids), today()),
        "incomplete": count < len(module_ids),
        "complete": modules_complete_sql(count, len(module_ids)),
        "never": User.last_login_at.is_(None),
    }
    if show in conditions:
        statement = statement.where(conditions[show])
    matching = person_matches(query)
    if matching is not None:
        statement = statement.where(matching)
    keys = {"name": [User.sort_name], "organisation": [User.organisation, User.sort_name],
            "progress": [count, User.sort_name]}[sort if sort in SORTS else "name"]
    statement = statement.order_by(*[k.desc() if descending else k for k in keys], User.id)
    result = paginate(statement, page, PER_PAGE, rows=True)
    result.items = [ParticipantRow(*row) for row in result.items]
    _fill_page(cohort, result.items, module_ids)
    _judge_certificates(cohort, result.items, len(module_ids))
    return result


def _plain_matrix_page(cohort: Cohort, module_ids: list[int], *, show: str, sort: str,
                       descending: bool, query: str, page: int, total: int | None) -> Page:
    """A matrix page that needs no progress aggregate: counts come from the page's own cells."""
    statement = (select(User.id, User.display_name, User.email, User.organisation, User.prefecture,
                        User.last_login_at, literal(0).label("done"))
                 .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
                 .where(Enrolment.cohort_id == cohort.id))
    if show == "never":
        statement = statement.where(User.last_login_at.is_(None))
    matching = person_matches(query)
    if matching is not None:
        statement = statement.where(matching)
    keys = [User.organisation, User.sort_name] if sort == "organisation" else [User.sort_name]
    statement = statement.order_by(*[k.desc() if descending else k for k in keys], User.id)
    result = paginate(statement, page, PER_PAGE, rows=True, total=total)
    result.items = [ParticipantRow(*row[:6], 0) for row in result.items]
    _fill_page(cohort, result.items, module_ids)
    for participant in result.items:  # counted from the cells shown, so the row always agrees with them
        participant.done = sum(cell.status is ProgressStatus.COMPLETED for cell in participant.cells)
    _judge_certificates(cohort, result.items, len(module_ids))
    return result


def _fill_page(cohort: Cohort, participants: list[ParticipantRow], module_ids: list[int]) -> None:
    """Progress cells, attendance and certificates for the page's participants only (three queries)."""
    ids = [p.user_id for p in participants]
    if not ids:
        return
    progress = {(user_id, module_id): completed_at for user_id, module_id, completed_at in db.session.execute(
        select(Progress.user_id, Progress.module_id, Progress.completed_at)
        .where(Progress.user_id.in_(ids), Progress.module_id.in_(module_ids or [0])))}
    attended = dict(db.session.execute(
        select(Attendance.user_id, func.count()).join(CohortDay, CohortDay.id == Attendance.day_id)
        .where(CohortDay.cohort_id == cohort.id, Attendance.user_id.in_(ids), Attendance.status.in_(ATTENDED_VALUES))
        .group_by(Attendance.user_id)).all())
    certificates = {c.user_id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.cohort_id == cohort.id, Certificate.user_id.in_(ids)))}
    for participant in participants:
        for module_id in module_ids:
            key = (participant.user_id, module_id)
            if key not in progress:
                participant.cells.append(Cell(ProgressStatus.NOT_STARTED))
                continue
            completed_at = progress[key]
            participant.cells.append(Cell(ProgressStatus.COMPLETED if completed_at else ProgressStatus.IN_PROGRESS,
                                          completed_at))
        participant.attended = attended.get(participant.user_id, 0)
        participant.certificate = certificates.get(participant.user_id)


def _judge_certificates(cohort: Cohort, participants: list[ParticipantRow], required: int) -> None:
    """Each row's answer to the certificate rule (templates never re-derive it)."""
    days = [d.day for d in cohort.days]
    to_come = sum(1 for day in days if day > today())
    for participant in participants:
        participant.certificate_ready = Eligibility(required, participant.done, len(days), participant.attended,
                                                    to_come).eligible


def shared_sheets(cohort: Cohort, page: int = 1, per_page: int = 10) -> Page:
    """事例検討シート that the cohort's participants shared with organisers, newest first."""
    # EXISTS rather than a join: the planner starts from the (few) shared sheets instead of probing
    # case_sheets once per participant (10,000 probes for a sheet-less 10,000-participant cohort).
    shared_here = select(Enrolment.id).where(sheet_shared_with_enrolment(), Enrolment.cohort_id == cohort.id).exists()
    statement = (select(CaseSheet, User.display_name, User.organisation, Module.title)
                 .join(User, User.id == CaseSheet.user_id).join(Module, Module.id == CaseSheet.module_id)
                 .where(CaseSheet.shared_at.is_not(None), Module.kind == "case", shared_here)
                 .order_by(CaseSheet.shared_at.desc(), CaseSheet.id.desc()))
    return paginate(statement, page, per_page, rows=True)
