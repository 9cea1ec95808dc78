"""Synthetic data for benchmarks: learners, progress rows, quiz attempts (bulk inserts)."""
from __future__ import annotations

import random
import secrets

from sqlalchemy import insert, select

from elearn.extensions import db
from elearn.models import Module, Progress, Quiz, QuizAttempt, Role, User, utcnow
from elearn.passwords import hash_password

PASSWORD = "ベンチマーク用の合言葉 2026"
BATCH = 5000


def batched(rows, size=BATCH):
    """``rows`` in slices of ``size``, for bulk inserts."""
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def generate_learners(count: int, prefix: str = "learner", seed: int = 1) -> list[int]:
    """Create ``count`` learners with progress on the initial curriculum and one attempt per completion."""
    rng = random.Random(seed)
    digest = hash_password(PASSWORD)
    now = utcnow()
    users = [{"email": f"{prefix}{n}@bench.example.jp", "display_name": f"受講者 {n:05d}",
              "organisation": f"ベンチ市支援センター{n % 97}", "prefecture": "東京都",
              "role": Role.LEARNER.value, "password_hash": digest, "active": True, "created_at": now}
             for n in range(count)]
    for batch in batched(users):
        db.session.execute(insert(User), batch)
    ids = list(db.session.scalars(select(User.id).where(User.email.like(f"{prefix}%@bench.example.jp"))))
    modules = db.session.execute(select(Module.id, Quiz.id).join(Quiz, Quiz.module_id == Module.id)
                                 .where(Module.curriculum == "initial")).all()
    progress, attempts = [], []
    for user_id in ids:
        done = rng.randint(0, len(modules))
        for index, (module_id, quiz_id) in enumerate(modules[: done + 1]):
            completed = index < done
            progress.append({"user_id": user_id, "module_id": module_id, "opened_at": now,
                             "completed_at": now if completed else None, "best_score": 100 if completed else None})
            if completed:
                attempts.append({"user_id": user_id, "quiz_id": quiz_id, "nonce": secrets.token_hex(16),
                                 "answers": {}, "score": 100, "passed": True, "submitted_at": now})
    for batch in batched(progress):
        db.session.execute(insert(Progress), batch)
    for batch in batched(attempts):
        db.session.execute(insert(QuizAttempt), batch)
    db.session.commit()
    return ids
