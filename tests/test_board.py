"""The peer board: posting, search, anonymity, editing, わかります, reports, moderation and limits."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from elearn import create_app
from elearn.board import forms, services
from elearn.board.privacy import find_identifiers
from elearn.extensions import db, limiter
from elearn.models import (BoardAuthorReveal, BoardModerationLog, BoardPost, BoardReaction, BoardReport,
                           BoardThread, Role, User)

from .conftest import count_statements, csrf_from

AUTHOR_ID = 987654


@pytest.fixture
def people(make_user):
    """An author with a distinctive name, email, 所属 and id, and one person of every other role."""
    return SimpleNamespace(
        author=make_user(name="秘密 投稿者", email="secret.author@example.jp", organisation="匿名確認用センター",
                         id=AUTHOR_ID),
        learner=make_user(name="別の 受講者"),
        organiser=make_user(Role.ORGANISER, name="研修 担当"),
        moderator=make_user(Role.MODERATOR, name="見守り 役"),
        admin=make_user(Role.ADMIN, name="管理 者"),
    )


AUTHOR_TRACES = ("秘密 投稿者", "secret.author@example.jp", "secret.author", "匿名確認用センター", str(AUTHOR_ID))


def as_user(client, auth, user):
    """Switch the test client to ``user``."""
    client.delete_cookie("elearn_session")
    assert auth.login(user.email).status_code == 302


def token(client, url="/board/new") -> str:
    return csrf_from(client.get(url).text)


def start_thread(client, title="訪問が続けられない", body="どう関わればよいか悩んでいます。", category="self-care",
                 anonymous=False, **extra):
    data = {"category": category, "title": title, "body": body, "csrf_token": token(client), **extra}
    if anonymous:
        data["anonymous"] = "y"
    return client.post("/board/new", data=data)


def new_thread_id(response) -> int:
    assert response.status_code == 302, response.text[:500]
    return int(re.search(r"/board/(\d+)", response.headers["Location"]).group(1))


def reply(client, thread_id, body="わかります。私も同じでした。", anonymous=False, **extra):
    data = {"body": body, "csrf_token": token(client, f"/board/{thread_id}"), **extra}
    if anonymous:
        data["anonymous"] = "y"
    return client.post(f"/board/{thread_id}/reply", data=data)


def post_ids(app, thread_id) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(BoardPost.id).where(BoardPost.thread_id == thread_id)
                                       .order_by(BoardPost.id)))


def assert_no_trace(response):
    """Nothing that identifies the author, anywhere in the response (body, attributes, headers)."""
    everything = response.get_data(as_text=True) + str(response.headers)
    for trace in AUTHOR_TRACES:
        assert trace not in everything, f"{trace!r} leaked"


# --- Pages, posting, search ---------------------------------------------------------------------

def test_board_needs_login_and_is_never_cached(client):
    """Anonymous visitors are sent to the login page, and even that answer is no-store."""
    response = client.get("/board/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert response.headers["Cache-Control"] == "no-store"


def test_post_thread_and_reply(client, auth, people):
    """A learner starts a thread and another replies; the list shows the reply count."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, title="家族と連絡がとれない"))
    as_user(client, auth, people.learner)
    response = reply(client, thread_id)
    assert response.status_code == 302 and re.search(rf"/board/{thread_id}\?page=1#post-\d+$",
                                                      response.headers["Location"])
    page = client.get(f"/board/{thread_id}").text
    assert "家族と連絡がとれない" in page and "わかります。私も同じでした。" in page
    assert "秘密 投稿者" in page and "別の 受講者" in page  # named posts show names
    listing = client.get("/board/").text
    assert "家族と連絡がとれない" in listing and "返信 1件" in listing


def test_newest_activity_first(app, client, auth, people):
    """A reply moves its thread to the top."""
    as_user(client, auth, people.learner)
    first = new_thread_id(start_thread(client, title="いちばん古いスレッド"))
    new_thread_id(start_thread(client, title="新しいスレッド"))
    listing = client.get("/board/").text
    assert listing.index("新しいスレッド") < listing.index("いちばん古いスレッド")
    reply(client, first)
    listing = client.get("/board/").text
    assert listing.index("いちばん古いスレッド") < listing.index("新しいスレッド")


def test_search_by_japanese_substrings(client, auth, people):
    """Words match inside Japanese text (title or body); several words must all match; % is literal."""
    as_user(client, auth, people.learner)
    new_thread_id(start_thread(client, title="訪問のタイミング", body="玄関先で手紙を渡しています。50%くらい"))
    new_thread_id(start_thread(client, title="家族との連携", body="父親の理解が得られません。", category="collaboration"))
    assert "訪問のタイミング" in client.get("/board/?q=タイミング").text
    found = client.get("/board/?q=玄関").text
    assert "訪問のタイミング" in found and "家族との連携" not in found
    both = client.get("/board/?q=父親　連携").text  # full-width space between words
    assert "家族との連携" in both and "訪問のタイミング" not in both
    assert "該当するスレッドはありません" in client.get("/board/?q=連携 玄関").text
    percent = client.get("/board/?q=50%25").text
    assert "訪問のタイミング" in percent and "家族との連携" not in percent
    by_category = client.get("/board/?category=collaboration").text
    assert "家族との連携" in by_category and "訪問のタイミング" not in by_category


def test_scene_categories_come_from_the_content(app, client, auth, people, content):
    """Each current scene of 支援のヒント is a category titled as in the content; a retired scene's
    threads read その他."""
    as_user(client, auth, people.learner)
    form = client.get("/board/new").text
    assert '<option value="t-scene">場面T テスト</option>' in form
    thread_id = new_thread_id(start_thread(client, category="t-scene"))
    assert "場面T テスト" in client.get(f"/board/{thread_id}").text
    assert "場面T テスト" in client.get("/board/?category=t-scene").text
    with app.app_context():
        from elearn.models import Module
        db.session.execute(db.update(Module).where(Module.slug == "t-scene").values(retired=True))
        db.session.commit()
    assert 'value="t-scene"' not in client.get("/board/new").text
    page = client.get(f"/board/{thread_id}").text
    assert "場面T テスト" not in page and "その他" in page


def test_pagination(app, client, auth, people):
    """Twenty threads a page, newest activity first."""
    with app.app_context():
        user = db.session.get(User, people.learner.id)
        for number in range(25):
            services.create_thread(user, category="other", title=f"スレッド{number:02d}", body="本文",
                                   anonymous=False)
        db.session.commit()
    as_user(client, auth, people.learner)
    first, second = client.get("/board/").text, client.get("/board/?page=2").text
    assert "スレッド24" in first and "スレッド05" in first and "スレッド04" not in first
    assert "スレッド04" in second and "スレッド00" in second and 'rel="prev"' in second


def _fill(app, people, threads: int, replies: int) -> int:
    with app.app_context():
        author, other = db.session.get(User, people.author.id), db.session.get(User, people.learner.id)
        thread = None
        for number in range(threads):
            thread = services.create_thread(author if number % 2 else other, category="other", title=f"t{number}",
                                            body="b", anonymous=bool(number % 3))
            for count in range(replies):
                post = services.add_reply(thread, other if count % 2 else author, body="r", anonymous=bool(count % 2))
                services.toggle_reaction(post, author if count % 2 else other)
        db.session.commit()
        return thread.id


def test_fixed_number_of_queries(app, client, auth, people):
    """The list and a thread page run as many queries for 2 rows as for 20."""
    small = _fill(app, people, threads=2, replies=2)
    as_user(client, auth, people.moderator)
    with count_statements(app) as few:
        client.get("/board/")
        client.get(f"/board/{small}")
    big = _fill(app, people, threads=20, replies=25)
    with count_statements(app) as many:
        client.get("/board/")
        client.get(f"/board/{big}")
    assert len(many) == len(few), (few, many)


@pytest.mark.parametrize("field, value, message", [
    ("title", "あ" * 81, "タイトルは80文字以内で入力してください。"),
    ("title", "   ", "タイトルを入力してください。"),
    ("body", "い" * 5001, "本文は5000文字以内で入力してください。"),
    ("body", "\n\n", "本文を入力してください。"),
    ("category", "nothing", "カテゴリを一覧から選んでください。"),
    ("category", "", "カテゴリを選んでください。"),
])
def test_thread_form_validation(app, client, auth, people, field, value, message):
    """Every field is checked with a Japanese message tied to it, and nothing is saved."""
    as_user(client, auth, people.learner)
    response = start_thread(client, **{field: value})
    assert response.status_code == 200 and message in response.text
    assert f'id="{field}-error"' in response.text and 'aria-invalid="true"' in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count(BoardThread.id))) == 0


def test_reply_length_limit(client, auth, people):
    as_user(client, auth, people.learner)
    thread_id = new_thread_id(start_thread(client))
    assert "返信は5000文字以内で入力してください。" in reply(client, thread_id, body="う" * 5001).text


@pytest.mark.parametrize("payload", [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[押して](javascript:alert(1))",
    "[データ](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="javascript:alert(1)">link</a>',
    "<iframe src=//evil.example></iframe>",
])
def test_payloads_stay_inert(client, auth, people, payload):
    """Script, HTML and javascript: in titles and posts are shown as text, never run."""
    as_user(client, auth, people.learner)
    thread_id = new_thread_id(start_thread(client, title=payload[:80], body=payload))
    reply(client, thread_id, body=payload)
    for url in ("/board/", f"/board/{thread_id}", "/board/?q=alert"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html
        assert 'href="javascript:' not in html and 'href="data:' not in html
        assert "onerror=alert(1)>" not in html.replace("&gt;", "")


def test_privacy_preview_is_escaped(client, auth, people):
    """The privacy guard shows the text back escaped, with only the marks as HTML."""
    as_user(client, auth, people.learner)
    response = start_thread(client, body="<script>alert(1)</script> 電話 090-1234-5678")
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;alert(1)" in response.text
    assert '<mark class="privacy-mark">' in response.text


def test_nothing_becomes_a_500(client, auth, people):
    """Odd ids, pages and characters answer 404 or a page, never a server error."""
    as_user(client, auth, people.learner)
    assert client.get("/board/99999999999").status_code == 404
    assert client.get("/board/123456").status_code == 404
    assert client.get("/board/posts/99999999999/edit").status_code == 404
    for url in ("/board/?page=-5", "/board/?page=99999999999999999999999", "/board/?q=%00abc",
                "/board/?q=" + "あ" * 500, "/board/?category=<script>"):
        assert client.get(url).status_code == 200, url
    thread_id = new_thread_id(start_thread(client, title="NUL\x00を含む", body="本文\x00です"))
    assert "NULを含む" in client.get(f"/board/{thread_id}?page=999999").text


def test_board_pages_are_csp_clean_and_have_unique_ids(app, client, auth, people):
    """No inline script or style (the CSP forbids them) and no repeated ids (labels must be unambiguous)."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, anonymous=True))
    reply(client, thread_id)
    opening, _ = post_ids(app, thread_id)
    as_user(client, auth, people.admin)
    urls = ("/board/", "/board/new", f"/board/{thread_id}", f"/board/posts/{opening}/report", "/board/moderation/",
            f"/board/moderation/posts/{opening}", "/board/moderation/log", "/board/moderation/reveals")
    pages = [client.get(url) for url in urls]
    pages.append(start_thread(client, body="電話 090-1234-5678"))
    for response in pages:
        html = response.text
        assert response.status_code == 200
        assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html and " style=" not in html
        assert not re.search(r"<[^>]+\son[a-z]+=", html)
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


# --- Anonymity --------------------------------------------------------------------------------

def test_anonymity_holds_for_everyone_else(app, client, auth, people):
    """An anonymous author's name, email, 所属 and id appear in no response to any other person."""
    as_user(client, auth, people.author)
    anonymous_thread = new_thread_id(start_thread(client, title="誰にも言えない悩み", anonymous=True))
    reply(client, anonymous_thread, body="自分で補足します。", anonymous=True)
    as_user(client, auth, people.learner)
    other_thread = new_thread_id(start_thread(client, title="ほかの人のスレッド"))
    as_user(client, auth, people.author)
    reply(client, other_thread, body="匿名で返信します。", anonymous=True)
    opening, own_reply = post_ids(app, anonymous_thread)
    as_user(client, auth, people.learner)
    report_page = client.get(f"/board/posts/{opening}/report")
    client.post(f"/board/posts/{opening}/report", data={"reason": "other", "detail": "確認をお願いします",
                                                       "csrf_token": csrf_from(report_page.text)})

    for viewer in (people.learner, people.organiser, people.moderator, people.admin):
        as_user(client, auth, viewer)
        urls = ["/board/", "/board/?q=悩み", f"/board/{anonymous_thread}", f"/board/{other_thread}",
                f"/board/posts/{opening}/report", f"/board/posts/{own_reply}/edit", f"/board/posts/{own_reply}/delete"]
        if viewer.role in (Role.MODERATOR.value, Role.ADMIN.value):
            urls += ["/board/moderation/", f"/board/moderation/posts/{opening}", "/board/moderation/log"]
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403), (url, response.status_code)
            assert_no_trace(response)
        thread_page = client.get(f"/board/{anonymous_thread}").text
        assert "匿名の支援者" in thread_page and "匿名の支援者（スレッド作成者）" in thread_page
        other_page = client.get(f"/board/{other_thread}").text
        assert "匿名の支援者" in other_page and "スレッド作成者" not in other_page
        reacted = client.post(f"/board/posts/{opening}/reaction", data={"csrf_token": csrf_from(thread_page)})
        assert_no_trace(reacted)
        assert_no_trace(client.get(reacted.headers["Location"]))


def test_anonymous_reply_in_ones_own_named_thread_stays_unlinked(client, auth, people):
    """Under a thread posted with one's name, one's anonymous reply is not labelled as the opener's."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, title="名前を出したスレッド"))
    reply(client, thread_id, body="ここは匿名で。", anonymous=True)
    as_user(client, auth, people.learner)
    html = client.get(f"/board/{thread_id}").text
    assert "スレッド作成者" not in html and "匿名の支援者" in html


def test_the_author_still_manages_an_anonymous_post(client, auth, people):
    """The anonymous author sees edit and delete buttons on their own post; nobody else does."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, anonymous=True))
    assert "/edit" in client.get(f"/board/{thread_id}").text
    as_user(client, auth, people.learner)
    assert "/edit" not in client.get(f"/board/{thread_id}").text


# --- Edit, delete, わかります, reports ------------------------------------------------------------

@pytest.mark.parametrize("role", ["learner", "organiser", "moderator", "admin"])
def test_nobody_edits_or_deletes_anothers_post(app, client, auth, people, role):
    """Only the author may edit or delete a post, whatever the other person's role."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, body="元の本文"))
    (opening,) = post_ids(app, thread_id)
    as_user(client, auth, getattr(people, role))
    form_token = token(client)
    assert client.get(f"/board/posts/{opening}/edit").status_code == 403
    assert client.post(f"/board/posts/{opening}/edit", data={"body": "書き換え", "title": "x",
                                                             "csrf_token": form_token}).status_code == 403
    assert client.get(f"/board/posts/{opening}/delete").status_code == 403
    assert client.post(f"/board/posts/{opening}/delete", data={"csrf_token": form_token}).status_code == 403
    with app.app_context():
        post = db.session.get(BoardPost, opening)
        assert post.body_markdown == "元の本文" and post.deleted_at is None


def test_edit_marks_the_post_edited(app, client, auth, people):
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, title="古いタイトル", body="古い本文"))
    (opening,) = post_ids(app, thread_id)
    page = client.get(f"/board/posts/{opening}/edit")
    assert "古い本文" in page.text
    response = client.post(f"/board/posts/{opening}/edit", data={"title": "新しいタイトル", "body": "新しい本文",
                                                                 "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    html = client.get(f"/board/{thread_id}").text
    assert "新しいタイトル" in html and "新しい本文" in html and "編集済み" in html and "古い本文" not in html


def test_delete_removes_the_text(app, client, auth, people):
    """A deleted reply's text is gone; an unanswered thread goes entirely; an answered one keeps its replies."""
    as_user(client, auth, people.author)
    lonely = new_thread_id(start_thread(client, title="返信のないスレッド"))
    answered = new_thread_id(start_thread(client, title="返信のあるスレッド", body="消したい本文"))
    reply(client, answered, body="自分の返信")
    as_user(client, auth, people.learner)
    reply(client, answered, body="ほかの人の返信")
    as_user(client, auth, people.author)
    answered_opening, own_reply, _ = post_ids(app, answered)
    for post_id in (own_reply, answered_opening, post_ids(app, lonely)[0]):
        page = client.get(f"/board/posts/{post_id}/delete")
        deleted = client.post(f"/board/posts/{post_id}/delete", data={"csrf_token": csrf_from(page.text)})
        assert deleted.status_code == 302
    assert client.get(f"/board/{lonely}").status_code == 404
    html = client.get(f"/board/{answered}").text
    assert "消したい本文" not in html and "自分の返信" not in html and "返信のあるスレッド" not in html
    assert "ほかの人の返信" in html and "投稿者により削除されました" in html
    assert "返信のないスレッド" not in client.get("/board/").text
    with app.app_context():
        assert db.session.get(BoardPost, own_reply).body_markdown == ""


def test_wakarimasu_toggles_once_per_person(app, client, auth, people):
    """わかります is counted once per person, toggles, and cannot go to one's own post."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client))
    (opening,) = post_ids(app, thread_id)
    assert client.post(f"/board/posts/{opening}/reaction", data={"csrf_token": token(client)}).status_code == 403
    as_user(client, auth, people.learner)
    client.post(f"/board/posts/{opening}/reaction", data={"csrf_token": token(client)})
    html = client.get(f"/board/{thread_id}").text
    assert 'aria-pressed="true"' in html and re.search(r'わかります <span class="reaction__count">1</span>', html)
    client.post(f"/board/posts/{opening}/reaction", data={"csrf_token": token(client)})
    assert 'aria-pressed="false"' in client.get(f"/board/{thread_id}").text
    with app.app_context():
        post, learner = db.session.get(BoardPost, opening), db.session.get(User, people.learner.id)
        assert services.toggle_reaction(post, learner) is True
        db.session.commit()
        db.session.add(BoardReaction(post_id=opening, user_id=people.learner.id))
        with pytest.raises(Exception):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count(BoardReaction.id))) == 1


@pytest.mark.parametrize("data, message", [
    ({"reason": ""}, "通報の理由を選んでください。"),
    ({"reason": "nonsense"}, "通報の理由を一覧から選んでください。"),
    ({"reason": "other", "detail": ""}, "「その他」を選んだ場合は、補足を入力してください。"),
    ({"reason": "spam", "detail": "え" * 1001}, "補足は1000文字以内で入力してください。"),
])
def test_report_validation(app, client, auth, people, data, message):
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client))
    (opening,) = post_ids(app, thread_id)
    as_user(client, auth, people.learner)
    response = client.post(f"/board/posts/{opening}/report", data={**data, "csrf_token": token(client)})
    assert response.status_code == 200 and message in response.text


# --- Moderation ---------------------------------------------------------------------------------

def test_moderation_flow(app, client, auth, people):
    """Report → queue → hide with a reason → placeholder → restore → lock → unlock; all logged."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, title="モデレーション対象"))
    reply(client, thread_id, body="問題のある返信です", anonymous=True)
    _, bad = post_ids(app, thread_id)
    as_user(client, auth, people.learner)
    assert client.get("/board/moderation/").status_code == 403
    client.post(f"/board/posts/{bad}/report", data={"reason": "harassment", "csrf_token": token(client)})
    again = client.post(f"/board/posts/{bad}/report", data={"reason": "harassment", "csrf_token": token(client)})
    assert "すでに通報済み" in client.get(again.headers["Location"]).text

    as_user(client, auth, people.moderator)
    queue = client.get("/board/moderation/").text
    assert "問題のある返信です" in queue and "攻撃的・差別的な内容" in queue and "別の 受講者" not in queue
    case = client.get(f"/board/moderation/posts/{bad}")
    refused = client.post(f"/board/moderation/posts/{bad}/hide", data={"hide-reason": "",
                                                                       "hide-csrf_token": csrf_from(case.text)})
    assert "非表示にする理由を入力してください。" in refused.text
    client.post(f"/board/moderation/posts/{bad}/hide", data={"hide-reason": "ひろばの約束に反するため",
                                                             "hide-csrf_token": csrf_from(case.text)})
    assert "未対応の通報はありません" in client.get("/board/moderation/").text

    as_user(client, auth, people.learner)
    html = client.get(f"/board/{thread_id}").text
    assert "問題のある返信です" not in html and "モデレーターが非表示にしました" in html
    assert "該当するスレッドはありません" in client.get("/board/?q=問題のある返信").text
    as_user(client, auth, people.author)
    own = client.get(f"/board/{thread_id}").text
    assert "問題のある返信です" in own and "ひろばの約束に反するため" in own

    as_user(client, auth, people.moderator)
    form_token = csrf_from(client.get(f"/board/moderation/posts/{bad}").text)
    client.post(f"/board/moderation/posts/{bad}/restore", data={"restore-reason": "誤りでした", "csrf_token": form_token})
    client.post(f"/board/moderation/threads/{thread_id}/lock", data={"lock-reason": "", "csrf_token": form_token,
                                                                     "post_id": bad})
    as_user(client, auth, people.learner)
    html = client.get(f"/board/{thread_id}").text
    assert "問題のある返信です" in html and "ロックされています" in html and "返信する</h2>" not in html
    refused = reply(client, thread_id)
    assert refused.status_code == 302 and "返信できません" in client.get(refused.headers["Location"]).text
    as_user(client, auth, people.author)
    assert client.get(f"/board/posts/{bad}/edit").status_code == 403
    as_user(client, auth, people.moderator)
    client.post(f"/board/moderation/threads/{thread_id}/unlock", data={"csrf_token": token(client)})
    log = client.get("/board/moderation/log").text
    for label in ("非表示にした", "表示に戻した", "スレッドをロックした", "スレッドのロックを解除した", "ひろばの約束に反するため"):
        assert label in log
    with app.app_context():
        actions = db.session.scalars(select(BoardModerationLog.action).order_by(BoardModerationLog.id)).all()
        assert actions == ["hide", "restore", "lock", "unlock"]
        assert {r.resolution for r in db.session.scalars(select(BoardReport))} == {"hidden"}


def test_hiding_the_opening_post_hides_the_thread(app, client, auth, people):
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, title="非表示になるスレッド"))
    (opening,) = post_ids(app, thread_id)
    as_user(client, auth, people.moderator)
    case = client.get(f"/board/moderation/posts/{opening}")
    client.post(f"/board/moderation/posts/{opening}/hide", data={"hide-reason": "特定のおそれ",
                                                                 "csrf_token": csrf_from(case.text)})
    assert "非表示になるスレッド" in client.get("/board/").text  # moderators still see it, marked
    as_user(client, auth, people.learner)
    assert "非表示になるスレッド" not in client.get("/board/").text
    page = client.get(f"/board/{thread_id}").text
    assert "非表示になるスレッド" not in page and "非表示のスレッド" in page
    assert client.get(f"/board/posts/{opening}/report").status_code == 404


def test_dismissing_reports_is_logged(app, client, auth, people):
    as_user(client, auth, people.author)
    (opening,) = post_ids(app, new_thread_id(start_thread(client)))
    as_user(client, auth, people.learner)
    client.post(f"/board/posts/{opening}/report", data={"reason": "spam", "csrf_token": token(client)})
    as_user(client, auth, people.moderator)
    client.post(f"/board/moderation/posts/{opening}/dismiss", data={"dismiss-reason": "問題なし",
                                                                    "csrf_token": token(client)})
    with app.app_context():
        assert db.session.scalar(select(BoardReport.resolution)) == "dismissed"
        assert db.session.scalar(select(BoardModerationLog.action)) == "dismiss"


@pytest.mark.parametrize("role, expected", [("learner", 403), ("organiser", 403), ("moderator", 200)])
def test_who_may_moderate(client, auth, people, role, expected):
    as_user(client, auth, getattr(people, role))
    assert client.get("/board/moderation/").status_code == expected
    assert client.get("/board/moderation/log").status_code == expected
    assert client.get("/board/moderation/reveals").status_code == 403


def test_reveal_needs_a_reason_and_is_logged(app, client, auth, people):
    """Only admins reveal an author, only with a reason, and every reveal is logged."""
    as_user(client, auth, people.author)
    (opening,) = post_ids(app, new_thread_id(start_thread(client, anonymous=True)))
    as_user(client, auth, people.moderator)
    case = client.get(f"/board/moderation/posts/{opening}").text
    assert "投稿者を確認" not in case
    assert client.post(f"/board/moderation/posts/{opening}/reveal", data={
        "reveal-reason": "悪質な投稿への対応のため", "csrf_token": csrf_from(case)}).status_code == 403

    as_user(client, auth, people.admin)
    form_token = token(client)
    short = client.post(f"/board/moderation/posts/{opening}/reveal", data={"reveal-reason": "確認",
                                                                           "csrf_token": form_token})
    assert "確認する理由は10文字以上500文字以内で入力してください。" in short.text
    assert_no_trace(short)
    with app.app_context():
        assert db.session.scalar(select(func.count(BoardAuthorReveal.id))) == 0
    shown = client.post(f"/board/moderation/posts/{opening}/reveal", data={
        "reveal-reason": "通報が続いているため、アカウントの停止を検討する", "csrf_token": form_token})
    assert shown.status_code == 200 and "secret.author@example.jp" in shown.text and "記録されました" in shown.text
    assert shown.headers["Cache-Control"] == "no-store"
    with app.app_context():
        reveal = db.session.scalar(select(BoardAuthorReveal))
        assert (reveal.admin_id, reveal.post_id) == (people.admin.id, opening)
        assert reveal.reason.startswith("通報が続いている") and reveal.created_at is not None
    log = client.get("/board/moderation/reveals")
    assert "通報が続いているため" in log.text and "管理 者" in log.text
    assert_no_trace(log)


# --- Privacy guard in the forms -----------------------------------------------------------------

def test_privacy_guard_asks_before_saving(app, client, auth, people):
    """A post naming a client with an age is shown back marked; it is saved only once confirmed."""
    as_user(client, auth, people.learner)
    body = "山田太郎さん（34歳）のことで相談です。"
    first = start_thread(client, body=body)
    assert first.status_code == 200 and "まだ保存されていません" in first.text and "氏名と年齢" in first.text
    with app.app_context():
        assert db.session.scalar(select(func.count(BoardPost.id))) == 0
    digest = re.search(r'name="privacy_digest" type="hidden" value="([0-9a-f]+)"', first.text).group(1)
    changed = start_thread(client, body=body + " 090-1234-5678", confirm_privacy="y", privacy_digest=digest)
    assert changed.status_code == 200 and "もう一度確認してください" in changed.text
    saved = start_thread(client, body=body, confirm_privacy="y", privacy_digest=digest)
    thread_id = new_thread_id(saved)
    with app.app_context():
        assert db.session.scalar(select(BoardPost.privacy_confirmed).where(BoardPost.thread_id == thread_id))
    as_user(client, auth, people.moderator)
    assert "注意箇所を確認のうえ投稿" in client.get("/board/moderation/").text


def test_privacy_guard_lets_ordinary_posts_through(client, auth, people):
    as_user(client, auth, people.learner)
    body = "40代の男性で、20歳のころから自宅にいます。令和3年度から大分県の取組を参考に訪問を続けています。"
    assert start_thread(client, body=body).status_code == 302


def test_privacy_guard_checks_replies_and_edits(app, client, auth, people):
    as_user(client, auth, people.learner)
    thread_id = new_thread_id(start_thread(client))
    assert "電話番号" in reply(client, thread_id, body="連絡先は090-1234-5678です").text
    (opening,) = post_ids(app, thread_id)
    page = client.get(f"/board/posts/{opening}/edit")
    edited = client.post(f"/board/posts/{opening}/edit", data={"title": "t", "body": "〒123-4567 に住む",
                                                               "csrf_token": csrf_from(page.text)})
    assert edited.status_code == 200 and "郵便番号" in edited.text


# --- Headers, CSRF, logs, limits ----------------------------------------------------------------

def test_every_board_response_is_no_store(app, client, auth, people):
    as_user(client, auth, people.author)
    posted = start_thread(client)
    thread_id = new_thread_id(posted)
    (opening,) = post_ids(app, thread_id)
    responses = [posted, client.get("/board/"), client.get(f"/board/{thread_id}"), client.get("/board/new"),
                 client.get("/board/424242"), client.get(f"/board/posts/{opening}/edit"),
                 start_thread(client, title="")]
    as_user(client, auth, people.moderator)
    responses += [client.get("/board/moderation/"), client.get(f"/board/posts/{opening}/edit")]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store", response.status_code


@pytest.mark.parametrize("url", ["/board/new", "/board/{thread}/reply", "/board/posts/{post}/reaction",
                                 "/board/posts/{post}/report", "/board/posts/{post}/delete",
                                 "/board/moderation/posts/{post}/hide"])
def test_forms_need_a_csrf_token(app, client, auth, people, url):
    """Every board form is refused without its CSRF token."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client))
    (opening,) = post_ids(app, thread_id)
    as_user(client, auth, people.moderator)
    response = client.post(url.format(thread=thread_id, post=opening), data={
        "category": "other", "title": "t", "body": "b", "reason": "spam", "hide-reason": "r"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(BoardPost.id))) == 1


def test_post_text_stays_out_of_urls_and_logs(app, client, auth, people, caplog):
    """Redirects carry ids only; nothing the author wrote reaches the log."""
    secret = "とても個人的な打ち明け話"
    as_user(client, auth, people.learner)
    with caplog.at_level("DEBUG"):
        posted = start_thread(client, title=secret, body=secret)
        replied = reply(client, new_thread_id(posted), body=secret)
        start_thread(client, title=secret, body=secret + " 090-1234-5678")
    for response in (posted, replied):
        assert re.fullmatch(r"/board/\d+(\?page=\d+#post-\d+)?", response.headers["Location"])
    assert secret not in caplog.text
    session_cookie = client.get_cookie("elearn_session").value
    assert secret not in session_cookie


def test_posting_rate_limit(database_url, make_user):
    """Past the per-user limit a post gets a Japanese 429 page that keeps the text; errors do not count."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "BOARD_POST_LIMIT": "2 per minute"})
    limiter.reset()
    user = make_user()
    client = app.test_client()
    page = client.get("/auth/login")
    client.post("/auth/login", data={"email": user.email, "password": "とても長い合言葉 correct horse",
                                     "csrf_token": csrf_from(page.text)})
    assert start_thread(client, title="").status_code == 200  # invalid: does not count
    codes = [start_thread(client, title=f"投稿{n}").status_code for n in range(2)]
    limited = start_thread(client, title="三つめの投稿", body="消えてほしくない文章")
    assert codes == [302, 302] and limited.status_code == 429
    assert "1分間に2件" in limited.text and "消えてほしくない文章" in limited.text
    assert limited.headers["Cache-Control"] == "no-store"
    with app.app_context():
        thread_id = db.session.scalar(select(func.min(BoardThread.id)))
    limited_reply = reply(client, thread_id, body="返信も同じ上限です")  # threads, replies and edits share it
    assert limited_reply.status_code == 429 and "返信も同じ上限です" in limited_reply.text
    with app.app_context():
        assert db.session.scalar(select(func.count(BoardThread.id))) == 2
        db.session.remove()
        db.engine.dispose()
    limiter.reset()


def test_unsaved_submissions_have_their_own_limit(database_url, make_user, monkeypatch):
    """Posts the guard sends back count too: past BOARD_GUARD_LIMIT the guard does not run, the text stays."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                      "BOARD_GUARD_LIMIT": "3 per minute"})
    limiter.reset()
    guard_runs = []
    monkeypatch.setattr(forms, "find_identifiers", lambda text: guard_runs.append(text) or find_identifiers(text))
    client = app.test_client()
    page = client.get("/auth/login")
    client.post("/auth/login", data={"email": make_user().email, "password": "とても長い合言葉 correct horse",
                                     "csrf_token": csrf_from(page.text)})
    thread_id = new_thread_id(start_thread(client))  # saved posts count as well: 1 of 3
    shown_again = [start_thread(client, body=f"山田太郎さん（34歳）の件{n}") for n in range(2)]
    assert [r.status_code for r in shown_again] == [200, 200] and "氏名と年齢" in shown_again[0].text
    runs = len(guard_runs)
    limited = start_thread(client, title="四つめ", body="山田太郎さん（34歳）の件、消えてほしくない文章")
    assert limited.status_code == 429 and len(guard_runs) == runs
    assert "1分間に3件" in limited.text and "消えてほしくない文章" in limited.text and "四つめ" in limited.text
    limited_reply = reply(client, thread_id, body="返信も同じ上限です")
    assert limited_reply.status_code == 429 and "返信も同じ上限です" in limited_reply.text
    with app.app_context():
        assert db.session.scalar(select(func.count(BoardPost.id))) == 1
        db.session.remove()
        db.engine.dispose()
    limiter.reset()


def test_moderator_role_exists(client, auth, make_user):
    """Admins can give someone the モデレーター role."""
    admin = make_user(Role.ADMIN)
    target = make_user()
    as_user(client, auth, admin)
    page = client.get("/admin/users")
    assert "モデレーター" in page.text
    client.post(f"/admin/users/{target.id}/role", data={"role": "moderator", "csrf_token": csrf_from(page.text)})
    assert "モデレーター" in client.get("/admin/users").text
