"""Render a Japanese mail from its template and queue it (inside the caller's transaction)."""
from __future__ import annotations

from flask import render_template

from ..models import User
from ..outbox import enqueue
from .unsubscribe import unsubscribe_url

#: What each kind is called in the mail log and on the participants page.
KIND_LABELS = {
    "invitation": "招待",
    "password_reset": "パスワード再設定",
    "reminder_behind": "リマインド（遅れている人）",
    "reminder_close": "リマインド（受講期間の終了前）",
    "reminder_day": "リマインド（集合研修の前日）",
    "board_digest": "ひろばのお知らせ",
    "reminder_survey": "リマインド（受講後アンケート）",
}
#: Mails a person may stop (settings, one-click unsubscribe); invitations and resets never stop.
OPTIONAL_KINDS = frozenset({"reminder_behind", "reminder_close", "reminder_day", "board_digest", "reminder_survey"})


def render_mail(kind: str, **context) -> tuple[str, str]:
    """``(subject, text)`` of ``templates/mail/<kind>.txt``: its first line is the subject."""
    rendered = render_template(f"mail/{kind}.txt", **context)
    subject, _, body = rendered.partition("\n")
    return subject.strip(), body.lstrip("\n").rstrip() + "\n"


def mail_payload(kind: str, user: User, subject: str, text: str) -> dict:
    """The outbox payload of one mail to ``user`` (with the unsubscribe link for optional kinds)."""
    payload = {"to": user.email, "subject": subject, "text": text}
    if kind in OPTIONAL_KINDS:
        link = unsubscribe_url(user.id)
        payload["unsubscribe"] = link
        payload["text"] = text + f"\n――\nこの種類のメール（リマインド・お知らせ）が不要な方は、次のページから停止できます。\n{link}\n"
    return payload


def queue_mail(kind: str, user: User, subject: str, text: str, *, cohort_id: int | None = None,
               dedupe_key: str | None = None) -> bool:
    """Queue one mail to ``user``; False when ``dedupe_key`` was queued before. The caller commits."""
    return enqueue("mail", kind, mail_payload(kind, user, subject, text), recipient=user.email, summary=subject,
                   user_id=user.id, cohort_id=cohort_id, dedupe_key=dedupe_key)
