"""Issue 16 on the server side: one term per concept, board action groups, record cards, the /verify input."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from .test_board import as_user, new_thread_id, people, start_thread  # noqa: F401 (fixture)

TEMPLATES = Path(__file__).parents[1] / "elearn" / "templates"


@pytest.mark.parametrize("avoided, used", [("完了", "修了"), ("話題", "スレッド"), ("進捗", "進み具合")])
def test_templates_use_one_term_per_concept(avoided, used):
    """The README's glossary: no template shows the avoided word (comments aside)."""
    offending = []
    for path in TEMPLATES.rglob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        if avoided in text:
            offending.append(path.relative_to(TEMPLATES).as_posix())
    assert offending == [], f"「{avoided}」ではなく「{used}」: {offending}"


def test_board_keeps_delete_and_report_apart_from_positive_actions(client, auth, people):  # noqa: F811
    """The author's 編集 sits with わかります; 削除 is in a separate group, and so is another reader's 通報."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client))
    html = client.get(f"/board/{thread_id}").text
    footer = html[html.index('class="post__actions actions"'):html.index("</footer>")]
    positive, apart = footer.split('post__actions-group--apart')
    assert ">編集</a>" in positive and ">削除</a>" not in positive
    assert ">削除</a>" in apart and ">編集</a>" not in apart
    as_user(client, auth, people.learner)
    html = client.get(f"/board/{thread_id}").text
    footer = html[html.index('class="post__actions actions"'):html.index("</footer>")]
    positive, apart = footer.split('post__actions-group--apart')
    assert "わかります" in positive and ">通報</a>" in apart and "通報" not in positive


def test_records_page_has_cards_for_phones(auth, client, make_user, content):
    """学習の記録 lists each opened module as a card too (shown instead of the table on narrow screens)."""
    auth.login(make_user().email)
    client.get("/courses/initial/t-alpha")
    html = client.get("/records").text
    cards = html[html.index('class="record-cards"'):]
    assert re.search(r'class="record-card__title"><a href="/courses/initial/t-alpha">テスト教材A</a>', cards)
    assert "学習開始" in cards and "最高点" in cards and "修了日" not in cards.split("</ul>")[0]


def test_verify_code_input_suits_a_touch_keyboard(client):
    """Capitals, no autocorrect or spellcheck, a search key; a code not found is kept in the field."""
    field = re.search(r'<input type="text" id="code"[^>]*>', client.get("/verify/").text, re.S).group(0)
    for attribute in ('autocapitalize="characters"', 'autocorrect="off"', 'spellcheck="false"',
                      'enterkeyhint="search"', 'inputmode="text"', 'autocomplete="off"'):
        assert attribute in field
    missing = client.get("/verify/ABCD-EFGH-JKLM-NPQR")
    assert missing.status_code == 404
    assert 'value="ABCD-EFGH-JKLM-NPQR"' in missing.text
    assert 'value="&lt;x&gt;"' in client.get("/verify/<x>").text
