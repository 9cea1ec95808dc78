"""Assignment and Grade Services: a quiz attempt's score goes back to the platform's line item.

At a resource launch the AGS endpoint is kept per learner and item (:class:`LtiGradeLink`); each
recorded attempt of that item queues a score in the outbox (channel ``lti_score``) in the attempt's
own transaction, and the worker posts it with PyLTI1p3, retrying while the platform does not answer.
"""
from __future__ import annotations

from functools import cache

import requests
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import bindparam, select

from ..database import execute
from ..events import quiz_attempted
from ..extensions import db
from ..models import LtiGradeLink, LtiPlatform, utcnow
from ..outbox import Channel, Message, PermanentError, TemporaryError, enqueue, register
from .tool import registration_of

CHANNEL = "lti_score"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
RESOURCE_LINK_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
TIMEOUT_SECONDS = 10


def keep_grade_link(platform: LtiPlatform, user_id: int, module_id: int, launch: dict) -> None:
    """Remember where this learner's scores for the item go (the launch's AGS claim), if it has one."""
    endpoint = launch.get(AGS_CLAIM)
    if not isinstance(endpoint, dict) or not (endpoint.get("lineitem") or endpoint.get("lineitems")):
        return
    endpoint = {key: endpoint[key] for key in ("scope", "lineitem", "lineitems") if key in endpoint}
    link = db.session.scalar(select(LtiGradeLink).where(
        LtiGradeLink.platform_id == platform.id, LtiGradeLink.user_id == user_id, LtiGradeLink.module_id == module_id))
    if link is None:
        link = LtiGradeLink(platform_id=platform.id, user_id=user_id, module_id=module_id)
        db.session.add(link)
    link.sub = str(launch["sub"])[:255]
    link.resource_link_id = str((launch.get(RESOURCE_LINK_CLAIM) or {}).get("id") or "")[:255]
    link.endpoint = endpoint
    link.updated_at = utcnow()


@cache
def _links_of():
    """The learner's grade links for an item: id and endpoint (built once; most learners have none)."""
    return select(LtiGradeLink.id, LtiGradeLink.endpoint).where(LtiGradeLink.user_id == bindparam("user"),
                                                                LtiGradeLink.module_id == bindparam("module"))


@quiz_attempted.connect
def queue_score(sender, *, user_id: int, item, attempt, completed: bool, **_) -> None:
    """Queue the attempt's score for every platform this learner launched the item from."""
    for link in execute(_links_of(), {"user": user_id, "module": item.id}).all():
        enqueue(CHANNEL, "score", {
            "link": link.id, "score": attempt.score, "passed": attempt.passed,
            "timestamp": attempt.submitted_at.isoformat(), "item": item.slug, "title": item.title,
        }, recipient=(link.endpoint.get("lineitem") or link.endpoint.get("lineitems") or "")[:254],
            user_id=user_id, summary=f"score {attempt.score} for {item.slug}", dedupe_key=f"lti:{attempt.id}:{link.id}")


class _TimeoutSession(requests.Session):
    """A requests session that never waits for a platform longer than TIMEOUT_SECONDS."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def grade_of(payload: dict, sub: str) -> Grade:
    """The AGS score: percent of 100, completed when passed, fully graded (grading is automatic)."""
    return (Grade().set_score_given(payload["score"]).set_score_maximum(100)
            .set_timestamp(payload["timestamp"]).set_user_id(sub)
            .set_activity_progress("Completed" if payload["passed"] else "Submitted")
            .set_grading_progress("FullyGraded"))


def send_score(message: Message) -> str:
    """Post one queued score to the platform (finding or creating the item's line item if needed)."""
    link = db.session.get(LtiGradeLink, message.payload["link"])
    if link is None:
        raise PermanentError("grade link no longer exists")
    ags = AssignmentsGradesService(ServiceConnector(registration_of(link.platform), _TimeoutSession()),
                                   link.endpoint)
    lineitem = None
    if not link.endpoint.get("lineitem"):
        lineitem = (LineItem().set_tag("elearn").set_score_maximum(100).set_label(message.payload["title"])
                    .set_resource_id(message.payload["item"]).set_resource_link_id(link.resource_link_id))
    try:
        result = ags.put_grade(grade_of(message.payload, link.sub), lineitem)
    except LtiServiceException as exc:
        status = exc.response.status_code
        reply = f"HTTP {status}"
        if status in (401, 408, 429) or status >= 500:
            raise TemporaryError(reply) from None
        raise PermanentError(reply) from None
    except requests.RequestException as exc:
        raise TemporaryError(type(exc).__name__) from None
    except LtiException as exc:
        raise PermanentError(str(exc)[:200]) from None
    return "score accepted" if result is not None else "sent"


register(Channel(CHANNEL, send=send_score, batch_size=20))

