"""``elearn retention run``, ``elearn backup``, ``elearn restore`` and ``elearn doctor``."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

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
