"""LTI 1.3 tool (PyLTI1p3): OIDC login, launch, JWKS, deep linking, grade return, platform registration."""
from flask import Blueprint

bp = Blueprint("lti", __name__, url_prefix="/lti")

from . import admin_routes, cli, grades, routes  # noqa: E402,F401  (routes, CLI and the grade hook register here)
