"""Mail: queueing reminders for a 10,000-participant cohort, and sender throughput to a local SMTP server.

    python bench/mail.py [--db sqlite|postgresql|both] [--participants 10000] [--mails 2000]

In process, on a fresh database per engine (instance/bench/mail.sqlite3; the PostgreSQL database
elearn_bench_mail when 127.0.0.1:5432 answers): the shipped content is imported, a cohort of N
participants (none finished) with automatic reminders 7 days before its end and an in-person day
tomorrow is generated, and `elearn reminders run`'s function queues both reminders for everyone
(2 × N mails). The statements are counted for N and for N / 10: they must not grow with the cohort.
Then M mails are sent by one sender (`send_due`, 50 mails per SMTP connection) to aiosmtpd on
127.0.0.1, which accepts everything. bench/run.py prints the same rows.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._databases import fresh, postgres_reachable  # noqa: E402


def _cohort(size: int, name: str):
    """A cohort of ``size`` new learners with every initial module required and reminders on."""
    from sqlalchemy import insert, select

    from elearn.dates import today
    from elearn.extensions import db
    from elearn.models import Cohort, CohortDay, CohortReminder, Enrolment, Module, Role, User, utcnow

    now = utcnow()
    cohort = Cohort(name=name, curriculum="initial", opens_on=today() - timedelta(days=30),
                    closes_on=today() + timedelta(days=7), venue="ベンチ会館", capacity=size)
    cohort.days = [CohortDay(day=today() + timedelta(days=1))]
    cohort.required_modules = list(db.session.scalars(select(Module).where(Module.curriculum == "initial")))
    db.session.add(cohort)
    db.session.flush()
    users = [{"email": f"{name}-{n}@bench.example.jp", "display_name": f"受講者 {n:05d}", "organisation": "ベンチ市",
              "prefecture": "東京都", "role": Role.LEARNER.value, "password_hash": None, "active": True,
              "created_at": now} for n in range(size)]
    for start in range(0, size, 5000):
        db.session.execute(insert(User), users[start:start + 5000])
    ids = db.session.scalars(select(User.id).where(User.email.like(f"{name}-%@bench.example.jp"))).all()
    db.session.execute(insert(Enrolment), [{"cohort_id": cohort.id, "user_id": i, "enrolled_at": now} for i in ids])
    db.session.add(CohortReminder(cohort_id=cohort.id, enabled=True, days_before_close="7", day_before_in_person=True))
    db.session.commit()
    return cohort.id


def _queue_reminders() -> tuple[float, int, int]:
    """Seconds, mails queued and SQL statements of one `reminders run` over every enabled cohort."""
    from sqlalchemy import event, func, select

    from elearn.extensions import db
    from elearn.models import OutboxItem
    from elearn.organiser.reminders import run_reminders

    statements = 0

    def count(*args):
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    started = time.perf_counter()
    run_reminders()
    db.session.commit()
    seconds = time.perf_counter() - started
    event.remove(db.engine, "before_cursor_execute", count)
    queued = db.session.scalar(select(func.count()).select_from(OutboxItem))
    return seconds, queued, statements


def _smtp_server():
    from aiosmtpd.controller import Controller

    class Accept:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Accept.count += 1
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port, Accept


def bench_mail(kind: str, participants: int = 10_000, mails: int = 2_000) -> None:
    """Add the mail rows for database ``kind`` to the table."""
    from bench.run import add

    url = fresh(kind, "mail")
    env = {**os.environ, "ELEARN_DATABASE_URL": url, "PYTHONPATH": str(ROOT), "ELEARN_CONTENT_DIR": str(ROOT)}
    elearn = [sys.executable, "-m", "elearn.cli"]
    subprocess.run(elearn + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(elearn + ["content", "import"], env=env, cwd=ROOT, check=True, capture_output=True)

    from sqlalchemy import delete, select, update

    from elearn import create_app
    from elearn.extensions import db
    from elearn.models import CohortReminder, OutboxItem

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAINTENANCE_COMMAND": True, "CONTENT_DIR": str(ROOT),
                      "BASE_URL": "https://elearn.example.jp"})
    with app.app_context():
        small = _cohort(participants // 10, "small")
        big = _cohort(participants, "big")
        db.session.execute(update(CohortReminder).where(CohortReminder.cohort_id == big).values(enabled=False))
        db.session.commit()
        _, small_queued, small_statements = _queue_reminders()
        db.session.execute(delete(OutboxItem))
        db.session.execute(update(CohortReminder).values(enabled=False))
        db.session.execute(update(CohortReminder).where(CohortReminder.cohort_id == big).values(enabled=True))
        db.session.commit()
        seconds, queued, statements = _queue_reminders()
        add(f"queue reminders, {participants:,}-participant cohort (7 days before the end + the day before)", kind,
            f"{seconds:.1f} s, {queued:,} mails, {statements} statements ({small_statements} for "
            f"{participants // 10:,} participants, {small_queued:,} mails)",
            "statements flat", statements == small_statements)

        controller, port, server = _smtp_server()
        try:
            app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
            ids = db.session.scalars(select(OutboxItem.id).order_by(OutboxItem.id).limit(mails)).all()
            db.session.execute(delete(OutboxItem).where(OutboxItem.id > ids[-1]))
            db.session.commit()
            from elearn.outbox import send_due

            started = time.perf_counter()
            report = send_due("mail")
            seconds = time.perf_counter() - started
            add(f"sender throughput, {mails:,} mails to aiosmtpd on 127.0.0.1 (one sender)", kind,
                f"{report.sent / seconds:.0f} mails/s ({report.sent:,} sent in {seconds:.1f} s, "
                f"{server.count:,} received, {report.retried + report.failed} not sent)", "—", None)
        finally:
            controller.stop()
        db.session.remove()
        db.engine.dispose()


def bench_mail_all(databases: list[str], participants: int = 10_000, mails: int = 2_000) -> None:
    """The mail rows for each database that answers."""
    for kind in databases:
        if kind == "postgresql" and not postgres_reachable():
            continue
        bench_mail(kind, participants, mails)


def main() -> int:
    from bench import run

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--mails", type=int, default=2_000)
    args = parser.parse_args()
    bench_mail_all(["sqlite", "postgresql"] if args.db == "both" else [args.db], args.participants, args.mails)
    run.print_table(setup="in process; aiosmtpd on 127.0.0.1")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
