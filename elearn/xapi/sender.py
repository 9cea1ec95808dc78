"""The outbox channel ``xapi``: PUT each stored statement to the LRS by its id (resends are harmless)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from flask import current_app

from ..extensions import db
from ..models import XapiStatement
from ..outbox import Channel, Message, PermanentError, TemporaryError, register

TIMEOUT_SECONDS = 10


def statements_url() -> str:
    """``ELEARN_XAPI_URL`` is the LRS's xAPI endpoint (…/xAPI/); statements live under it."""
    return current_app.config["XAPI_URL"].rstrip("/") + "/statements"


@contextmanager
def connection() -> Iterator:
    """One HTTP session (basic auth from ELEARN_XAPI_KEY / _SECRET) per batch."""
    if not current_app.config.get("XAPI_URL"):
        raise TemporaryError("ELEARN_XAPI_URL is not set")
    session = requests.Session()
    key, secret = current_app.config.get("XAPI_KEY"), current_app.config.get("XAPI_SECRET")
    if key:
        session.auth = (key, secret or "")
    session.headers["X-Experience-API-Version"] = "1.0.3"
    url = statements_url()

    def send(message: Message) -> str:
        row = db.session.get(XapiStatement, message.payload["statement_id"])
        if row is None:
            raise PermanentError("statement no longer stored")
        try:
            response = session.put(url, params={"statementId": row.id}, json=row.statement, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise TemporaryError(type(exc).__name__) from None
        if response.status_code in (200, 204):
            return f"HTTP {response.status_code}"
        if response.status_code == 409:
            return "HTTP 409: already stored"  # sent before (a worker died before recording it)
        reply = f"HTTP {response.status_code}: {response.text[:300]}"
        if response.status_code in (401, 403, 408, 429) or response.status_code >= 500:
            raise TemporaryError(reply)
        raise PermanentError(reply)

    try:
        yield send
    finally:
        session.close()


register(Channel("xapi", open=connection, batch_size=100))
