"""Signed-in pages against the floor: each page, then a floor page of its size, in alternating rounds.

    python bench/pages.py [--db sqlite|postgresql|both] [--seconds 5] [--rounds 3] [--learners 10000]

The issue-18 setup: gunicorn with 2 sync workers, wrk with 32 connections. Each round loads the
page and then the floor (``/_bench/floor?bytes=N``, N = the page's size) back to back, so both see
the same background load; the ratio reported is the median of the rounds' ratios. The first row is
the floor itself with a learner's session cookie: every signed-in page loads its session (one
statement), so no signed-in page can come nearer the floor than that row. Uses the data of
bench/run.py (prepared afresh) plus 200 board threads.
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as runner  # noqa: E402
from bench.load import load  # noqa: E402

WORKERS = 2
CONNECTIONS = 32
#: (case, who, path, target ratio to the floor). The first is the floor page itself asked for with a
#: learner's session cookie: what loading the session costs every signed-in page, the ceiling of their ratios.
PAGES = [
    ("floor, signed in (session only)", "learner", "/_bench/floor?bytes=10000", None),
    ("module (scene-1)", "learner", "/courses/hints/scene-1", 0.6),
    ("研修コース list", "learner", "/courses/", 0.5),
    ("board index", "learner", "/board/", 0.5),
    ("learner dashboard /", "learner", "/", 0.4),
    ("organiser index", "organiser", "/organiser/", 0.5),
]


def generate_threads(count: int = 200) -> None:
    """``count`` board threads with an opening post and two replies each (app context)."""
    from sqlalchemy import insert, select

    from elearn.extensions import db
    from elearn.models import BoardPost, BoardThread, User, utcnow

    authors = list(db.session.scalars(select(User.id).where(User.email.like("learner%")).limit(50)))
    now = utcnow()
    category = _category()
    for n in range(count):
        thread = BoardThread(category=category, title=f"ベンチの話題 {n}", author_id=authors[n % len(authors)],
                             anonymous=n % 3 == 0, created_at=now, last_activity_at=now)
        db.session.add(thread)
        db.session.flush()
        db.session.execute(insert(BoardPost), [
            {"thread_id": thread.id, "author_id": authors[(n + k) % len(authors)], "anonymous": n % 3 == 0,
             "is_opening": k == 0, "body_markdown": "本文", "body_html": "<p>本文</p>", "privacy_confirmed": True,
             "created_at": now} for k in range(3)])
    db.session.commit()


def _category() -> str:
    from elearn.board.categories import categories

    return next(iter(categories()))


def measure(base: str, path: str, cookie: str, size: int, seconds: int) -> tuple:
    page = load(base + path, cookie, seconds, connections=CONNECTIONS)
    floor = load(f"{base}/_bench/floor?bytes={size}", None, seconds, connections=CONNECTIONS)
    runner.log(f"  {path}: {page.requests_per_second:.0f} req/s (errors {page.errors}), "
               f"floor {floor.requests_per_second:.0f} req/s (errors {floor.errors})")
    return page, floor


def bench_pages(db: str, args) -> list[dict]:
    if args.reuse:  # the database of an earlier run of this script
        url = runner.database_url(db)
    else:
        url = runner.fresh_database(db)
    env = {**os.environ, "ELEARN_DATABASE_URL": url, "ELEARN_SECRET_KEY": secrets.token_hex(32),
           "ELEARN_SESSION_COOKIE_SECURE": "0", "ELEARN_CONTENT_DIR": str(ROOT), "PYTHONPATH": str(ROOT)}
    env.pop("FLASK_DEBUG", None)
    if not args.reuse:
        _prepare(env, db, args)
    server = runner.Server(env, workers=WORKERS)
    rows = []
    try:
        rows = _measure_all(server, db, args)
    finally:
        server.stop()
    return rows


def _prepare(env: dict, db: str, args) -> None:
    import subprocess

    runner.log(f"{db}: preparing {args.learners} learners …")
    runner.prepare(env, args.learners)
    subprocess.run([sys.executable, "-c", "from elearn import create_app\nfrom bench.pages import generate_threads\n"
                    "app = create_app({'MAINTENANCE_COMMAND': True})\nwith app.app_context(): generate_threads()"],
                   env=env, cwd=ROOT, check=True)


def _measure_all(server, db: str, args) -> list[dict]:
    from bench.extra import ORGANISER_EMAIL
    from bench.generate import PASSWORD

    rows = []
    browsers = {}
    for who, email in (("learner", "learner0@bench.example.jp"), ("organiser", ORGANISER_EMAIL)):
        browsers[who] = runner.Browser(server.base)
        browsers[who].login(email, PASSWORD)
    sizes = {}
    for case, who, path, _ in PAGES:
        status, html = browsers[who].get(path)
        assert status == 200, (path, status)
        sizes[case] = len(html.encode())
    results = {case: [] for case, *_ in PAGES}
    for round_ in range(args.rounds):
        for case, who, path, _ in PAGES:
            results[case].append(measure(server.base, path, browsers[who].cookie, sizes[case], args.seconds))
        runner.log(f"{db}: round {round_ + 1}/{args.rounds} done")
    for case, who, path, target in PAGES:
        pairs = results[case]
        ratio = statistics.median(p.requests_per_second / max(f.requests_per_second, 1e-9) for p, f in pairs)
        rps = statistics.median(p.requests_per_second for p, _ in pairs)
        floor = statistics.median(f.requests_per_second for _, f in pairs)
        p50 = statistics.median(p.p50_ms for p, _ in pairs)
        errors = sum(p.errors for p, _ in pairs)
        met = "—" if target is None else ("yes" if ratio >= target else "**no**")
        rows.append({"case": f"{case}, {sizes[case] // 1024} KiB", "db": db,
                     "result": f"{rps:.0f} req/s (floor {floor:.0f}), p50 {p50:.0f} ms, errors {errors}",
                     "ratio": f"{ratio:.2f}", "target": "—" if target is None else f"≥ {target}", "met": met})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="measure the database of the previous run again")
    args = parser.parse_args()
    rows = []
    for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        if db == "postgresql" and not runner.postgres_reachable():
            runner.log("PostgreSQL is not reachable on 127.0.0.1:5432: skipped")
            continue
        rows += bench_pages(db, args)
    print(f"\nMachine: {os.cpu_count()} cores, gunicorn {WORKERS} sync workers, wrk {CONNECTIONS} connections, "
          f"{args.rounds} alternating rounds of {args.seconds} s (medians)\n")
    print("| page | db | result | ratio to floor | target | met |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['case']} | {row['db']} | {row['result']} | {row['ratio']} | {row['target']} | {row['met']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
