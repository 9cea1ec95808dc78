"""xAPI: learning events as xAPI 1.0.3 statements, stored, queued in the outbox and sent to an LRS.

statements.py builds them (pure), hooks.py subscribes to elearn.events, sender.py is the outbox
channel, cli.py adds ``elearn xapi send`` and ``elearn export xapi``.
"""
from flask import Flask

from . import hooks, sender  # noqa: F401  (receivers and the outbox channel register at import)


def init_app(app: Flask) -> None:
    from .cli import init_app as init_cli

    init_cli(app)
