"""The benches' databases: one SQLite file or one PostgreSQL database per bench, made afresh."""
from __future__ import annotations

import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "instance" / "bench"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def url(kind: str, name: str, pg_database: str | None = None) -> str:
    """Where bench ``name`` keeps its data: ``instance/bench/NAME.sqlite3``, or the PostgreSQL
    database ``pg_database`` (default ``elearn_bench_NAME``)."""
    if kind == "sqlite":
        return f"sqlite:///{WORKDIR / name}.sqlite3"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_database or f'elearn_bench_{name}'}"


def fresh(kind: str, name: str, pg_database: str | None = None) -> str:
    """An empty database for bench ``name`` (an earlier run's is dropped); its URL."""
    if kind == "sqlite":
        WORKDIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORKDIR / name}.sqlite3{suffix}").unlink(missing_ok=True)
        return url(kind, name)
    database = pg_database or f"elearn_bench_{name}"
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    return url(kind, name, database)


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def chunks(rows: list, size: int = 10_000):
    """``rows`` in slices of ``size``, for multi-row INSERTs."""
    for start in range(0, len(rows), size):
        yield rows[start:start + size]
