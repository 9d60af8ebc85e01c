"""Bad requests get a clear 4xx and store nothing; no request can produce a 500 page."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.threads.models import Post, Thread


def posts() -> int:
    return db.session.scalar(select(func.count()).select_from(Post))


def test_oversized_bodies_are_413(client, make, login_as):
    thread = make.thread()
    login_as(make.user())
    response = client.post(f"/t/{thread.id}/reply", data={"body": "x" * 300_000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert posts() == 1


def test_an_overlong_post_is_400_with_the_limit(client, make, login_as):
    thread = make.thread()
    login_as(make.user())
    response = client.post(f"/t/{thread.id}/reply", data={"body": "x" * 50_001})
    assert response.status_code == 400 and "at most 50,000" in response.get_data(as_text=True)
    assert posts() == 1


@pytest.mark.parametrize("body", [b"body=%ff%fe", b"body=\xff\xfe", b"title=%C0%AF&body=x"])
def test_invalid_utf8_is_refused_without_storing(client, make, login_as, body):
    thread = make.thread()
    login_as(make.user())
    response = client.post(f"/t/{thread.id}/reply", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500
    assert posts() == 1


def test_empty_and_missing_fields_are_400(client, make, login_as):
    category = make.category("help")
    thread = make.thread(category=category)
    login_as(make.user())
    assert client.post(f"/t/{thread.id}/reply", data={"body": "   "}).status_code == 400
    assert client.post(f"/t/{thread.id}/reply", data={}).status_code == 400
    assert client.post("/c/help/new", data={"title": "x" * 201, "body": "b"}).status_code == 400
    bad_tags = client.post("/c/help/new", data={"title": "t", "body": "b", "tags": "ok, <script>"})
    assert bad_tags.status_code == 400 and "is not a tag" in bad_tags.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 1
    assert posts() == 1


def test_unknown_things_are_404(client, make, login_as):
    login_as(make.user())
    for url in ["/t/999", "/t/999/slug", "/p/999", "/c/none", "/u/none", "/c/none/new"]:
        assert client.get(url).status_code == 404, url
    assert client.post("/t/999/reply", data={"body": "x"}).status_code == 404


def test_wrong_methods_are_405_not_500(client):
    assert client.delete("/").status_code == 405
    assert client.get("/logout").status_code == 405
    assert client.put("/register").status_code == 405


def test_an_unexpected_error_is_a_plain_500_page_without_a_traceback(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom-for-test")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text
    assert "Something went wrong" in text


@pytest.mark.parametrize("url", [
    "/t/2147483648", "/t/99999999999999999999/slug", "/p/2147483648", "/p/2147483648/history",
    "/t/2147483648/feed.atom", "/api/v1/threads/99999999999999999999", "/webmention/2147483648",
])
def test_ids_beyond_any_id_are_404_not_a_database_error(client, url):
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 404


def test_posting_to_ids_beyond_any_id_is_404(client, make, login_as):
    login_as(make.user(role="moderator"))
    for url in ["/t/2147483648/reply", "/p/2147483648/helpful", "/mod/links/2147483648/approve"]:
        assert client.post(url, data={"body": "x"}).status_code == 404, url


@pytest.mark.parametrize("url", ["/u/%00", "/c/a%00b", "/tag/%00", "/api/v1/users/%00",
                                 "/search?q=a%00b", "/u/%00/feed.atom"])
def test_a_nul_character_in_the_address_is_400(client, url):
    assert client.get(url).status_code == 400
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 400


def test_a_nul_character_in_a_form_is_400_and_stores_nothing(client, make, login_as):
    thread = make.thread()
    login_as(make.user())
    response = client.post(f"/t/{thread.id}/reply", data={"body": "before\x00after"})
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert posts() == 1
