"""Every page with a feed links it, for feed readers and for people."""
import re

import pytest

from forum.feeds.discovery import feeds_for


def alternates(html: str) -> dict[str, str]:
    return {href: kind for kind, href in re.findall(
        r'<link rel="alternate" type="(application/(?:atom|rss)\+xml)"[^>]*href="([^"]+)"', html)}


def follow_links(html: str) -> list[str]:
    match = re.search(r'<p class="feed-links">(.*?)</p>', html, re.S)
    return re.findall(r'href="([^"]+)"', match.group(1)) if match else []


@pytest.fixture
def thread(make):
    return make.thread(make.user("ada"), make.category("help"), "Found", "Text.", "rss")


@pytest.mark.parametrize("page,feeds", [
    ("/", ["/feed.atom", "/feed.rss"]),
    ("/t/1", ["/t/1/feed.atom", "/t/1/feed.rss"]),
    ("/t/1/found", ["/t/1/feed.atom", "/t/1/feed.rss"]),
    ("/c/help", ["/c/help/feed.atom", "/c/help/feed.rss", "/c/help/helpful.atom",
                 "/c/help/helpful.rss"]),
    ("/tag/rss", ["/tag/rss/feed.atom", "/tag/rss/feed.rss", "/tag/rss/helpful.atom",
                  "/tag/rss/helpful.rss"]),
    ("/u/ada", ["/u/ada/feed.atom", "/u/ada/feed.rss"]),
])
def test_pages_link_their_feeds_in_head_and_visibly(client, thread, page, feeds):
    html = client.get(page).get_data(as_text=True)
    found = alternates(html)
    assert list(found) == feeds
    assert {found[feed] for feed in feeds if feed.endswith(".atom")} == {"application/atom+xml"}
    assert {found[feed] for feed in feeds if feed.endswith(".rss")} == {"application/rss+xml"}
    assert follow_links(html) == feeds
    assert "Follow by feed" in html
    for feed in feeds:  # every advertised feed exists
        assert client.get(feed).status_code == 200


@pytest.mark.parametrize("page", ["/search?q=x", "/login", "/t/999", "/u/nobody", "/c/nope"])
def test_pages_without_a_feed_and_error_pages_advertise_none(client, thread, page):
    html = client.get(page).get_data(as_text=True)
    assert alternates(html) == {} and "Follow by feed" not in html


@pytest.mark.parametrize("endpoint,args", [
    ("threads.search", {}), ("threads.show_thread", {}), ("accounts.profile", {}), (None, {}),
    ("threads.category", {"page": 2})])
def test_feeds_for_other_endpoints_is_empty(app, endpoint, args):
    with app.test_request_context():
        assert feeds_for(endpoint, args) == []


def test_feed_titles_name_what_they_follow(app):
    with app.test_request_context():
        titles = [feed.title for feed in feeds_for("threads.tag", {"name": "rss"})]
        labels = [feed.label for feed in feeds_for("threads.tag", {"name": "rss"})]
    assert titles == ["#rss (Atom)", "#rss (RSS)", "Helpful replies in #rss (Atom)",
                      "Helpful replies in #rss (RSS)"]
    assert labels == ["Atom", "RSS", "Helpful replies (Atom)", "Helpful replies (RSS)"]
