"""When the rate-limit store (Redis) does not answer: limits in memory per process, never a 500.

Each scenario runs in a worker process of its own, as under gunicorn: the limiter is one object per
process and remembers that its store went away.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from contextlib import closing, contextmanager

import pytest

from elearn.health import RATE_LIMITS_IN_MEMORY

from .conftest import PASSWORD

WORKER = r"""
import json, re, sys
from elearn import create_app

app = create_app(json.loads(sys.argv[1]))
client = app.test_client()


def token(url):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).text).group(1)


for line in sys.stdin:
    command = json.loads(line)
    if "login" in command:
        response = client.post("/auth/login", data={"email": command["login"], "password": command["password"],
                                                   "csrf_token": token("/auth/login")})
    elif "post" in command:
        response = client.post(command["post"], data={**command["data"], "csrf_token": token(command["post"])})
    else:
        response = client.get(command["get"])
    print(json.dumps({"status": response.status_code, "text": response.text}), flush=True)
"""


class Worker:
    """An app in its own process, driven one request at a time; ``log`` is what it wrote to stderr."""

    def __init__(self, database_url: str, storage: str, log_path, **settings):
        config = {"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "SQLALCHEMY_DATABASE_URI": database_url,
                  "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage, **settings}
        self.log_path = log_path
        self.process = subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(config)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=open(log_path, "w"), text=True)

    def ask(self, **command) -> dict:
        started = time.monotonic()
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, self.log
        return json.loads(answer) | {"seconds": time.monotonic() - started}

    def login(self, email: str, password: str = "wrong password") -> int:
        return self.ask(login=email, password=password)["status"]

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@contextmanager
def worker(database_url: str, storage: str, tmp_path, **settings):
    running = Worker(database_url, storage, tmp_path / "worker.log", **settings)
    try:
        yield running
    finally:
        running.stop()


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def silent_server():
    """A port that accepts connections and never answers (a hung or firewalled Redis)."""
    with closing(socket.socket()) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@contextmanager
def no_server():
    yield free_port()


@pytest.mark.parametrize("store", [no_server, silent_server], ids=["closed port", "silent"])
def test_store_that_does_not_answer(database_url, make_user, tmp_path, store):
    """Sign-in and posting work, limited per process in memory; a warning in the log and on /healthz."""
    user = make_user()
    with store() as port, worker(database_url, f"redis://127.0.0.1:{port}/0", tmp_path,
                                 LOGIN_LIMIT_PER_ACCOUNT="2 per minute", BOARD_POST_LIMIT="1 per minute") as app:
        attempts = [app.ask(login="target@example.jp", password="wrong password") for _ in range(3)]
        assert [a["status"] for a in attempts] == [200, 200, 429]
        assert max(a["seconds"] for a in attempts) < 5  # a silent store costs a short timeout, not minutes
        assert app.login(user.email, PASSWORD) == 302
        thread = {"category": "self-care", "title": "訪問が続かない", "body": "どう関わればよいか悩んでいます。"}
        assert app.ask(post="/board/new", data=thread)["status"] == 302
        assert app.ask(post="/board/new", data=thread)["status"] == 429
        health = app.ask(get="/healthz")
        assert health["status"] == 200 and health["text"] == f"ok\n{RATE_LIMITS_IN_MEMORY}"
    assert "Rate limit storage unreachable - falling back to in-memory storage" in app.log
    assert "Traceback" not in app.log and "Exception on" not in app.log


@contextmanager
def redis_server(port: int, tmp_path):
    """A throwaway redis-server on ``port`` (never the shared one), stopped on exit."""
    import redis

    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_timeout=1)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield client
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_store_stopped_and_restarted_mid_run(database_url, tmp_path):
    """Limits move to memory when Redis stops and back to Redis once it answers again; never a 500."""
    port = free_port()
    with worker(database_url, f"redis://127.0.0.1:{port}/0", tmp_path, LOGIN_LIMIT_PER_ACCOUNT="3 per minute") as app:
        with redis_server(port, tmp_path) as store:
            assert [app.login("a@example.jp") for _ in range(2)] == [200, 200]
            assert store.dbsize() > 0  # counted in Redis
            assert app.ask(get="/healthz")["text"] == "ok"
        assert [app.login("a@example.jp") for _ in range(4)] == [200, 200, 200, 429]  # a fresh count in memory
        assert app.ask(get="/healthz")["text"] == f"ok\n{RATE_LIMITS_IN_MEMORY}"
        with redis_server(port, tmp_path) as store:
            assert app.ask(get="/healthz")["text"] == "ok"
            deadline = time.monotonic() + 70  # the limiter looks again after 1, 2, 4 … 32 seconds
            attempt = 0
            while store.dbsize() == 0:
                assert time.monotonic() < deadline, "the limits never went back to Redis"
                attempt += 1
                assert app.login(f"b{attempt}@example.jp") == 200
                time.sleep(0.5)
    assert "Rate limit storage unreachable - falling back to in-memory storage" in app.log
    assert "Traceback" not in app.log and "Exception on" not in app.log
