"""Benchmark the training-effect report and question analysis, in process, and print a table.

    python bench/effect.py [--db sqlite|postgresql|both] [--attempts 100000] [--participants 1000] [--reuse]

For each database: a fresh database (``instance/bench/effect.sqlite3``; PostgreSQL ``elearn_bench_effect``),
the shipped content, a cohort of ``--participants`` with progress, attendance, pre/post tests and survey
responses, a cohort of a tenth the size, and ``--attempts`` quiz attempts over the initial curriculum's
quizzes (with their per-question results and choices). Each case is timed (median of 3) and its SQL
statements counted: the counts must be the same for both cohort sizes. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select, text  # noqa: E402

from bench._databases import chunks, fresh, url  # noqa: E402

BATCH = 10_000


def bulk(model, rows):
    from elearn.extensions import db
    for part in chunks(rows, BATCH):
        db.session.execute(insert(model), part)


def generate(participants: int, attempts: int, seed: int = 7) -> dict:
    """Users, two cohorts (participants and a tenth), their records, and ``attempts`` graded quiz attempts."""
    from elearn.content.questions import question_type
    from elearn.extensions import db
    from elearn.models import (AssessmentAttempt, AssessmentForm, Attendance, Cohort, CohortDay, Enrolment, Module,
                               Progress, QuestionChoice, QuestionResult, Quiz, QuizAttempt, Role, Survey, SurveyAnswer,
                               SurveyResponded, SurveyResponse, User, random_id, utcnow)
    rng = random.Random(seed)
    now = utcnow()
    users_needed = max(participants + participants // 10, attempts // 20)
    bulk(User, [{"email": f"e{n}@bench.example.jp", "display_name": f"受講者 {n:05d}", "organisation": "ベンチ市",
                 "prefecture": "東京都", "role": Role.LEARNER.value, "active": True, "created_at": now}
                for n in range(users_needed)])
    user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    quizzes = db.session.execute(select(Quiz, Module.id).join(Module, Module.id == Quiz.module_id)
                                 .where(Module.curriculum == "initial")).all()
    modules = [m for _, m in quizzes]
    today = date.today()
    form = db.session.scalar(select(AssessmentForm).where(AssessmentForm.curriculum == "initial"))
    survey = db.session.scalar(select(Survey).where(Survey.curriculum == "initial"))
    cohorts = {}
    for size, name in ((participants // 10, "small"), (participants, "large")):
        cohort = Cohort(name=f"ベンチ {size}人", curriculum="initial", opens_on=today - timedelta(days=60),
                        closes_on=today - timedelta(days=5), capacity=size, venue="会場")
        cohort.days = [CohortDay(day=today - timedelta(days=3)), CohortDay(day=today - timedelta(days=2))]
        cohort.required_modules = list(db.session.scalars(select(Module).where(Module.id.in_(modules))))
        db.session.add(cohort)
        db.session.flush()
        members = user_ids[:size] if name == "large" else user_ids[participants:participants + size]
        bulk(Enrolment, [{"cohort_id": cohort.id, "user_id": u, "enrolled_at": now} for u in members])
        bulk(Attendance, [{"day_id": d.id, "user_id": u, "status": rng.choice(["present", "present", "late", "absent"]),
                           "recorded_at": now, "method": "page"} for d in cohort.days for u in members])
        tests = []
        for u in members:
            pre = rng.randint(20, 80)
            tests.append({"cohort_id": cohort.id, "user_id": u, "phase": "pre", "form_id": form.id, "answers": {},
                          "correct": 0, "total": len(form.questions), "score": pre, "submitted_at": now})
            if rng.random() < 0.9:
                tests.append({"cohort_id": cohort.id, "user_id": u, "phase": "post", "form_id": form.id, "answers": {},
                              "correct": 0, "total": len(form.questions), "score": min(100, pre + rng.randint(-10, 40)),
                              "submitted_at": now})
        bulk(AssessmentAttempt, tests)
        responders = [u for u in members if rng.random() < 0.8]
        bulk(SurveyResponded, [{"cohort_id": cohort.id, "user_id": u} for u in responders])
        responses, answers = [], []
        for _ in responders:
            rid = random_id()
            responses.append({"id": rid, "cohort_id": cohort.id, "survey_id": survey.id, "day": today})
            for item in survey.items:
                base = {"response_id": rid, "cohort_id": cohort.id, "item_id": item["id"], "value": None,
                        "option_id": None, "text": None, "id": random_id()}
                if item["type"] == "scale":
                    answers.append({**base, "value": rng.randint(1, 5)})
                elif item["type"] in ("single", "multiple"):
                    answers.append({**base, "option_id": rng.choice(item["options"])["id"]})
                elif rng.random() < 0.3:
                    answers.append({**base, "text": "研修の感想（ベンチマーク用の文章）"})
        bulk(SurveyResponse, responses)
        bulk(SurveyAnswer, answers)
        bulk(Progress, [{"user_id": u, "module_id": m, "opened_at": now, "completed_at": now, "best_score": 100}
                        for u in members for m in modules if rng.random() < 0.9])
        cohorts[name] = cohort.id
    db.session.commit()
    # quiz attempts with their per-question results, users first attempts first
    keys = [(quiz, [question_type(q["type"]).correct_ids(q) for q in quiz.questions]) for quiz, _ in quizzes]
    first_seen = set()
    next_id = (db.session.scalar(select(QuizAttempt.id).order_by(QuizAttempt.id.desc()).limit(1)) or 0) + 1
    pending_attempts, pending_results, pending_choices = [], [], []

    def flush():
        bulk(QuizAttempt, pending_attempts)
        bulk(QuestionResult, pending_results)
        bulk(QuestionChoice, pending_choices)
        pending_attempts.clear(), pending_results.clear(), pending_choices.clear()

    active = user_ids[:max(len(user_ids), 1)]
    for n in range(attempts):
        user = active[n % len(active)]
        quiz, correct_sets = keys[rng.randrange(len(keys))]
        ability = (user % 10) / 10
        answers, rights = {}, {}
        for question, correct in zip(quiz.questions, correct_sets):
            right = rng.random() < 0.4 + 0.5 * ability
            options = [o["id"] for o in question["options"]]
            chosen = sorted(correct) if right else [rng.choice([o for o in options if o not in correct] or options)]
            answers[question["id"]], rights[question["id"]] = chosen, right
        score = round(100 * sum(rights.values()) / len(rights))
        first = (user, quiz.id) not in first_seen
        first_seen.add((user, quiz.id))
        attempt_id = next_id + n
        pending_attempts.append({"id": attempt_id, "nonce": f"b{attempt_id}", "user_id": user, "quiz_id": quiz.id,
                                 "answers": answers, "score": score, "passed": score >= quiz.pass_mark,
                                 "submitted_at": now})
        for qid, right in rights.items():
            base = {"attempt_id": attempt_id, "user_id": user, "quiz_id": quiz.id, "question_id": qid, "first": first}
            pending_results.append({**base, "correct": right, "score": score})
            pending_choices.extend({**base, "option_id": option} for option in answers[qid])
        if len(pending_attempts) >= BATCH:
            flush()
    flush()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"SELECT setval('quiz_attempts_id_seq', {next_id + attempts})"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return cohorts


def measure(label: str, work, rows: list, kind: str, note: str = "") -> None:
    """Median of three runs and the SQL statements of one run."""
    from elearn.extensions import db
    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1
    times = []
    for run in range(3):
        db.session.expire_all()
        if run == 0:
            event.listen(db.engine, "before_cursor_execute", count)
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
        if run == 0:
            event.remove(db.engine, "before_cursor_execute", count)
    rows.append({"case": label, "db": kind, "seconds": statistics.median(times), "statements": counter["n"],
                 "note": note(result) if callable(note) else note})


def bench(kind: str, participants: int, attempts: int, rows: list, reuse: bool = False) -> None:
    os.environ["ELEARN_DATABASE_URL"] = url(kind, "effect") if reuse else fresh(kind, "effect")
    from flask_migrate import upgrade

    from elearn import create_app
    from elearn.content import import_catalog, load_catalog
    from elearn.evaluation.analysis import question_analysis
    from elearn.evaluation.exports import report_workbook
    from elearn.evaluation.report import cohort_report
    from elearn.extensions import db
    from elearn.models import Cohort
    from elearn.urls import content_link_resolver

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": os.environ["ELEARN_DATABASE_URL"]})
    with app.app_context(), app.test_request_context():
        upgrade()
        if reuse:  # the data of an earlier run (same sizes)
            small = db.session.scalar(select(Cohort).where(Cohort.name == f"ベンチ {participants // 10}人"))
            large = db.session.scalar(select(Cohort).where(Cohort.name == f"ベンチ {participants}人"))
        else:
            catalog = load_catalog(ROOT)
            import_catalog(catalog, db.session,
                           content_link_resolver({s: i.curriculum for s, i in catalog.items.items()}))
            db.session.commit()
            start = time.perf_counter()
            cohorts = generate(participants, attempts)
            print(f"[bench] {kind}: generated in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
            small, large = db.session.get(Cohort, cohorts["small"]), db.session.get(Cohort, cohorts["large"])
        for cohort, size in ((small, participants // 10), (large, participants)):
            measure(f"report, {size:,} participants", lambda c=cohort: cohort_report(c), rows, kind,
                    lambda r: f"pre/post pairs {r.prepost.n}, survey {r.survey.responses}, questions {len(r.questions)}")
        measure(f"report XLSX, {participants:,} participants", lambda: report_workbook([cohort_report(large)]), rows,
                kind, lambda data: f"{len(data) / 1024:.0f} KiB")
        measure(f"question analysis, all {attempts:,} attempts", lambda: question_analysis(), rows, kind,
                lambda stats: f"{len(stats)} questions")
        measure(f"question analysis, cohort of {participants:,}", lambda: question_analysis(cohort_ids=[large.id]),
                rows, kind, lambda stats: f"{len(stats)} questions")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="measure the data of the previous run again")
    args = parser.parse_args()
    rows: list = []
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        bench(kind, args.participants, args.attempts, rows, args.reuse)
    print("| case | db | time (median of 3) | SQL statements | target | met | notes |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        met = "yes" if row["seconds"] <= 2 else "**no**"
        target = "≤ 2 s" if "XLSX" not in row["case"] else "—"
        print(f"| {row['case']} | {row['db']} | {row['seconds'] * 1000:.0f} ms | {row['statements']} | {target} | "
              f"{met if target != '—' else '—'} | {row['note']} |")


if __name__ == "__main__":
    main()
