"""A site whose browsers are independent: requests made outside any app context, as in
production (inside the ``app`` fixture's context, Flask shares ``g``, and with it Flask-Login's
loaded user, between every client's requests)."""
import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from forum.extensions import db
from tests.conftest import PASSWORD, Make

FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
CHROME_ON_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                     "(KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36")


class Site:
    def __init__(self, app):
        self.app = app
        self.make = Make(app)

    @contextmanager
    def context(self):
        with self.app.app_context():
            yield db.session

    def user(self, name: str, **options):
        with self.context():
            user = self.make.user(name, **options)
            return SimpleNamespace(id=user.id, username=user.username, email=user.email)

    def thread(self, author, title="A thread", body="Opening post."):
        from forum.accounts.models import User

        with self.context() as session:
            thread = self.make.thread(author=session.get(User, author.id), title=title, body=body)
            return SimpleNamespace(id=thread.id, slug=thread.slug)

    def reply(self, thread_id, author, body="A reply."):
        from forum.accounts.models import User
        from forum.threads.models import Thread

        with self.context() as session:
            post = self.make.reply(session.get(Thread, thread_id), session.get(User, author.id), body)
            return SimpleNamespace(id=post.id)

    def browser(self, user=None, agent: str = FIREFOX_ON_LINUX, password: str = PASSWORD):
        client = self.app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = agent
        if user is not None:
            response = client.post("/login", data={"username": user.username, "password": password})
            assert response.status_code == 303, response.data
        return client


@pytest.fixture
def site(app_factory, smtp_server):
    return Site(app_factory(**smtp_server.settings))


def logged_in_as(client) -> str | None:
    """The member this browser is logged in as, or None."""
    page = client.get("/settings")
    if page.status_code != 200:
        return None
    return re.search(r'class="nav-member-name">([^<]+)<', page.get_data(as_text=True)).group(1)


def copy_cookies(source, target, names=("session", "remember_token")) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        target.set_cookie(cookie.key, cookie.value)


def mailed_link(message, path: str) -> str:
    """The path (and query) of the link to ``path...`` in a received mail's text."""
    from urllib.parse import urlsplit

    text = message.get_body(("plain",)).get_content()
    found = re.search(r"https?://\S+" + re.escape(path) + r"\S*", text)
    assert found, text
    parts = urlsplit(found.group(0))
    return parts.path + (f"?{parts.query}" if parts.query else "")
