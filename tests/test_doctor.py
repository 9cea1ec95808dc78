"""``elearn doctor``: every check passes on a well-set deployment (exit 0); each problem is named in Japanese
and turns the exit status to 1 (warning) or 2 (failure)."""
from __future__ import annotations

import socket
from contextlib import closing
from datetime import timedelta

import pytest

from elearn import create_app
from elearn.extensions import db
from elearn.models import AuditEntry, utcnow

from .conftest import FIXTURE_CONTENT

SECRET = "doctor-test-secret-0123456789abcdefghijklmnopqrstuvwxyz"


def _redis_answers() -> bool:
    with closing(socket.socket()) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.fixture
def deployment(app, database_url, monkeypatch, tmp_path):
    """An app set up as in production (the ``app`` fixture empties the tables afterwards)."""
    if not _redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379 (.ci/run starts it)")
    monkeypatch.setenv("ELEARN_SECRET_KEY", SECRET)
    site = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "CONTENT_DIR": str(FIXTURE_CONTENT),
                       "SESSION_COOKIE_SECURE": True, "BASE_URL": "https://elearn.example.jp", "TRUSTED_PROXIES": 1,
                       "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/7"})
    runner = site.test_cli_runner()
    assert runner.invoke(args=["content", "import"]).exit_code == 0
    assert runner.invoke(args=["backup", "-o", str(tmp_path / "b.backup")]).exit_code == 0
    assert runner.invoke(args=["retention", "run"]).exit_code == 0
    yield site
    with site.app_context():
        db.engine.dispose()


def test_a_well_set_deployment_passes(deployment):
    result = deployment.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert result.output.count("[OK]") == 9 and "問題はありません" in result.output


def test_each_problem_is_explained_and_fails(deployment, monkeypatch):
    runner = deployment.test_cli_runner()
    monkeypatch.setenv("ELEARN_SECRET_KEY", "changeme")
    deployment.config.update(SESSION_COOKIE_SECURE=False, BASE_URL="http://elearn.example.jp")
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 2
    assert "[要対応] secret_key: ELEARN_SECRET_KEY が未設定か短すぎます" in result.output
    assert "[要対応] session_cookie_secure" in result.output
    assert "[要対応] https_proxy: ELEARN_BASE_URL（http://elearn.example.jp）が https ではありません" in result.output


def test_warnings_exit_1(deployment):
    deployment.config["TRUSTED_PROXIES"] = 0
    with deployment.app_context():
        db.session.add(AuditEntry(action="backup_made", created_at=utcnow() - timedelta(days=3)))
        db.session.execute(db.delete(AuditEntry).where(AuditEntry.action == "backup_made",
                                                       AuditEntry.created_at > utcnow() - timedelta(days=1)))
        db.session.commit()
    result = deployment.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1, result.output
    assert "[注意] https_proxy: ELEARN_TRUSTED_PROXIES が 0 です" in result.output
    assert "[注意] backup: 最後のバックアップから 3 日" in result.output


def test_memory_store_unmigrated_and_missing_content_fail(app, runner, monkeypatch):
    monkeypatch.setenv("ELEARN_SECRET_KEY", SECRET)
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 2
    assert "[要対応] rate_limit_store: ログイン回数などの制限をプロセスごとのメモリで数えています" in result.output
    assert "[要対応] content: 教材が取り込まれていません" in result.output
    assert "[要対応] backup: バックアップの記録がありません" in result.output
    assert "[OK] database" in result.output


def test_content_changed_since_import_warns(app, runner, content, tmp_path, monkeypatch):
    import shutil
    copy = tmp_path / "content"
    shutil.copytree(content, copy)
    module = next((copy / "courses").rglob("*.md"))
    module.write_text(module.read_text(encoding="utf-8") + "\n追記した段落。\n", encoding="utf-8")
    app.config["CONTENT_DIR"] = str(copy)
    result = runner.invoke(args=["doctor"])
    assert "[注意] content: 教材ファイル 1 件がまだ取り込まれていません" in result.output
