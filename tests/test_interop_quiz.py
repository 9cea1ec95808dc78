"""GIFT and Moodle XML: every shipped quiz exported, read back by gift-pegjs (third party) and by our
import, and compared with the quiz YAML; Moodle XML against the elements Moodle's format documents."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elearn.content import load_catalog
from elearn.content.markdown import render_markdown
from elearn.interop.common import ExportError, select_quizzes
from elearn.interop.gift import export_gift, parse_gift
from elearn.interop.moodlexml import export_moodlexml

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "tests" / "js"
SHIPPED = load_catalog(ROOT)
EXPORTED = select_quizzes(SHIPPED)


def gift_pegjs(text: str, tmp_path: Path) -> list[dict]:
    """The parse of ``text`` by gift-pegjs, run in node (installed by `make js`)."""
    if not (JS / "node_modules" / "gift-pegjs").is_dir() or not shutil.which("node"):
        pytest.fail("gift-pegjs is not installed: run `make js` (part of `make test`)")
    path = tmp_path / "quiz.gift"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(["node", str(JS / "parse-gift.js"), str(path)], capture_output=True, text=True,
                          cwd=JS, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def normalised(question: dict) -> dict:
    """A question as the round trip promises it: text fields without outer whitespace."""
    out = {key: (value.strip() if isinstance(value, str) else value) for key, value in question.items()}
    if "options" in question:
        out["options"] = [{key: (value.strip() if isinstance(value, str) else value) for key, value in option.items()
                           if not (key == "correct" and value is False)} for option in question["options"]]
    return out


def test_every_shipped_quiz_is_exported():
    """The curriculum-wide export holds every quiz of the content folder."""
    assert {e.quiz.slug for e in EXPORTED} == set(SHIPPED.quizzes)


def test_shipped_option_ids_are_in_letter_order():
    """GIFT has no option ids; import numbers them a, b, c …, which is what every shipped quiz uses."""
    for exported in EXPORTED:
        for question in exported.quiz.questions:
            ids = [o["id"] for o in question.get("options", [])]
            assert ids == list("abcdefghijklmnopqrstuvwxyz"[:len(ids)]), (exported.quiz.path, question["id"])


def test_no_shipped_option_trips_moodles_gift_reader():
    """Moodle reads "->" in a GIFT answer as a matching question and a leading "%" as a weight; no
    shipped option has either (README: what does not carry over)."""
    for exported in EXPORTED:
        for question in exported.quiz.questions:
            for option in question.get("options", []):
                assert "->" not in option["text"] and not option["text"].lstrip().startswith("%"), exported.quiz.path


@pytest.mark.parametrize("exported", EXPORTED, ids=lambda e: e.quiz.slug)
def test_round_trip_yaml_gift_yaml(exported):
    """YAML → GIFT → YAML keeps every question, option, correct flag, explanation, reason and source."""
    result = parse_gift(export_gift([exported]), exported.quiz.slug)
    assert result.notices == []
    assert result.quiz["module"] == exported.quiz.module
    assert result.quiz["pass_mark"] == exported.quiz.pass_mark
    assert [normalised(q) for q in result.quiz["questions"]] == [normalised(q) for q in exported.quiz.questions]


def test_imported_yaml_passes_content_check(tmp_path):
    """An imported GIFT file written as YAML is a valid quiz for `content check` (replacing the original)."""
    shutil.copytree(ROOT / "courses", tmp_path / "courses")
    shutil.copytree(ROOT / "case_studies", tmp_path / "case_studies")
    shutil.copytree(ROOT / "quizzes", tmp_path / "quizzes")
    for exported in EXPORTED[:5]:
        result = parse_gift(export_gift([exported]), exported.quiz.slug)
        (tmp_path / exported.quiz.path).write_text(result.yaml(), encoding="utf-8")
    catalog = load_catalog(tmp_path)
    assert catalog.problems == []
    for exported in EXPORTED[:5]:
        assert catalog.quizzes[exported.quiz.slug].questions == yaml.safe_load(
            (tmp_path / exported.quiz.path).read_text(encoding="utf-8"))["questions"]


def test_gift_pegjs_reads_every_quiz_equal_to_ours(tmp_path):
    """gift-pegjs parses the whole export; types, texts, correctness, feedback, ids and tags equal ours."""
    parsed = gift_pegjs(export_gift(EXPORTED), tmp_path)
    expected = []
    for exported in EXPORTED:
        expected.append(("Category", "$course$/top/elearn/" + "/".join(exported.category[1:])))
        expected += [(exported, q) for q in exported.quiz.questions]
    assert len(parsed) == len(expected)
    for got, want in zip(parsed, expected):
        if want[0] == "Category":
            assert got == {"type": "Category", "title": want[1]}
            continue
        exported, question = want
        compare_with_pegjs(got, question, exported.item.slug)


def compare_with_pegjs(got: dict, question: dict, tag: str | None) -> None:
    """One gift-pegjs question against one of ours."""
    assert got["id"] == question["id"]
    if tag:
        assert got["tags"] == [tag]
    assert got["stem"] == {"format": "markdown", "text": question["prompt"].strip()}
    assert got["globalFeedback"]["text"] == question["explanation"].strip()
    assert got["hasEmbeddedAnswers"] is False
    if question["type"] == "truefalse":
        assert got["type"] == "TF" and got["isTrue"] is question["answer"]
        return
    assert got["type"] == "MC"
    options = question["options"]
    assert [c["text"]["text"] for c in got["choices"]] == [o["text"].strip() for o in options]
    if question["type"] == "single":
        assert [c["isCorrect"] for c in got["choices"]] == [bool(o.get("correct")) for o in options]
    else:  # Moodle's multiple-answer form: no "=", weights; the correct ones sum to 100
        assert not any(c["isCorrect"] for c in got["choices"])
        assert [c["weight"] > 0 for c in got["choices"]] == [bool(o.get("correct")) for o in options]
        assert abs(sum(c["weight"] for c in got["choices"] if c["weight"] > 0) - 100) < 0.001
        assert sum(c["weight"] for c in got["choices"] if c["weight"] < 0) <= -99.999
    for choice, option in zip(got["choices"], options):
        reason = "" if option.get("correct") else option.get("reason", "").strip()
        assert (choice["feedback"] or {}).get("text", "") == reason


# Text with every GIFT special character, Japanese, line breaks and spaces inside.
TEXT = st.text(alphabet=st.sampled_from(list("~=#{}:\\ あいう漢字「」：ーabc12/.-\n[]")), min_size=1, max_size=40) \
    .map(str.strip).filter(lambda s: s and not s.startswith("//") and "\n\n" not in s and "->" not in s)
REASON = TEXT


@st.composite
def questions(draw):
    kind = draw(st.sampled_from(["single", "multiple", "truefalse"]))
    question = {"id": "q1", "type": kind, "prompt": draw(TEXT)}
    if kind == "truefalse":
        question["answer"] = draw(st.booleans())
    else:
        count = draw(st.integers(2, 5))
        correct = {draw(st.integers(0, count - 1))}
        if kind == "multiple":
            correct |= set(draw(st.lists(st.integers(0, count - 1), max_size=count - 1)))
            if len(correct) == count:
                correct.discard(0)
        options = []
        for index in range(count):
            option = {"id": "abcde"[index], "text": draw(TEXT)}
            if index in correct:
                option["correct"] = True
            else:
                option["reason"] = draw(REASON)
            options.append(option)
        question["options"] = options
    question["explanation"] = draw(TEXT)
    question["source"] = draw(TEXT.filter(lambda s: "\n" not in s))
    return question


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=questions())
def test_gift_escaping_round_trips(question, tmp_path):
    """Any text with ~ = # { } : \\, Japanese and line breaks survives our export and import, and
    gift-pegjs reads it back the same."""
    exported = EXPORTED[0].__class__(EXPORTED[0].quiz.__class__(
        slug="quiz-x", module="x", pass_mark=70, title="t", questions=[question], path="q.yaml", content_hash=""),
        EXPORTED[0].item)
    text = export_gift([exported])
    result = parse_gift(text, "quiz-x")
    assert result.notices == []
    assert [normalised(q) for q in result.quiz["questions"]] == [normalised(question)]
    assert yaml.safe_load(result.yaml())["questions"] == result.quiz["questions"]
    got = [q for q in gift_pegjs(text, tmp_path) if q["type"] != "Category"]
    compare_with_pegjs(got[0], question, None)


def test_import_reports_what_it_cannot_map_with_lines():
    """Numerical, short answer, matching and essay questions are reported at their lines; a question
    without reasons, explanation or source is kept and told what to add."""
    source = "\n".join([
        "// a comment",                                  # 1
        "::num::What is 2+2? {#4}",                      # 2
        "",                                              # 3
        "::short::Capital of Japan? {=東京}",              # 4
        "",                                              # 5
        "::match::Match {=a -> b =c -> d}",              # 6
        "",                                              # 7
        "::essay::Write {}",                             # 8
        "",                                              # 9
        "::ok::[html]<b>選べ</b>{=正しい#よい ~誤り ~%50%半分}",  # 10
        "",
        "Cloze {=a ~b} more text",                       # 12
    ])
    result = parse_gift(source, "quiz-new")
    lines = {(n.line, n.message.split("は")[0]) for n in result.notices}
    assert (2, "数値問題") in lines and (4, "短答問題") in lines
    assert (6, "組み合わせ問題") in lines and (8, "記述問題") in lines
    messages = [n for n in result.notices if n.line == 10]
    text = " ".join(n.message for n in messages)
    assert "正解の選択肢「正しい」へのフィードバック" in text and "部分点 50%" in text
    assert "理由" in text and "解説" in text and "出典" in text
    assert any(n.line == 12 and "穴埋め" in n.message for n in result.notices)
    assert any("[html]" in n.message for n in result.notices)
    [question] = result.quiz["questions"]
    assert question["type"] == "single" and question["id"] == "q1"
    assert result.quiz["module"] == "new" and result.quiz["pass_mark"] == 80


def test_unknown_quiz_or_curriculum_is_an_export_error():
    """Asking for something the catalog does not hold is a Japanese error, not a traceback."""
    with pytest.raises(ExportError, match="クイズ"):
        select_quizzes(SHIPPED, quiz="quiz-nope")
    with pytest.raises(ExportError, match="課程"):
        select_quizzes(SHIPPED, curriculum="nope")


# --- Moodle XML ----------------------------------------------------------------------------------

def test_moodle_xml_has_the_documented_elements():
    """Well-formed UTF-8 XML; per question name, questiontext format="html" (our renderer's HTML),
    answers with fractions (100 for single, summing to 100 for multiple), feedback, generalfeedback,
    single and shuffleanswers; one category per quiz."""
    data = export_moodlexml(EXPORTED)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    root = ET.fromstring(data)
    assert root.tag == "quiz"
    questions = root.findall("question")
    categories = [q for q in questions if q.get("type") == "category"]
    assert len(categories) == len(EXPORTED)
    ours = [(e, q) for e in EXPORTED for q in e.quiz.questions]
    theirs = [q for q in questions if q.get("type") != "category"]
    assert len(theirs) == len(ours)
    for element, (exported, question) in zip(theirs, ours):
        kind = question["type"]
        assert element.get("type") == ("truefalse" if kind == "truefalse" else "multichoice")
        assert element.findtext("name/text") == f"{exported.item.slug} {question['id']}"
        assert element.find("questiontext").get("format") == "html"
        assert element.findtext("questiontext/text") == render_markdown(question["prompt"])
        assert element.find("generalfeedback").get("format") == "html"
        assert element.findtext("generalfeedback/text") == render_markdown(question["explanation"])
        assert element.findtext("tags/tag/text") == exported.item.slug
        answers = element.findall("answer")
        fractions = [float(a.get("fraction")) for a in answers]
        if kind == "truefalse":
            assert [a.findtext("text") for a in answers] == ["true", "false"]
            assert fractions == ([100, 0] if question["answer"] else [0, 100])
            continue
        assert element.findtext("single") == ("true" if kind == "single" else "false")
        assert element.findtext("shuffleanswers") == "true"
        import html as html_module
        assert [html_module.unescape(a.findtext("text")) for a in answers] == [o["text"].strip() for o in question["options"]]
        correct = [bool(o.get("correct")) for o in question["options"]]
        assert [f > 0 for f in fractions] == correct
        assert abs(sum(f for f in fractions if f > 0) - 100) < 0.001
        for answer, option in zip(answers, question["options"]):
            feedback = answer.find("feedback")
            assert feedback.get("format") == "html"
            if not option.get("correct"):
                assert html_module.unescape(feedback.findtext("text")) == f"<p>{option['reason'].strip()}</p>"


def test_moodle_xml_carries_the_source_as_a_comment():
    """Each question is preceded by a comment with its source (Moodle has no field for it)."""
    text = export_moodlexml(EXPORTED[:1]).decode("utf-8")
    for question in EXPORTED[0].quiz.questions:
        assert f"<!-- 出典: {' '.join(question['source'].split())} -->" in text
