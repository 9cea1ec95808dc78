"""Jinja filters for Japanese dates (shown in Japan time)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

JST = ZoneInfo("Asia/Tokyo")


def jdate(value: datetime | None) -> str:
    """2026年11月26日"""
    if value is None:
        return ""
    local = value.astimezone(JST)
    return f"{local.year}年{local.month}月{local.day}日"


def jdatetime(value: datetime | None) -> str:
    """2026年11月26日 19:05"""
    if value is None:
        return ""
    return f"{jdate(value)} {value.astimezone(JST):%H:%M}"


def init_app(app: Flask) -> None:
    app.add_template_filter(jdate)
    app.add_template_filter(jdatetime)
