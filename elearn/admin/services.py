"""User search and the set-password link page, shared by the admin and organiser areas."""
from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import or_, select

from ..auth.services import issue_set_password_link
from ..extensions import db
from ..models import User

PAGE_SIZE = 50


def like_escape(text: str) -> str:
    """Escape LIKE wildcards so a search for "50%" finds "50%" literally (escape char: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_users(query: str, roles: list[str] | None = None, page: int = 1, within=None):
    """Users whose name, email or 所属 contains ``query`` (substring, so Japanese works), paginated.

    ``within``, a select of user ids, limits the search to those users (an organiser's participants).
    """
    statement = select(User).order_by(User.display_name, User.id)
    if within is not None:
        statement = statement.where(User.id.in_(within))
    query = "".join(ch for ch in query if ch.isprintable()).strip()  # PostgreSQL refuses NUL bytes
    if query:
        pattern = "%" + like_escape(query) + "%"
        statement = statement.where(or_(User.display_name.ilike(pattern, escape="\\"),
                                        User.email.ilike(pattern, escape="\\"),
                                        User.organisation.ilike(pattern, escape="\\")))
    if roles:
        statement = statement.where(User.role.in_(roles))
    return db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False)


def issued_link_page(target: User, issued_by: User, back_url: str):
    """Issue a one-time link for ``target``, commit, and show it once to the issuer."""
    token = issue_set_password_link(target, issued_by)
    db.session.commit()
    link = request.url_root.rstrip("/") + url_for("auth.set_password_from_link", token=token)
    return render_template("admin/link_issued.html", target=target, link=link, back_url=back_url)
