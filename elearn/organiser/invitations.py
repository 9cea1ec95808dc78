"""Invitation mails: a one-time set-password link (7 days) for each participant who has no password
yet and whom the organiser may issue links for (the rule of permissions.link_targets), queued in one
transaction with the links themselves."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..auth.links import set_password_url
from ..auth.services import issue_set_password_link
from ..mail import queue_mail, render_mail
from ..models import Cohort, User, utcnow
from ..urls import external_url
from .importing import users_needing_links

PREVIEW_LINK = "（送信するときに、この人だけの1回限りのリンクがここに入ります）"


def invitation_targets(cohort: Cohort, actor: User, user_ids: list[int] | None = None) -> list[User]:
    """Who an invitation would go to: participants without a password ``actor`` may issue links for."""
    return users_needing_links(cohort, actor, user_ids)


def render_invitation(cohort: Cohort, user: User, link: str, expires: datetime) -> tuple[str, str]:
    """``(subject, text)`` of the invitation to ``user``."""
    return render_mail("invitation", cohort=cohort, user=user, link=link, expires=expires,
                       login_url=external_url("auth.login"))


def preview_invitation(cohort: Cohort, user: User) -> tuple[str, str]:
    """The exact mail ``user`` would get, with a placeholder where their link goes."""
    return render_invitation(cohort, user, PREVIEW_LINK, utcnow() + current_app.config["SET_PASSWORD_LINK_LIFETIME"])


def queue_invitations(cohort: Cohort, actor: User, users: list[User]) -> int:
    """Issue a fresh link for each of ``users`` (earlier ones stop working) and queue its mail."""
    expires = utcnow() + current_app.config["SET_PASSWORD_LINK_LIFETIME"]
    for user in users:
        token = issue_set_password_link(user, actor)
        subject, text = render_invitation(cohort, user, set_password_url(token), expires)
        queue_mail("invitation", user, subject, text, cohort_id=cohort.id)
    return len(users)
