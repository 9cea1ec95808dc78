"""Real-browser tests: Debian's Chromium driven by Playwright against the app served by gunicorn.

The server runs in its own process on 127.0.0.1 with its own SQLite database (so it never shares
the unit tests' database), the shipped content imported and a few accounts created. A failing
test leaves a screenshot in ``test-artifacts/``.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "ブラウザで確かめる合言葉 2026"
ACCOUNTS = {"learner": "e2e-learner@example.jp", "organiser": "e2e-organiser@example.jp",
            "admin": "e2e-admin@example.jp", "other": "e2e-other@example.jp"}


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    """Without Chromium the browser tests are skipped locally and fail in CI (which installs it)."""
    if chromium_path():
        return
    marker = pytest.mark.skip(reason="chromium not installed (make test installs it: apt-get install chromium)")
    for item in items:
        if "e2e" in item.nodeid and not os.environ.get("CI"):
            item.add_marker(marker)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare_database(env: dict) -> None:
    """Migrate, import the shipped content, create the test accounts and the organiser's cohort."""
    script = f"""
from elearn import create_app
from elearn.cli import create_user
from elearn.extensions import db
from elearn.models import Role
from elearn.passwords import hash_password
from flask_migrate import upgrade
app = create_app({{"MAINTENANCE_COMMAND": True}})
with app.app_context():
    upgrade()
    digest = hash_password({PASSWORD!r})
    for role, email in {ACCOUNTS!r}.items():
        create_user(email, Role.LEARNER if role == "other" else Role(role), "E2E " + role,
                    "E2E支援センター", "東京都", digest)
    db.session.commit()
    from datetime import date, timedelta
    from sqlalchemy import select
    from elearn.models import Cohort, CohortDay, Module, User
    today = date.today()
    cohort = Cohort(name="E2E 新任職員研修", curriculum="initial", opens_on=today - timedelta(days=10),
                    closes_on=today + timedelta(days=20), venue="E2E会館", capacity=150)
    cohort.days = [CohortDay(day=today + timedelta(days=25))]
    cohort.required_modules = list(db.session.scalars(select(Module).where(Module.curriculum == "initial")))
    cohort.organisers = [db.session.scalar(select(User).where(User.email == {ACCOUNTS["organiser"]!r}))]
    db.session.add(cohort)
    db.session.commit()
"""
    elearn = str(Path(sys.executable).parent / "elearn")
    subprocess.run([elearn, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run([elearn, "content", "import"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=ROOT)


@pytest.fixture(scope="session")
def live_database(tmp_path_factory) -> str:
    """The SQLAlchemy URL of the server's database, for tests that set up a state directly."""
    return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.sqlite3'}"


@contextmanager
def serving(env: dict, port: int):
    """The app under gunicorn (2 workers) with ``env`` on ``port`` until the block ends; yields its base URL."""
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level", "warning",
         "elearn:create_app()"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.terminate()
        raise RuntimeError("the e2e server did not start")
    try:
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not leave it running
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def live_server(live_database):
    """The app under gunicorn on a free port; yields its base URL."""
    # PYTHONPATH: the commands below import this checkout's code even when the venv was installed from another.
    port = _free_port()
    # ELEARN_BASE_URL: the server issues set-password links (the printed slips) for its own address.
    env = {**os.environ, "ELEARN_DATABASE_URL": live_database, "ELEARN_CONTENT_DIR": str(ROOT),
           "ELEARN_SECRET_KEY": secrets.token_hex(32), "ELEARN_SESSION_COOKIE_SECURE": "0",
           "ELEARN_BASE_URL": f"http://127.0.0.1:{port}",
           # Many browser tests sign in as the same few accounts within a minute; the limits have their own tests.
           "ELEARN_LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("FLASK_DEBUG", None)
    _prepare_database(env)
    with serving(env, port) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context per test; a screenshot is saved when the test fails."""
    context = browser.new_context(base_url=live_server, locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def login(page, who: str = "learner") -> None:
    """Sign in through the login form."""
    page.goto("/auth/login")
    page.get_by_label("メールアドレス").fill(ACCOUNTS[who])
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/")


def post_thread(page, title: str, body: str, *, anonymous: bool = False) -> str:
    """Start a board thread through the form (the first category); the thread's URL."""
    page.goto("/board/new")
    page.get_by_label("カテゴリ").select_option(index=1)
    page.get_by_label("タイトル").fill(title)
    page.get_by_label("本文").fill(body)
    if anonymous:
        page.locator("input[name=anonymous]").check()
    page.get_by_role("button", name="投稿する").click()
    page.wait_for_url(re.compile(r"/board/\d+"))
    return page.url
