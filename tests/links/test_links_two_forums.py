"""Two instances of the forum on loopback, each with its own database, pinging each other."""
import threading
import urllib.request

from sqlalchemy import select
from werkzeug.serving import make_server

from forum import jobs
from forum.database import create_schema
from forum.extensions import db
from forum.links.models import Link, OutgoingMention


class Instance:
    """A forum app served on 127.0.0.1 over real HTTP."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.url = f"http://{self.host}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        app.config.update(BASE_URL=self.url, LINKS_AUTO_APPROVE=True)

    def allow(self, other):
        self.app.config["OUTBOUND_ALLOW_HOSTS"] = frozenset({other.host})

    def write(self, action):
        with self.app.app_context():
            result = action()
            db.session.commit()
            return result

    def links(self):
        with self.app.app_context():
            return [(link.kind, link.status, link.title, link.source_url)
                    for link in db.session.scalars(select(Link).where(Link.kind != "internal"))]

    def mentions(self):
        with self.app.app_context():
            return [(m.protocol, m.status, m.last_error) for m in db.session.scalars(select(OutgoingMention))]

    def page(self, path):
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read().decode()

    def drain(self):
        with self.app.app_context():
            jobs.drain(self.app)

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


def member_and_category(name):
    from forum.accounts.services import create_user
    from forum.threads.models import Category

    user = create_user(name, f"{name}@example.org", "correct horse battery")
    category = Category(slug="general", name="General")
    db.session.add(category)
    db.session.commit()
    return user.id, category.id


def open_thread(user_id, category_id, title, body):
    from forum.accounts.models import User
    from forum.threads.models import Category
    from forum.threads.services import create_thread

    thread = create_thread(db.session.get(User, user_id), db.session.get(Category, category_id),
                           title, body)
    return thread.id


def settle(*instances, until, rounds=10):
    """Drain every forum's jobs until none has any left (a job on one forum queues one on the
    other, through its endpoint), then check ``until``."""
    for _ in range(rounds):
        for instance in instances:
            instance.drain()
        if not any(instance.app.extensions["forum.jobs"].unfinished for instance in instances):
            break
    assert until(), "the forums did not settle"


def test_two_forums_ping_each_other_both_ways(app_factory, tmp_path):
    a = Instance(app_factory())
    b = Instance(app_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'forum-b.sqlite3'}"))
    with b.app.app_context():
        create_schema()
    a.allow(b)
    b.allow(a)
    try:
        ada, a_general = a.write(lambda: member_and_category("ada"))
        bob, b_general = b.write(lambda: member_and_category("bob"))
        b_thread = b.write(lambda: open_thread(bob, b_general, "Bob's question", "What now?"))
        a_thread = a.write(lambda: open_thread(
            ada, a_general, "Ada's answer",
            f"Words before. Bob [asked this]({b.url}/t/{b_thread}/bobs-question) elsewhere."))

        settle(a, b, until=lambda: b.links() and b.links()[0][1] == "approved")
        assert a.mentions() == [("webmention", "sent", "")]
        [(kind, status, title, source)] = b.links()
        assert (kind, title) == ("webmention", "Ada's answer · The Forum")  # the page's <title>
        assert source.startswith(a.url + "/p/")
        page = b.page(f"/t/{b_thread}")
        assert "Pingback: <a href=\"" + source in page
        assert "asked this" in page

        # And back: a reply on B links to Ada's thread on A.
        b.write(lambda: reply_on(b_thread, bob, f"Thanks, see [Ada's]({a.url}/t/{a_thread})."))
        settle(a, b, until=lambda: a.links() and a.links()[0][1] == "approved")
        [(kind, status, title, source)] = a.links()
        assert (kind, title) == ("webmention", "Bob's question · The Forum")
        assert source.startswith(b.url + "/p/")
        assert "Pingback: <a href=\"" + source in a.page(f"/t/{a_thread}")
    finally:
        a.stop()
        b.stop()


def reply_on(thread_id, user_id, body):
    from forum.accounts.models import User
    from forum.threads.services import reply

    return reply(thread_id, db.session.get(User, user_id), body).id
