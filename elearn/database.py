"""Database wiring: SQLite pragmas, ``BEGIN IMMEDIATE`` and the health check."""
from __future__ import annotations


from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _on_sqlite_connect(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout and foreign keys on every new SQLite connection.

    ``isolation_level = None`` stops pysqlite from emitting its own ``BEGIN`` so that
    :func:`_on_sqlite_begin` can start each transaction with ``BEGIN IMMEDIATE`` (SQLAlchemy's
    documented pysqlite recipe). A deferred ``BEGIN`` that reads and then writes fails with
    "database is locked" when another connection wrote in between; ``IMMEDIATE`` takes the
    write lock up front and waits for it instead.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _on_sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def configure_engine(engine: Engine) -> None:
    """Attach the SQLite listeners to ``engine`` (no-op for other databases)."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_sqlite_connect):
        return
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)


def init_app(app: Flask) -> None:
    """Bind the database to ``app`` and configure its engine."""
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)


def database_answers() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return False


__all__ = ["configure_engine", "database_answers", "init_app"]
