"""``elearn xapi send`` (the worker) and ``elearn export xapi --since DATE`` (JSON lines)."""
from __future__ import annotations

import json
from datetime import datetime, time

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from ..dates import JST
from ..extensions import db
from ..models import XapiStatement
from ..outbox import run

xapi_cli = AppGroup("xapi", help="xAPI（学習記録ストアへの送信）")


@xapi_cli.command("send")
@click.option("--loop", is_flag=True, help="送信を続ける（ワーカーとして動かす）")
@click.option("--interval", default=5.0, show_default=True, help="--loop の間隔（秒）")
def send(loop: bool, interval: float) -> None:
    """Send queued statements to the LRS (ELEARN_XAPI_URL), retrying later what fails."""
    report = run("xapi", loop=loop, interval=interval,
                 echo=lambda r: click.echo(f"送信 {r.sent} 件、再試行 {r.retried} 件、失敗 {r.failed} 件"))
    click.echo(f"送信 {report.sent} 件、再試行 {report.retried} 件、失敗 {report.failed} 件")


@click.command("xapi")
@with_appcontext
@click.option("--since", required=True, help="この日（日本時間、YYYY-MM-DD）以降の記録")
def export_xapi(since: str) -> None:
    """Every statement from DATE on, one JSON object per line, oldest first."""
    try:
        day = datetime.strptime(since, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter("日付は YYYY-MM-DD の形で指定してください（例：2026-12-01）。", param_hint="--since")
    start = datetime.combine(day, time.min, tzinfo=JST)
    query = (select(XapiStatement.statement).where(XapiStatement.created_at >= start)
             .order_by(XapiStatement.created_at, XapiStatement.id).execution_options(yield_per=1000))
    for statement in db.session.scalars(query):
        click.echo(json.dumps(statement, ensure_ascii=False, sort_keys=True))


def init_app(app: Flask) -> None:
    app.cli.add_command(xapi_cli)
    export = app.cli.commands.get("export")
    if export is None:
        export = AppGroup("export", help="記録の書き出し")
        app.cli.add_command(export)
    export.add_command(export_xapi)
