"""The content pipeline: check, import, rendering and re-import."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.content import load_catalog, render_markdown
from elearn.extensions import db
from elearn.learning.services import mark_opened
from elearn.models import Module, Progress, Quiz, QuizAttempt, utcnow

from .conftest import FIXTURE_CONTENT


@pytest.fixture
def tree(tmp_path) -> Path:
    """A writable copy of the fixture content."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


def test_fixture_tree_is_valid():
    catalog = load_catalog(FIXTURE_CONTENT)
    assert catalog.problems == []
    assert set(catalog.items) == {"t-alpha", "t-beta", "t-scene", "t-case"}
    assert len(catalog.quizzes) == 4


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_check_reports_every_broken_file_with_its_line(tree, runner):
    """``content check`` prints path:line: message for each problem and exits non-zero."""
    _replace(tree / "courses/initial/02-beta.md", "minutes: 15", "minutes: たくさん")         # line 6
    _replace(tree / "courses/initial/01-alpha.md", "[教材B](t-beta)", "[教材B](t-gamma)")      # body line 15
    _replace(tree / "quizzes/t-alpha.yaml", "        reason: これは誤りです。\n", "")           # option line 12
    _replace(tree / "quizzes/t-beta.yaml", "type: truefalse", "type: essay")                # line 33
    _replace(tree / "courses/hints/scene-t.md", "  question: 次にすることは？", "  question: [次に")  # bad YAML, line 14
    (tree / "case_studies/t-case.md").write_text("no front matter\n", encoding="utf-8")
    result = runner.invoke(args=["content", "check", "--dir", str(tree)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    expected = [
        "courses/initial/02-beta.md:6: minutes は 1〜600 の整数にしてください。",
        "courses/initial/01-alpha.md:15: リンク先「t-gamma」という教材がありません。",
        "quizzes/t-alpha.yaml:12: 誤りの選択肢には、誤りである理由（reason）が必要です。",
        "quizzes/t-beta.yaml:33: type は single / multiple / truefalse のいずれかにしてください。",
        "case_studies/t-case.md:1: 先頭に --- で囲んだフロントマター（YAML）が必要です。",
    ]
    for line in expected:
        assert line in lines, result.output
    assert any(line.startswith("courses/hints/scene-t.md:14: YAML を読めません") for line in lines), result.output


@pytest.mark.parametrize("old, new, message", [
    ("id: t-beta", "id: t-alpha", "id「t-alpha」は"),
    ("## まとめ", "## 要約", "「## まとめ」の見出しが必要です"),
    ("prerequisites: [t-alpha]", "prerequisites: [nothing]", "prerequisites の「nothing」"),
    ("minutes: 15", "minutes: 15\nminute: 3", "不明なキー「minute」"),
    ("  - general: テスト用の一般的な知見", "  - テスト", "出典は chapter と heading"),
    ("本文B。", "ご本人の**「充電期間」**です。", "** が強調にならず"),
])
def test_check_catches_module_problems(tree, old, new, message):
    _replace(tree / "courses/initial/02-beta.md", old, new)
    problems = [str(p) for p in load_catalog(tree).problems]
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize("old, new, message", [
    ("        correct: true\n      - id: b\n        text: 誤りの選択肢", "        correct: true\n      - id: b\n        correct: true\n        text: 誤りの選択肢", "ちょうど1つ"),
    ("module: t-alpha", "module: t-nothing", "module「t-nothing」"),
    ("    explanation: 正解は a です。\n", "", "explanation がありません"),
    ("pass_mark: 60", "pass_mark: 160", "pass_mark は 1〜100"),
    ("    answer: true", "    answer: maybe", "answer: true か answer: false"),
])
def test_check_catches_quiz_problems(tree, old, new, message):
    _replace(tree / "quizzes/t-alpha.yaml", old, new)
    problems = [str(p) for p in load_catalog(tree).problems]
    assert any(message in p for p in problems), problems


def test_check_requires_a_quiz_per_module(tree):
    (tree / "quizzes/t-beta.yaml").unlink()
    assert any("「t-beta」のクイズ" in str(p) for p in load_catalog(tree).problems)


def test_check_refuses_unsafe_links(tree):
    """A javascript: link in content is reported, not silently dropped."""
    problems = [str(p) for p in load_catalog(tree).problems]
    assert problems == []
    _replace(tree / "courses/initial/02-beta.md", "本文B。", "[x](javascript:alert(1)) [y](data:text/html,hi)")
    problems = [str(p) for p in load_catalog(tree).problems]
    assert sum("は使えません" in p for p in problems) == 2, problems


def test_markdown_is_safe():
    """Raw HTML is escaped and only http(s), mailto and relative links survive."""
    html = render_markdown('<script>alert(1)</script> [a](javascript:alert(1)) [b](https://x.jp) '
                           '[c](mailto:a@b.jp) [d](data:text/html;base64,xx) ![i](javascript:x)')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and 'href="data:' not in html and 'src="javascript' not in html
    assert '<a href="https://x.jp" rel="noopener noreferrer nofollow">b</a>' in html
    assert 'href="mailto:a@b.jp"' in html


def test_import_renders_once_and_resolves_links(app, runner, content):
    """Imported modules hold rendered HTML; links to module ids become URLs."""
    with app.app_context():
        alpha = db.session.scalar(select(Module).where(Module.slug == "t-alpha"))
        assert '<a href="/courses/initial/t-beta">教材B</a>' in alpha.body_html
        assert "<table>" in alpha.body_html and "&lt;script&gt;" in alpha.body_html
        scene = db.session.scalar(select(Module).where(Module.slug == "t-scene"))
        assert scene.kind == "scene" and len(scene.meta["scenario"]["options"]) == 3
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "quiz-t-alpha"))
        assert [o["id"] for o in quiz.questions[2]["options"]] == ["true", "false"]


def test_import_is_idempotent(runner, content):
    result = runner.invoke(args=["content", "import"])
    assert result.exit_code == 0
    assert "新規 0・更新 0・変更なし 8・廃止 0" in result.output
    assert "[8/8]" in result.output


def test_import_refuses_broken_content(tree, runner):
    _replace(tree / "quizzes/t-beta.yaml", "type: truefalse", "type: essay")
    result = runner.invoke(args=["content", "import", "--dir", str(tree)])
    assert result.exit_code == 1 and "取り込みませんでした" in result.output


def test_reimport_after_edit_keeps_progress_and_attempts(app, runner, tree, make_user):
    """Editing and re-importing content keeps learners' progress rows and quiz attempts."""
    assert runner.invoke(args=["content", "import", "--dir", str(tree)]).exit_code == 0
    learner = make_user()
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "t-alpha"))
        mark_opened(learner.id, module.id)
        db.session.execute(db.update(Progress).values(completed_at=utcnow(), best_score=100))
        db.session.add(QuizAttempt(user_id=learner.id, quiz_id=module.quiz.id, answers={"q1": ["a"]}, nonce="n1",
                                   score=100, passed=True))
        db.session.commit()
        module_id = module.id
    _replace(tree / "courses/initial/01-alpha.md", "テスト用の本文です。", "書き直した本文です。")
    (tree / "case_studies/t-case.md").unlink()
    (tree / "quizzes/t-case.yaml").unlink()
    result = runner.invoke(args=["content", "import", "--dir", str(tree)])
    assert result.exit_code == 0, result.output
    assert "更新 1" in result.output and "廃止 2" in result.output
    with app.app_context():
        module = db.session.get(Module, module_id)
        assert "書き直した本文です。" in module.body_html
        progress = db.session.scalar(select(Progress).where(Progress.user_id == learner.id))
        assert progress.module_id == module_id and progress.completed_at is not None
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
        case = db.session.scalar(select(Module).where(Module.slug == "t-case"))
        assert case.retired


def test_shipped_content_passes_check(runner):
    """The content shipped in the repository passes ``elearn content check``."""
    root = Path(__file__).resolve().parent.parent
    result = runner.invoke(args=["content", "check", "--dir", str(root)])
    assert result.exit_code == 0, result.output


# --- Option length must not give the answer away (elearn/content/balance.py) ---------------------------

def _quiz_yaml(slug: str, lengths: list[list[int]]) -> str:
    """A quiz for module ``slug``: one single-choice question per entry; option a is correct and each
    option's text has the given number of characters."""
    lines = [f"id: quiz-{slug}", f"module: {slug}", "pass_mark: 60", "questions:"]
    for number, question in enumerate(lengths, 1):
        lines += [f"  - id: q{number}", "    type: single", "    prompt: 正しいものはどれですか。", "    options:"]
        for index, length in enumerate(question):
            lines += [f"      - id: {'abcd'[index]}", f"        text: {'あ' * length}"]
            lines.append("        correct: true" if index == 0 else "        reason: 誤りです。")
        lines += ["    explanation: 正解は a です。", "    source: テスト ＞ 見出し"]
    return "\n".join(lines) + "\n"


def test_check_warns_when_the_correct_option_is_always_the_longest(tree, runner):
    """Warnings name file:line and the share; they are printed but the check still passes."""
    (tree / "quizzes/t-alpha.yaml").write_text(_quiz_yaml("t-alpha", [[20, 10, 12]] * 9), encoding="utf-8")
    result = runner.invoke(args=["content", "check", "--dir", str(tree)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "警告:" in line]
    # initial = these 9 questions + t-beta's one single question (its two options tie, which counts).
    assert warnings == [
        "quizzes/t-alpha.yaml:5: 警告: initial（初任者研修）の1つ選択の問題で、正解が最も長いのは 10/10問（100%）、"
        "偶然なら 35%（警告は 50% 超）。長さで正解が分かります。このファイルでは 9問中 9問（q1・q2・q3・q4・q5・q6・q7・q8・q9）。",
        "quizzes/t-beta.yaml:5: 警告: initial（初任者研修）の1つ選択の問題で、正解が最も長いのは 10/10問（100%）、"
        "偶然なら 35%（警告は 50% 超）。長さで正解が分かります。このファイルでは 1問中 1問（q1）。",
    ], result.output
    assert "  initial（初任者研修） 1つ選択 10問: 正解が最も長い 10問（100%）、正解が最も短い 1問（10%）" in result.output
    assert result.output.splitlines()[-1].endswith("に問題はありません（警告 2 件）。")


def test_check_warns_when_the_correct_option_is_always_the_shortest(tree):
    (tree / "quizzes/t-alpha.yaml").write_text(_quiz_yaml("t-alpha", [[8, 10, 12]] * 9), encoding="utf-8")
    warnings = [str(w) for w in load_catalog(tree).warnings]
    assert len(warnings) == 2 and warnings[0].startswith("quizzes/t-alpha.yaml:5: 警告:"), warnings
    assert "正解が最も短いのは 10/10問（100%）" in warnings[0]


def test_check_is_quiet_about_balanced_quizzes(tree):
    """Correct option longest in 3 of 9, shortest in 3, in the middle in 3: no warning."""
    rotation = [[20, 10, 15], [10, 20, 15], [15, 10, 20]] * 3
    (tree / "quizzes/t-alpha.yaml").write_text(_quiz_yaml("t-alpha", rotation), encoding="utf-8")
    catalog = load_catalog(tree)
    assert catalog.problems == [] and catalog.warnings == []
    single = next(s for s in catalog.length_shares if (s.curriculum, s.kind) == ("initial", "single"))
    # 9 rotated questions plus t-beta's tied one (a tie counts as both longest and shortest).
    assert (single.questions, single.longest, single.shortest) == (10, 4, 4)
    assert single.chance == pytest.approx((9 / 3 + 1 / 2) / 10)
    assert not single.over("longest") and single.limit == pytest.approx(single.chance + 0.15)


def test_too_few_questions_are_not_judged(tree):
    (tree / "quizzes/t-alpha.yaml").write_text(_quiz_yaml("t-alpha", [[20, 10, 12]] * 6), encoding="utf-8")
    catalog = load_catalog(tree)
    assert catalog.warnings == []
    assert "7問: 正解が最も長い 7問（100%）" in str(catalog.length_shares[0])
    assert str(catalog.length_shares[0]).endswith("（8問未満のため判定なし）")


def test_each_curriculum_is_judged_on_its_own_and_files_are_ranked(tree):
    """The warning is printed at every contributing file, most contributing first."""
    (tree / "quizzes/t-alpha.yaml").write_text(_quiz_yaml("t-alpha", [[20, 10, 12]] * 3 + [[10, 20, 12]] * 3),
                                              encoding="utf-8")
    (tree / "quizzes/t-beta.yaml").write_text(_quiz_yaml("t-beta", [[20, 10, 12]] * 6), encoding="utf-8")
    (tree / "quizzes/t-case.yaml").write_text(_quiz_yaml("t-case", [[20, 10, 12]] * 8), encoding="utf-8")
    balanced = [[20, 10, 15], [10, 20, 15], [15, 10, 20]] * 3
    (tree / "quizzes/t-scene.yaml").write_text(_quiz_yaml("t-scene", balanced), encoding="utf-8")
    warnings = [str(w) for w in load_catalog(tree).warnings]
    assert [w.split(" ")[0] for w in warnings] == ["quizzes/t-beta.yaml:5:", "quizzes/t-alpha.yaml:5:",
                                                  "quizzes/t-case.yaml:5:"], warnings
    assert "initial（初任者研修）" in warnings[0] and "9/12問（75%）" in warnings[0]
    assert "このファイルでは 6問中 6問" in warnings[0] and "このファイルでは 6問中 3問（q1・q2・q3）" in warnings[1]
    assert "cases（事例）" in warnings[2] and "8/8問（100%）" in warnings[2]


@pytest.mark.parametrize("texts, warning", [
    (["あ" * 30, "い" * 10, "う" * 12], "a（30字）がほかのどの選択肢（10〜12字）とも同じか長く"),
    (["あ" * 12, "い" * 12, "う" * 10], "a（12字）がほかのどの選択肢（10〜12字）とも同じか長く"),  # a tie counts
    (["あ" * 10, "い" * 30, "う" * 12], None),
])
def test_check_warns_per_scene_when_the_recommended_option_is_longest(tree, texts, warning):
    """At the line of the recommended option (the fixture scene's option a, line 16)."""
    text = (tree / "courses/hints/scene-t.md").read_text(encoding="utf-8")
    for old, new in zip(("text: 待つ", "text: 急かす", "text: 何もしない"), texts):
        text = text.replace(old, f"text: {new}", 1)
    (tree / "courses/hints/scene-t.md").write_text(text, encoding="utf-8")
    warnings = [str(w) for w in load_catalog(tree).warnings]
    if warning:
        assert warnings == [f"courses/hints/scene-t.md:16: 警告: 推奨（recommended）の選択肢 {warning}、"
                            "長さで推奨が分かります。ほかの選択肢も同じくらい具体的に書いてください。"]
    else:
        assert warnings == []


def test_length_rules():
    """Unit rules: whitespace does not count; ties count; multiple choice compares the correct set."""
    from elearn.content import balance

    assert balance.text_length(" 相談 支援\n") == 4

    def single(*lengths):
        options = [{"id": str(i), "text": "x" * n, "correct": i == 0} for i, n in enumerate(lengths)]
        return balance.place_question({"id": "q", "type": "single", "options": options}, "p", 3, "initial")

    assert (single(5, 4, 3).longest, single(5, 4, 3).shortest, single(5, 4, 3).chance) == (True, False, 1 / 3)
    assert (single(5, 5, 3).longest, single(3, 3, 3).shortest) == (True, True)
    assert (single(4, 5, 3).longest, single(4, 5, 3).shortest) == (False, False)

    def multiple(correct, wrong):
        options = ([{"id": f"c{i}", "text": "x" * n, "correct": True} for i, n in enumerate(correct)]
                   + [{"id": f"w{i}", "text": "x" * n} for i, n in enumerate(wrong)])
        return balance.place_question({"id": "q", "type": "multiple", "options": options}, "p", 3, "cases")

    assert multiple([9, 8, 7], [6]).longest and multiple([9, 8, 7], [6]).chance == 1 / 4
    assert not multiple([9, 5, 7], [6]).longest and not multiple([9, 5, 7], [6]).shortest
    assert multiple([2, 3], [4, 5, 3]).shortest and multiple([2, 3], [4, 5, 3]).chance == 1 / 10
    assert balance.place_question({"id": "q", "type": "truefalse", "answer": True}, "p", 3, "initial") is None
