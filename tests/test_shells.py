"""Module pages drawn from a shell: the same HTML as a full render, each person's own values, nothing
personal kept in the shell."""
from __future__ import annotations

import re

import pytest
from flask import template_rendered
from flask_login import login_user
from jinja2 import ChoiceLoader, DictLoader

from elearn.content.shells import ShellLeak, render_shell
from elearn.content.snapshot import cached_item
from elearn.extensions import db
from elearn.learning import pages
from elearn.models import User

from .conftest import csrf_from

MODULE = "/courses/initial/t-alpha"


@pytest.fixture
def cached(app):
    """Shells kept between requests, as a server keeps them (tests otherwise reload the content per request)."""
    app.config["CONTENT_CACHE_SECONDS"] = 600
    return app


def _rendered_templates(app, action) -> list[str]:
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        action()
    finally:
        template_rendered.disconnect(record, app)
    return names


def _personal_values_blanked(html: str) -> str:
    html = re.sub(r'name="attempt" value="[^"]+"', 'name="attempt" value="-"', html)
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="-"', html)


def test_the_shell_page_is_the_full_render(app, content, make_user, monkeypatch):
    """Byte for byte the page the template draws in full, apart from the fresh attempt token."""
    user = make_user(name="比較 花子")
    monkeypatch.setattr(pages, "new_attempt_token", _fixed_order(pages.new_attempt_token))
    with app.test_request_context(MODULE):
        _sign_in(user)
        item = cached_item("t-alpha")
        context = {"previous": item.previous, "following": item.following}
        shell_html, _ = pages._module_shell_page(item, dict(context))
        full_html, _ = pages.render_item_page(item, "learning/module.html", **context)
    assert "比較 花子 さん" in shell_html
    assert _personal_values_blanked(shell_html) == _personal_values_blanked(full_html)


def _sign_in(user) -> None:
    row = db.session.get(User, user.id)
    row.session_token = "test"  # what the session loader sets; login_user needs it as the user's id
    login_user(row)


def _fixed_order(new_attempt_token):
    def first_order(user_id, quiz_id):
        token, attempt = new_attempt_token(user_id, quiz_id)
        return token, type(attempt)(attempt.nonce, 0)
    return first_order


def test_each_learner_gets_their_own_values_from_one_shell(cached, client, auth, make_user, content):
    """The second learner's page comes from the first one's shell, with their own name, escaped,
    their own tokens, and a quiz form that submits."""
    first, second = make_user(name="一人目 太郎"), make_user(name="<b>二人目</b>")
    auth.login(first.email)
    first_html = client.get(MODULE).text
    auth.logout()
    auth.login(second.email)
    names = _rendered_templates(cached, lambda: client.get(MODULE))
    assert "learning/module.html" not in names  # drawn from the shell
    second_html = client.get(MODULE).text
    assert "一人目" not in second_html
    assert "&lt;b&gt;二人目&lt;/b&gt; さん" in second_html
    token = re.search(r'name="attempt" value="([^"]+)"', second_html).group(1)
    assert token != re.search(r'name="attempt" value="([^"]+)"', first_html).group(1)
    assert csrf_from(second_html) != csrf_from(first_html)
    response = client.post("/quiz/t-alpha", data={"csrf_token": csrf_from(second_html), "attempt": token})
    assert response.status_code == 400  # answered nothing: the page again with the errors, not a CSRF refusal
    assert "未回答" in response.text


def test_progress_and_messages_reach_the_shell_page(cached, client, auth, make_user, content):
    """A flash message and the learner's status are the learner's own, on a page from a shell."""
    learner = make_user()
    auth.login(learner.email)
    client.get(MODULE)
    page = client.get(MODULE).text
    assert "学習中" in page
    assert 'class="flashes"' not in page
    other = make_user()
    auth.logout()
    auth.login(other.email)
    client.post("/quiz/t-alpha", data={"csrf_token": "forged", "attempt": "x"})  # refused: no flash kept
    page = client.get(MODULE).text
    assert "学習中" in page and 'class="flashes"' not in page


def test_a_shell_that_prints_the_csrf_token_itself_is_refused(app, make_user, content):
    """A template that asks for the request's token inside a shell would bake it in: it raises."""
    user = make_user()
    app.jinja_env.loader = ChoiceLoader([DictLoader({"leaky.html": "<p>{{ csrf_token() }}</p>"}),
                                         app.jinja_env.loader])
    with app.test_request_context(MODULE):
        _sign_in(user)
        with pytest.raises(ShellLeak):
            render_shell(("leaky",), "leaky.html", {}, {})
