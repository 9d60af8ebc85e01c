"""The read-only JSON API."""


def test_categories_threads_and_a_thread_with_its_posts(client, make):
    help_ = make.category("help", "Help")
    author = make.user("grace")
    thread = make.thread(author=author, category=help_, title="JSON please", tags="api")
    reply = make.reply(thread, make.user("linus"), "A *reply*")
    categories = client.get("/api/v1/categories").get_json()["categories"]
    assert [c["slug"] for c in categories] == ["help"]
    listing = client.get("/api/v1/threads?category=help").get_json()
    assert [t["title"] for t in listing["threads"]] == ["JSON please"]
    assert client.get("/api/v1/threads?tag=api").get_json()["threads"][0]["id"] == thread.id
    data = client.get(f"/api/v1/threads/{thread.id}").get_json()
    assert data["thread"]["closed"] is False and data["thread"]["closed_reason"] is None
    assert [p["id"] for p in data["posts"]][1] == reply.id
    assert data["posts"][1]["html"] == "<p>A <em>reply</em></p>"
    assert data["posts"][1]["url"].startswith("http://localhost/p/")
    assert data["links"] == []


def test_users_endpoint(client, make):
    make.user("grace")
    data = client.get("/api/v1/users/grace").get_json()["user"]
    assert data["username"] == "grace" and data["followers"] == 0


def test_errors_are_json_with_code_and_message(client):
    for url, status in [("/api/v1/threads/999", 404), ("/api/v1/users/nobody", 404),
                        ("/api/v1/threads?category=nope", 404), ("/api/v1/threads?page=x", 400),
                        ("/api/v1/nothing", 404)]:
        response = client.get(url)
        assert response.status_code == status, url
        error = response.get_json()["error"]
        assert error["code"] and error["message"], url
    assert client.post("/api/v1/categories").status_code == 405
