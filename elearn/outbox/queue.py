"""Putting messages in the outbox, inside the caller's transaction (the caller commits)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..database import insert_statement
from ..extensions import db
from ..models import OutboxItem, utcnow

_FIELDS = ("recipient", "summary", "user_id", "cohort_id", "dedupe_key")


def _row(channel: str, kind: str, payload: Mapping[str, Any], now: datetime, not_before: datetime | None = None,
         **fields) -> dict[str, Any]:
    unknown = set(fields) - set(_FIELDS)
    if unknown:
        raise TypeError(f"unknown outbox fields: {sorted(unknown)}")
    row = {"recipient": "", "summary": "", "user_id": None, "cohort_id": None, "dedupe_key": None} | fields
    row["summary"] = (row["summary"] or "")[:200]
    return row | {"channel": channel, "kind": kind, "payload": json.dumps(payload, ensure_ascii=False),
                  "status": "queued", "attempts": 0, "created_at": now, "next_attempt_at": not_before or now}


def _insert():
    return insert_statement(OutboxItem.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])


def enqueue(channel: str, kind: str, payload: Mapping[str, Any], *, not_before: datetime | None = None,
            **fields) -> bool:
    """Queue one message; False when an item with the same ``dedupe_key`` already exists.

    ``fields``: ``recipient``, ``summary`` (for the log), ``user_id``, ``cohort_id``, ``dedupe_key``.
    """
    row = _row(channel, kind, payload, utcnow(), not_before, **fields)
    return db.session.execute(_insert().values(**row).returning(OutboxItem.id)).scalar() is not None


def enqueue_many(channel: str, kind: str, messages: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> int:
    """Queue many messages of one kind in one statement: ``messages`` yields ``(payload, fields)``.

    Rows whose ``dedupe_key`` exists are skipped. Returns how many rows were given.
    """
    now = utcnow()
    rows = [_row(channel, kind, payload, now, **fields) for payload, fields in messages]
    if rows:
        db.session.execute(_insert(), rows)
    return len(rows)
