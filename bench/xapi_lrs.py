"""How fast the xAPI worker empties its queue into a real LRS (Ralph, from `make ralph`).

Usage: .venv/bin/python bench/xapi_lrs.py [--statements 500]
Builds a throwaway SQLite database, stores and queues N statements (as the learning hooks do), starts
Ralph (`ralph runserver -b fs`) on a free port and times `send_due("xapi")`. Prints one table.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=500)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from elearn import create_app
    from elearn.extensions import db
    from elearn.models import User, utcnow
    from elearn.outbox import send_due
    from elearn.xapi import statements as xs
    from elearn.xapi.hooks import record
    from tests.test_xapi import RALPH, SECRET, USER, Ralph

    if not RALPH.exists():
        sys.exit("Ralph is not installed: run `make ralph`")
    folder = Path(tempfile.mkdtemp(prefix="xapi-bench-"))
    lrs = Ralph(folder)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                      "BASE_URL": "https://elearn.example.jp", "XAPI_URL": lrs.url, "XAPI_KEY": USER,
                      "XAPI_SECRET": SECRET})
    with app.app_context():
        upgrade()
        user = User(email="bench@example.jp", display_name="bench")
        db.session.add(user)
        db.session.flush()
        started = time.perf_counter()
        for n in range(args.statements):
            obj = xs.activity(xs.item_id("https://elearn.example.jp", f"m{n % 40}", "quiz"), "quiz", f"テスト{n % 40}")
            record(xs.statement("https://elearn.example.jp", "passed", user.id, obj, utcnow(),
                                result=xs.score_result(80, True)), user.id)
        db.session.commit()
        queued = time.perf_counter() - started
        lrs.start()
        try:
            started = time.perf_counter()
            report = send_due("xapi")
            sent = time.perf_counter() - started
        finally:
            lrs.stop()
    print("| step | statements | seconds | per second |")
    print("|---|---:|---:|---:|")
    print(f"| store + queue (one transaction) | {args.statements} | {queued:.2f} | {args.statements / queued:.0f} |")
    print(f"| worker PUTs to Ralph (fs) | {report.sent} | {sent:.2f} | {report.sent / sent:.0f} |")


if __name__ == "__main__":
    main()
