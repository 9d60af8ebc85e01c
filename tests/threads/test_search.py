"""Full-text search over titles and bodies, on SQLite FTS5 and PostgreSQL alike."""


def test_search_finds_bodies_and_titles_and_skips_deleted(client, make, login_as):
    author = make.user("grace")
    kept = make.thread(author=author, title="Reputation decay", body="A half-life keeps standing fresh.")
    other = make.thread(author=author, title="Moderation", body="Closing threads politely.")
    reply = make.reply(other, author, "Decay applies to flags as well.")
    by_title = client.get("/search?q=reputation").get_data(as_text=True)
    assert "Reputation decay" in by_title and "Moderation" not in by_title
    by_body = client.get("/search?q=decay").get_data(as_text=True)
    assert "2 results" in by_body
    login_as(author)
    client.post(f"/p/{reply.id}/delete")
    assert "1 result" in client.get("/search?q=decay").get_data(as_text=True)
    assert kept.id


def test_search_follows_edits(client, make, login_as):
    author = make.user("grace")
    thread = make.thread(author=author, body="original wording")
    login_as(author)
    from forum.threads.models import Post
    from forum.extensions import db
    post = db.session.scalar(db.select(Post))
    client.post(f"/p/{post.id}/edit", data={"body": "rewritten sentence", "version": 1})
    assert "0 results" in client.get("/search?q=original").get_data(as_text=True)
    assert "1 result" in client.get("/search?q=rewritten").get_data(as_text=True)
    assert thread.id


def test_search_survives_query_syntax_and_limits_length(client, make):
    make.thread(body="plain words")
    for q in ['"', "AND OR NOT", "(", "*", "a:b", "NEAR(", "'; DROP TABLE posts; --", "ünïcode"]:
        assert client.get("/search", query_string={"q": q}).status_code == 200, q
    assert client.get("/search", query_string={"q": "x" * 201}).status_code == 400
    assert client.get("/search").status_code == 200


def test_each_side_of_the_search_is_answered_by_its_full_text_index(app, make, db_backend):
    """Titles and bodies each use their own index, never a walk of every post (the planner is
    told to avoid sequential scans, as it would over a large forum)."""
    from sqlalchemy import text

    from forum.extensions import db
    from forum.threads.search import search_statement

    make.thread(title="Reputation decay", body="A half-life keeps standing fresh.")
    statement, query = search_statement(db_backend, "decay")
    with db.engine.connect() as connection:
        if db_backend == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(str(row[-1]) for row in connection.execute(
            text("EXPLAIN " + ("QUERY PLAN " if db_backend == "sqlite" else "") + statement.text),
            {"q": query, "limit": 50}))
    if db_backend == "postgresql":
        assert "ix_posts_body_search" in plan and "ix_threads_title_search" in plan, plan
        assert "Seq Scan on posts" not in plan, plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan and "SCAN p\n" not in plan + "\n", plan
