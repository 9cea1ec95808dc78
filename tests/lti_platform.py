"""A real LTI 1.3 platform for the tests: PyPI's ``lti1p3platform`` (not written here), with its
key set, token and Assignment-and-Grade-Services endpoints served over HTTP on a free local port.

The browser's part (following the tool's redirect to the platform's auth endpoint, posting the
launch form) is played by the test client; everything the tool fetches by itself (the platform's
JWKS, an access token, posting scores) goes over real HTTP to this server.
"""
from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlsplit

from flask import Flask, jsonify, request
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService
from werkzeug.serving import make_server

from elearn.lti.tool import generate_key_pair

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


class DictRequest(Request):
    """lti1p3platform's request, from plain data (the test client's redirect, or a Flask request)."""

    def build_metadata(self, request: dict) -> TRequest:
        return {"method": request.get("method", "GET"), "form_data": request.get("form", {}),
                "get_data": request.get("args", {}), "headers": request.get("headers", {}),
                "content_type": request.get("content_type"), "path": request.get("path", "/"),
                "json": request.get("json")}


class PlatformConf(LTI1P3PlatformConfAbstract):
    """One registration of our tool on the platform."""

    def init_platform_config(self, **kwargs) -> None:
        self.settings = kwargs

    def get_registration_by_params(self, **kwargs) -> Registration:
        s = self.settings
        registration = (Registration().set_iss(s["iss"]).set_client_id(s["client_id"])
                        .set_deployment_id(s["deployment_id"]).set_oidc_login_url(s["login_url"])
                        .set_launch_url(s["launch_url"]).set_deeplink_launch_url(s["launch_url"])
                        .set_platform_public_key(s["public_key"]).set_platform_private_key(s["private_key"]))
        if s.get("tool_key_set"):
            registration.set_tool_key_set(s["tool_key_set"])
        return registration


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs) -> None:
        self._lti_message_hint = kwargs.get("hint", "resource-link-1")

    def get_redirect(self, url: str) -> str:
        return url


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data  # the test client posts it, as the auto-submitting form would


class Grades(AssignmentsGradesService):
    """The platform's gradebook: line items and the scores posted to them, in memory."""

    def __init__(self, request, platform_config, book, **kwargs):
        super().__init__(request, platform_config, **kwargs)
        self.book = book

    def find_lineitems(self, page=1, limit=None, line_item_id=None, resource_link_id=None, resource_id=None,
                       tag=None, **_):
        items = [i for i in self.book.lineitems.values()
                 if (not resource_link_id or i.get("resourceLinkId") == resource_link_id)
                 and (not resource_id or i.get("resourceId") == resource_id) and (not tag or i.get("tag") == tag)]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id):
        return self.book.lineitems[line_item_id]

    def create_lineitem(self, creation_data):
        return self.book.add_lineitem(dict(creation_data))

    def update_lineitem(self, update_data):
        self.book.lineitems[update_data["id"]].update(update_data)
        return self.book.lineitems[update_data["id"]]

    def delete_lineitem(self, line_item_id):
        self.book.lineitems.pop(line_item_id)

    def update_score(self, line_item_id, score):
        self.book.scores.setdefault(line_item_id, []).append(score)
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None):
        return {"content": self.book.scores.get(line_item_id, []), "has_next": False, "next": None}


class Platform:
    """The platform and its HTTP server; ``up``/``down`` let a test make it stop answering."""

    def __init__(self, tool_root: str, iss: str | None = None, client_id: str = "elearn-tool",
                 deployment_id: str = "deployment-1"):
        self.app = Flask("lti-platform")
        self.lineitems: dict[str, dict] = {}
        self.scores: dict[str, list] = {}
        self.available = True
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.private_key, self.public_key = generate_key_pair()
        self.settings = {"iss": iss or self.url, "client_id": client_id, "deployment_id": deployment_id,
                         "login_url": f"{tool_root}/lti/login", "launch_url": f"{tool_root}/lti/launch",
                         "public_key": self.public_key, "private_key": self.private_key, "tool_key_set": None}
        self._routes()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- what an admin copies into the tool's registration form
    @property
    def registration(self) -> dict:
        return {"name": "テスト県 学習プラットフォーム", "issuer": self.settings["iss"],
                "client_id": self.settings["client_id"], "deployment_ids": self.settings["deployment_id"],
                "key_set_url": f"{self.url}/jwks", "auth_login_url": f"{self.url}/auth",
                "auth_token_url": f"{self.url}/token"}

    def conf(self, **overrides) -> PlatformConf:
        return PlatformConf(**(self.settings | overrides))

    def add_lineitem(self, data: dict) -> dict:
        line_item_id = str(len(self.lineitems) + 1)
        data["id"] = f"{self.url}/lineitems/{line_item_id}"
        self.lineitems[data["id"]] = data
        return data

    def _ags(self, req, conf):
        return Grades(req, conf, self, lineitems_url=f"{self.url}/lineitems")

    def _routes(self) -> None:
        app = self.app

        def flask_request():
            return DictRequest({"method": request.method, "form": request.form.to_dict(),
                                "args": request.args.to_dict(), "headers": dict(request.headers),
                                "content_type": request.content_type, "path": request.path,
                                "json": request.get_json(silent=True)})

        def answer(response):
            if not self.available:
                return jsonify({"error": "maintenance"}), 503
            body = response.result if 200 <= response.code < 300 else {"error": response.message}
            return jsonify(body), response.code

        @app.before_request
        def maintenance():
            if not self.available:
                return jsonify({"error": "maintenance"}), 503
            return None

        @app.get("/jwks")
        def jwks():
            conf = self.conf()
            conf.get_registration()
            return jsonify(conf.get_jwks())

        @app.post("/token")
        def token():
            conf = self.conf()
            conf.get_registration()
            return jsonify(conf.get_access_token(request.form.to_dict()))

        @app.route("/lineitems", methods=["GET", "POST"])
        def lineitems():
            conf = self.conf()
            conf.get_registration()
            service = self._ags(flask_request(), conf)
            if request.method == "POST":
                return answer(service.handle_create_lineitem())
            response = service.handle_get_lineitems()
            if 200 <= response.code < 300:
                return jsonify(response.result["content"]), response.code
            return answer(response)

        @app.post("/lineitems/<item>/scores")
        def scores(item):
            conf = self.conf()
            conf.get_registration()
            return answer(self._ags(flask_request(), conf).handle_update_score(f"{self.url}/lineitems/{item}"))

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    # -- the browser's part
    def login_url(self, user_id: str, conf: PlatformConf | None = None) -> str:
        """The tool's login initiation URL the platform sends the browser to."""
        login = Login(DictRequest({}), conf or self.conf())
        login.set_lti_message_hint(hint="link-1")
        return login.prepare_preflight_url(user_id)

    def launch(self, auth_redirect: str, *, sub: str, item: str | None = None, roles=(LEARNER,), conf=None,
               deep_link: bool = False, name: str = "受講 太郎", email: str | None = None, ags: bool = True,
               lineitem: str | None = None, expires_in: int | None = None) -> dict:
        """The id_token form the platform posts back, for the auth request the tool redirected to."""
        args = dict(parse_qsl(urlsplit(auth_redirect).query))
        launch = Launch(DictRequest({"args": args}), conf or self.conf())
        launch.set_user_data(sub, list(roles), full_name=name, email_address=email)
        launch.set_resource_link_claim("link-1", title="研修モジュール")
        launch.set_launch_context_claim("course-42", context_title="ひきこもり支援 基礎講座",
                                        context_types=["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"])
        if item:
            launch.set_custom_parameters_claim({"item": item})
        if ags:
            launch.set_ags(lineitems_url=f"{self.url}/lineitems", lineitem_url=lineitem)
        if deep_link:
            launch.set_dl(f"{self.url}/deep-link-return", title="教材を選ぶ", accept_types={"ltiResourceLink"})
        if expires_in is not None:
            launch.set_id_token_expiration(expires_in)
        return launch.lti_launch()
