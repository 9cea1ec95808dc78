"""``elearn mail send [--loop]``: the sender, for cron (once) or systemd (--loop)."""
from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

from ..outbox import run
from .settings import MailUrlError, mail_settings

mail_cli = AppGroup("mail", help="メールの送信（送信待ちのメールを送る）")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="送り終えても終了せず、--interval 秒ごとに送信待ちを確認し続ける（systemd 向け）")
@click.option("--interval", default=5.0, show_default=True, help="--loop のときの確認の間隔（秒）")
def send(loop: bool, interval: float) -> None:
    """Send every queued mail (and other outbox items) that is due; exits unless --loop."""
    if not current_app.config.get("MAIL_URL"):
        raise click.ClickException("ELEARN_MAIL_URL が設定されていません（例: smtp://127.0.0.1:25、file:///var/mail/elearn）。")
    try:
        target = mail_settings().describe()
    except MailUrlError as exc:
        raise click.ClickException(str(exc)) from None
    stopping = {"now": False}

    def stop(signum, frame):  # finish the current batch, then leave
        stopping["now"] = True

    if loop:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        click.echo(f"送信を開始します（{target}、{interval:g} 秒ごと）。")

    def echo(report) -> None:
        click.echo(f"送信 {report.sent} 件、再試行待ち {report.retried} 件、失敗 {report.failed} 件")

    total = run(loop=loop, interval=interval, stop=lambda: stopping["now"], echo=echo if loop else None)
    if not loop:
        echo(total)
