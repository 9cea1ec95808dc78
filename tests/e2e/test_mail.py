"""Invitations in a real browser through a real SMTP server: an organiser imports a roster and sends
invitations, `elearn mail send` delivers them to aiosmtpd, and the invitee opens the link from the
received mail, sets a password and lands signed in.

This test runs its own server (gunicorn, own SQLite database) whose ELEARN_MAIL_URL points at the
aiosmtpd started here, so the other browser tests keep a server without mail.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest

from tests.smtpd import SmtpServer, free_port

from .conftest import ARTIFACTS, ROOT, _prepare_database, login, serving

ROSTER = """氏名,メールアドレス,所属,都道府県
招待 花子,hanako.invite@example.jp,○○市ひきこもり地域支援センター,東京都
招待 一郎,ichiro.invite@example.jp,△△町 保健福祉課,北海道
"""


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail_server(smtp, tmp_path_factory):
    """The app under gunicorn with mail to ``smtp``; yields (base URL, environment for the CLI)."""
    port = free_port()
    database = f"sqlite:///{tmp_path_factory.mktemp('e2e-mail') / 'mail.sqlite3'}"
    env = {**os.environ, "ELEARN_DATABASE_URL": database, "ELEARN_CONTENT_DIR": str(ROOT),
           "ELEARN_SECRET_KEY": secrets.token_hex(32), "ELEARN_SESSION_COOKIE_SECURE": "0",
           "ELEARN_BASE_URL": f"http://127.0.0.1:{port}", "ELEARN_MAIL_URL": smtp.url(),
           "ELEARN_MAIL_FROM": "研修事務局 <no-reply@example.jp>",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("FLASK_DEBUG", None)
    _prepare_database(env)
    with serving(env, port) as base:
        yield base, env


def _send_mail(env) -> str:
    """`elearn mail send`, as cron would run it."""
    result = subprocess.run([sys.executable, "-m", "elearn.cli", "mail", "send"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_invite_by_mail_and_set_password(browser, mail_server, smtp):
    base, env = mail_server
    organiser = browser.new_context(base_url=base, locale="ja-JP")
    invitee = browser.new_context(base_url=base, locale="ja-JP")
    page = organiser.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, "organiser")
        page.goto("/organiser/cohorts/")
        page.get_by_role("link", name="E2E 新任職員研修").first.click()
        cohort_url = page.url.rstrip("/")
        page.goto(cohort_url + "/roster/import")
        page.locator("textarea").fill(ROSTER)
        page.get_by_role("button", name="確認する").click()
        page.get_by_role("button", name=re.compile(r"2人を取り込む")).click()
        page.get_by_role("link", name="新しいアカウントの人に招待メールを送る").click()
        preview = page.locator("main").inner_text()
        assert "へのご招待" in preview and "招待 花子" in preview and "この人だけの1回限りのリンク" in preview
        page.get_by_role("button", name="2人に招待メールを送る").click()
        assert "2人への招待メールを送信待ちにしました" in page.locator("main").inner_text()
        assert page.locator("main").inner_text().count("送信待ち") >= 2

        assert "送信 2 件" in _send_mail(env)
        page.reload()
        assert page.locator("main").inner_text().count("送信済み（") == 2

        mail = next(r.message for r in smtp.received if r.rcpt_tos == ["hanako.invite@example.jp"])
        link = re.search(r"https?://\S+/auth/set-password/\S+", mail.get_content()).group(0)
        assert link.startswith(base)
        person = invitee.new_page()
        person.set_default_timeout(10_000)
        person.goto(link)
        password = "メールから設定した長い合言葉 2026"
        person.get_by_label("新しいパスワード", exact=True).fill(password)
        person.get_by_label("新しいパスワード（確認）").fill(password)
        person.get_by_role("button", name=re.compile("設定")).click()
        person.wait_for_load_state()
        text = person.locator("body").inner_text()
        assert "パスワードを設定しました" in text and "hanako.invite@example.jp" in text
        assert person.get_by_role("button", name="ログアウト").is_visible()
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "test_invite_by_mail.png"), full_page=True)
        raise
    finally:
        organiser.close()
        invitee.close()
