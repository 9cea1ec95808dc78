"""``elearn lti send-scores``: the worker that posts queued scores to the platforms."""
from __future__ import annotations

import click

from ..outbox import run
from . import bp
from .grades import CHANNEL


@bp.cli.command("send-scores")
@click.option("--loop", is_flag=True, help="送信を続ける（ワーカーとして動かす）")
@click.option("--interval", default=5.0, show_default=True, help="--loop の間隔（秒）")
def send_scores(loop: bool, interval: float) -> None:
    """Post queued scores to the platforms' line items, retrying later what fails."""
    report = run(CHANNEL, loop=loop, interval=interval)
    click.echo(f"送信 {report.sent} 件、再試行 {report.retried} 件、失敗 {report.failed} 件")
