"""A thread page builds its per-post links from one pattern per page (forum/threads/page_urls.py):
each must be exactly the address the route gives."""
import re

from flask import url_for


def test_every_per_post_link_is_the_routes_own_address(app, client, make, login_as):
    category = make.category("general")
    author = make.user("ann_a-1")
    thread = make.thread(author, category, "Patterns")
    reply = make.reply(thread, make.user("bob"), "A reply")
    reader = make.user("reader")
    login_as(reader)

    page = client.get(f"/t/{thread.id}").get_data(as_text=True)

    with app.test_request_context():
        expected = [url_for("threads.permalink", post_id=reply.id),
                    url_for("contribution.helpful", post_id=reply.id),
                    url_for("contribution.share", post_id=reply.id),
                    url_for("moderation.flag_post", post_id=reply.id),
                    url_for("accounts.profile", username="ann_a-1"),
                    url_for("accounts.profile", username="bob"),
                    url_for("threads.show_thread", thread_id=thread.id, slug=thread.slug,
                            quote=reply.id, _anchor="respond")]
    hrefs = set(re.findall(r'(?:href|action|data-quote-url)="([^"]+)"', page))
    for address in expected:
        assert address.replace("&", "&amp;") in hrefs, address
