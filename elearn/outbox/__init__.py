"""The outbox: reliable delivery of messages to other systems (mail now, xAPI statements next).

A message is a row (:class:`elearn.models.OutboxItem`) added **in the same transaction as what caused
it** with :func:`enqueue` (or :func:`enqueue_many` for thousands in one statement), so it exists exactly
when the event does. A worker (:func:`send_due`, or :func:`run` with ``loop=True``) later claims due
rows, hands them to the channel that owns them, and records the outcome.

The API other areas rely on (kept stable)::

    from elearn.outbox import Channel, PermanentError, TemporaryError, enqueue, register, send_due

    register(Channel("xapi", send=post_statement))     # once, at import of the channel's module
    enqueue("xapi", "completed", {"statement": ...},    # inside the caller's transaction; the caller commits
            recipient="https://lrs.example/xapi", user_id=u.id, cohort_id=c.id,
            dedupe_key=f"xapi:completed:{u.id}:{m.id}")  # optional: a second enqueue with it is skipped
    send_due("xapi")                                    # in a worker: returns a Report(sent, retried, failed)

- A channel's ``send(message)`` gets a :class:`Message` (id, kind, recipient, the payload as a dict,
  the attempt number) and returns the other side's reply (a short string, or None) when delivered.
  It raises :class:`TemporaryError` for what may work later (SMTP 4xx, connection refused, timeout)
  and :class:`PermanentError` for what never will (SMTP 5xx); any other exception counts as
  temporary. A channel that wants one connection per batch gives ``open`` instead: a context
  manager factory yielding the send function (raising TemporaryError from ``open`` retries the batch).
- ``redact(payload) -> payload | None`` runs when an item is sent or has failed: the channel drops or
  redacts what must not stay in the database (a set-password link inside a mail body).
- Claiming is once per item across any number of workers and hosts: on PostgreSQL ``SELECT … FOR
  UPDATE SKIP LOCKED`` then the claim's UPDATE in one transaction; on SQLite the same transaction
  begins ``IMMEDIATE`` (elearn.database), so claimers take turns. A claim is a lease
  (``OUTBOX_LEASE_SECONDS``, default 300): a worker that dies between claiming and recording the
  outcome loses its items to the next worker once the lease has expired, so nothing is lost. An
  outcome is recorded only by the worker that still holds the claim.
- Temporary failures retry after ``OUTBOX_RETRY_SECONDS`` × 2^(attempt−1) (default 60 s, capped at
  ``OUTBOX_RETRY_MAX_SECONDS``, 3600); after ``OUTBOX_MAX_ATTEMPTS`` (default 10) the item fails.
- Statuses: ``queued`` (waiting, maybe for a retry), ``sending`` (claimed), ``sent``, ``failed``;
  ``last_reply`` keeps the other side's last answer.

Delivery is at least once in one case only: a worker that dies after the other side accepted a
message and before the outcome was written (a window of one round trip) leaves it to be sent again
after the lease; channels give each message a stable id (mail: ``Message-ID``) so receivers can tell.
"""
from __future__ import annotations

from .channels import Channel, Message, PermanentError, TemporaryError, channel, register, registered
from .queue import enqueue, enqueue_many
from .worker import Report, backoff, claim, run, send_due

__all__ = [
    "Channel", "Message", "PermanentError", "Report", "TemporaryError", "backoff", "channel", "claim",
    "enqueue", "enqueue_many", "register", "registered", "run", "send_due",
]
