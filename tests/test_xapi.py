"""xAPI statements for a day of learning, sent to a real LRS (Ralph, ``ralph runserver -b fs``, run
locally from its own venv) and read back through its statements API."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from elearn.models import Role
import requests
from sqlalchemy import select, update

from elearn.board import services as board
from elearn.cohorts.certificates import ensure_certificate
from elearn.extensions import db
from elearn.models import Cohort, OutboxItem, User, XapiStatement, utcnow
from elearn.outbox import send_due

from .conftest import csrf_from
from .test_cases import SHEET
from .test_learning import RIGHT, WRONG, quiz_form, submit

RALPH = Path(__file__).resolve().parent.parent / ".ralph-venv" / "bin" / "ralph"
USER, SECRET = "elearn", "lrs-secret-for-tests"
BASE = "https://elearn.example.jp"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ralph:
    """A Ralph LRS in a subprocess (its own session, so stopping it ends its reloader's child too)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI/"
        # tests/ralph_site works around a bug of Ralph 5.1.0's fs LRS backend (see its docstring).
        self.env = os.environ | {"RALPH_AUTH_FILE": str(folder / "auth.json"), "RALPH_RUNSERVER_BACKEND": "fs",
                                 "PYTHONPATH": str(Path(__file__).resolve().parent / "ralph_site")}
        subprocess.run([str(RALPH), "auth", "-u", USER, "-p", SECRET, "-s", "all",
                        "-A", "elearn-lrs", BASE, "-w"], env=self.env, cwd=folder, check=True,
                       capture_output=True)
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(RALPH), "runserver", "-b", "fs", "--fs-default-directory-path", str(self.folder / "data"),
             "-h", "127.0.0.1", "-p", str(self.port)], env=self.env, cwd=self.folder,
            stdout=open(self.folder / "ralph.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/whoami", auth=(USER, SECRET), timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.5)
        raise RuntimeError("Ralph did not start: " + (self.folder / "ralph.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def statements(self) -> list[dict]:
        response = requests.get(f"{self.url}statements", params={"limit": 1000}, auth=(USER, SECRET), timeout=10)
        response.raise_for_status()
        return response.json()["statements"]


@pytest.fixture
def ralph(tmp_path):
    if not RALPH.exists():
        if os.environ.get("CI"):
            pytest.fail("Ralph is not installed: run `make ralph`")
        pytest.skip("Ralph is not installed (make ralph)")
    lrs = Ralph(tmp_path)
    yield lrs
    lrs.stop()


@pytest.fixture
def learner(app, auth, make_user, content, make_cohort):
    """A learner (with a name, an e-mail and an organisation none of which may reach the LRS), in a cohort
    with an organiser (so that sharing a sheet is offered: someone would read it)."""
    user = make_user(email="hanako.yamada@example.jp", name="山田 花子", organisation="○○市ひきこもり地域支援センター")
    cohort = make_cohort([make_user(Role.ORGANISER)], [user])
    auth.login(user.email)
    return user, cohort


def a_day_of_learning(app, client, user, cohort):
    """Open, fail, pass, choose in a scene, save and share a sheet, post on the board, get a certificate."""
    client.get("/courses/initial/t-alpha")
    submit(client, WRONG)
    submit(client, RIGHT)
    client.get("/courses/hints/t-scene?choice=b")
    page = client.get("/cases/t-case")
    client.post("/cases/t-case/sheet", data={**SHEET, "csrf_token": csrf_from(page.text)})
    client.post("/cases/t-case/sheet/share", data={"csrf_token": csrf_from(client.get("/cases/t-case").text)})
    with app.app_context():
        author = db.session.get(User, user.id)
        board.create_thread(author, category="other", title="訪問がつらい", body="一人で抱えています", anonymous=False)
        ensure_certificate(db.session.get(Cohort, cohort.id), author)
        db.session.commit()


def test_a_day_of_learning_reaches_the_lrs_intact_after_it_was_down(app, client, learner, ralph):
    """LRS down: everything stays queued; once up, each statement arrives once, with the right verb,
    object and result, and nothing about the person beyond the account id."""
    user, cohort = learner
    app.config.update(BASE_URL=BASE, XAPI_URL=ralph.url, XAPI_KEY=USER, XAPI_SECRET=SECRET)
    a_day_of_learning(app, client, user, cohort)

    with app.app_context():
        stored = db.session.scalar(select(db.func.count(XapiStatement.id)))
        assert send_due("xapi").retried == stored  # nothing listens on the port yet
        db.session.execute(update(OutboxItem).values(next_attempt_at=utcnow()))
        db.session.commit()
    ralph.start()
    with app.app_context():
        report = send_due("xapi")
        replies = db.session.scalars(select(OutboxItem.last_reply).where(OutboxItem.channel == "xapi")).all()
        assert report.sent == stored, replies
        assert send_due("xapi").total == 0
        # A worker that died after the LRS accepted: the same statements again change nothing there.
        db.session.execute(update(OutboxItem).where(OutboxItem.channel == "xapi")
                           .values(status="queued", next_attempt_at=utcnow()))
        db.session.commit()
        assert send_due("xapi").sent == stored

    received = ralph.statements()
    assert len(received) == stored == len({s["id"] for s in received})
    by_verb: dict[str, list[dict]] = {}
    for statement in received:
        by_verb.setdefault(statement["verb"]["id"].rsplit("/", 1)[-1], []).append(statement)
    assert sorted(by_verb) == ["answered", "completed", "earned", "experienced", "failed", "passed", "save", "share"]

    def objects(verb):
        return sorted(s["object"]["id"] for s in by_verb[verb])

    assert objects("experienced") == [f"{BASE}/content/t-alpha", f"{BASE}/content/t-case", f"{BASE}/content/t-scene"]
    assert objects("passed") == objects("failed") == [f"{BASE}/content/t-alpha/quiz"]
    assert by_verb["passed"][0]["result"]["score"] == {"scaled": 1.0, "raw": 100, "min": 0, "max": 100}
    assert by_verb["passed"][0]["result"]["success"] is True
    assert by_verb["failed"][0]["result"]["score"]["raw"] == 0 and by_verb["failed"][0]["result"]["success"] is False
    assert objects("completed") == [f"{BASE}/content/t-alpha"]
    assert by_verb["answered"][0]["result"]["response"] == "b"
    assert objects("save") == objects("share") == [f"{BASE}/content/t-case/sheet"]
    assert by_verb["earned"][0]["object"]["id"] == f"{BASE}/cohorts/{cohort.id}/certificate"
    assert by_verb["passed"][0]["object"]["definition"]["name"]["ja-JP"].endswith("（確認テスト）")

    everything = json.dumps(received, ensure_ascii=False)
    for statement in received:
        assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": BASE, "name": str(user.id)}}
    for personal in ("hanako", "yamada", "@", "山田", "花子", "○○市", "mbox", *SHEET.values(),
                     "訪問がつらい", "一人で抱えています"):
        assert personal not in everything, personal
    assert "board" not in everything


def test_export_xapi_since_date_prints_json_lines(app, client, learner, runner):
    """``elearn export xapi --since`` prints the stored statements as JSON lines; a bad date is refused."""
    user, cohort = learner
    a_day_of_learning(app, client, user, cohort)
    result = runner.invoke(args=["export", "xapi", "--since", "2000-01-01"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    with app.app_context():
        assert len(lines) == db.session.scalar(select(db.func.count(XapiStatement.id))) > 5
        assert not db.session.scalar(select(db.func.count(OutboxItem.id)).where(OutboxItem.channel == "xapi"))
    assert all(line["actor"]["account"]["name"] == str(user.id) for line in lines)
    assert runner.invoke(args=["export", "xapi", "--since", "2999-01-01"]).output == ""
    bad = runner.invoke(args=["export", "xapi", "--since", "昨日"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def test_statements_roll_back_with_their_event(app, client, learner):
    """A quiz attempt that is not committed leaves no statement behind (same transaction)."""
    user, _ = learner
    from elearn.learning.quiz import Graded, record_attempt
    from elearn.models import Quiz

    with app.app_context():
        quiz = db.session.scalar(select(Quiz))
        before = db.session.scalar(select(db.func.count(XapiStatement.id)))
        record_attempt(user.id, quiz, "nonce-rolled-back", Graded({}, {}, 100, True))
        assert db.session.scalar(select(db.func.count(XapiStatement.id))) > before
        db.session.rollback()
        assert db.session.scalar(select(db.func.count(XapiStatement.id))) == before
