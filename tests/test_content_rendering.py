"""Case facts and scene hints through the one Markdown renderer; nested hints in ``content check``; contents."""
from __future__ import annotations

import re

import shutil
from pathlib import Path

import pytest

from elearn.content import load_catalog
from elearn.content.markdown import render_with_toc

from .conftest import FIXTURE_CONTENT


@pytest.fixture
def learner(auth, make_user, content):
    user = make_user()
    auth.login(user.email)
    return user


@pytest.fixture
def tree(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_case_facts_render_lists_as_lists(client, learner):
    """A ``- `` list in a facts field becomes <ul><li>, not raw bullets run together."""
    html = client.get("/cases/t-case").text
    assert "<ul>\n<li>訪問</li>\n<li>居場所</li>\n</ul>" in html
    assert "- 訪問" not in html


def test_case_facts_keep_line_breaks_and_escape_html(tree, app):
    """Lines of a facts block stay lines (breaks), and raw HTML in facts is not rendered."""
    from elearn.content.importer import render_item
    _replace(tree / "case_studies/t-case.md", "  trigger: 相談の増加\n",
             "  trigger: |\n    ・相談の増加\n    ・<b>家族会</b>の要望\n")
    item = load_catalog(tree).items["t-case"]
    _, meta = render_item(item, lambda slug: f"/x/{slug}")
    assert meta["facts_html"]["trigger"] == "<p>・相談の増加<br />\n・&lt;b&gt;家族会&lt;/b&gt;の要望</p>\n"


def test_scene_hints_keep_heading_and_details(client, learner):
    """A nested hint renders its heading with the details as a list under it; a plain hint stays a hint."""
    html = client.get("/courses/hints/t-scene?choice=a").text
    start = html.index('class="scene__hints"')
    hints = html[start:html.index("</ul>\n    </li>", start)]
    assert "信じて長期的に支援する。" in html
    assert "<p>会えない場合は手紙で伝える</p>" in hints
    assert '<ul class="scene__hint-details"><li><p>手紙のやりとりから出向くようになったケースがある。</p>' in hints


@pytest.mark.parametrize("old, new, line, message", [
    ("      details:\n", "      detail:\n", 29, "不明なキー「detail」"),
    ("    - heading: 会えない場合は手紙で伝える\n", "    - heading: ''\n", 28, "heading を文字列で書いてください"),
    ("        - 手紙のやりとりから出向くようになったケースがある。\n        - 会えなくても、手紙で支援者について知ってもらう。\n",
     "          []\n", 29, "details は 1個以上の項目のリストにしてください"),
    ("    - 信じて長期的に支援する。\n", "    - 3\n", 27, "ヒントは文字列か、heading"),
    ("        - 会えなくても、手紙で支援者について知ってもらう。\n", "        - '[手紙](t-nothing)'\n", 31,
     "リンク先「t-nothing」という教材がありません"),
])
def test_check_reports_nested_hint_problems_with_lines(tree, runner, old, new, line, message):
    """``content check`` validates the nested hint form and points at the file line."""
    _replace(tree / "courses/hints/scene-t.md", old, new)
    result = runner.invoke(args=["content", "check", "--dir", str(tree)])
    assert result.exit_code == 1
    assert any(out.startswith(f"courses/hints/scene-t.md:{line}: ") and message in out
               for out in result.output.splitlines()), result.output


def test_headings_get_anchors_and_contents():
    """## and ### headings get ids from their text (numbered when repeated); the contents list names them."""
    html, toc = render_with_toc("## はじめに\n\n本文\n\n### 細部 `code`\n\n## まとめ\n\n## まとめ\n")
    assert '<h2 id="h-はじめに">はじめに</h2>' in html and '<h3 id="h-細部-code">' in html
    assert toc == [{"id": "h-はじめに", "title": "はじめに", "level": 2}, {"id": "h-細部-code", "title": "細部 code", "level": 3},
                   {"id": "h-まとめ", "title": "まとめ", "level": 2}, {"id": "h-まとめ-2", "title": "まとめ", "level": 2}]


def test_long_module_shows_contents_and_quiz_link(app, tree, runner, auth, make_user):
    """A module with four or more ## sections shows その内容 and 「確認テストへ」 near the top; a short one does not."""
    _replace(tree / "courses/initial/01-alpha.md", "## まとめ", "## 背景\n\n背景。\n\n## 支援\n\n支援。\n\n## まとめ")
    app.config["CONTENT_DIR"] = str(tree)
    assert runner.invoke(args=["content", "import"]).exit_code == 0
    user = make_user()
    auth.login(user.email)
    client = auth.client
    html = client.get("/courses/initial/t-alpha").text
    nav = html[html.index('class="toc"'):html.index("</nav>", html.index('class="toc"'))]
    anchors = re.findall(r'href="#(h-[^"]+)"', nav)
    assert len(anchors) == 5 and all(f'id="{anchor}"' in html for anchor in anchors)
    assert 'href="#quiz">確認テストへ' in nav and 'id="quiz"' in html
    assert html.index('class="toc"') < html.index(f'id="{anchors[0]}"')
    assert 'class="toc"' not in client.get("/courses/initial/t-beta").text


def test_tables_sit_in_a_labelled_focusable_scroll_box():
    """Every Markdown table is wrapped in a keyboard-focusable region named by its headers, each name distinct."""
    from elearn.content import render_markdown

    table = "| 区分 | **施策** |\n|---|---|\n| a | b |\n"
    html = render_markdown(f"{table}\n本文\n\n{table}")
    assert html.count('<div class="table-scroll" tabindex="0" role="region"') == 2
    assert 'aria-label="表（区分・施策）"' in html and 'aria-label="表（区分・施策）その2"' in html
    assert html.count("</table>\n</div>") == 2
    assert 'aria-label="表（&lt;b&gt;）"' in render_markdown("| <b> |\n|---|\n| x |\n")
