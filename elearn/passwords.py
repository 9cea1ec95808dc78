"""Password hashing (Argon2id at OWASP parameters) and the password policy."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 at minimum.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = _hasher.hash("elearn-dummy-password-for-timing")


def _normalise(password: str) -> str:
    """NFC so the same Japanese passphrase typed on different devices hashes the same."""
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    """Hash ``password`` with Argon2id."""
    return _hasher.hash(_normalise(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash, spend the same time so unknown accounts are not revealed."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, _normalise(password)) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's maintained list, plus the ones this site's
    users would try (data/common_passwords.txt: elearn, hikikomori, sakura …)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    local = resources.files("elearn").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"]) | frozenset(
        line.strip().lower() for line in local.splitlines() if line.strip())


def password_problem(password: str, *, email: str = "", min_length: int = 10,
                     max_length: int = 1024) -> str | None:
    """Return why ``password`` is refused (in Japanese), or None when it is acceptable."""
    password = _normalise(password)
    if len(password) < min_length:
        return f"パスワードは{min_length}文字以上にしてください（長い文やフレーズも使えます）。"
    if len(password) > max_length:
        return f"パスワードは{max_length}文字以内にしてください。"
    lowered = password.lower()
    if len(set(lowered)) <= 2:
        return "同じ文字の繰り返しは推測されやすいため使えません。"
    if lowered in _common_passwords() or lowered.rstrip("0123456789!") in _common_passwords():
        return "よく使われていて推測されやすいパスワードです。別のものにしてください。"
    if _is_sequence(lowered):
        return "連続した文字や数字の並びは推測されやすいため使えません。"
    local = email.split("@", 1)[0].lower()
    if email and (lowered == email.lower() or (len(local) >= 4 and local in lowered)):
        return "メールアドレスを含むパスワードは使えません。"
    return None


def _is_sequence(text: str) -> bool:
    """True for runs such as ``1234567890`` or ``abcdefghij`` (ascending or descending)."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    return len(steps) == 1 and steps <= {1, -1, 0}
