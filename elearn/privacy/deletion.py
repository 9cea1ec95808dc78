"""Deleting an account on the person's request.

What goes: the account and its personal fields, login sessions and links, progress, quiz attempts,
事例検討シート, attendance, group places, enrolments, わかります, pre/post tests and that they answered a
survey, mail and other outbox messages (every channel), notifications, mail preferences, LTI links,
xAPI statements, and the person's 修了証 (they no longer verify: the certificates rule in the README). What stays: board posts, shown as
「退会した支援者」 (anonymous posts stay 「匿名の支援者」), unless the admin chooses to remove them;
reports the person sent (without the reporter); logs, which name accounts by id only. Cohort
aggregates are computed from the rows that remain, so they count the person nowhere.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select

from .. import audit
from ..board.services import delete_post
from ..cohorts.counts import refresh_counts
from ..extensions import db
from ..models import (BoardPost, CaseSheet, Certificate, Enrolment, LtiAccount, LtiGradeLink, OutboxItem, Progress,
                      QuizAttempt, Role, User, XapiStatement)


class DeletionRefused(Exception):
    """The account may not be deleted (one's own, or the last admin); the message is Japanese."""


@dataclass
class DeletionReport:
    progress: int
    attempts: int
    sheets: int
    enrolments: int
    certificates: int
    posts_kept: int
    posts_removed: int


def _count(model, user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id)) or 0


def delete_account(user: User, by: User | None, *, remove_posts: bool = False) -> DeletionReport:
    """Delete ``user`` (the caller commits); the audit entry goes in the same transaction."""
    if by is not None and by.id == user.id:
        raise DeletionRefused("自分自身のアカウントは削除できません。")
    if user.role == Role.ADMIN.value and (db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.active)) or 0) <= 1:
        raise DeletionRefused("最後の管理者のアカウントは削除できません。")
    posts = list(db.session.scalars(select(BoardPost).where(BoardPost.author_id == user.id,
                                                            BoardPost.deleted_at.is_(None))))
    report = DeletionReport(progress=_count(Progress, user.id), attempts=_count(QuizAttempt, user.id),
                            sheets=_count(CaseSheet, user.id), enrolments=_count(Enrolment, user.id),
                            certificates=_count(Certificate, user.id),
                            posts_kept=0 if remove_posts else len(posts),
                            posts_removed=len(posts) if remove_posts else 0)
    if remove_posts:
        for post in posts:
            delete_post(post)
    audit.record("account_deleted", user, actor=by, **vars(report))
    user_id, email = user.id, user.email
    cohort_ids = list(db.session.scalars(select(Enrolment.cohort_id).where(Enrolment.user_id == user_id)))
    db.session.flush()
    db.session.expunge(user)
    # Mail and other messages to the person go with the account (their address is personal data), on
    # every channel (mail, lti_score, xapi), with their xAPI statements (the actor names the account) and
    # their LTI links (explicitly, not only by the foreign keys' ON DELETE).
    db.session.execute(delete(OutboxItem).where(or_(OutboxItem.user_id == user_id, OutboxItem.recipient == email)))
    db.session.execute(delete(XapiStatement).where(XapiStatement.user_id == user_id))
    db.session.execute(delete(LtiGradeLink).where(LtiGradeLink.user_id == user_id))
    db.session.execute(delete(LtiAccount).where(LtiAccount.user_id == user_id))
    # The database's ON DELETE rules remove or detach every row that points at the account.
    db.session.execute(delete(User).where(User.id == user_id))
    refresh_counts(cohort_ids)  # the cohorts' stored completion counts no longer count the person
    return report
