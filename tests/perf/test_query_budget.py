"""Every page costs the same number of queries however much data there is.

Each page is counted three ways: a member's fresh render, a visitor's first visit (which
renders and fills the page cache) and a visitor's repeat visit (the cache answers after one
validator query). Then the data grows and the counts must not move.
"""

from forum.contribution.models import Share
from forum.extensions import cache, db
from forum.links.models import Link


def get(client, count_queries, url) -> int:
    # The test shares the app's session: forget what it holds, as a new request would.
    db.session.expire_all()
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def counts(client, count_queries, login_as, member, url) -> tuple[int, int, int]:
    """(member's render, visitor's first visit, visitor's repeat visit) queries for ``url``."""
    cache.clear()
    first = get(client, count_queries, url)
    repeat = get(client, count_queries, url)
    login_as(member)
    fresh = get(client, count_queries, url)
    client.post("/logout")
    return fresh, first, repeat


def grow_thread(make, thread, replies: int, start: int = 0):
    """``replies`` replies from different members, each marked and shared by another."""
    posts = []
    for i in range(start, start + replies):
        author = make.user(f"replier{i}")
        posts.append(make.reply(thread, author, f"Reply number {i} with **Markdown**."))
    fan = make.user(f"fan{start}")
    for post in posts:
        make.mark(post, fan)
        db.session.add(Share(post_id=post.id, user_id=fan.id))
        db.session.add(Link(kind="webmention", status="approved",
                            source_url=f"https://example.org/{post.id}",
                            target_url=f"https://forum.example/t/{thread.id}",
                            target_thread_id=thread.id, title="Elsewhere"))
    db.session.commit()
    return posts


def test_thread_page_queries_do_not_grow_with_replies(client, make, login_as, count_queries):
    member = make.user("reader")
    category = make.category("general")
    small = make.thread(make.user("op1"), category, "Small thread", tags="one, two")
    large = make.thread(make.user("op2"), category, "Large thread", tags="one, two, three")
    grow_thread(make, small, 5)
    grow_thread(make, large, 120, start=5)

    few = counts(client, count_queries, login_as, member, f"/t/{small.id}")
    many = counts(client, count_queries, login_as, member, f"/t/{large.id}")
    last_page = counts(client, count_queries, login_as, member, f"/t/{large.id}?page=3")
    assert few == many == last_page
    assert few[2] == 1  # a visitor's repeat visit: the validator query alone


def test_home_and_category_queries_do_not_grow_with_threads(client, make, login_as, count_queries):
    member = make.user("reader")
    categories = [make.category(f"cat{i}") for i in range(3)]
    make.thread(make.user("first"), categories[0], "The first", tags="alpha").pinned = True
    make.thread(make.user("second"), categories[0], "The second", tags="beta")
    db.session.commit()
    small_home = counts(client, count_queries, login_as, member, "/")
    small_category = counts(client, count_queries, login_as, member, "/c/cat0")
    for i in range(40):
        thread = make.thread(make.user(f"author{i}"), categories[i % 3], f"Thread {i}",
                             tags=f"t{i}, shared")
        make.reply(thread, make.user(f"answer{i}"))
        if i % 10 == 0:
            thread.pinned = True
    db.session.commit()
    assert counts(client, count_queries, login_as, member, "/") == small_home
    assert counts(client, count_queries, login_as, member, "/c/cat0") == small_category
    assert small_home[2] == small_category[2] == 1


def test_profile_queries_do_not_grow_with_posts(client, make, login_as, count_queries):
    member = make.user("reader")
    quiet, busy = make.user("quiet"), make.user("busy")
    category = make.category("general")
    make.thread(quiet, category, "Quiet's only thread")
    for i in range(30):
        thread = make.thread(busy, category, f"Busy thread {i}")
        make.reply(thread, busy, "And a reply to myself.")
    assert (counts(client, count_queries, login_as, member, "/u/quiet")
            == counts(client, count_queries, login_as, member, "/u/busy"))
