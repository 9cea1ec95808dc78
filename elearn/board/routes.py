"""Board pages: the thread list, a thread, posting, editing, deleting, わかります and reports.

Post text travels only in POST bodies; redirects and flashes carry ids and fixed messages only.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from ..errors import render_error
from ..extensions import db
from ..forms import EmptyForm
from ..models import BoardPost, BoardThread
from ..permissions import (can_delete_post, can_edit_post, can_moderate, can_react, can_read_thread, can_reply,
                           can_report)
from . import bp
from .categories import categories
from .display import display_names, named_author_ids, post_view, thread_header
from .forms import EditPostForm, EditThreadForm, ReplyForm, ReportForm, ThreadForm, clean_line
from .moderation import open_report_count
from .ratelimit import guard_limit, post_limit, report_limit
from .services import (SEARCH_MAX_LENGTH, add_reply, create_thread, delete_post, edit_post, get_post, get_thread,
                       last_page, list_threads, page_of, report_post, thread_page, toggle_reaction)

#: Database ids fit in a 32-bit integer; larger numbers in a URL are a 404, never a database error.
ID = "int(max=2147483647)"


def _thread_url(post: BoardPost) -> str:
    """The page of the thread where ``post`` is listed, scrolled to it (ids only in the URL)."""
    return url_for("board.thread", thread_id=post.thread_id, page=page_of(post), _anchor=f"post-{post.id}")


def _readable_post(post_id: int, permission=None) -> BoardPost:
    """The post, 404 if its thread is not readable, 403 unless ``permission(current_user, post)``."""
    post = get_post(post_id)
    if not can_read_thread(current_user, post.thread):
        abort(404)
    if permission is not None and not permission(current_user, post):
        abort(403)
    return post


def _render_post_page(template: str, post: BoardPost, form, status: int = 200, **context):
    """A page about one post (edit, delete, report), showing it as the current user sees it."""
    view = post_view(post, post.thread, current_user, display_names(named_author_ids([post])))
    return render_template(template, form=form, post=view, thread=thread_header(post.thread), **context), status


@bp.get("/")
@login_required
def index():
    """The board: the pinned self-care notice, search, categories and threads by newest activity."""
    query = (clean_line(request.args.get("q")) or "")[:SEARCH_MAX_LENGTH]
    category = request.args.get("category", "")
    shown = categories()
    category = category if category in shown else ""
    pagination, rows = list_threads(query, category, request.args.get("page", 1, type=int),
                                    include_hidden=can_moderate(current_user))
    open_reports = open_report_count() if can_moderate(current_user) else None
    return render_template("board/index.html", page=pagination, rows=rows, q=query, category=category,
                           categories=shown.values(), open_reports=open_reports)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@post_limit
@guard_limit
def new_thread():
    """Start a thread; the privacy guard runs before anything is saved."""
    form = ThreadForm()
    if request.method == "GET" and request.args.get("category") in categories():
        form.category.data = request.args["category"]
    if form.validate_on_submit() and form.passes_privacy_guard():
        thread = create_thread(current_user, category=form.category.data, title=form.title.data,
                               body=form.body.data, anonymous=form.anonymous.data,
                               privacy_confirmed=form.privacy_confirmed)
        db.session.commit()
        flash("スレッドを作成しました。", "success")
        return redirect(url_for("board.thread", thread_id=thread.id))
    return render_template("board/new.html", form=form)


def _render_thread(thread: BoardThread, form: ReplyForm, page: int | None = None, status: int = 200,
                   limited_message: str = ""):
    """A thread page (or its placeholder when hidden) with ``form`` as the reply form."""
    if not can_read_thread(current_user, thread):
        return render_template("board/thread_hidden.html"), status
    page = page or request.args.get("page", 1, type=int)
    pagination, posts = thread_page(thread, current_user, page)
    return render_template("board/thread.html", thread=thread_header(thread), page=pagination, posts=posts,
                           form=form, can_reply=can_reply(current_user, thread),
                           can_moderate=can_moderate(current_user), limited_message=limited_message), status


@bp.get(f"/<{ID}:thread_id>")
@login_required
def thread(thread_id: int):
    """A thread: the opening post, replies (paginated), わかります and the reply form."""
    return _render_thread(get_thread(thread_id), ReplyForm(formdata=None))


@bp.post(f"/<{ID}:thread_id>/reply")
@login_required
@post_limit
@guard_limit
def reply(thread_id: int):
    """Reply to a thread (not when it is locked or hidden)."""
    thread = get_thread(thread_id)
    if not can_reply(current_user, thread):
        flash("このスレッドには返信できません（ロック中または非表示です）。", "error")
        return redirect(url_for("board.thread", thread_id=thread.id))
    form = ReplyForm()
    if form.validate_on_submit() and form.passes_privacy_guard():
        post = add_reply(thread, current_user, body=form.body.data, anonymous=form.anonymous.data,
                         privacy_confirmed=form.privacy_confirmed)
        db.session.commit()
        flash("返信しました。", "success")
        return redirect(_thread_url(post))
    return _render_thread(thread, form, page=last_page(thread))


@bp.route(f"/posts/<{ID}:post_id>/edit", methods=["GET", "POST"])
@login_required
@post_limit
@guard_limit
def edit(post_id: int):
    """Edit one's own post (the title too for an opening post); marked 編集済み."""
    post = _readable_post(post_id, can_edit_post)
    form_class = EditThreadForm if post.is_opening else EditPostForm
    form = form_class(data={"body": post.body_markdown, "title": post.thread.title})
    if form.validate_on_submit() and form.passes_privacy_guard():
        edit_post(post, body=form.body.data, title=getattr(form, "title", None) and form.title.data,
                  privacy_confirmed=form.privacy_confirmed)
        db.session.commit()
        flash("投稿を編集しました。", "success")
        return redirect(_thread_url(post))
    return _render_post_page("board/edit.html", post, form)


@bp.route(f"/posts/<{ID}:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int):
    """Delete one's own post after a confirmation page; the text is removed for good."""
    post = _readable_post(post_id, can_delete_post)
    form = EmptyForm()
    if form.validate_on_submit():
        thread_id = post.thread_id
        thread_gone = delete_post(post)
        db.session.commit()
        flash("投稿を削除しました。", "success")
        if thread_gone:
            return redirect(url_for("board.index"))
        return redirect(url_for("board.thread", thread_id=thread_id))
    return _render_post_page("board/delete.html", post, form)


@bp.get(f"/posts/<{ID}:post_id>")
@login_required
def show_post(post_id: int):
    """A post's own address (search results link here): its thread's page, scrolled to it."""
    post = _readable_post(post_id)
    if post.deleted_at is not None or (post.hidden_at is not None and not can_moderate(current_user)):
        abort(404)
    return redirect(_thread_url(post))


@bp.post(f"/posts/<{ID}:post_id>/reaction")
@login_required
def react(post_id: int):
    """Say 「わかります」 to someone else's post, or take it back."""
    post = _readable_post(post_id, can_react)
    if not EmptyForm().validate_on_submit():
        abort(400)
    now_reacted = toggle_reaction(post, current_user)
    db.session.commit()
    flash("「わかります」を伝えました。" if now_reacted else "「わかります」を取り消しました。", "success")
    return redirect(_thread_url(post))


@bp.route(f"/posts/<{ID}:post_id>/report", methods=["GET", "POST"])
@login_required
@report_limit
def report(post_id: int):
    """Report a post to the moderators, with a reason (the reporter is not shown to anyone)."""
    post = _readable_post(post_id, can_report)
    form = ReportForm()
    if form.validate_on_submit():
        created = report_post(post, current_user, reason=form.reason.data, detail=form.detail.data)
        db.session.commit()
        flash("通報を受け付けました。モデレーターが確認します。" if created else "この投稿はすでに通報済みです。",
              "success" if created else "info")
        return redirect(_thread_url(post))
    return _render_post_page("board/report.html", post, form)


@bp.errorhandler(429)
def too_many_posts(error):
    """The Japanese 429: a posting form comes back with what was written and the limit's own message."""
    message = error.description
    try:
        if request.endpoint == "board.new_thread":
            return render_template("board/new.html", form=ThreadForm(), limited_message=message), 429
        if request.endpoint == "board.reply":
            thread = get_thread(request.view_args["thread_id"])
            return _render_thread(thread, ReplyForm(), page=last_page(thread), status=429, limited_message=message)
        if request.endpoint == "board.edit":
            post = _readable_post(request.view_args["post_id"], can_edit_post)
            form = (EditThreadForm if post.is_opening else EditPostForm)()
            return _render_post_page("board/edit.html", post, form, status=429, limited_message=message)
    except HTTPException:
        pass  # the thread or post has gone meanwhile: the plain page below still explains the limit
    if request.endpoint == "board.report":
        message = "短い時間に続けて通報されたため、いまは受け付けられません。少し時間をおいてから、もう一度お試しください。"
    return render_error(429, message)
