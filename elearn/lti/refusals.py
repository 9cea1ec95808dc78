"""Refused launches: a Japanese message per reason, and a security event for each."""
from __future__ import annotations

from flask import render_template

from .. import security_events

#: reason code -> what the person in the platform's frame reads.
MESSAGES = {
    "unknown_platform": "このプラットフォーム（発行者 iss・クライアントID）は登録されていません。管理者に登録を依頼してください。",
    "unknown_deployment": "このデプロイメントIDは登録されていません。管理者に登録内容を確認してもらってください。",
    "bad_signature": "起動要求の署名を確認できませんでした。改ざんされたか、鍵が一致していません。",
    "expired": "起動要求の有効期限が切れています。プラットフォームの画面からもう一度開いてください。",
    "nonce": "起動要求はすでに使われたか、期限が切れています（nonce）。プラットフォームの画面からもう一度開いてください。",
    "state": "ログインの状態を確認できませんでした。ブラウザーが第三者Cookieを拒否している場合は、新しいタブで開いてください。",
    "unknown_item": "指定された教材が見つかりません。プラットフォーム側のリンク設定を確認してください。",
    "not_instructor": "教材を選べるのは、コースの教員（Instructor）だけです。",
    "bad_request": "起動要求を確認できませんでした。プラットフォームの画面からもう一度開いてください。",
}

#: PyLTI1p3's exception texts (English, stable across 2.x) -> reason code.
_LIBRARY_TEXTS = [
    ("Registration not found", "unknown_platform"),
    ("Could not find registration", "unknown_platform"),
    ("Client id not registered", "unknown_platform"),
    ("Could not find issuer", "unknown_platform"),
    ("Unable to find deployment", "unknown_deployment"),
    ("deployment_id is not set", "unknown_deployment"),
    ("Signature has expired", "expired"),
    ("Can't decode id_token", "bad_signature"),
    ("Unable to find public key", "bad_signature"),
    ("Invalid id_token", "bad_signature"),
    ("Invalid JWT format", "bad_signature"),
    ("JWT KID not found", "bad_signature"),
    ("Nonce", "nonce"),
    ('"nonce" is empty', "nonce"),
    ("State not found", "state"),
    ("Missing state param", "state"),
    ("cookie", "state"),
    ("Launch data not found", "state"),
]


def reason_of(error: Exception) -> str:
    """The reason code for a PyLTI1p3 error."""
    text = str(error)
    for fragment, reason in _LIBRARY_TEXTS:
        if fragment in text:
            return reason
    return "bad_request"


def refuse(reason: str, status: int = 400, **details):
    """Log the refusal (ids and codes only) and answer with its Japanese message."""
    security_events.record("lti_refused", reason=reason, **details)
    return render_template("lti/refused.html", message=MESSAGES[reason]), status
