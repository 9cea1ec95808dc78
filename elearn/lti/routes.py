"""The tool's endpoints: OIDC login initiation, launch (resource link and deep linking), JWKS, and
the teacher's deep-linking choice."""
from __future__ import annotations

import jwt
from flask import abort, jsonify, redirect, render_template, request, session
from flask_login import login_user
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem
from pylti1p3.registration import Registration
from sqlalchemy import select

from ..auth.services import start_session
from ..content.snapshot import cached_item, current_items
from ..extensions import csrf, db
from ..forms import EmptyForm
from ..models import LtiPlatform
from ..security import LTI_FRAME_ORIGIN
from ..urls import external_url, item_url
from . import bp
from .accounts import account_for, bind_context, is_instructor
from .grades import keep_grade_link
from .refusals import reason_of, refuse
from .tool import cached_launch, find_platform, message_launch, oidc_login

CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
#: Session keys read by elearn.security (frame-ancestors, SameSite=None) and by the deep-linking page.
SESSION_ORIGIN, SESSION_DEEP_LINK = LTI_FRAME_ORIGIN, "lti_deep_link"


def registered_origins() -> list[str]:
    """The origins of every registered platform (the CSP frame-ancestors of the /lti/ pages)."""
    origins = {p.frame_origin for p in db.session.scalars(select(LtiPlatform))}
    return sorted(o for o in origins if o)


#: The pages a platform's frame shows before (or instead of) a signed-in page.
FRAMED_ENDPOINTS = {"lti.login", "lti.launch", "lti.pick_items"}


@bp.after_request
def _framable_by_platforms(response):
    """The launch pages are shown in the platforms' frames: exactly the registered platforms may frame them."""
    if request.endpoint not in FRAMED_ENDPOINTS:
        return response
    origins = registered_origins()
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
        f"base-uri 'none'; form-action 'self' {' '.join(origins)}; frame-ancestors {' '.join(origins) or chr(39) + 'none' + chr(39)}")
    response.headers.pop("X-Frame-Options", None)
    return response


def _launch_target() -> str:
    """Where the launch goes: ``target_link_uri`` must be our launch URL (no open redirects)."""
    return external_url("lti.launch")


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
def login():
    """OIDC third-party login initiation: answer the platform's call with a redirect to its auth endpoint."""
    params = request.values
    platform = find_platform(params.get("iss"), params.get("client_id"))
    try:
        redirect_response = oidc_login().redirect(_launch_target())
    except (LtiException, OIDCException) as exc:
        db.session.rollback()
        return refuse(reason_of(exc), platform=platform.id if platform else "unknown")
    db.session.commit()
    return redirect_response


@bp.post("/launch")
@csrf.exempt
def launch():
    """Validate the id_token (state, nonce once, registration, signature, deployment) and sign in."""
    launch_obj = message_launch()
    try:
        data = launch_obj.get_launch_data()
    except (LtiException, OIDCException) as exc:
        db.session.rollback()
        platform = _claimed_platform()
        return refuse(reason_of(exc), platform=platform.id if platform else "unknown")
    platform = find_platform(data.get("iss"), launch_obj.get_client_id())
    if platform is None or not str(data.get("sub") or "").strip():
        db.session.rollback()
        return refuse("bad_request", platform=platform.id if platform else "unknown")
    user = account_for(platform, data)
    bind_context(platform, data, user)
    if launch_obj.is_deep_link_launch():
        if not is_instructor(data):
            db.session.commit()
            return refuse("not_instructor", 403, platform=platform.id, user=user.id)
        target = None
    else:
        slug = str((data.get(CUSTOM_CLAIM) or {}).get("item") or request.args.get("item") or "")
        target = cached_item(slug) if slug else None
        if target is None:
            db.session.commit()
            return refuse("unknown_item", 404, platform=platform.id)
        keep_grade_link(platform, user.id, target.id, data)
    start_session(user)
    db.session.commit()
    session.clear()
    login_user(user)
    session[SESSION_ORIGIN] = platform.frame_origin
    if target is None:
        session[SESSION_DEEP_LINK] = launch_obj.get_launch_id()
        return redirect(external_url("lti.pick_items"))
    return redirect(item_url(target))


def _claimed_platform() -> LtiPlatform | None:
    """The platform an unverified id_token claims to come from (for the log only)."""
    token = request.form.get("id_token") or ""
    try:
        body = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:  # a malformed token is logged as from an unknown platform
        return None
    if not isinstance(body, dict):
        return None
    aud = body.get("aud")
    return find_platform(body.get("iss"), aud[0] if isinstance(aud, list) and aud else aud)


@bp.get("/jwks")
def jwks():
    """The tool's public keys (one per registered platform), for platforms to check our signatures."""
    keys = [Registration.get_jwk(p.tool_public_key) for p in db.session.scalars(select(LtiPlatform).order_by(LtiPlatform.id))]
    return jsonify({"keys": keys})


@bp.route("/deep-link", methods=["GET", "POST"])
def pick_items():
    """The teacher picks modules, scenes or cases; the answer goes back to the platform as a signed form."""
    launch_id = session.get(SESSION_DEEP_LINK)
    if not launch_id:
        abort(404)
    try:
        launch_obj = cached_launch(launch_id)
    except LtiException as exc:
        return refuse(reason_of(exc))
    items = [i for i in current_items() if i.curriculum in ("initial", "followup", "hints", "cases")]
    form = EmptyForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        wanted = set(request.form.getlist("item"))
        chosen = [i for i in items if i.slug in wanted]
        if chosen:
            deep_link = launch_obj.get_deep_link()
            token = deep_link.get_response_jwt([_resource(i) for i in chosen])
            session.pop(SESSION_DEEP_LINK, None)
            return render_template("lti/deep_link_return.html", chosen=chosen, token=token,
                                   return_url=deep_link._deep_link_settings["deep_link_return_url"])
        error = "教材を1つ以上選んでください。"
    elif request.method == "POST":
        abort(400)
    return render_template("lti/deep_link.html", items=items, form=form, error=error), 400 if error else 200


def _resource(item) -> DeepLinkResource:
    """A resource link to ``item`` (launched with the custom parameter ``item``); quizzes get a line item."""
    resource = (DeepLinkResource().set_url(_launch_target()).set_title(item.title)
                .set_custom_params({"item": item.slug}))
    if item.quiz:
        resource.set_lineitem(LineItem().set_label(item.title).set_score_maximum(100)
                              .set_resource_id(item.slug).set_tag("elearn"))
    return resource
