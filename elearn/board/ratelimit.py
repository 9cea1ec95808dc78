"""Posting limits per user (Flask-Limiter; shared across workers when the storage is Redis)."""
from __future__ import annotations

import limits
from flask import current_app, request
from flask_login import current_user

from ..extensions import limiter

_UNITS = {"second": "秒", "minute": "分", "hour": "時間", "day": "日", "month": "か月", "year": "年"}


def limit_in_japanese(value: str) -> str:
    """``"5 per minute; 30 per hour"`` → ``"1分間に5件、1時間に30件"``."""
    parts = []
    for item in limits.parse_many(value):
        unit = _UNITS.get(item.GRANULARITY.name, item.GRANULARITY.name)
        span = f"{item.multiples}{unit}" + ("間" if unit in ("分", "秒", "日") else "")
        parts.append(f"{span}に{item.amount}件")
    return "、".join(parts)


def _user_key() -> str:
    """Per account, so people behind one office address do not share a limit."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{request.remote_addr}"


def _saved(response) -> bool:
    """Only a saved post (answered with a redirect) counts, not a form shown again with errors."""
    return response.status_code in (302, 303)


def post_limit_message() -> str:
    """The Japanese explanation shown with a 429 from the saved-post limit."""
    return (f"短い時間に続けて投稿されたため、いまは投稿できません（投稿は{limit_in_japanese(current_app.config['BOARD_POST_LIMIT'])}"
            "までです）。書いた文章はこのページに残っています。少し時間をおいてから、もう一度送信してください。")


def guard_limit_message() -> str:
    """The Japanese explanation shown with a 429 from the submission limit."""
    return (f"短い時間に続けて送信されたため、いまは送信できません（確認のための送信も含めて"
            f"{limit_in_japanese(current_app.config['BOARD_GUARD_LIMIT'])}までです）。"
            "書いた文章はこのページに残っています。少し時間をおいてから、もう一度送信してください。")


post_limit = limiter.shared_limit(lambda: current_app.config["BOARD_POST_LIMIT"], scope="board-post",
                                  key_func=_user_key, methods=["POST"], deduct_when=_saved,
                                  error_message=post_limit_message)
#: Every submitted post form counts, saved or not, when it arrives: the privacy guard never runs past
#: the limit, and simultaneous submissions cannot all pass a check that is only counted afterwards.
guard_limit = limiter.shared_limit(lambda: current_app.config["BOARD_GUARD_LIMIT"], scope="board-guard",
                                   key_func=_user_key, methods=["POST"], error_message=guard_limit_message)
report_limit = limiter.shared_limit(lambda: current_app.config["BOARD_REPORT_LIMIT"], scope="board-report",
                                    key_func=_user_key, methods=["POST"], deduct_when=_saved)
