"""A feed reader follows the site, a category, a tag, a thread or a member."""
import re

import feedparser
import pytest

from forum.contribution.models import Share
from forum.extensions import db
from forum.links.models import Link
from forum.threads import services
from forum.timeutil import utcnow

BASE = "http://localhost"


def read(client, url, status=200, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status, (url, response.status_code, response.data[:300])
    return response


def parse(client, url):
    """The feed at ``url``, parsed by feedparser, which must find it well-formed."""
    response = read(client, url)
    feed = feedparser.parse(response.data)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed


def entry_ids(feed) -> list[str]:
    return [entry.id for entry in feed.entries]


def permalink(post) -> str:
    return f"{BASE}/p/{post.id}"


def hide(post):
    post.hidden_at = utcnow()
    post.hidden_reason = "spam"
    db.session.commit()


@pytest.fixture
def forum(make):
    """A small forum: a tagged thread with replies in "help", another in "meta"."""
    ada, bob = make.user("ada"), make.user("bob")
    help_, meta = make.category("help", "Help"), make.category("meta", "Meta")
    help_.description = "Questions & answers"
    db.session.commit()
    thread = make.thread(ada, help_, "How do feeds work?", "Tell me *everything*.", "rss, how-to")
    first = make.reply(thread, bob, "Like **this**.")
    second = make.reply(thread, ada, "Thanks <script>alert(1)</script>")
    other = make.thread(bob, meta, "Meta talk", "About the forum.")
    return dict(ada=ada, bob=bob, help=help_, meta=meta, thread=thread, first=first,
                second=second, other=other)


FEED_URLS = ["/feed.{fmt}", "/c/help/feed.{fmt}", "/tag/rss/feed.{fmt}", "/t/1/feed.{fmt}",
             "/u/ada/feed.{fmt}", "/c/help/helpful.{fmt}", "/tag/rss/helpful.{fmt}"]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_every_feed_is_well_formed_with_absolute_urls(client, forum, fmt):
    forum["thread"].accepted_post_id = forum["first"].id
    db.session.commit()
    for pattern in FEED_URLS:
        url = pattern.format(fmt=fmt)
        response = read(client, url)
        assert response.mimetype == f"application/{fmt}+xml"
        feed = feedparser.parse(response.data)
        assert not feed.bozo, (url, feed.get("bozo_exception"))
        assert feed.version == ("atom10" if fmt == "atom" else "rss20")
        assert feed.feed.title and feed.feed.get("subtitle") or feed.feed.get("description")
        assert feed.feed.link.startswith(BASE + "/")
        assert feed.entries, url
        for entry in feed.entries:
            assert entry.link.startswith(BASE + "/") and entry.id.startswith(BASE + "/p/")
            assert entry.get("author") and entry.get("published_parsed")


def test_thread_feed_holds_its_posts_and_approved_pingbacks_newest_first(client, forum, make):
    thread = forum["thread"]
    approved = Link(kind="webmention", status="approved", source_url="https://blog.example/post",
                    target_url=f"{BASE}/t/{thread.id}", target_thread_id=thread.id,
                    title="A blog post", excerpt="they said <b>so</b>", author_name="Eve")
    pending = Link(kind="pingback", status="pending", source_url="https://spam.example/",
                   target_url=f"{BASE}/t/{thread.id}", target_thread_id=thread.id, title="Spam")
    db.session.add_all([approved, pending])
    db.session.commit()
    feed = parse(client, f"/t/{thread.id}/feed.atom")
    assert feed.feed.title == "How do feeds work? · The Forum"
    assert "Help" in feed.feed.subtitle
    assert feed.feed.link == f"{BASE}/t/{thread.id}/{thread.slug}"
    ids = entry_ids(feed)
    pingback_id = f"tag:localhost,2025:pingback-{approved.id}"
    assert ids == [pingback_id, permalink(forum["second"]), permalink(forum["first"]),
                   permalink(thread_opening(thread))]
    pingback = feed.entries[0]
    assert pingback.title == "Pingback: A blog post" and pingback.link == approved.source_url
    assert "&lt;b&gt;so&lt;/b&gt;" in pingback.content[0].value  # excerpts are text
    reply = feed.entries[2]
    assert reply.title == "Re: How do feeds work?"
    assert reply.link == f"{BASE}/t/{thread.id}/{thread.slug}#post-{forum['first'].id}"
    assert "<strong>this</strong>" in reply.content[0].value
    assert "<script" not in feed.entries[1].content[0].value  # the stored, sanitized HTML


def thread_opening(thread):
    from forum.threads.models import Post

    return db.session.query(Post).filter_by(thread_id=thread.id, position=1).one()


def test_feed_entries_match_the_thread_page(client, forum):
    thread = forum["thread"]
    page = read(client, f"/t/{thread.id}").get_data(as_text=True)
    on_page = {f"{BASE}/p/{post_id}" for post_id in re.findall(r'id="post-(\d+)"', page)}
    for fmt in ("atom", "rss"):
        assert set(entry_ids(parse(client, f"/t/{thread.id}/feed.{fmt}"))) == on_page


def test_site_category_and_tag_feeds_scope_their_posts(client, forum):
    everything = entry_ids(parse(client, "/feed.atom"))
    assert everything[0] == permalink(thread_opening(forum["other"]))
    assert len(everything) == 4
    help_feed = parse(client, "/c/help/feed.rss")
    assert help_feed.feed.title == "Help · The Forum"
    assert help_feed.feed.description == "Questions & answers"
    assert len(help_feed.entries) == 3
    assert permalink(thread_opening(forum["other"])) not in entry_ids(help_feed)
    assert entry_ids(parse(client, "/tag/RSS/feed.atom")) == entry_ids(help_feed)


def test_hidden_and_deleted_posts_and_deleted_threads_leave_every_feed(client, forum):
    hide(forum["first"])
    with client.application.test_request_context():
        services.delete_post(forum["second"], forum["ada"])
    gone = {permalink(forum["first"]), permalink(forum["second"])}
    for url in ("/feed.atom", "/c/help/feed.atom", "/tag/rss/feed.rss", "/t/1/feed.atom",
                "/u/bob/feed.atom", "/u/ada/feed.rss"):
        assert not gone & set(entry_ids(parse(client, url))), url
    with client.application.test_request_context():
        services.delete_post(thread_opening(forum["other"]), forum["bob"])
    assert len(parse(client, "/feed.atom").entries) == 1
    read(client, f"/t/{forum['other'].id}/feed.atom", 404)
    assert parse(client, "/c/meta/feed.atom").entries == []


def test_a_closed_threads_feed_keeps_working(client, forum):
    thread = forum["thread"]
    thread.closed_at, thread.closed_reason = utcnow(), "Answered."
    db.session.commit()
    assert len(parse(client, f"/t/{thread.id}/feed.atom").entries) == 3


def test_member_feed_holds_their_posts_and_their_shares_of_others(client, forum):
    ada, bob = forum["ada"], forum["bob"]
    shared = Share(post_id=forum["first"].id, user_id=ada.id)
    own = Share(post_id=forum["second"].id, user_id=ada.id)  # never counted, never listed
    db.session.add_all([shared, own])
    db.session.commit()
    feed = parse(client, "/u/ADA/feed.atom")
    assert feed.feed.title == "ada · The Forum"
    assert feed.feed.link == f"{BASE}/u/ada"
    assert entry_ids(feed) == [f"tag:localhost,2025:share-{shared.id}",
                               permalink(forum["second"]), permalink(thread_opening(forum["thread"]))]
    assert feed.entries[0].title == "Shared: Re: How do feeds work?"
    assert "ada shared a post by bob" in feed.entries[0].content[0].value
    hide(forum["first"])
    assert f"tag:localhost,2025:share-{shared.id}" not in entry_ids(parse(client, "/u/ada/feed.rss"))
    assert bob.username in parse(client, "/u/bob/feed.rss").feed.title


def test_helpful_feeds_hold_accepted_and_marked_replies(client, forum, make):
    thread = forum["thread"]
    third = make.reply(thread, forum["bob"], "A third answer.")
    carol, dave = make.user("carol"), make.user("dave")
    opening = thread_opening(thread)
    for post, member in ((third, carol), (third, dave), (forum["second"], carol),
                         (opening, carol)):  # the opening post is not a reply
        make.mark(post, member)
    thread.accepted_post_id = forum["first"].id
    db.session.commit()
    expected = [permalink(third), permalink(forum["second"]), permalink(forum["first"])]
    feed = parse(client, "/c/help/helpful.atom")
    assert entry_ids(feed) == expected
    assert "helpful" in feed.feed.title
    assert entry_ids(parse(client, "/tag/rss/helpful.rss")) == expected
    assert entry_ids(parse(client, "/c/help/helpful.atom?min=2")) == [
        permalink(third), permalink(forum["first"])]
    assert entry_ids(parse(client, "/tag/how-to/helpful.atom?min=3")) == [permalink(forum["first"])]
    assert parse(client, "/c/meta/helpful.atom").entries == []


@pytest.mark.parametrize("query", ["min=0", "min=-1", "min=two", "min=", "min=100000"])
def test_a_bad_helpful_threshold_is_400(client, forum, query):
    read(client, f"/c/help/helpful.atom?{query}", 400)


@pytest.mark.parametrize("url", ["/c/nope/feed.atom", "/tag/nope/feed.rss", "/t/999/feed.atom",
                                 "/u/nobody/feed.rss", "/c/nope/helpful.atom",
                                 "/tag/nope/helpful.rss", "/feed.json", "/c/help/feed.xml"])
def test_missing_feeds_are_404(client, forum, url):
    read(client, url, 404)


def test_feeds_hold_the_newest_fifty_entries_in_a_fixed_number_of_queries(
        app, client, make, count_queries):
    thread = make.thread(title="Busy")
    author = make.user("writer")
    url, category_url = f"/t/{thread.id}/feed.atom", f"/c/{thread.category.slug}/feed.atom"
    with count_queries() as few:
        parse(client, url)
    replies = [make.reply(thread, author, f"reply {i}") for i in range(55)]
    with count_queries() as many:
        feed = parse(client, url)
    assert entry_ids(feed) == [permalink(post) for post in reversed(replies[-50:])]
    assert len(many) == len(few) <= 4
    for url in ("/feed.rss", "/u/writer/feed.atom", category_url):
        with count_queries() as queries:
            assert len(parse(client, url).entries) == 50
        assert len(queries) <= 4, url


def test_feed_urls_come_from_forum_base_url(app, client, make):
    app.config["BASE_URL"] = "https://forum.example.org/"
    thread = make.thread(title="Based")
    feed = parse(client, f"/t/{thread.id}/feed.atom")
    assert feed.feed.link == f"https://forum.example.org/t/{thread.id}/based"
    assert feed.entries[0].id == "https://forum.example.org/p/1"
    assert any(link.href == f"https://forum.example.org/t/{thread.id}/feed.atom"
               for link in feed.feed.links)
