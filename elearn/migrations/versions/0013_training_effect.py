"""training effect: pre/post test forms and attempts, per-question quiz results, the anonymous survey

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01 14:00:00

``assessment_forms`` and ``surveys`` hold the imported pre/post test forms and surveys; a cohort's
choice is in ``cohort_evaluations``; ``assessment_attempts`` keeps one pre-test and one post-test per
participant and cohort. ``question_results`` and ``question_choices`` hold each quiz attempt's
questions (right or not, first attempt or not, options chosen) for question analysis; existing attempts
are graded into them here. Survey responses (``survey_responses``, ``survey_answers``) have random ids,
a date only and no rowid on SQLite; ``survey_responded`` keeps only who has answered.
"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('curriculum', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('source_path', sa.String(length=300), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_forms')),
    sa.UniqueConstraint('slug', name=op.f('uq_assessment_forms_slug'))
    )
    with op.batch_alter_table('assessment_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_forms_curriculum'), ['curriculum'], unique=False)

    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('curriculum', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('source_path', sa.String(length=300), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('slug', name=op.f('uq_surveys_slug'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_curriculum'), ['curriculum'], unique=False)

    op.create_table('cohort_evaluations',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('pre_form_id', sa.Integer(), nullable=True),
    sa.Column('post_form_id', sa.Integer(), nullable=True),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_evaluations_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_form_id'], ['assessment_forms.id'], name=op.f('fk_cohort_evaluations_post_form_id_assessment_forms'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pre_form_id'], ['assessment_forms.id'], name=op.f('fk_cohort_evaluations_pre_form_id_assessment_forms'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_cohort_evaluations_survey_id_surveys'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('cohort_id', name=op.f('pk_cohort_evaluations'))
    )
    op.create_table('survey_responses',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_survey_responses_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_cohort', ['cohort_id'], unique=False)

    op.create_table('assessment_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=4), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_assessment_attempts_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['form_id'], ['assessment_forms.id'], name=op.f('fk_assessment_attempts_form_id_assessment_forms')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assessment_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_attempts')),
    sa.UniqueConstraint('cohort_id', 'user_id', 'phase', name=op.f('uq_assessment_attempts_cohort_id_user_id_phase'))
    )
    with op.batch_alter_table('assessment_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_attempts_cohort_phase', ['cohort_id', 'phase', 'user_id', 'score'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_attempts_user_id'), ['user_id'], unique=False)

    op.create_table('survey_answers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('response_id', sa.String(length=32), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('option_id', sa.String(length=100), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_survey_answers_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answers_cohort_item', ['cohort_id', 'item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answers_response_id'), ['response_id'], unique=False)

    op.create_table('survey_responded',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_survey_responded_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_responded_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'user_id', name=op.f('pk_survey_responded')),
    sqlite_with_rowid=False
    )
    op.create_table('question_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('option_id', sa.String(length=100), nullable=False),
    sa.Column('first', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_question_choices_attempt_id_quiz_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_question_choices_quiz_id_quizzes')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_question_choices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_choices'))
    )
    with op.batch_alter_table('question_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_choices_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index('ix_question_choices_quiz_first', ['quiz_id', 'first', 'question_id', 'option_id'], unique=False)
        batch_op.create_index('ix_question_choices_user_first', ['user_id', 'first', 'quiz_id', 'question_id', 'option_id'], unique=False)

    op.create_table('question_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('first', sa.Boolean(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_question_results_attempt_id_quiz_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_question_results_quiz_id_quizzes')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_question_results_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_results'))
    )
    with op.batch_alter_table('question_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_results_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index('ix_question_results_quiz_first', ['quiz_id', 'first', 'question_id', 'correct', 'score'], unique=False)
        batch_op.create_index('ix_question_results_user_first', ['user_id', 'first', 'quiz_id', 'question_id', 'correct', 'score'], unique=False)


    _grade_existing_attempts()


def _grade_existing_attempts():
    """Fill question_results / question_choices from every quiz attempt recorded so far."""
    bind = op.get_bind()
    keys = {}
    for quiz_id, questions in bind.execute(sa.text("SELECT id, questions FROM quizzes")):
        questions = json.loads(questions) if isinstance(questions, str) else questions
        keys[quiz_id] = {q["id"]: {o["id"] for o in q["options"] if o.get("correct")} for q in questions or []}
    results = sa.table("question_results", *(sa.column(c) for c in
                       ("attempt_id", "user_id", "quiz_id", "question_id", "first", "correct", "score")))
    choices = sa.table("question_choices", *(sa.column(c) for c in
                       ("attempt_id", "user_id", "quiz_id", "question_id", "option_id", "first")))
    seen = set()
    rows = bind.execute(sa.text("SELECT id, user_id, quiz_id, answers, score FROM quiz_attempts "
                                "ORDER BY user_id, quiz_id, submitted_at, id")).all()
    for start in range(0, len(rows), 1000):
        batch_results, batch_choices = [], []
        for attempt_id, user_id, quiz_id, answers, score in rows[start:start + 1000]:
            answers = json.loads(answers) if isinstance(answers, str) else (answers or {})
            first = (user_id, quiz_id) not in seen
            seen.add((user_id, quiz_id))
            for question_id, correct in keys.get(quiz_id, {}).items():
                chosen = set(answers.get(question_id) or [])
                base = {"attempt_id": attempt_id, "user_id": user_id, "quiz_id": quiz_id,
                        "question_id": question_id, "first": first}
                batch_results.append({**base, "correct": chosen == correct, "score": score})
                batch_choices += [{**base, "option_id": option} for option in sorted(chosen)]
        if batch_results:
            bind.execute(results.insert(), batch_results)
        if batch_choices:
            bind.execute(choices.insert(), batch_choices)


def downgrade():
    with op.batch_alter_table('question_results', schema=None) as batch_op:
        batch_op.drop_index('ix_question_results_user_first')
        batch_op.drop_index('ix_question_results_quiz_first')
        batch_op.drop_index(batch_op.f('ix_question_results_attempt_id'))

    op.drop_table('question_results')
    with op.batch_alter_table('question_choices', schema=None) as batch_op:
        batch_op.drop_index('ix_question_choices_user_first')
        batch_op.drop_index('ix_question_choices_quiz_first')
        batch_op.drop_index(batch_op.f('ix_question_choices_attempt_id'))

    op.drop_table('question_choices')
    op.drop_table('survey_responded')
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answers_response_id'))
        batch_op.drop_index('ix_survey_answers_cohort_item')

    op.drop_table('survey_answers')
    with op.batch_alter_table('assessment_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_attempts_user_id'))
        batch_op.drop_index('ix_assessment_attempts_cohort_phase')

    op.drop_table('assessment_attempts')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_cohort')

    op.drop_table('survey_responses')
    op.drop_table('cohort_evaluations')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_curriculum'))

    op.drop_table('surveys')
    with op.batch_alter_table('assessment_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_forms_curriculum'))

    op.drop_table('assessment_forms')
