"""Benchmark the pages that matter and print a table.

    python bench/run.py [--db sqlite|postgresql|both] [--seconds 10] [--learners 10000]

For each database: a fresh database is migrated, the shipped content imported and synthetic data
generated (bench/generate.py); the app is served by gunicorn on 127.0.0.1 (bench/wsgi.py adds the
floor route) and load comes from this second process (wrk when installed). Targets are reported
whether met or not. The privacy guard's row (bench/guard.py, also runnable alone) needs neither; the mail
rows (bench/mail.py, also runnable alone: reminders queued for a 10,000-participant cohort, sender
throughput to aiosmtpd) run in process on databases of their own.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.guard import bench_guard  # noqa: E402
from bench._databases import fresh, postgres_reachable, url  # noqa: E402
from bench.load import load  # noqa: E402

if __name__ == "__main__":  # one module, whether run as a script or imported by bench/extra.py
    sys.modules.setdefault("bench.run", sys.modules["__main__"])

PG_BENCH_DB = os.environ.get("ELEARN_BENCH_PG_DATABASE", "elearn_bench")  # another name when benches run side by side
WORKERS = 4
#: Issue 18: the slowest of 150 simultaneous submissions answered within this.
QUIZ_P99_TARGET_MS = 500
ROWS: list[dict] = []


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(kind: str) -> str:
    return fresh(kind, "bench", PG_BENCH_DB)


def database_url(kind: str) -> str:
    return url(kind, "bench", PG_BENCH_DB)


class Server:
    """gunicorn serving bench/wsgi.py in a child process."""

    def __init__(self, env: dict, workers: int = WORKERS):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
             "--log-level", "warning", "bench.wsgi:app"], env=env, cwd=ROOT)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)


class Browser:
    """A cookie-keeping HTTP client that logs in through the real form."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def login(self, email: str, password: str) -> None:
        _, html = self.get("/auth/login")
        status = self.post("/auth/login", {"email": email, "password": password, "csrf_token": csrf(html)})
        if status != 302:
            raise RuntimeError(f"login failed for {email}: {status}")

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def prepared_post(self, path: str, data: dict) -> bytes:
        """The bytes of a form POST with this browser's cookies, ready for :func:`send_prepared`."""
        body = urllib.parse.urlencode(data, doseq=True).encode()
        host = self.base.split("://", 1)[1]
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {self.cookie}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n")
        return head.encode() + body


def send_prepared(base: str, request: bytes) -> int:
    """Send a request made by :meth:`Browser.prepared_post` and return the response's status. Nothing
    is encoded or parsed while the burst runs, so the load's 150 threads cost the two cores the server
    needs ≈ 25 ms of CPU (urllib's requests ≈ 90 ms) and do not queue for the GIL to start."""
    host, port = base.split("://", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=120) as connection:
        connection.sendall(request)
        response = b""
        while b"\r\n" not in response:
            chunk = connection.recv(4096)
            if not chunk:
                break
            response += chunk
    return int(response.split(b" ", 2)[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def add(case: str, db: str, result: str, target: str, met: bool | None) -> None:
    ROWS.append({"case": case, "db": db, "result": result, "target": target,
                 "met": "—" if met is None else ("yes" if met else "**no**")})
    log(f"{db} {case}: {result}")


def bench_module_page(server: Server, db: str, seconds: int) -> None:
    from bench.generate import PASSWORD

    browser = Browser(server.base)
    browser.login("learner0@bench.example.jp", PASSWORD)
    status, html = browser.get("/courses/initial/initial-05")
    assert status == 200, status
    size = len(html.encode())
    module = load(server.base + "/courses/initial/initial-05", browser.cookie, seconds)
    floor = load(server.base + f"/_bench/floor?bytes={size}", None, seconds)
    ratio = module.requests_per_second / floor.requests_per_second
    add("module page", db, f"{module.requests_per_second:.0f} req/s, p50 {module.p50_ms:.1f} ms, "
        f"p99 {module.p99_ms:.1f} ms, errors {module.errors}", "—", None)
    add(f"floor (static {size // 1024} KiB)", db, f"{floor.requests_per_second:.0f} req/s, p50 {floor.p50_ms:.1f} ms, "
        f"p99 {floor.p99_ms:.1f} ms", "—", None)
    add("module / floor", db, f"{ratio:.2f}", "≥ 0.6", ratio >= 0.6)


def bench_concurrent_quiz(server: Server, db: str, env: dict, learners: int = 150) -> None:
    """``learners`` learners submit a passing quiz at the same moment: each request is prepared (signed
    in, page read, form filled) beforehand, then all are sent at once over raw sockets."""
    import yaml

    from bench.generate import PASSWORD

    quiz = yaml.safe_load((ROOT / "quizzes" / "initial-11.yaml").read_text(encoding="utf-8"))
    answers = {}
    for question in quiz["questions"]:
        if question["type"] == "truefalse":
            answers[f"q-{question['id']}"] = "true" if question["answer"] else "false"
        else:
            answers[f"q-{question['id']}"] = [o["id"] for o in question["options"] if o.get("correct")]
    emails = [f"quiz{n}@bench.example.jp" for n in range(learners)]
    requests = []
    for email in emails:
        browser = Browser(server.base)
        browser.login(email, PASSWORD)
        _, html = browser.get("/courses/initial/initial-11")
        attempt = re.search(r'name="attempt" value="([^"]+)"', html).group(1)
        requests.append(browser.prepared_post("/quiz/initial-11",
                                              {"csrf_token": csrf(html), "attempt": attempt, **answers}))
    barrier = threading.Barrier(learners)
    latencies, statuses = [], []
    lock = threading.Lock()

    def submit(request):
        barrier.wait()
        start = time.perf_counter()
        status = send_prepared(server.base, request)
        with lock:
            latencies.append((time.perf_counter() - start) * 1000)
            statuses.append(status)

    threads = [threading.Thread(target=submit, args=(request,)) for request in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = sum(status != 302 for status in statuses)
    lost = learners - count_completions(env, emails, "initial-11")
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    add(f"{learners} simultaneous quiz submissions", db,
        f"errors {errors}, rows lost {lost}, p50 {latencies[len(latencies) // 2]:.0f} ms, p99 {p99:.0f} ms",
        f"0 errors, 0 lost, p99 ≤ {QUIZ_P99_TARGET_MS} ms", errors == 0 and lost == 0 and p99 <= QUIZ_P99_TARGET_MS)


def count_completions(env: dict, emails: list[str], slug: str) -> int:
    script = f"""
from sqlalchemy import func, select
from elearn import create_app
from elearn.extensions import db
from elearn.models import Module, Progress, QuizAttempt, User
app = create_app({{"MAINTENANCE_COMMAND": True}})
with app.app_context():
    users = select(User.id).where(User.email.in_({emails!r}))
    module = db.session.scalar(select(Module.id).where(Module.slug == {slug!r}))
    done = db.session.scalar(select(func.count()).select_from(Progress).where(
        Progress.user_id.in_(users), Progress.module_id == module, Progress.completed_at.is_not(None)))
    attempts = db.session.scalar(select(func.count()).select_from(QuizAttempt).where(QuizAttempt.user_id.in_(users)))
    print(min(done, attempts))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def prepare(env: dict, learners: int) -> None:
    """Migrate, import content and generate data in child processes (the server is not running yet)."""
    elearn = str(Path(sys.executable).parent / "elearn")
    subprocess.run([elearn, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([elearn, "content", "import"], env=env, cwd=ROOT, check=True, capture_output=True)
    script = f"""
from elearn import create_app
from bench.generate import generate_learners
from bench.extra import generate_extra
app = create_app({{"MAINTENANCE_COMMAND": True}})
with app.app_context():
    generate_learners({learners})
    generate_learners(150, prefix="quiz", seed=2)
    generate_extra()
"""
    subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True)


def run(db: str, args) -> None:
    url = fresh_database(db)
    env = {**os.environ, "ELEARN_DATABASE_URL": url, "ELEARN_SECRET_KEY": secrets.token_hex(32),
           "ELEARN_SESSION_COOKIE_SECURE": "0", "ELEARN_CONTENT_DIR": str(ROOT), "PYTHONPATH": str(ROOT)}
    env.pop("FLASK_DEBUG", None)
    log(f"{db}: preparing {args.learners} learners …")
    started = time.perf_counter()
    prepare(env, args.learners)
    log(f"{db}: data ready in {time.perf_counter() - started:.0f} s")
    server = Server(env)
    try:
        bench_module_page(server, db, args.seconds)
        from bench.extra import bench_extra

        bench_extra(server, db, env, args)
        bench_concurrent_quiz(server, db, env)
    finally:
        server.stop()


def print_table(setup: str = f"gunicorn {WORKERS} sync workers, load from a second process on 127.0.0.1") -> None:
    cpu = platform.processor() or platform.machine()
    print(f"\nMachine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {setup}\n")
    print("| case | db | result | target | met |")
    print("|---|---|---|---|---|")
    for row in ROWS:
        print(f"| {row['case']} | {row['db']} | {row['result']} | {row['target']} | {row['met']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--no-mail", action="store_true", help="leave out bench/mail.py (it runs alone too)")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    bench_guard()
    from bench.mail import bench_mail_all

    if not args.no_mail:
        bench_mail_all(databases, participants=args.learners)  # in process, on databases of its own
    for db in databases:
        if db == "postgresql" and not postgres_reachable():
            log("PostgreSQL is not reachable on 127.0.0.1:5432: skipped")
            continue
        run(db, args)
    print_table()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
