"""``elearn reminders run``: queue the automatic reminders and board digests due today (idempotent; run it daily)."""
from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from ..extensions import db
from .reminders import run_reminders

reminders_cli = AppGroup("reminders", help="リマインドメール")

KIND_NAMES = {"reminder_close": "受講期間の終了前", "reminder_day": "集合研修の前日", "reminder_survey": "受講後アンケート"}


@reminders_cli.command("run")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="この日の分として実行する（既定: 日本時間の今日）")
def run(on) -> None:
    """Queue every automatic reminder due today; a person gets each at most once however often it runs."""
    from flask import current_app

    from ..urls import site_root

    if current_app.config.get("MAINTENANCE_COMMAND") and not os.environ.get("ELEARN_SECRET_KEY"):
        raise click.ClickException("ELEARN_SECRET_KEY を設定してください（メールの配信停止リンクの署名に使います）。")
    try:
        site_root()
    except Exception:  # noqa: BLE001 - outside a request only ELEARN_BASE_URL gives links
        raise click.ClickException("ELEARN_BASE_URL が設定されていません（メールのリンクに使います）。") from None
    from ..board.notifications import queue_digests
    from ..dates import today
    from ..evaluation.reminders import run_survey_reminders

    day = on.date() if on else today()
    queued = run_reminders(day) + run_survey_reminders(day)
    digests = queue_digests(day)
    db.session.commit()
    for cohort, kind, count in queued:
        click.echo(f"{cohort.name}: {KIND_NAMES[kind]} {count}件を送信待ちにしました")
    click.echo(f"ひろばのお知らせ {digests}件を送信待ちにしました")
    click.echo(f"合計 {sum(c for *_, c in queued) + digests}件（送信は elearn mail send）")
