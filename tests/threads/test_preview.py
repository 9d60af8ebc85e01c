"""POST /preview: the Markdown preview renders through the one renderer and stores nothing."""
import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.threads.models import Post


def post_count():
    return db.session.scalar(select(func.count()).select_from(Post))


def test_preview_returns_the_sanitized_html_a_post_would_store(client, make, login_as):
    login_as(make.user("grace"))
    response = client.post("/preview", data={
        "body": "**bold** <script>alert(1)</script> [x](javascript:alert(1)) [out](https://example.org)"})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert 'rel="nofollow ugc noopener"' in html
    assert post_count() == 0


def test_preview_needs_a_member(client):
    response = client.post("/preview", data={"body": "hello"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_preview_of_an_empty_text_is_a_400_with_the_message(client, make, login_as):
    login_as(make.user("grace"))
    response = client.post("/preview", data={"body": "   "})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith("Write something first")


def test_preview_refuses_a_text_longer_than_a_post_may_be(app, client, make, login_as):
    login_as(make.user("grace"))
    response = client.post("/preview", data={"body": "x" * (app.config["MAX_POST_LENGTH"] + 1)})
    assert response.status_code == 400
    assert "at most" in response.get_json()["error"]["message"]


def test_preview_refuses_an_oversized_request_with_413(app, client, make, login_as):
    login_as(make.user("grace"))
    response = client.post("/preview", data={"body": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413


def test_preview_is_csrf_protected(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        from forum.accounts.services import create_user

        create_user("grace", "grace@example.org", "correct horse battery", "member")
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', login_page)
    client.post("/login", data={"username": "grace", "password": "correct horse battery",
                                "csrf_token": token.group(1)})
    # Logging in rotates the CSRF token: the page now carries the new one.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert client.post("/preview", data={"body": "hi"}).status_code == 400
    assert client.post("/preview", data={"body": "hi", "csrf_token": token.group(1)}).status_code == 200
