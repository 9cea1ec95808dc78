"""One-time set-password links as people receive them: the absolute URL, and the page that shows a
freshly issued link once to the organiser or admin who issued it."""
from __future__ import annotations

from flask import render_template

from ..extensions import db
from ..models import User
from ..urls import external_url, site_root
from .services import issue_set_password_link


def set_password_url(token: str) -> str:
    """The absolute URL of the link with ``token``, on ELEARN_BASE_URL (never the request's Host)."""
    return external_url("auth.set_password_from_link", token=token)


def issued_link_page(target: User, issued_by: User, back_url: str):
    """Issue a one-time link for ``target``, commit, and show it once to the issuer."""
    site_root()  # refuse before issuing anything when the site's address is not configured
    token = issue_set_password_link(target, issued_by)
    db.session.commit()
    return render_template("auth/link_issued.html", target=target, link=set_password_url(token), back_url=back_url)
