"""Jinja filters: the date formats of :mod:`elearn.dates`."""
from __future__ import annotations

from flask import Flask

from .dates import jdate, jdatetime, short_date, wareki


def init_app(app: Flask) -> None:
    for formatter in (jdate, jdatetime, short_date, wareki):
        app.add_template_filter(formatter)
