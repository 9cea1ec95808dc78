"""Moderation pages (moderators and admins): the queue, one post's case, actions and the logs.

「投稿者を確認」 is for admins only; its answer is rendered straight from the POST (never put in a
URL, a flash cookie or a redirect) and every look-up is logged.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..permissions import admin_required, can_reveal_author, moderator_required
from . import bp
from .display import display_names, named_author_ids, post_view, thread_header
from .forms import HideForm, ModerationForm, RevealForm
from .moderation import (dismiss_reports, hide_post, moderation_log, post_history, post_reports, recent_posts,
                         report_queue, restore_post, reveal_author, reveal_log, set_locked)
from .routes import ID
from .services import get_post, get_thread


def _case_url(post_id: int) -> str:
    return url_for("board.moderate_post", post_id=post_id)


@bp.get("/moderation/")
@moderator_required
def moderation_queue():
    """Reported posts waiting for a decision, recently hidden posts, and posts saved past the privacy guard."""
    pagination, items = report_queue(current_user, request.args.get("page", 1, type=int))
    return render_template("board/moderation/queue.html", page=pagination, items=items,
                           hidden=recent_posts(current_user, hidden=True),
                           confirmed=recent_posts(current_user, hidden=False))


def _case_forms(**submitted):
    """The case page's forms, each with its own prefix so field ids stay unique; ``submitted`` keeps errors."""
    classes = {"hide": HideForm, "restore": ModerationForm, "dismiss": ModerationForm, "lock": ModerationForm,
               "reveal": RevealForm}
    return {name: submitted.get(name) or form_class(prefix=name, formdata=None) for name, form_class in classes.items()}


def _render_case(post, **submitted):
    view = post_view(post, post.thread, current_user, display_names(named_author_ids([post])))
    return render_template("board/moderation/post.html", post=view, thread=thread_header(post.thread),
                           reports=post_reports(post), history=post_history(post), forms=_case_forms(**submitted),
                           can_reveal=can_reveal_author(current_user))


@bp.get(f"/moderation/posts/<{ID}:post_id>")
@moderator_required
def moderate_post(post_id: int):
    """One post's case: its text (even when hidden), reports, history and the actions."""
    return _render_case(get_post(post_id))


#: action → (form, service, message when done, message when there was nothing to do)
_POST_ACTIONS = {
    "hide": (HideForm, hide_post, "投稿を非表示にしました。", "この投稿はすでに非表示です。"),
    "restore": (ModerationForm, restore_post, "投稿を表示に戻しました。", "この投稿は非表示ではありません。"),
    "dismiss": (ModerationForm, dismiss_reports, "通報を対応不要として閉じました。", ""),
}


@bp.post(f"/moderation/posts/<{ID}:post_id>/<any(hide, restore, dismiss):action>")
@moderator_required
def act_on_post(post_id: int, action: str):
    """Hide a post (a reason is required), show it again, or close its reports; every action is logged."""
    form_class, apply, done, nothing_to_do = _POST_ACTIONS[action]
    post = get_post(post_id)
    form = form_class(prefix=action)
    if not form.validate_on_submit():
        return _render_case(post, **{action: form})
    if apply(post, current_user, form.reason.data):
        db.session.commit()
        flash(done, "success")
    else:
        flash(nothing_to_do, "info")
    return redirect(_case_url(post.id))


@bp.post(f"/moderation/threads/<{ID}:thread_id>/<any(lock, unlock):action>")
@moderator_required
def lock(thread_id: int, action: str):
    """Lock a thread (no more replies or edits) or unlock it."""
    thread = get_thread(thread_id)
    form = ModerationForm(prefix="lock")
    back = request.form.get("post_id", type=int)
    if not form.validate_on_submit():
        if back is None:
            abort(400)
        return _render_case(get_post(back), lock=form)
    set_locked(thread, current_user, action == "lock", form.reason.data)
    db.session.commit()
    flash("スレッドをロックしました。" if action == "lock" else "スレッドのロックを解除しました。", "success")
    return redirect(_case_url(back) if back else url_for("board.thread", thread_id=thread.id))


@bp.post(f"/moderation/posts/<{ID}:post_id>/reveal")
@admin_required
def reveal(post_id: int):
    """「投稿者を確認」: with a reason, logged; the answer is shown once, on this response only."""
    post = get_post(post_id)
    form = RevealForm(prefix="reveal")
    if not form.validate_on_submit():
        return _render_case(post, reveal=form)
    author = reveal_author(post, current_user, form.reason.data)
    db.session.commit()
    view = post_view(post, post.thread, current_user, display_names(named_author_ids([post])))
    return render_template("board/moderation/reveal.html", post=view, thread=thread_header(post.thread),
                           author=author, reason=form.reason.data)


@bp.get("/moderation/log")
@moderator_required
def moderation_history():
    """Every moderation action: who, when, what and why."""
    return render_template("board/moderation/log.html", page=moderation_log(request.args.get("page", 1, type=int)))


@bp.get("/moderation/reveals")
@admin_required
def reveal_history():
    """Every 「投稿者を確認」: which admin, when, which post and why."""
    return render_template("board/moderation/reveals.html", page=reveal_log(request.args.get("page", 1, type=int)))
