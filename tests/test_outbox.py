"""The outbox: each item delivered once, retried on temporary failures, failed on permanent ones,
never lost when a worker dies between claiming and delivering (both databases)."""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from elearn.extensions import db
from elearn.models import OutboxItem, utcnow
from elearn.outbox import (Channel, PermanentError, TemporaryError, claim, enqueue, enqueue_many, register,
                           send_due)
from elearn.outbox.worker import _finish


@pytest.fixture(autouse=True)
def _forget_test_channel():
    """The test channel is gone after each test (other tests send every registered channel)."""
    yield
    from elearn.outbox import channels

    channels._CHANNELS.pop("test", None)


class Recorder:
    """A test channel's far side: records what it received, fails as told."""

    def __init__(self, failures=()):
        self.received: list[tuple[int, int]] = []
        self.failures = list(failures)
        self.lock = threading.Lock()

    def send(self, message):
        if self.failures:
            failure = self.failures.pop(0)
            if failure:
                raise failure
        with self.lock:
            self.received.append((message.id, message.attempt))
        return "250 accepted"


def _channel(recorder, name="test", **extra):
    return register(Channel(name, send=recorder.send, redact=lambda payload: {"redacted": True}, **extra))


def _items():
    return db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)).all()


def test_enqueued_item_is_sent_once_and_redacted(app):
    """A queued item is delivered once, marked sent with the reply, and its payload redacted."""
    recorder = Recorder()
    _channel(recorder)
    with app.app_context():
        assert enqueue("test", "hello", {"secret": "token-123"}, recipient="a@example.jp", summary="こんにちは")
        db.session.commit()
        report = send_due("test")
        assert (report.sent, report.retried, report.failed) == (1, 0, 0)
        assert send_due("test").total == 0
        [item] = _items()
        assert item.status == "sent" and item.sent_at is not None and item.last_reply == "250 accepted"
        assert json.loads(item.payload) == {"redacted": True} and "token-123" not in item.payload
    assert len(recorder.received) == 1


def test_dedupe_key_skips_the_second_enqueue(app):
    """A second enqueue with the same dedupe_key is skipped, singly and in bulk."""
    _channel(Recorder())
    with app.app_context():
        assert enqueue("test", "r", {}, dedupe_key="k1")
        assert not enqueue("test", "r", {}, dedupe_key="k1")
        enqueue_many("test", "r", [({}, {"dedupe_key": "k1"}), ({}, {"dedupe_key": "k2"})])
        db.session.commit()
        assert sorted(i.dedupe_key for i in _items()) == ["k1", "k2"]


def test_temporary_failure_retries_with_backoff(app):
    """A temporary failure re-queues the item for later; once due it is sent, once."""
    recorder = Recorder([TemporaryError("451 try again later")])
    _channel(recorder)
    app.config["OUTBOX_RETRY_SECONDS"] = 60
    with app.app_context():
        enqueue("test", "hello", {})
        db.session.commit()
        assert send_due("test").retried == 1
        [item] = _items()
        assert item.status == "queued" and item.last_reply == "451 try again later" and item.attempts == 1
        assert item.next_attempt_at - item.last_attempt_at >= timedelta(seconds=59)
        assert send_due("test").total == 0  # not due yet
        db.session.execute(update(OutboxItem).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert send_due("test").sent == 1
    assert [attempt for _, attempt in recorder.received] == [2]


def test_permanent_failure_stops_with_the_reply(app):
    """A permanent failure marks the item failed at once with the server's reply."""
    _channel(Recorder([PermanentError("550 no such user")]))
    with app.app_context():
        enqueue("test", "hello", {"secret": "x"})
        db.session.commit()
        assert send_due("test").failed == 1
        [item] = _items()
        assert item.status == "failed" and item.last_reply == "550 no such user" and "x" not in item.payload


def test_too_many_attempts_fail(app):
    """After OUTBOX_MAX_ATTEMPTS temporary failures the item fails, saying why."""
    _channel(Recorder([TemporaryError("421 busy")] * 5))
    app.config.update(OUTBOX_MAX_ATTEMPTS=2, OUTBOX_RETRY_SECONDS=0)
    with app.app_context():
        enqueue("test", "hello", {})
        db.session.commit()
        assert send_due("test").retried == 1
        assert send_due("test").failed == 1
        [item] = _items()
        assert item.status == "failed" and "再試行の上限" in item.last_reply and "421 busy" in item.last_reply


def test_unexpected_exception_counts_as_temporary(app):
    """A bug in a sender retries the item instead of losing it."""
    _channel(Recorder([ZeroDivisionError("boom")]))
    with app.app_context():
        enqueue("test", "hello", {})
        db.session.commit()
        assert send_due("test").retried == 1
        assert _items()[0].status == "queued"


def test_crash_between_claim_and_send_loses_nothing(app):
    """Items a dead worker claimed wait for its lease, then another worker sends them, once."""
    recorder = Recorder()
    _channel(recorder)
    with app.app_context():
        enqueue_many("test", "hello", [({"n": n}, {}) for n in range(3)])
        db.session.commit()
        claimed = claim("test", 10, "dead-worker")
        assert len(claimed) == 3
        assert send_due("test").total == 0  # the lease still holds
        db.session.execute(update(OutboxItem).values(claimed_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert send_due("test", worker="alive").sent == 3
        # The dead worker coming back late cannot overwrite the outcome.
        _finish(_channel(recorder), claimed[0], "dead-worker", "failed", "late")
        assert {i.status for i in _items()} == {"sent"}
    assert sorted(i for i, _ in recorder.received) == [m.id for m in claimed]


def test_connection_failure_retries_the_whole_batch(app):
    """A channel whose connection cannot open retries every claimed item."""
    class Refused:
        def __enter__(self):
            raise TemporaryError("connection refused")

        def __exit__(self, *exc):
            return False

    register(Channel("test", open=Refused))
    with app.app_context():
        enqueue_many("test", "hello", [({}, {}) for _ in range(2)])
        db.session.commit()
        assert send_due("test").retried == 2
        assert [i.last_reply for i in _items()] == ["connection refused"] * 2


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_workers_send_each_item_once(app, workers):
    """Several workers at once (threads with their own connections) deliver each item exactly once."""
    recorder = Recorder()

    def slow_send(message):
        time.sleep(0.002)
        return recorder.send(message)

    register(Channel("test", send=slow_send, batch_size=7))
    with app.app_context():
        enqueue_many("test", "hello", [({"n": n}, {}) for n in range(120)])
        db.session.commit()
        ids = [i.id for i in _items()]
    errors = []

    def work(n):
        try:
            with app.app_context():
                send_due("test", worker=f"w{n}")
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(i for i, _ in recorder.received) == ids
    with app.app_context():
        assert {i.status for i in _items()} == {"sent"}
