"""Search at national scale: 100,000 board posts and the shipped content, 8 concurrent connections.

    python bench/search.py [--db sqlite|postgresql|both] [--seconds 5] [--posts 100000] [--reuse]

For each database: a fresh database (``instance/bench/search.sqlite3``, PostgreSQL ``elearn_bench_search``)
is migrated, the shipped content imported (which builds the content index) and 100,000 posts in
10,000 threads generated from the content's own sentences (so the vocabulary is the real one), then
indexed with ``rebuild_board``. Each case runs one typical query from 8 processes at once, each on its
own database connection, calling the same ``search()`` the page calls (statements, index, snippets;
not the template) for ``--seconds``; p50 and p99 are over every call. "statements" counts the SQL
statements one search sends (on SQLite its ``BEGIN`` too); "alone" is the median of 7 sequential searches. Targets (issue 22): p50 ≤ 50 ms and p99 ≤ 200 ms for 3+ characters.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import re
import statistics
import sys
import time
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._databases import fresh  # noqa: E402
from bench._databases import url as database_url  # noqa: E402

CONNECTIONS = 8
#: (case, query): 2, 3 and 6 characters; one and two words; a rare phrase; the whole board by kind.
CASES = [
    ("2 characters", "家族", None),
    ("3 characters", "居場所", None),
    ("6 characters", "8050問題", None),
    ("one word, 5 characters, very common", "ひきこもり", None),
    ("two words (3 + 2 characters)", "居場所 家族", None),
    ("two words (4 + 4 characters)", "ひきこもり 支援センター", None),
    ("rare phrase (7 characters)", "手紙を差し入れ", None),
    ("board only, page 3, 3 characters", "居場所", "board"),
]
ROWS: list[dict] = []


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def make_app(url: str):
    from elearn import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "CONTENT_DIR": str(ROOT),
                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2},
                       "CONTENT_CACHE_SECONDS": 30})  # as served: content (and its search rows) from memory


def sentences_of_content(app) -> list[str]:
    from sqlalchemy import select

    from elearn.extensions import db
    from elearn.models import SearchDocument

    with app.app_context():
        bodies = db.session.scalars(select(SearchDocument.body)).all()
    found = [s.strip() for body in bodies for s in re.split(r"(?<=[。！？])|\n", body) if 8 <= len(s.strip()) <= 120]
    return found


def generate_board(app, posts: int, seed: int = 7) -> None:
    """``posts`` posts in threads of 10, text drawn from the content's sentences, then indexed."""
    from sqlalchemy import insert

    from elearn.cli import create_user
    from elearn.extensions import db
    from elearn.models import BoardPost, BoardThread, Role, utcnow
    from elearn.search_index import rebuild_board

    rng = random.Random(seed)
    sentences = sentences_of_content(app)
    with app.app_context():
        author = create_user("board-bench@example.jp", Role.LEARNER, "ベンチ 投稿者", "ベンチ市", "東京都")
        db.session.commit()
        now = utcnow().timestamp()
        thread_count = max(1, posts // 10)
        threads = [{"id": n + 1, "category": "self-care", "title": rng.choice(sentences)[:80], "author_id": author.id,
                    "anonymous": n % 3 == 0, "locked": False,
                    "created_at": _at(now - (thread_count - n) * 600), "last_activity_at": _at(now)}
                   for n in range(thread_count)]
        for start in range(0, len(threads), 5000):
            db.session.execute(insert(BoardThread), threads[start:start + 5000])
        rows = []
        for n in range(posts):
            text = "".join(rng.choice(sentences) for _ in range(rng.randint(1, 4)))
            rows.append({"thread_id": n // 10 + 1, "author_id": author.id, "anonymous": n % 3 == 0,
                         "is_opening": n % 10 == 0, "body_markdown": text, "body_html": f"<p>{escape(text)}</p>",
                         "privacy_confirmed": False, "created_at": _at(now - (posts - n) * 60), "hidden_reason": ""})
            if len(rows) == 5000:
                db.session.execute(insert(BoardPost), rows)
                rows = []
        if rows:
            db.session.execute(insert(BoardPost), rows)
        db.session.commit()
        started = time.perf_counter()
        count = rebuild_board(db.session)
        db.session.commit()
        log(f"indexed {count:,} board rows in {time.perf_counter() - started:.1f} s")
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()


def _at(seconds: float):
    from datetime import datetime, timezone

    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _worker(url: str, query: str, kind: str | None, seconds: float, barrier, out) -> None:
    from elearn.extensions import db
    from elearn.search_index import search

    app = make_app(url)
    times = []
    with app.test_request_context("/search/", method="GET"):  # reads as a GET request does (plain BEGIN)
        search(db.session, query, kinds=[kind] if kind else None, page=3)  # connect and warm up
        db.session.rollback()
        barrier.wait()  # every process connected and warmed up
        stop = time.time() + seconds
        while time.time() < stop:
            began = time.perf_counter()
            search(db.session, query, kinds=[kind] if kind else None, page=3)
            db.session.rollback()  # end the read transaction, as a request does
            times.append(time.perf_counter() - began)
    out.put(times)


def statements_and_hits(url: str, query: str, kind: str | None) -> tuple[int, str]:
    from sqlalchemy import event

    from elearn.extensions import db
    from elearn.search_index import search

    app = make_app(url)
    with app.test_request_context("/search/", method="GET"):
        search(db.session, query)
        db.session.rollback()
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        results = search(db.session, query, kinds=[kind] if kind else None, page=3)
        event.remove(db.engine, "before_cursor_execute", listener)
        db.session.rollback()
        alone = []
        for _ in range(7):
            began = time.perf_counter()
            search(db.session, query, kinds=[kind] if kind else None, page=3)
            db.session.rollback()
            alone.append(time.perf_counter() - began)
        found = "、".join(f"{g.label} {g.total:,}{'+' if g.capped else ''}" for g in results.groups if g.total)
        return len(seen), found or "0", statistics.median(alone) * 1000


def run_case(url: str, dbname: str, case: str, query: str, kind: str | None, seconds: float) -> None:
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    barrier = context.Barrier(CONNECTIONS)
    workers = [context.Process(target=_worker, args=(url, query, kind, seconds, barrier, out))
               for _ in range(CONNECTIONS)]
    for worker in workers:
        worker.start()
    times = [t for _ in workers for t in out.get()]
    for worker in workers:
        worker.join()
    times.sort()
    p50 = statistics.median(times) * 1000
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
    statements, found, alone = statements_and_hits(url, query, kind)
    chars = min(len(word) for word in query.split())
    target = "p50 ≤ 50 ms, p99 ≤ 200 ms" if chars >= 3 else "—"
    met = ("yes" if p50 <= 50 and p99 <= 200 else "**no**") if chars >= 3 else "—"
    ROWS.append({"case": f"{case}: 「{query}」", "db": dbname,
                 "result": f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {len(times) / seconds:.0f} searches/s, "
                           f"alone {alone:.0f} ms, {statements} statements, found {found}", "target": target, "met": met})
    log(f"{dbname} {case}: p50 {p50:.1f} ms p99 {p99:.1f} ms ({len(times)} searches)")


def existing(dbname: str, posts: int) -> str | None:
    """The database of an earlier run when it holds ``posts`` posts (``--reuse``)."""
    from sqlalchemy import create_engine, text

    url = database_url(dbname, "search")
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            found = connection.execute(text("SELECT count(*) FROM board_posts")).scalar()
        engine.dispose()
    except Exception:  # noqa: BLE001 - no such database or table: build it
        return None
    return url if found == posts else None


def run(dbname: str, args) -> None:
    from flask_migrate import upgrade

    url = existing(dbname, args.posts) if args.reuse else None
    if url is not None:
        log(f"{dbname}: reusing the database of an earlier run")
        for case, query, kind in CASES:
            run_case(url, dbname, case, query, kind, args.seconds)
        return
    url = fresh(dbname, "search")
    app = make_app(url)
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["content", "import"])
    assert result.exit_code == 0, result.output
    started = time.perf_counter()
    generate_board(app, args.posts)
    log(f"{dbname}: {args.posts:,} posts generated and indexed in {time.perf_counter() - started:.0f} s")
    with app.app_context():
        from elearn.extensions import db
        db.engine.dispose()
    for case, query, kind in CASES:
        run_case(url, dbname, case, query, kind, args.seconds)


def print_table() -> None:
    import sqlite3

    cpu = platform.processor() or platform.machine()
    print(f"\nMachine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, SQLite "
          f"{sqlite3.sqlite_version}; {CONNECTIONS} processes, one connection each, search() in process\n")
    print("| case | db | result | target | met |")
    print("|---|---|---|---|---|")
    for row in ROWS:
        print(f"| {row['case']} | {row['db']} | {row['result']} | {row['target']} | {row['met']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's database with as many posts")
    args = parser.parse_args()
    os.environ.pop("ELEARN_DATABASE_URL", None)
    for dbname in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        run(dbname, args)
    print_table()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
