"""Roster imports against the database: preview (only the import record is written), confirmation
(accounts and enrolments in one transaction), manual additions and set-password links."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update

from ..auth.services import issue_set_password_link
from ..extensions import db
from ..models import Cohort, Enrolment, Role, RosterImport, User, utcnow
from ..permissions import link_targets
from .roster import RosterRow, check_row, parse_roster

ACTIONS = {"new": "新規アカウントを作成して登録", "link": "既存アカウントを登録", "already": "登録済み（変更なし）",
           "skip": "取り込みません"}
#: Previews nobody confirmed are dropped after this long.
STALE_AFTER = timedelta(days=2)
_CHUNK = 500


class ImportChanged(Exception):
    """The database changed since the preview: the organiser must look at the new preview."""


class AlreadyConfirmed(Exception):
    """Another request confirmed this import first."""


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def lock_cohort(cohort: Cohort) -> Cohort:
    """Re-read ``cohort`` locking its row (PostgreSQL), so concurrent enrolments respect capacity."""
    return db.session.scalar(select(Cohort).where(Cohort.id == cohort.id).with_for_update()) or cohort


def analyse(cohort: Cohort, parsed: list[dict]) -> list[dict]:
    """Each row with its planned action and every problem, against the accounts and enrolments now.

    New enrolments beyond the cohort's free places are refused as 定員超過, in file order.
    """
    emails = [row["email"] for row in parsed if not row["format_problems"]]
    accounts: dict[str, tuple[int, bool, str]] = {}
    enrolled: set[str] = set()
    for chunk in _chunks(emails):
        for user_id, email, active, name in db.session.execute(
                select(User.id, User.email, User.active, User.display_name).where(User.email.in_(chunk))):
            accounts[email] = (user_id, active, name)
        enrolled.update(db.session.scalars(select(User.email).join(Enrolment, Enrolment.user_id == User.id)
                                           .where(Enrolment.cohort_id == cohort.id, User.email.in_(chunk))))
    free = cohort.capacity - db.session.scalar(select(func.count()).where(Enrolment.cohort_id == cohort.id))
    planned = []
    for row in parsed:
        row = dict(row, problems=list(row["format_problems"]), note="", user_id=None)
        account = accounts.get(row["email"])
        if row["problems"]:
            row["action"] = "skip"
        elif row["email"] in enrolled:
            row["action"] = "already"
        elif account and not account[1]:
            row["problems"].append("このアカウントは利用停止中です")
            row["action"] = "skip"
        elif free <= 0:
            row["problems"].append(f"定員（{cohort.capacity}人）を超えています")
            row["action"] = "skip"
        else:
            free -= 1
            row["action"] = "link" if account else "new"
            if account:
                row["user_id"] = account[0]
                if account[2] != row["name"]:
                    row["note"] = f"登録済みの氏名「{account[2]}」のまま登録します"
        planned.append(row)
    return planned


def _parsed(rows: list[RosterRow]) -> list[dict]:
    return [dict(row.as_dict(), format_problems=row.as_dict()["problems"]) for row in rows]


def create_import(cohort: Cohort, actor: User, text: str, source: str, encoding: str) -> RosterImport:
    """Parse and check a roster and keep the preview server-side (raises RosterError)."""
    rows = analyse(cohort, _parsed(parse_roster(text)))
    db.session.execute(delete(RosterImport).where(RosterImport.confirmed_at.is_(None),
                                                  RosterImport.created_at < utcnow() - STALE_AFTER))
    roster_import = RosterImport(cohort_id=cohort.id, created_by_id=actor.id, source=source[:200],
                                 encoding=encoding, rows=rows)
    db.session.add(roster_import)
    return roster_import


def _plan(rows: list[dict]) -> list[tuple]:
    return [(r["line"], r["action"], r["user_id"], tuple(r["problems"])) for r in rows]


def confirm_import(roster_import: RosterImport, cohort: Cohort, actor: User) -> None:
    """Create the new accounts and enrol everyone planned, exactly as previewed (caller commits once).

    Raises ImportChanged (with the fresh preview stored) when accounts, enrolments or capacity
    changed since the preview, and AlreadyConfirmed when another request confirmed it first.
    """
    cohort = lock_cohort(cohort)
    fresh = analyse(cohort, roster_import.rows)
    if _plan(fresh) != _plan(roster_import.rows):
        roster_import.rows = fresh
        raise ImportChanged()
    claimed = db.session.execute(update(RosterImport).where(RosterImport.id == roster_import.id,
                                                            RosterImport.confirmed_at.is_(None))
                                 .values(confirmed_at=utcnow())).rowcount
    if claimed != 1:
        raise AlreadyConfirmed()
    new_users = enrol_rows(cohort, actor, fresh)
    roster_import.new_user_ids = [user.id for user in new_users]
    roster_import.linked_count = sum(1 for row in fresh if row["action"] == "link")


def enrol_rows(cohort: Cohort, actor: User, rows: list[dict]) -> list[User]:
    """Create accounts for rows planned ``new`` and enrol every ``new`` and ``link`` row; returns new users."""
    new_users = [User(email=row["email"], display_name=row["name"], organisation=row["organisation"],
                      prefecture=row["prefecture"], furigana=row.get("furigana", ""), role=Role.LEARNER.value,
                      password_hash=None,
                      created_for_cohort_id=cohort.id)
                 for row in rows if row["action"] == "new"]
    db.session.add_all(new_users)
    db.session.flush()
    user_ids = [user.id for user in new_users] + [row["user_id"] for row in rows if row["action"] == "link"]
    now = utcnow()
    db.session.add_all(Enrolment(cohort_id=cohort.id, user_id=user_id, enrolled_by_id=actor.id, enrolled_at=now)
                       for user_id in user_ids)
    db.session.flush()
    return new_users


def add_participant(cohort: Cohort, actor: User, values: dict) -> tuple[dict, User | None]:
    """Enrol one person by hand, with the same checks as a roster row; returns the row and, when an
    account was created, the new user (caller commits)."""
    rows = analyse(lock_cohort(cohort), _parsed([check_row(1, values)]))
    new_users = enrol_rows(cohort, actor, rows) if rows[0]["action"] in ("new", "link") else []
    return rows[0], (new_users[0] if new_users else None)


def users_needing_links(cohort: Cohort, actor: User, user_ids: list[int] | None = None) -> list[User]:
    """Participants (optionally only ``user_ids``) who have never set a password and for whom
    ``actor`` may issue a link (:func:`elearn.permissions.link_targets`)."""
    statement = (select(User).join(Enrolment, Enrolment.user_id == User.id)
                 .where(Enrolment.cohort_id == cohort.id, User.password_hash.is_(None), User.active.is_(True),
                        link_targets(actor))
                 .order_by(Enrolment.id))
    if user_ids is not None:
        statement = statement.where(User.id.in_(user_ids or [0]))
    return list(db.session.scalars(statement))


def issue_links(users: list[User], actor: User, link_for) -> list[list]:
    """A fresh one-time link for each user (earlier unused links stop working) as CSV rows."""
    rows = []
    for user in users:
        token = issue_set_password_link(user, actor)
        rows.append([user.display_name, user.email, user.organisation, user.prefecture, link_for(token)])
    return rows
