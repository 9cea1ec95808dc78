"""xAPI 1.0.3 statements for learning events: pure functions, no database, no Flask request.

Actors are accounts on the site (``homePage`` = ELEARN_BASE_URL, ``name`` = the account id), never a
name or an e-mail, so an LRS never holds either. Activity ids are the site's address plus the content
id (``https://elearn.example.jp/content/<id>``), stable across imports and URL changes; display names
are the Japanese titles. Nothing people wrote (sheets, posts) ever goes into a statement.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

VERSION = "1.0.3"
LANGUAGE = "ja-JP"

#: event -> (verb IRI, Japanese display)
VERBS = {
    "experienced": ("http://adlnet.gov/expapi/verbs/experienced", "開いた"),
    "completed": ("http://adlnet.gov/expapi/verbs/completed", "修了した"),
    "passed": ("http://adlnet.gov/expapi/verbs/passed", "合格した"),
    "failed": ("http://adlnet.gov/expapi/verbs/failed", "不合格だった"),
    "answered": ("http://adlnet.gov/expapi/verbs/answered", "選んだ"),
    "saved": ("http://activitystrea.ms/schema/1.0/save", "保存した"),
    "shared": ("http://activitystrea.ms/schema/1.0/share", "共有した"),
    "earned": ("http://id.tincanapi.com/verb/earned", "取得した"),
}

ACTIVITY_TYPES = {
    "module": "http://adlnet.gov/expapi/activities/lesson",
    "scene": "http://adlnet.gov/expapi/activities/simulation",
    "case": "http://adlnet.gov/expapi/activities/simulation",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "sheet": "http://id.tincanapi.com/activitytype/document",
    "certificate": "https://www.opigno.org/en/tincan_registry/activity_type/certificate",
    "curriculum": "http://adlnet.gov/expapi/activities/course",
}

KIND_LABELS = {"module": "教材", "scene": "場面", "case": "事例"}


def _lang(text: str) -> dict[str, str]:
    return {LANGUAGE: text}


def actor(base_url: str, user_id: int) -> dict[str, Any]:
    """The learner as an account on the site: its id only."""
    return {"objectType": "Agent", "account": {"homePage": base_url, "name": str(user_id)}}


def activity(activity_id: str, kind: str, name: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": activity_id,
            "definition": {"type": ACTIVITY_TYPES[kind], "name": _lang(name)}}


def item_id(base_url: str, slug: str, part: str = "") -> str:
    """The stable activity id of a content item (``part``: "quiz", "sheet")."""
    return f"{base_url}/content/{slug}" + (f"/{part}" if part else "")


def statement(base_url: str, verb: str, user_id: int, obj: dict[str, Any], timestamp: datetime, *,
              result: dict[str, Any] | None = None, parent: dict[str, Any] | None = None,
              statement_id: str | None = None) -> dict[str, Any]:
    """One complete statement; ``statement_id`` defaults to a new UUID."""
    verb_id, display = VERBS[verb]
    built: dict[str, Any] = {
        "id": statement_id or str(uuid.uuid4()),
        "actor": actor(base_url, user_id),
        "verb": {"id": verb_id, "display": _lang(display)},
        "object": obj,
        "timestamp": timestamp.isoformat(),
        "version": VERSION,
        "context": {"platform": "elearn", "language": LANGUAGE},
    }
    if parent:
        built["context"]["contextActivities"] = {"parent": [parent]}
    if result is not None:
        built["result"] = result
    return built


def item_activity(base_url: str, item) -> dict[str, Any]:
    """A module, scene or case (anything with slug, kind and title)."""
    return activity(item_id(base_url, item.slug), item.kind if item.kind in KIND_LABELS else "module", item.title)


def curriculum_activity(base_url: str, curriculum: str, label: str) -> dict[str, Any]:
    return activity(f"{base_url}/curricula/{curriculum}", "curriculum", label)


def score_result(score: int, passed: bool) -> dict[str, Any]:
    """A quiz's result: percent as raw (0–100) and scaled (0–1), success, completion."""
    return {"score": {"scaled": round(score / 100, 4), "raw": score, "min": 0, "max": 100},
            "success": passed, "completion": True}
