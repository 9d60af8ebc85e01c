"""Outgoing Webmentions and Pingbacks, sent to loopback sites by the job queue."""
import xmlrpc.client
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from forum import jobs
from forum.extensions import db
from forum.links.models import OutgoingMention


@pytest.fixture
def forum(app, site, make):
    """The app allowed to reach ``site``; ``forum.author`` writes; ``forum.category`` holds threads."""
    app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}), LINKS_RETRY_DELAYS="0.05,0.05")
    app.author = make.user("ada")
    app.category = make.category("general")
    return app


def post_linking(make, forum, *urls, title="Linking thread"):
    body = " ".join(f"[link {i}]({url})" for i, url in enumerate(urls))
    return make.thread(forum.author, forum.category, title=title, body=body or "No links.")


def run_jobs(app, until=None):
    """Run the queued jobs to the end, their retries included (``drain`` waits for those);
    with ``until``, what must then hold."""
    db.session.commit()
    jobs.drain(app)
    db.session.expire_all()
    if until is not None:
        assert until()


def mentions():
    db.session.expire_all()
    return db.session.scalars(select(OutgoingMention).order_by(OutgoingMention.id)).all()


def accepts_webmentions(site, path="/article", endpoint="/webmention", status=202, how="header"):
    headers = {"Link": f'<{endpoint}>; rel="webmention"'} if how == "header" else {}
    html = f'<link rel="webmention" href="{endpoint}">' if how == "html" else ""
    site.page(endpoint, "Accepted", status=status)
    return site.page(path, f"<html><head>{html}</head><body>An article.</body></html>", headers=headers)


def webmentions_received(site, endpoint="/webmention"):
    return [parse_qs(body.decode()) for method, path, headers, body in site.hits("POST", endpoint)]


@pytest.mark.parametrize("how", ["header", "html"])
def test_a_new_post_sends_a_webmention(forum, client, make, site, login_as, how):
    target = accepts_webmentions(site, how=how)
    thread = post_linking(make, forum, target)
    run_jobs(forum)
    [mention] = mentions()
    assert (mention.status, mention.protocol, mention.attempts) == ("sent", "webmention", 1)
    assert mention.endpoint == site.url + "/webmention"
    [sent] = webmentions_received(site)
    assert sent["target"] == [target]
    assert sent["source"] == [f"http://localhost/p/{mention.post_id}"]
    # The author sees the result under their post; others do not.
    login_as(forum.author)
    assert "Notified 1 of 1 linked site" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    login_as(make.user("bob"))
    assert "Notified" not in client.get(f"/t/{thread.id}").get_data(as_text=True)


def pingback_server(site, path="/xmlrpc", fault=None):
    def answer(method, body):
        if fault is not None:
            return 200, {"Content-Type": "text/xml"}, xmlrpc.client.dumps(
                xmlrpc.client.Fault(fault, "no"), methodresponse=True)
        return 200, {"Content-Type": "text/xml"}, xmlrpc.client.dumps(("Thanks",), methodresponse=True)
    site.pages[path] = answer
    return site.url + path


@pytest.mark.parametrize("how", ["header", "html"])
def test_pingback_is_the_fallback(forum, make, site, how):
    server = pingback_server(site)
    if how == "header":
        target = site.page("/article", "<p>An article.</p>", headers={"X-Pingback": server})
    else:
        target = site.page("/article", f'<link rel="pingback" href="{server}"><p>An article.</p>')
    post_linking(make, forum, target)
    run_jobs(forum)
    [mention] = mentions()
    assert (mention.status, mention.protocol, mention.endpoint) == ("sent", "pingback", server)
    [(_, _, headers, body)] = site.hits("POST", "/xmlrpc")
    params, method = xmlrpc.client.loads(body)
    assert method == "pingback.ping"
    assert params == (f"http://localhost/p/{mention.post_id}", target)


def test_webmention_wins_over_pingback(forum, make, site):
    target = accepts_webmentions(site)
    site.pages["/article"][1]["X-Pingback"] = pingback_server(site)
    post_linking(make, forum, target)
    run_jobs(forum)
    assert mentions()[0].protocol == "webmention"
    assert site.hits("POST", "/xmlrpc") == []


def test_a_page_without_endpoints_is_recorded(forum, make, site):
    post_linking(make, forum, site.page("/plain", "<p>Nothing to see.</p>"))
    run_jobs(forum)
    [mention] = mentions()
    assert (mention.status, mention.attempts) == ("unsupported", 1)


def test_pingback_fault_48_counts_as_sent_and_33_as_failed(forum, make, site):
    pingback_server(site, "/xmlrpc48", fault=48)
    pingback_server(site, "/xmlrpc33", fault=33)
    one = site.page("/one", "<p>1</p>", headers={"X-Pingback": site.url + "/xmlrpc48"})
    two = site.page("/two", "<p>2</p>", headers={"X-Pingback": site.url + "/xmlrpc33"})
    post_linking(make, forum, one, two)
    run_jobs(forum)
    assert [(m.target_url, m.status) for m in mentions()] == [(one, "sent"), (two, "failed")]
    assert "33" in mentions()[1].last_error


def test_failures_are_retried_with_backoff_until_they_succeed(forum, make, site):
    answers = iter([(503, {}, b"busy"), (202, {}, b"ok")])
    site.pages["/webmention"] = lambda method, body: next(answers)
    target = site.page("/article", "<p>x</p>", headers={"Link": '</webmention>; rel="webmention"'})
    post_linking(make, forum, target)
    run_jobs(forum, until=lambda: mentions()[0].status == "sent")
    [mention] = mentions()
    assert (mention.status, mention.attempts) == ("sent", 2)
    assert len(site.hits("POST", "/webmention")) == 2


def test_a_mention_fails_after_its_last_retry(forum, make, site):
    target = accepts_webmentions(site, status=500)
    post_linking(make, forum, target)
    run_jobs(forum, until=lambda: mentions()[0].status == "failed")
    [mention] = mentions()
    assert (mention.status, mention.attempts) == ("failed", 3)
    assert "500" in mention.last_error
    assert len(site.hits("POST", "/webmention")) == 3


def test_an_unreachable_site_is_retried(forum, make):
    post_linking(make, forum, "http://127.0.0.1:9/nothing-listens-here")
    forum.config["OUTBOUND_ALLOW_HOSTS"] = frozenset({"127.0.0.1:9"})
    run_jobs(forum, until=lambda: mentions()[0].status == "failed")
    [mention] = mentions()
    assert (mention.status, mention.attempts) == ("failed", 3)


def test_a_private_target_is_never_fetched(forum, make, site):
    forum.config["OUTBOUND_ALLOW_HOSTS"] = frozenset()
    post_linking(make, forum, accepts_webmentions(site))
    run_jobs(forum)
    [mention] = mentions()
    assert (mention.status, mention.attempts) == ("failed", 1)
    assert "non-public" in mention.last_error
    assert site.requests == []


def test_edits_notify_new_and_removed_links_only(forum, client, make, site, other_site, login_as):
    first = accepts_webmentions(site, path="/first")
    second = accepts_webmentions(site, path="/second")
    thread = post_linking(make, forum, first)
    run_jobs(forum)
    post_id = mentions()[0].post_id
    login_as(forum.author)

    def edit(body, version):
        response = client.post(f"/p/{post_id}/edit", data={"body": body, "version": version})
        assert response.status_code == 303
        run_jobs(forum)

    edit(f"[first]({first}) and more words", 1)  # same links: nobody is told again
    assert len(webmentions_received(site)) == 1
    edit(f"[second]({second})", 2)  # second is new, first was removed: both hear of it
    received = webmentions_received(site)
    assert sorted(r["target"][0] for r in received[1:]) == sorted([first, second])
    by_target = {m.target_url: m for m in mentions()}
    assert (by_target[first].linked, by_target[second].linked) == (False, True)
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Notified 1 of 1 linked site" in page


def test_deleting_a_post_tells_its_targets(forum, client, make, site, login_as):
    target = accepts_webmentions(site)
    thread = make.thread(forum.author, forum.category, title="T", body="Opening.")
    reply = make.reply(thread, forum.author, f"[a link]({target})")
    run_jobs(forum)
    login_as(forum.author)
    assert client.post(f"/p/{reply.id}/delete").status_code == 303
    run_jobs(forum)
    assert len(webmentions_received(site)) == 2
    assert mentions()[0].linked is False


def test_internal_and_non_http_links_are_not_mentions(forum, make):
    other = make.thread(forum.author, forum.category, title="Other")
    post_linking(make, forum, f"http://localhost/t/{other.id}", "mailto:a@example.org")
    assert mentions() == []


def test_jobs_run_on_redis_with_rq(app_factory, redis_settings, site):
    """The same jobs through RQ on the real Redis: verification and sending with a retry."""
    from forum.jobs import RedisQueue

    app = app_factory(**redis_settings, OUTBOUND_ALLOW_HOSTS=site.host, LINKS_RETRY_DELAYS="0,0")
    assert isinstance(app.extensions["forum.jobs"], RedisQueue)
    with app.app_context(), app.test_request_context():
        from forum.accounts.services import create_user
        from forum.threads.models import Category
        from forum.threads.services import create_thread

        ada = create_user("ada", "ada@example.org", "correct horse battery")
        category = Category(slug="general", name="General")
        db.session.add(category)
        db.session.commit()
        answers = iter([(500, {}, b"busy"), (202, {}, b"ok")])
        site.pages["/webmention"] = lambda method, body: next(answers)
        target = site.page("/article", "<p>x</p>", headers={"Link": '</webmention>; rel="webmention"'})
        thread = create_thread(ada, category, "Linking", f"[x]({target})")
        site.page("/post", f"<a href='http://localhost/t/{thread.id}'>a thread</a>")
        client = app.test_client()
        assert client.post("/webmention", data={"source": site.url + "/post",
                                                "target": f"http://localhost/t/{thread.id}"}
                           ).status_code == 202
        db.session.commit()
        jobs.drain(app)
        db.session.expire_all()
        [mention] = db.session.scalars(select(OutgoingMention)).all()
        assert (mention.status, mention.attempts) == ("sent", 2)
        from forum.links.models import Link

        link = db.session.scalar(select(Link).where(Link.kind == "webmention"))
        assert link.status == "pending"
