"""Learning events -> statements, written in the event's own transaction (elearn.events receivers).

Each statement is stored (:class:`XapiStatement`, read by ``elearn export xapi``) and, when an LRS is
configured (ELEARN_XAPI_URL), queued in the outbox (channel ``xapi``). The board emits nothing, and
sheets' text never reaches a statement: only that a sheet was saved or shared.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import insert

from ..events import certificate_issued, item_opened, quiz_attempted, scene_chosen, sheet_saved, sheet_shared
from ..database import execute
from ..models import CURRICULA, XapiStatement, utcnow
from ..outbox import enqueue
from . import statements as xs

CHANNEL = "xapi"


def base_url() -> str:
    """The site's address for actors and activity ids (ELEARN_BASE_URL; in tests and debug a stand-in)."""
    return (current_app.config.get("BASE_URL") or "http://localhost").rstrip("/")


def enabled() -> bool:
    return bool(current_app.config.get("XAPI_URL"))


def record(built: dict, user_id: int | None) -> None:
    """Store ``built`` and queue it for the LRS (the caller's transaction commits both)."""
    record_many([built], user_id)


def record_many(statements: list[dict], user_id: int | None) -> None:
    """Store ``statements`` of one user in one INSERT and queue each for the LRS."""
    rows = [{"id": built["id"], "user_id": user_id, "verb": built["verb"]["id"].rsplit("/", 1)[-1],
             "statement": built, "created_at": utcnow()} for built in statements]
    execute(insert(XapiStatement.__table__), rows)
    if enabled():
        for row, built in zip(rows, statements):
            enqueue(CHANNEL, row["verb"], {"statement_id": row["id"]}, user_id=user_id,
                    summary=f"{row['verb']} {built['object']['id']}"[:200], dedupe_key=f"xapi:{row['id']}")


def _parent(item) -> dict:
    return xs.curriculum_activity(base_url(), item.curriculum, CURRICULA.get(item.curriculum, item.curriculum))


@item_opened.connect
def opened(sender, *, user_id: int, item, **_) -> None:
    base = base_url()
    record(xs.statement(base, "experienced", user_id, xs.item_activity(base, item), utcnow(), parent=_parent(item)),
           user_id)


@quiz_attempted.connect
def attempted(sender, *, user_id: int, item, attempt, completed: bool, **_) -> None:
    base = base_url()
    quiz = xs.activity(xs.item_id(base, item.slug, "quiz"), "quiz", f"{item.title}（確認テスト）")
    scored = xs.statement(base, "passed" if attempt.passed else "failed", user_id, quiz, attempt.submitted_at,
                          result=xs.score_result(attempt.score, attempt.passed), parent=xs.item_activity(base, item))
    statements = [scored]
    if completed:
        statements.append(xs.statement(base, "completed", user_id, xs.item_activity(base, item), attempt.submitted_at,
                                       result={"completion": True}, parent=_parent(item)))
    record_many(statements, user_id)


@scene_chosen.connect
def chose(sender, *, user_id: int, item, choice: str, **_) -> None:
    base = base_url()
    record(xs.statement(base, "answered", user_id, xs.item_activity(base, item), utcnow(),
                        result={"response": str(choice)[:100]}, parent=_parent(item)), user_id)


def _sheet(base: str, item) -> dict:
    return xs.activity(xs.item_id(base, item.slug, "sheet"), "sheet", f"{item.title}（事例検討シート）")


@sheet_saved.connect
def saved(sender, *, user_id: int, item, **_) -> None:
    base = base_url()
    record(xs.statement(base, "saved", user_id, _sheet(base, item), utcnow(), parent=xs.item_activity(base, item)),
           user_id)


@sheet_shared.connect
def shared(sender, *, user_id: int, item, shared: bool, group: bool, **_) -> None:
    if not shared:
        return  # withdrawing a share is not a learning event
    base = base_url()
    audience = "group" if group else "organisers"
    built = xs.statement(base, "shared", user_id, _sheet(base, item), utcnow(), parent=xs.item_activity(base, item))
    built["context"]["extensions"] = {f"{base}/xapi/extensions/shared-with": audience}
    record(built, user_id)


@certificate_issued.connect
def earned(sender, *, certificate, cohort, **_) -> None:
    base = base_url()
    obj = xs.activity(f"{base}/cohorts/{cohort.id}/certificate", "certificate", f"修了証：{cohort.name}")
    record(xs.statement(base, "earned", certificate.user_id, obj, certificate.issued_at or utcnow()),
           certificate.user_id)
