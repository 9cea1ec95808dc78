"""``elearn retention run``, ``elearn backup``, ``elearn restore`` and ``elearn doctor``."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

retention_cli = AppGroup("retention", help="保存期間を過ぎたデータの削除")


@retention_cli.command("run")
def retention_run() -> None:
    """Remove what is older than each retention period; prints what each rule removed (idempotent)."""
    from . import retention

    total = 0
    for rule, days, removed in retention.run():
        period = f"{days} 日" if days > 0 else "無効"
        click.echo(f"{rule.name}: {removed} 件削除（保存期間 {period}）— {rule.label}")
        total += removed
    click.echo(f"合計 {total} 件を削除しました。")


def init_app(app: Flask) -> None:
    app.cli.add_command(retention_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(doctor_command)


@click.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="書き出すファイル")
@with_appcontext
def backup_command(output: str) -> None:
    """Back up the database to FILE (SQLite: online backup API; PostgreSQL: pg_dump custom format)."""
    from flask import current_app
    from pathlib import Path

    from .. import audit
    from ..extensions import db
    from .backup import BackupError, make_backup

    try:
        revision = make_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(output))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    size = Path(output).stat().st_size
    audit.record("backup_made", target_type="backup", revision=revision, bytes=size)
    db.session.commit()
    click.echo(f"バックアップしました: {output}（{size:,} バイト、スキーマ {revision}）")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="データのあるデータベースを上書きする")
@with_appcontext
def restore_command(file: str, force: bool) -> None:
    """Restore the database from FILE made by `elearn backup` (stop the app first)."""
    from flask import current_app
    from pathlib import Path

    from .. import audit
    from ..extensions import db
    from .backup import BackupError, restore

    db.session.remove()
    db.engine.dispose()
    try:
        revisions = restore(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(file), force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    if revisions.current:
        audit.record("backup_restored", target_type="backup", revision=revisions.backup)
        db.session.commit()
    click.echo(f"復元しました: {file}（スキーマ {revisions.backup}）")
    if not revisions.current:
        click.echo(f"このバックアップのスキーマは最新（{revisions.head}）より古いため、"
                   "`elearn db upgrade` を実行してからアプリを起動してください。")


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check the deployment; exit 0 when all is well, 1 on a warning, 2 on a failure."""
    import sys

    from .doctor import LABELS, exit_code, run_checks

    results = run_checks()
    for result in results:
        click.echo(f"[{LABELS[result.status]}] {result.name}: {result.message}")
    code = exit_code(results)
    click.echo({0: "問題はありません。", 1: "注意があります。", 2: "対応が必要な項目があります。"}[code])
    sys.exit(code)
