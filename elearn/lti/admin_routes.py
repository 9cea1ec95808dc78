"""Admin pages: register, edit and remove LTI platforms."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..forms import EmptyForm
from ..models import LtiDeployment, LtiPlatform
from ..permissions import admin_required
from ..urls import external_url
from . import bp
from .forms import PlatformForm
from .tool import generate_key_pair


def _tool_urls() -> dict[str, str]:
    """What the admin enters on the platform's side."""
    return {"ログイン開始URL（OpenID Connect Login initiation URL）": external_url("lti.login"),
            "起動URL・リダイレクトURL（Tool / Redirect URL, Deep Linking URL）": external_url("lti.launch"),
            "公開鍵セットURL（Public keyset URL）": external_url("lti.jwks")}


@bp.get("/platforms")
@admin_required
def platforms():
    """Registered platforms and the tool URLs to give them."""
    rows = db.session.scalars(select(LtiPlatform).order_by(LtiPlatform.name, LtiPlatform.id)).all()
    return render_template("lti/platforms.html", platforms=rows, tool_urls=_tool_urls(), delete_form=EmptyForm())


def _save(form: PlatformForm, platform: LtiPlatform):
    for name in ("name", "issuer", "client_id", "key_set_url", "auth_login_url", "auth_token_url", "auth_audience"):
        setattr(platform, name, (getattr(form, name).data or "").strip())
    platform.trust_email = bool(form.trust_email.data)
    wanted = form.deployment_ids.data.splitlines()
    platform.deployments = [d for d in platform.deployments if d.deployment_id in wanted] + [
        LtiDeployment(deployment_id=i) for i in wanted if i not in platform.deployment_ids]
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.client_id.errors.append("この発行者とクライアントIDの組み合わせはすでに登録されています。")
        return None
    flash(f"プラットフォーム「{platform.name}」を保存しました。", "success")
    return redirect(url_for("lti.platforms"))


@bp.route("/platforms/new", methods=["GET", "POST"])
@admin_required
def new_platform():
    """Register a platform; the tool's key pair for it is generated here."""
    form = PlatformForm()
    if form.validate_on_submit():
        private, public = generate_key_pair()
        platform = LtiPlatform(tool_private_key=private, tool_public_key=public)
        db.session.add(platform)
        done = _save(form, platform)
        if done:
            return done
    return render_template("lti/platform_form.html", form=form, platform=None, tool_urls=_tool_urls()), \
        400 if form.errors else 200


@bp.route("/platforms/<int:platform_id>", methods=["GET", "POST"])
@admin_required
def edit_platform(platform_id: int):
    """Change a registration (its key pair stays)."""
    platform = db.get_or_404(LtiPlatform, platform_id)
    form = PlatformForm(obj=platform)
    if not form.is_submitted():
        form.deployment_ids.data = "\n".join(platform.deployment_ids)
    if form.validate_on_submit():
        done = _save(form, platform)
        if done:
            return done
    return render_template("lti/platform_form.html", form=form, platform=platform, tool_urls=_tool_urls()), \
        400 if form.errors else 200


@bp.post("/platforms/<int:platform_id>/delete")
@admin_required
def delete_platform(platform_id: int):
    """Remove a registration: its launches are refused from now on (accounts and records stay)."""
    platform = db.get_or_404(LtiPlatform, platform_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("lti.platforms"))
    name = platform.name
    db.session.delete(platform)
    db.session.commit()
    flash(f"プラットフォーム「{name}」の登録を削除しました。", "success")
    return redirect(url_for("lti.platforms"))
