"""Search (issue 22): one page over content and the board, folded Japanese, both databases, hostile input."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from elearn.board import moderation, services
from elearn.extensions import db
from elearn.models import BoardPost, BoardThread, Role, SearchDocument, User
from elearn.search_index import highlight, query_words, rebuild_board, search

from .conftest import count_statements

HOSTILE = [
    "a" * 1000, "あ" * 1000, '"', '""', '" * ( ) NEAR OR', "NEAR(a b)", "a OR b", "a AND NOT b", "*", "(", ")",
    "^abc", "col:abc", "folded:ひきこもり", "%", "_", "%%", "50%", "a_b", "\\", "\\%", "\x00", "a\x00b", "\x01\x1f\x7f",
    "<script>alert(1)</script>", "' OR 1=1 --", "'; DROP TABLE search_documents; --", "\u3000", "  ", "\ufeff",
    "\u202e\u202d", "𠮷野家", "ｶﾞｷﾞ", "e\u0301", "{{ 7*7 }}", "{% raw %}", "&lt;mark&gt;", "<mark>", "\r\n\t",
]


@pytest.fixture
def people(make_user):
    return {"author": make_user(name="秘密 投稿者", email="secret.author@example.jp"),
            "learner": make_user(name="別の 受講者"),
            "moderator": make_user(Role.MODERATOR, name="見守り 役")}


def post_thread(app, author, title, body, anonymous=False, category="self-care") -> int:
    with app.app_context():
        thread = services.create_thread(db.session.get(User, author.id), category=category, title=title, body=body,
                                        anonymous=anonymous)
        db.session.commit()
        return thread.id


def post_reply(app, thread_id, author, body) -> int:
    with app.app_context():
        post = services.add_reply(db.session.get(BoardThread, thread_id), db.session.get(User, author.id), body=body,
                                  anonymous=False)
        db.session.commit()
        return post.id


def results(response) -> str:
    """The results part of the search page (the navigation links to /board/ and /courses/ too)."""
    return response.text.split('<main', 1)[1].split('</main>', 1)[0]


def login(client, auth, user):
    client.delete_cookie("elearn_session")
    assert auth.login(user.email).status_code == 302


def test_a_learner_finds_a_module_a_case_and_a_thread_from_one_query(app, client, auth, content, people):
    post_thread(app, people["author"], "テストの進め方", "面談の記録をどう残すか悩んでいます。")
    login(client, auth, people["learner"])
    page = client.get("/search/?q=テスト")
    assert page.status_code == 200
    html = page.text
    for label in ("教材", "事例", "支援者のひろば"):
        assert f'<h2 id="group-' in html and label in html
    assert "<mark>テスト</mark>" in html
    assert "/courses/initial/t-alpha#h-" in html  # linked to the heading
    assert "/cases/t-case" in html
    assert re.search(r'href="/board/\d+"', html)
    # The heading anchors exist on the module page the result links to.
    anchor = re.search(r'/courses/initial/t-alpha#(h-[^"]+)"', html).group(1)
    assert f'id="{anchor}"' in client.get("/courses/initial/t-alpha").text


def test_case_facts_questions_and_quiz_explanations_are_found(app, client, auth, content, people):
    login(client, auth, people["learner"])
    facts = client.get("/search/?q=相談の増加").text
    assert "/cases/t-case#facts" in facts and "<mark>相談の増加</mark>" in facts
    questions = client.get("/search/?q=連携先").text
    assert "/cases/t-case#questions-heading" in questions
    explanation = client.get("/search/?q=正解は a").text
    assert "確認テストの解説" in explanation and "#quiz" in explanation


def test_width_and_kana_folding_and_every_word_must_occur(app, client, auth, content, people):
    thread_id = post_thread(app, people["author"], "相談の記録", "8050問題について、ひきこもりの方のご家族から相談がありました。")
    login(client, auth, people["learner"])
    for query in ("８０５０", "8050", "ヒキコモリ", "ﾋｷｺﾓﾘ", "8050　ひきこもり", "８０５０ ヒキコモリ 相談"):
        html = client.get("/search/", query_string={"q": query}).text
        assert f"/board/posts/" in html or f"/board/{thread_id}" in html, query
    assert "<mark>8050</mark>" in client.get("/search/?q=８０５０").text
    assert "<mark>ひきこもり</mark>" in client.get("/search/?q=ﾋｷｺﾓﾘ").text
    assert "/board/posts/" not in results(client.get("/search/?q=8050 存在しないことば"))
    # The board's own search folds the same way.
    assert "相談の記録" in client.get("/board/?q=８０５０").text


def test_hidden_deleted_and_anonymous_posts(app, client, auth, content, people):
    anonymous = post_thread(app, people["author"], "匿名の相談", "ないしょの悩みごとです。", anonymous=True)
    hidden = post_thread(app, people["author"], "隠されるスレッド", "かくれんぼの話題です。")
    reply_id = post_reply(app, anonymous, people["author"], "消される返信のことば。")
    hidden_reply = post_reply(app, anonymous, people["author"], "非表示になる返信のことば。")
    with app.app_context():
        moderator = db.session.get(User, people["moderator"].id)
        opening = db.session.scalar(select(BoardPost).where(BoardPost.thread_id == hidden))
        moderation.hide_post(opening, moderator, "テストのため")
        moderation.hide_post(db.session.get(BoardPost, hidden_reply), moderator, "テストのため")
        services.delete_post(db.session.get(BoardPost, reply_id))
        db.session.commit()
    login(client, auth, people["learner"])
    shown = client.get("/search/?q=ないしょ")
    assert "匿名の相談" in shown.text
    for trace in ("秘密 投稿者", "secret.author"):
        assert trace not in shown.text
    assert "見つかりませんでした" in client.get("/search/?q=かくれんぼ").text  # thread hidden
    assert "見つかりませんでした" in client.get("/search/?q=隠されるスレッド").text
    assert "見つかりませんでした" in client.get("/search/?q=消される返信").text  # deleted
    assert "見つかりませんでした" in client.get("/search/?q=非表示になる").text  # reply hidden
    # A moderator's board search still finds the hidden thread by its title, never the hidden text.
    login(client, auth, people["moderator"])
    assert "隠されるスレッド" in client.get("/board/?q=隠される").text
    assert "該当するスレッドはありません" in client.get("/board/?q=かくれんぼ").text
    # Restoring brings it back.
    with app.app_context():
        opening = db.session.scalar(select(BoardPost).where(BoardPost.thread_id == hidden))
        moderation.restore_post(opening, db.session.get(User, people["moderator"].id))
        db.session.commit()
    login(client, auth, people["learner"])
    assert "隠されるスレッド" in client.get("/search/?q=かくれんぼ").text


def test_edits_and_title_changes_reach_the_index(app, client, auth, people):
    thread_id = post_thread(app, people["author"], "古いタイトル", "古い本文です。")
    with app.app_context():
        post = db.session.scalar(select(BoardPost).where(BoardPost.thread_id == thread_id))
        services.edit_post(post, body="新しい本文です。", title="新しいタイトル")
        db.session.commit()
    login(client, auth, people["learner"])
    assert "見つかりませんでした" in client.get("/search/?q=古い本文").text
    assert "見つかりませんでした" in client.get("/search/?q=古いタイトル").text
    html = client.get("/search/?q=新しい本文").text
    assert "新しいタイトル" in html


def test_post_link_leads_to_the_post_on_its_page(app, client, auth, people):
    thread_id = post_thread(app, people["author"], "返信の位置", "はじめの投稿。")
    ids = [post_reply(app, thread_id, people["author"], f"返信その{n}。") for n in range(35)]
    login(client, auth, people["learner"])
    response = client.get(f"/board/posts/{ids[-1]}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/board/{thread_id}?page=2#post-{ids[-1]}")
    assert client.get("/board/posts/2147483647").status_code == 404


def test_filters_by_kind_and_curriculum_and_pagination(app, client, auth, content, people):
    thread_id = post_thread(app, people["author"], "まとめて相談", "テスト投稿 0")
    for n in range(1, 25):
        post_reply(app, thread_id, people["author"], f"テスト投稿 {n}")
    login(client, auth, people["learner"])
    cases_only = results(client.get("/search/?q=テスト&curriculum=cases"))
    assert "/cases/t-case" in cases_only and "/courses/initial/" not in cases_only and "/board/" not in cases_only
    first = client.get("/search/?q=テスト投稿&kind=board").text
    assert first.count('class="search-result"') == 20 and "1 / 2 ページ" in first
    second = client.get("/search/?q=テスト投稿&kind=board&page=2").text
    assert second.count('class="search-result"') == 5
    clamped = client.get("/search/?q=テスト投稿&kind=board&page=999999999999999999999").text
    assert "2 / 2 ページ" in clamped
    overview = client.get("/search/?q=テスト投稿").text
    assert overview.count('class="search-result"') == 5 and "の結果をすべて見る（25件）" in overview
    modules = results(client.get("/search/?q=まとめ&kind=module&curriculum=initial"))
    assert "/courses/initial/t-alpha#h-まとめ" in modules and "/board/" not in modules


def test_hostile_queries_never_fail(app, client, auth, content, people):
    post_thread(app, people["author"], "記号の投稿", '50%の人が"NEAR"と(括弧)*を書いた a_b 〒 <script>alert(1)</script>')
    login(client, auth, people["learner"])
    for query in HOSTILE + [" ".join(HOSTILE), "テスト " + query_words.__name__ * 50]:
        for url in ("/search/", "/board/"):
            response = client.get(url, query_string={"q": query, "kind": query, "curriculum": query, "page": query})
            assert response.status_code == 200, (url, query)
            assert "<script>alert" not in response.text
            assert not re.search(r"<mark>[^<]*<(?!/mark)", response.text)
        for kind in ("board", "module"):
            assert client.get("/search/", query_string={"q": query, "kind": kind}).status_code == 200


def test_wildcards_and_fts_syntax_are_taken_literally(app, client, auth, people):
    post_thread(app, people["author"], "記号", '割合は50%でした。a_b と "NEAR" と (括弧) と * の話。')
    post_thread(app, people["author"], "似た数字", "割合は500でした。axb の話。")
    login(client, auth, people["learner"])
    assert client.get("/search/?q=50%25").text.count('class="search-result"') == 1
    assert client.get("/search/?q=a_b").text.count('class="search-result"') == 1
    assert client.get("/search/?q=%22NEAR%22").text.count('class="search-result"') == 1
    assert client.get("/search/?q=(括弧)").text.count('class="search-result"') == 1
    assert "<mark>50%</mark>" in client.get("/search/?q=50%25").text


def test_statements_per_search_do_not_grow_with_the_data(app, client, auth, content, people):
    login(client, auth, people["learner"])
    thread_id = post_thread(app, people["author"], "数える", "ひきこもり支援の相談 1")

    def statements(query, kind=""):
        with app.app_context(), count_statements(app) as seen:
            assert client.get("/search/", query_string={"q": query, "kind": kind}).status_code == 200
        return len([s for s in seen if "search_documents" in s])

    small = {q: statements(q) for q in ("相談", "ひきこもり", "ひきこもり 相談")}
    for n in range(40):
        post_reply(app, thread_id, people["author"], f"ひきこもり支援の相談 {n}")
    assert {q: statements(q) for q in small} == small
    assert max(small.values()) <= 4
    assert statements("相談", "board") <= 2


def test_content_index_follows_the_import(app, content):
    with app.app_context():
        kinds = dict(db.session.execute(select(SearchDocument.kind, func.count()).group_by(SearchDocument.kind)).all())
        assert kinds.keys() >= {"module", "scene", "case", "quiz"}
        scene = db.session.scalars(select(SearchDocument).where(SearchDocument.kind == "scene",
                                                                SearchDocument.anchor == "scene-heading")).all()
        assert scene, "a scene's situation is indexed"


def test_rebuild_board_gives_the_same_rows(app, people):
    thread_id = post_thread(app, people["author"], "作り直し", "作り直しても同じ行になる。")
    post_reply(app, thread_id, people["author"], "返信も同じ。")
    columns = (SearchDocument.kind, SearchDocument.thread_id, SearchDocument.post_id, SearchDocument.title,
               SearchDocument.body, SearchDocument.folded, SearchDocument.hidden, SearchDocument.thread_hidden,
               SearchDocument.anchor, SearchDocument.sort_key)
    with app.app_context():
        before = sorted(db.session.execute(select(*columns)).all(), key=repr)
        rebuild_board(db.session)
        db.session.commit()
        assert sorted(db.session.execute(select(*columns)).all(), key=repr) == before
        assert [h.post_id for g in search(db.session, "作り直し").groups for h in g.hits]


def test_highlight_escapes_and_marks_folded_matches():
    assert highlight("<b>ヒキコモリ</b>", query_words("ひきこもり")) == "&lt;b&gt;<mark>ヒキコモリ</mark>&lt;/b&gt;"
    assert highlight("８０５０問題", query_words("8050")) == "<mark>８０５０</mark>問題"
    assert highlight("ｶﾞｲﾄﾞ", query_words("ガイド")) == "<mark>ｶﾞｲﾄﾞ</mark>"
    long = "あ" * 300 + "目印" + "い" * 300
    snippet = highlight(long, ["目印"])
    assert "<mark>目印</mark>" in snippet and len(snippet) < 200


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from("ひきこもりヒキコモリ支援８０５０8050abcABC 　\n\t\x00\u00ad…ｶﾞｲﾄﾞ（）「」İßガ\u3099e\u0301髙"), max_size=60))
def test_the_fast_folded_map_agrees_with_folding_cluster_by_cluster(text):
    from elearn.search_index import _folded_by_cluster, _folded_map
    fast, slow = _folded_map(text), _folded_by_cluster(text)
    assert fast[0] == slow[0] and list(fast[1]) == list(slow[1]) and list(fast[2]) == list(slow[2])


_words = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Cc", "Zl", "Zp")), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_words, start=st.integers(0, 39), length=st.integers(1, 12), noise=st.text(max_size=60))
def test_any_piece_of_a_post_finds_it(app, people, body, start, length, noise):
    """Property: any substring of a post's text finds the post; any query at all runs without error."""
    with app.app_context():
        db.session.execute(SearchDocument.__table__.delete())
        db.session.execute(BoardPost.__table__.delete())
        db.session.execute(BoardThread.__table__.delete())
        thread = services.create_thread(db.session.get(User, people["author"].id), category="self-care",
                                        title="性質", body=body, anonymous=False)
        db.session.commit()
        opening = db.session.scalar(select(BoardPost.id).where(BoardPost.thread_id == thread.id))
        indexed = db.session.scalar(select(SearchDocument.body).where(SearchDocument.post_id == opening))
        search(db.session, noise)
        if indexed:
            piece = indexed[start % len(indexed):][:length].strip()
            if query_words(piece):
                found = {h.post_id for g in search(db.session, piece, kinds=["board"]).groups for h in g.hits}
                assert opening in found, (indexed, piece)


def test_search_rebuild_command(app, runner, content, people):
    post_thread(app, people["author"], "作り直すコマンド", "索引を作り直す。")
    with app.app_context():
        db.session.execute(SearchDocument.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "検索の索引を作り直しました" in result.output
    with app.app_context():
        assert search(db.session, "作り直す").total == 2  # the title row and the post
        assert search(db.session, "テスト教材").groups


def test_board_results_stop_at_the_cap(app, client, auth, people, monkeypatch):
    import elearn.search_index as search_index

    monkeypatch.setattr(search_index, "BOARD_COUNT_CAP", 12)
    thread_id = post_thread(app, people["author"], "上限の相談", "上限テスト 0")
    for n in range(1, 30):
        post_reply(app, thread_id, people["author"], f"上限テスト {n}")
    with app.app_context():
        found = search(db.session, "上限テスト", kinds=["board"], page=1, per_page=5)
        board = found.groups[0]
        assert (board.total, board.capped, found.pages, len(board.hits)) == (12, True, 3, 5)
        assert [h.post_id for h in board.hits] == sorted((h.post_id for h in board.hits), reverse=True)
        last = search(db.session, "上限テスト", kinds=["board"], page=9, per_page=5)
        assert (last.page, len(last.groups[0].hits)) == (3, 2)
        overview = search(db.session, "上限テスト", per_group=5)
        assert [(g.kind, g.total, g.capped) for g in overview.groups] == [("board", 12, True)]


def test_content_rows_are_reused_until_the_snapshot_expires(app, content, monkeypatch):
    """Content is matched from a per-worker copy of its index rows; a re-import reaches it once the
    copy is CONTENT_CACHE_SECONDS old, as it reaches the pages."""
    import elearn.per_process as per_process

    app.config["CONTENT_CACHE_SECONDS"] = 30
    clock = [1000.0]
    monkeypatch.setattr(per_process.time, "monotonic", lambda: clock[0])
    with app.test_request_context("/search/"):
        assert search(db.session, "新しい言い回し").total == 0
        db.session.execute(SearchDocument.__table__.update().where(SearchDocument.kind == "module")
                           .values(folded=SearchDocument.folded + "新しい言い回し"))
        db.session.commit()
        assert search(db.session, "新しい言い回し").total == 0
        clock[0] += 31
        assert search(db.session, "新しい言い回し", kinds=["module"]).groups[0].total > 0
