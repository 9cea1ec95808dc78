"""PyLTI1p3 over the database: registrations from :class:`LtiPlatform`, launch state in
:class:`LtiLaunchState`, and nonces that a launch uses up."""
from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import delete, select

from ..database import insert_statement
from ..extensions import db
from ..models import LtiDeployment, LtiLaunchState, LtiPlatform, utcnow

#: How long an OIDC login's nonce and state wait for their launch (PyLTI1p3 stores launches a day).
NONCE_SECONDS = 10 * 60


def generate_key_pair() -> tuple[str, str]:
    """A new RSA key pair for the tool, as (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def registration_of(platform: LtiPlatform) -> Registration:
    """The PyLTI1p3 registration for ``platform``."""
    registration = Registration()
    registration.set_issuer(platform.issuer).set_client_id(platform.client_id)
    registration.set_key_set_url(platform.key_set_url).set_key_set(None)
    registration.set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
    registration.set_tool_private_key(platform.tool_private_key).set_tool_public_key(platform.tool_public_key)
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    return registration


def find_platform(issuer: str | None, client_id: str | None) -> LtiPlatform | None:
    """The registered platform for ``issuer`` (and ``client_id`` when given)."""
    if not issuer:
        return None
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    return db.session.scalars(query.order_by(LtiPlatform.id)).first()


class DatabaseToolConf(ToolConfAbstract):
    """Registrations and deployments as admins entered them (an issuer may have several client ids)."""

    def check_iss_has_one_client(self, iss):
        return False

    def check_iss_has_many_clients(self, iss):
        return True

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        platform = find_platform(iss, None)
        return registration_of(platform) if platform else None

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
        return registration_of(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
        if platform is None or not deployment_id:
            return None
        found = db.session.scalar(select(LtiDeployment.id).where(
            LtiDeployment.platform_id == platform.id, LtiDeployment.deployment_id == deployment_id))
        return Deployment().set_deployment_id(deployment_id) if found else None


class DatabaseLaunchStorage(LaunchDataStorage):
    """Launch data in ``lti_launch_states``, prefixed by the browser's ``lti1p3-session-id`` cookie on https."""

    def get_session_cookie_name(self):
        if self._request is not None and not self._request.is_secure():
            return None  # plain http (local trials): no Secure cookie would come back
        return super().get_session_cookie_name()

    def can_set_keys_expiration(self) -> bool:
        return True

    def _row(self, key: str) -> LtiLaunchState | None:
        row = db.session.get(LtiLaunchState, self._prepare_key(key)[:255])
        if row is None or row.expires_at <= utcnow():
            return None
        return row

    def get_value(self, key):
        row = self._row(key)
        return row.value if row else None

    def set_value(self, key, value, exp=None):
        if "-nonce-" in key or key.startswith("nonce-"):
            exp = NONCE_SECONDS  # a login's nonce waits minutes for its launch, not PyLTI1p3's day
        key = self._prepare_key(key)[:255]
        expires = utcnow() + timedelta(seconds=exp or NONCE_SECONDS)
        db.session.execute(delete(LtiLaunchState).where(LtiLaunchState.key == key))
        db.session.execute(insert_statement(LtiLaunchState.__table__).values(key=key, value=value, expires_at=expires))

    def check_value(self, key) -> bool:
        return self._row(key) is not None

    def take_value(self, key) -> bool:
        """Delete an unexpired ``key``; True only for the one caller that deleted it."""
        key = self._prepare_key(key)[:255]
        result = db.session.execute(delete(LtiLaunchState).where(
            LtiLaunchState.key == key, LtiLaunchState.expires_at > utcnow()))
        return result.rowcount == 1


def _storage() -> DatabaseLaunchStorage:
    return DatabaseLaunchStorage()


def oidc_login() -> FlaskOIDCLogin:
    """The OIDC login initiation for this request."""
    return FlaskOIDCLogin(FlaskRequest(), DatabaseToolConf(), launch_data_storage=_storage())


class ToolMessageLaunch(FlaskMessageLaunch):
    """A launch whose nonce is used up by its validation: a replayed id_token is refused."""

    def validate_nonce(self):
        nonce = self._get_jwt_body().get("nonce")
        if not nonce:
            raise LtiException('"nonce" is empty')
        storage = self._session_service.data_storage
        if not storage.take_value(self._session_service._get_key("nonce", nonce)):
            raise LtiException("Invalid Nonce")
        return self


def message_launch(request_data=None) -> ToolMessageLaunch:
    """The launch in this request (``request_data`` to read from elsewhere than the form)."""
    return ToolMessageLaunch(FlaskRequest(request_data=request_data), DatabaseToolConf(),
                             launch_data_storage=_storage())


def cached_launch(launch_id: str) -> ToolMessageLaunch:
    """A launch validated earlier in this browser (deep linking's second step)."""
    return ToolMessageLaunch.from_cache(launch_id, FlaskRequest(), DatabaseToolConf(), launch_data_storage=_storage())
