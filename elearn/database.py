"""Database wiring: SQLite pragmas, ``BEGIN IMMEDIATE`` and the health check."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Date, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .dates import JST
from .extensions import Session, db

SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _begin_immediate() -> bool:
    """Whether a new SQLite transaction takes the write lock up front.

    Yes everywhere (CLI, tests, POST requests) except while serving a GET/HEAD request, whose
    transactions only read, or a :func:`reads_first` view: taking the write lock for them would make
    every page view wait for every other one. Asked of the request itself, so a streamed download
    (which runs after the view returned, inside ``stream_with_context``) still reads without
    blocking writers.
    """
    if not has_request_context():
        return True
    if g.get("elearn_writing", False):
        return True
    return request.method not in READ_ONLY_METHODS and not _view_reads_first()


def _reading_request() -> bool:
    """A GET/HEAD/OPTIONS request outside :func:`write_transaction`: by the app's rule it only reads."""
    return has_request_context() and request.method in READ_ONLY_METHODS and not g.get("elearn_writing", False)


_autocommit_engines: WeakKeyDictionary = WeakKeyDictionary()


def _bind_for(bind, clause=None):
    """On PostgreSQL, a read-only request reads in autocommit: each statement is its own transaction,
    which under READ COMMITTED (PostgreSQL's default) sees exactly what it would see inside one, and
    the request saves its BEGIN and ROLLBACK round trips. The autocommit engine shares the pool; the
    isolation level goes back to the default when the connection returns to it. Writes keep their
    transactions: :func:`write_transaction` ends the autocommit one first and the block gets the
    engine as it is. So does a statement read through a server-side cursor (``yield_per``: the
    exports), which PostgreSQL only opens inside a transaction."""
    if bind.dialect.name != "postgresql" or not _reading_request() or _streamed(clause):
        return bind
    engine = _autocommit_engines.get(bind)
    if engine is None:
        engine = _autocommit_engines[bind] = bind.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def _streamed(clause) -> bool:
    options = clause.get_execution_options() if hasattr(clause, "get_execution_options") else {}
    return bool(options.get("yield_per") or options.get("stream_results"))


def _refuse_reading_flush(session, flush_context, instances) -> None:
    """A read-only request that changes rows outside :func:`write_transaction` is a bug on both
    databases (SQLite would upgrade its read transaction, PostgreSQL would autocommit row by row)."""
    if _reading_request():
        raise RuntimeError(f"{request.method} {request.path} writes outside write_transaction()")


def reads_first(view):
    """Mark a POST view that reads (the session, its checks) and then writes only inside
    :func:`write_transaction`: on SQLite its reading does not hold the write lock, so concurrent
    requests of the view wait for each other only while one of them writes."""
    view.reads_first = True
    return view


def _view_reads_first() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "reads_first", False)


def _on_sqlite_connect(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout and foreign keys on every new SQLite connection.

    ``isolation_level = None`` stops pysqlite from emitting its own ``BEGIN`` so that
    :func:`_on_sqlite_begin` can start write transactions with ``BEGIN IMMEDIATE`` (SQLAlchemy's
    documented pysqlite recipe). A deferred ``BEGIN`` that reads and then writes fails with
    "database is locked" when another connection wrote in between; ``IMMEDIATE`` takes the
    write lock up front and waits for it instead. Read-only requests use a plain ``BEGIN``: in
    WAL mode readers never block writers or each other.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _on_sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate() else "BEGIN")


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run a write inside a read-only (GET or :func:`reads_first`) request in its own transaction
    that starts IMMEDIATE; the block's work is committed on exit.

    On SQLite the read transaction so far is ended first, so the write never upgrades a stale read
    snapshot (which SQLite refuses with "database is locked"). PostgreSQL has no such upgrade: there
    a reads_first view's reads and the block share one transaction, which saves its COMMIT and BEGIN
    (two round trips on every quiz submission); a GET's autocommit reads (:func:`_bind_for`) end
    first, at no cost. Elsewhere (a POST that may have written already) the work so far is committed
    first on both, as before.
    """
    if dialect_name() == "sqlite" or _begin_immediate() or _reading_request():
        db.session.commit()
    g.elearn_writing = True
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        g.elearn_writing = False


def execute(statement, parameters=None):
    """Run a Core ``statement`` on the session's connection, in its transaction, past the ORM's
    execution layer (about a tenth of a millisecond a statement). For the busiest writes — a quiz
    submission's rows — whose statements involve no ORM entities and need no autoflush."""
    return db.session.connection().execute(statement, parameters)


def dialect_name() -> str:
    """The session's database: ``sqlite`` or ``postgresql``."""
    return db.session.get_bind().dialect.name


def insert_for(dialect: str, table):
    """An INSERT into ``table`` that understands ON CONFLICT on ``dialect``."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert_statement(table):
    """An INSERT that understands ON CONFLICT on the session's database."""
    return insert_for(dialect_name(), table)


class local_day(FunctionElement):  # noqa: N801 - used like func.* in queries
    """The calendar day in Japan of a stored UTC timestamp, in SQL (:func:`elearn.dates.local_date`).
    Japan keeps no daylight saving time, so on SQLite it is the UTC time plus nine hours."""

    type = Date()
    inherit_cache = True


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+9 hours')"


@compiles(local_day)
def _local_day(element, compiler, **kw):
    return f"CAST(timezone('{JST.key}', {compiler.process(element.clauses, **kw)}) AS DATE)"


def configure_engine(engine: Engine) -> None:
    """Attach the SQLite listeners to ``engine`` (no-op for other databases)."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_sqlite_connect):
        return
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)


def init_app(app: Flask) -> None:
    """Bind the database to ``app`` and configure its engine."""
    db.init_app(app)
    Session.bind_for = staticmethod(_bind_for)
    if not event.contains(Session, "before_flush", _refuse_reading_flush):
        event.listen(Session, "before_flush", _refuse_reading_flush)
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


__all__ = ["configure_engine", "database_answers", "dialect_name", "execute", "init_app", "insert_for",
           "insert_statement", "write_transaction"]
