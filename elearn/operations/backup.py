"""Backup and restore of the whole database, consistent while the app serves.

SQLite: the online backup API (:meth:`sqlite3.Connection.backup`) copies a snapshot in one step;
writers carry on meanwhile (WAL) and the copy holds exactly the transactions committed before it
began. PostgreSQL: ``pg_dump --format=custom`` (one snapshot transaction) and ``pg_restore``, which must
be installed (the Debian package ``postgresql-client``) and of the server's major version or newer.

A restore checks the backup's schema revision (``alembic_version``) against this code's migrations
and refuses to overwrite a database that has a schema unless forced.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import make_url

SQLITE_HEADER = b"SQLite format 3\x00"
PGDUMP_HEADER = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is Japanese and says what to do."""


@dataclass(frozen=True)
class Revisions:
    backup: str
    head: str

    @property
    def current(self) -> bool:
        return self.backup == self.head


def _migrations() -> ScriptDirectory:
    config = AlembicConfig()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / "migrations"))
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    return _migrations().get_current_head()


def _kind(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"このデータベース（{name}）のバックアップには対応していません。")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("メモリ上の SQLite はバックアップできません。")
    return Path(database)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as pg_dump, pg_restore and psql read it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} が見つかりません。PostgreSQL のクライアント（Debian: postgresql-client）を"
                          "インストールしてください。")
    return path


def _run(command: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} が失敗しました: {result.stderr.strip()[:500]}")
    return result


def make_backup(url: str, output: Path) -> str:
    """Write a consistent backup of ``url`` to ``output`` (via a temporary file); returns its revision."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".elearn-backup-", dir=output.parent)
    os.close(handle)
    try:
        if _kind(url) == "sqlite":
            source = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
            target = sqlite3.connect(temporary)
            try:
                source.backup(target)  # all pages in one step: one snapshot
            finally:
                target.close()
                source.close()
        else:
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={temporary}",
                  f"--dbname={libpq_url(url)}"])
        os.chmod(temporary, 0o600)  # a backup holds everyone's personal data
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return backup_revision(output)


def backup_revision(path: Path) -> str:
    """The schema revision recorded in a backup file (SQLite or pg_dump custom format)."""
    path = Path(path)
    with open(path, "rb") as file:
        header = file.read(16)
    if header.startswith(SQLITE_HEADER):
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            row = None
        finally:
            connection.close()
    elif header.startswith(PGDUMP_HEADER):
        listing = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)]).stdout
        lines = listing.splitlines()
        row = None
        for number, line in enumerate(lines):
            if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
                row = (lines[number + 1].strip(),) if lines[number + 1].strip() != "\\." else None
                break
    else:
        raise BackupError(f"{path} は elearn のバックアップ（SQLite または pg_dump の custom 形式）ではありません。")
    if not row or not row[0]:
        raise BackupError("バックアップにスキーマのリビジョン（alembic_version）がありません。")
    return row[0]


def _has_schema(url: str) -> bool:
    if _kind(url) == "sqlite":
        path = _sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return False
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
        finally:
            connection.close()
    result = _run([_tool("psql"), "-Atqc", "SELECT count(*) FROM information_schema.tables "
                   "WHERE table_schema = 'public'", libpq_url(url)])
    return int(result.stdout.strip() or 0) > 0


def restore(url: str, path: Path, *, force: bool = False) -> Revisions:
    """Replace the database at ``url`` with the backup at ``path``. Close the app's connections first."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} がありません。")
    revision = backup_revision(path)
    scripts = _migrations()
    try:
        known = scripts.get_revision(revision)
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        known = None
    if known is None:
        raise BackupError(f"バックアップのスキーマ（リビジョン {revision}）はこの版の elearn にはありません。"
                          "バックアップを作った版の elearn で復元してください。")
    if _has_schema(url) and not force:
        raise BackupError("復元先のデータベースにはすでにデータがあります。上書きするときは --force を付けてください"
                          "（上書きしたデータは戻せません。先に `elearn backup` を取ってください）。")
    if _kind(url) == "sqlite":
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(target_path)
        try:
            source.backup(target)  # replaces every page of the target, under its write lock
        finally:
            target.close()
            source.close()
    else:
        target = libpq_url(url)
        _run([_tool("psql"), "-Atqc", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;", target])
        _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={target}", str(path)])
    return Revisions(revision, scripts.get_current_head())
