"""In-process timing of the signed-in pages: ms per request and SQL statements, no HTTP server.

    python bench/inprocess.py DATABASE_URL [--times 50] [--profile PATH]

Runs against a database prepared by bench/pages.py (or bench/run.py). The first two lines are the
floor (bench/wsgi.py's static page of 10,000 bytes) for scale: without a cookie, as wrk asks for it,
and with the learner's session cookie (``bytes=10001``), which loads the session like every signed-in page. "cpu" is this process's CPU
time per request (with SQLite that includes the queries), far less sensitive to other load on the
machine than wall time or wrk. ``--profile /courses/`` prints a cProfile of that page (top 30 by cumulative time).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = [("learner", "/courses/hints/scene-1"), ("learner", "/courses/"), ("learner", "/board/"),
         ("learner", "/"), ("organiser", "/organiser/")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--times", type=int, default=50)
    parser.add_argument("--profile")
    parser.add_argument("--extra", action="append", default=[], help="who:path to time as well")
    args = parser.parse_args()
    os.environ.update({"ELEARN_DATABASE_URL": args.url, "ELEARN_SECRET_KEY": secrets.token_hex(32),
                       "ELEARN_SESSION_COOKIE_SECURE": "0", "ELEARN_CONTENT_DIR": str(ROOT)})
    from sqlalchemy import event

    from elearn import create_app
    from elearn.extensions import db

    from bench.extra import ORGANISER_EMAIL
    from bench.generate import PASSWORD
    from bench.wsgi import floor

    app = create_app({"ALLOWED_HOSTS": "localhost", "RATELIMIT_ENABLED": False})
    app.add_url_rule("/_bench/floor", view_func=floor)
    clients = {}
    for who, email in (("learner", "learner0@bench.example.jp"), ("organiser", ORGANISER_EMAIL)):
        client = app.test_client()
        html = client.get("/auth/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        response = client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.status_code
        clients[who] = client
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    clients["anonymous"] = app.test_client()
    floors = [("anonymous", "/_bench/floor?bytes=10000"), ("learner", "/_bench/floor?bytes=10001")]
    pages = floors + PAGES + [tuple(e.split(":", 1)) for e in args.extra]
    for who, path in pages:
        client = clients[who]
        assert client.get(path).status_code == 200, path
        statements.clear()
        client.get(path)
        count = len(statements)
        wall, cpu = [], []
        for _ in range(args.times):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        print(f"{path:48} cpu {statistics.median(cpu):7.2f} ms  wall {statistics.median(wall):7.2f} ms  "
              f"{count:3d} statements", flush=True)
        if args.profile == path:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.times):
                client.get(path)
            profile.disable()
            pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
