"""Backup and restore: a backup taken while another connection writes is consistent and complete up to its
moment; restore checks the schema revision and refuses to overwrite without --force."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
import time

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from elearn import create_app
from elearn.extensions import db
from elearn.models import AuditEntry, utcnow
from elearn.operations.backup import BackupError, backup_revision, head_revision, libpq_url, make_backup, restore

from .conftest import FIXTURE_CONTENT

PREFILL = 60_000  # rows, so that a backup takes long enough for writes to land during it


@pytest.fixture
def target_url(database_url, tmp_path):
    """An empty database to restore into, of the same kind as the test database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    url = make_url(database_url)
    name = f"{url.database}_restore"
    admin = libpq_url(database_url)
    subprocess.run(["psql", "-qc", f'DROP DATABASE IF EXISTS "{name}"', admin], check=True)
    subprocess.run(["psql", "-qc", f'CREATE DATABASE "{name}"', admin], check=True)
    yield url.set(database=name).render_as_string(hide_password=False)
    subprocess.run(["psql", "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin], check=True)


def _prefill(app) -> None:
    with app.app_context():
        now = utcnow()
        rows = [{"created_at": now, "actor_role": "cli", "action": "prefill", "target_type": "", "target_id": -1,
                 "details": {}, "ip": "", "route": ""} for _ in range(PREFILL)]
        db.session.execute(insert(AuditEntry.__table__), rows)
        db.session.commit()


class Writer(threading.Thread):
    """Commits transactions of two rows each (target_id = the transaction's number) until stopped."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        self.committed = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            with self.engine.begin() as connection:
                row = {"created_at": utcnow(), "actor_role": "cli", "action": "write", "target_type": "",
                       "target_id": self.committed, "details": {}, "ip": "", "route": ""}
                connection.execute(insert(AuditEntry.__table__), [row, dict(row)])
            self.committed += 1
        self.engine.dispose()


def _written(url: str) -> list[int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT target_id, count(*) FROM audit_log WHERE action = 'write' "
                                       "GROUP BY target_id ORDER BY target_id")).all()
    engine.dispose()
    assert all(count == 2 for _, count in rows), "a transaction was copied in half"
    return [target for target, _ in rows]


def test_backup_while_writing_is_consistent_and_restores(app, database_url, target_url, tmp_path, runner):
    _prefill(app)
    writer = Writer(database_url)
    writer.start()
    while writer.committed < 20:
        time.sleep(0.01)
    before = writer.committed
    result = runner.invoke(args=["backup", "-o", str(tmp_path / "elearn.backup")])
    after = writer.committed
    time.sleep(0.1)
    writer.stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    assert "バックアップしました" in result.output
    assert after > before, "no write landed during the backup"
    assert backup_revision(tmp_path / "elearn.backup") == head_revision()

    revisions = restore(target_url, tmp_path / "elearn.backup")
    assert revisions.current
    restored = _written(target_url)
    assert restored == list(range(len(restored))), "the copy is not a prefix of the commits"
    assert before <= len(restored) <= after
    engine = create_engine(target_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log WHERE action = 'prefill'")).scalar() == PREFILL
    engine.dispose()
    with app.app_context():
        made = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "backup_made"))
        assert made.details["revision"] == head_revision()


def test_restore_refuses_to_overwrite_without_force_and_checks_revision(app, database_url, target_url, tmp_path):
    backup = tmp_path / "first.backup"
    make_backup(database_url, backup)
    restore(target_url, backup)
    with pytest.raises(BackupError, match="--force"):
        restore(target_url, backup)
    restore(target_url, backup, force=True)

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target_url, "CONTENT_DIR": str(FIXTURE_CONTENT)})
    refused = other.test_cli_runner().invoke(args=["restore", str(backup)])
    assert refused.exit_code != 0 and "--force" in refused.output
    forced = other.test_cli_runner().invoke(args=["restore", str(backup), "--force"])
    assert forced.exit_code == 0 and "復元しました" in forced.output, forced.output
    with other.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "backup_restored")) == 1
        db.engine.dispose()

    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup")
    with pytest.raises(BackupError, match="バックアップ"):
        restore(target_url, junk, force=True)


def test_restore_refuses_an_unknown_schema_revision(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the revision is edited in an SQLite copy")
    backup = tmp_path / "future.backup"
    make_backup(database_url, backup)
    with sqlite3.connect(backup) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff'")
    with pytest.raises(BackupError, match="ffff"):
        restore(f"sqlite:///{tmp_path / 'x.sqlite3'}", backup)
