"""Incoming Pingback (/xmlrpc) and Webmention (/webmention), verified against loopback sites."""
import xmlrpc.client
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import jobs
from forum.contribution.models import ContributionEvent
from forum.extensions import db
from forum.links.models import Link
from forum.moderation.models import ModerationAction
from forum.threads.models import Post
from forum.timeutil import utcnow


@pytest.fixture
def thread(make):
    ada = make.user("ada")
    return make.thread(ada, make.category("general"), title="Target thread", body="Hello.")


def source_html(target, words="I liked"):
    return (f"<html><head><title>A blog post</title></head><body><p>Some words first. "
            f"{words} <a href=\"{target}\">this thread</a> a lot.</p></body></html>")


def ping(client, source, target, method="pingback.ping"):
    body = xmlrpc.client.dumps((source, target), method)
    return call(client, body)


def call(client, body):
    response = client.post("/xmlrpc", data=body, content_type="text/xml")
    assert response.status_code == 200
    assert response.content_type.startswith("text/xml")
    return response.data


def fault_of(data):
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(data)
    return caught.value.faultCode


def run_jobs(app):
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    jobs.drain(app)
    db.session.expire_all()


def webmention(client, **form):
    return client.post("/webmention", data=form)


def the_link():
    db.session.expire_all()
    return db.session.scalar(select(Link).where(Link.kind != "internal"))


def pingback_points():
    return db.session.scalars(select(ContributionEvent).where(
        ContributionEvent.kind == "pingback", ContributionEvent.reversed_at.is_(None))).all()


# --- discovery headers ----------------------------------------------------------------------


def test_thread_pages_advertise_both_endpoints(client, thread):
    response = client.get(f"/t/{thread.id}")
    assert response.headers["X-Pingback"] == "http://localhost/xmlrpc"
    assert response.headers["Link"] == '<http://localhost/webmention>; rel="webmention"'
    page = response.get_data(as_text=True)
    assert '<link rel="pingback" href="http://localhost/xmlrpc">' in page
    assert '<link rel="webmention" href="http://localhost/webmention">' in page
    assert "X-Pingback" not in client.get("/").headers


def test_endpoints_follow_the_base_url(app, client, thread):
    app.config["BASE_URL"] = "https://forum.example"
    response = client.get(f"/t/{thread.id}")
    assert response.headers["X-Pingback"] == "https://forum.example/xmlrpc"
    assert "https://forum.example/webmention" in response.headers["Link"]


# --- Pingback faults -------------------------------------------------------------------------


def test_list_methods(client):
    data = call(client, xmlrpc.client.dumps((), "system.listMethods"))
    assert xmlrpc.client.loads(data)[0][0] == ["pingback.ping", "system.listMethods"]


@pytest.mark.parametrize("body, code", [
    (b"not xml at all", -32700),
    (b"<?xml version='1.0'?><methodCall><methodName>pingback.ping", -32700),
    (b"\xff\xfe<methodCall/>", -32700),
    (b"", -32700),
    (b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<methodCall><methodName>&lol3;</methodName></methodCall>""", -32600),  # entities are refused
    (b"<methodResponse/>", -32600),
])
def test_malformed_calls_are_parse_errors(client, body, code):
    assert fault_of(call(client, body)) == code
    assert db.session.scalars(select(Link)).all() == []


@pytest.mark.parametrize("method", ["system.multicall", "pingback.extensions.getPingbacks",
                                    "unknown"])
def test_other_methods_are_not_found(client, method):
    assert fault_of(call(client, xmlrpc.client.dumps(("a", "b"), method))) == -32601


@pytest.mark.parametrize("params", [(), ("http://a.example/",), ("a", "b", "c"), (1, 2),
                                    ("http://a.example/", ["x"])])
def test_wrong_parameters(client, params):
    assert fault_of(call(client, xmlrpc.client.dumps(params, "pingback.ping"))) == -32602


@pytest.mark.parametrize("target, code", [
    ("http://elsewhere.example/t/{id}", 33),  # not this forum
    ("http://localhost/c/general", 33),  # this forum, not a thread
    ("ftp://localhost/t/{id}", 33),
    ("/t/{id}", 33),  # not absolute
    ("http://localhost/t/99999", 32),  # no such thread
    ("http://localhost/p/99999", 32),
    ("", 32),
])
def test_bad_targets(client, thread, site, target, code):
    assert fault_of(ping(client, site.url + "/post", target.format(id=thread.id))) == code
    assert the_link() is None


@pytest.mark.parametrize("source", ["", "not a url", "javascript:alert(1)", "ftp://a.example/x",
                                    "http://localhost/p/1", "x" * 3000])
def test_bad_sources_are_fault_0(client, thread, source):
    assert fault_of(ping(client, source, f"http://localhost/t/{thread.id}")) == 0
    assert the_link() is None


def test_source_equal_to_target_is_fault_0(app, client, thread):
    app.config["BASE_URL"] = "http://forum.example"
    target = f"http://forum.example/t/{thread.id}"
    # A source on the forum's own host is refused before the comparison; both are fault 0.
    assert fault_of(ping(client, target, target)) == 0


def test_closed_thread_refuses_pingbacks(client, thread, site):
    thread.closed_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert fault_of(ping(client, site.url + "/post", f"http://localhost/t/{thread.id}")) == 33
    response = webmention(client, source=site.url + "/post", target=f"http://localhost/t/{thread.id}")
    assert response.status_code == 400
    assert "Comments are closed." in response.get_data(as_text=True)
    assert the_link() is None


def test_unreachable_and_reachable_sources_answer_alike(app, client, thread, site):
    """No port scanning: whether the source answers is only learned in the background."""
    target = f"http://localhost/t/{thread.id}"
    open_port = ping(client, site.url + "/post", target)
    closed_port = ping(client, "http://127.0.0.1:9/post", target)
    assert xmlrpc.client.loads(open_port)[0] == xmlrpc.client.loads(closed_port)[0]


def test_a_repeated_pingback_is_fault_48(app, client, thread, site):
    app.config["OUTBOUND_ALLOW_HOSTS"] = frozenset({site.host})
    target = f"http://localhost/t/{thread.id}"
    site.page("/post", source_html(target))
    assert xmlrpc.client.loads(ping(client, site.url + "/post", target))[0][0].startswith("Thanks")
    assert fault_of(ping(client, site.url + "/post", target)) == 48
    run_jobs(app)
    assert fault_of(ping(client, site.url + "/post", f"http://localhost/t/{thread.id}/slug")) == 48


# --- verification ----------------------------------------------------------------------------


def test_a_verified_pingback_waits_for_a_moderator(app, client, thread, site, make, login_as):
    app.config["OUTBOUND_ALLOW_HOSTS"] = frozenset({site.host})
    target = f"http://localhost/t/{thread.id}"
    site.page("/post", source_html(target))
    ping(client, site.url + "/post", target)
    run_jobs(app)
    link = the_link()
    assert (link.kind, link.status, link.title) == ("pingback", "pending", "A blog post")
    assert "I liked" in link.excerpt
    assert site.hits("GET", "/post")
    assert "Pingback:" not in client.get(f"/t/{thread.id}").get_data(as_text=True)

    login_as(make.user("mo", role="moderator"))
    assert client.post(f"/mod/links/{link.id}/approve").status_code == 303
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Pingback: <a href=\"" + site.url + "/post\" rel=\"nofollow ugc noopener\">A blog post" in page
    [event] = pingback_points()
    assert (event.beneficiary_id, event.link_id, event.points) == (thread.author_id, link.id, 5)
    assert client.post(f"/mod/links/{link.id}/reject").status_code == 303
    assert the_link().status == "rejected"
    assert pingback_points() == []
    actions = db.session.scalars(select(ModerationAction.action).order_by(ModerationAction.id)).all()
    assert actions == ["approve", "reject"]


def test_auto_approve(app, client, thread, site):
    app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}), LINKS_AUTO_APPROVE=True)
    target = f"http://localhost/t/{thread.id}"
    site.page("/post", source_html(target))
    response = webmention(client, source=site.url + "/post", target=target)
    assert response.status_code == 202
    run_jobs(app)
    assert the_link().status == "approved"
    assert len(pingback_points()) == 1
    assert "A blog post" in client.get(f"/t/{thread.id}").get_data(as_text=True)


@pytest.mark.parametrize("page, note", [
    ("<p>No link here.</p>", "does not link"),
    ("<p><a href='http://localhost/t/999'>another</a></p>", "does not link"),
])
def test_a_source_without_the_link_fails_verification(app, client, thread, site, page, note):
    app.config["OUTBOUND_ALLOW_HOSTS"] = frozenset({site.host})
    site.page("/post", page)
    response = webmention(client, source=site.url + "/post", target=f"http://localhost/t/{thread.id}")
    run_jobs(app)
    link = the_link()
    assert link.status == "failed" and note in link.note
    status_page = client.get(response.headers["Location"].replace("http://localhost", ""))
    assert "could not be verified" in status_page.get_data(as_text=True)
    assert note not in status_page.get_data(as_text=True)


def test_relative_links_and_post_targets_verify(app, client, thread, site, make):
    app.config["OUTBOUND_ALLOW_HOSTS"] = frozenset({site.host})
    answer = make.reply(thread, make.user("bob"), "An answer.")
    # The source names the post by its thread URL with a fragment-free permalink, relative to a <base>.
    site.page("/post", f"<p>See <a href='http://localhost/p/{answer.id}'>the answer</a>.</p>",
              content_type="application/xhtml+xml")
    assert webmention(client, source=site.url + "/post",
                      target=f"http://localhost/p/{answer.id}").status_code == 202
    run_jobs(app)
    link = the_link()
    assert (link.status, link.target_post_id) == ("pending", answer.id)


def test_a_private_source_is_never_fetched_without_the_allow_list(app, client, thread, site):
    target = f"http://localhost/t/{thread.id}"
    site.page("/", source_html(target))
    assert webmention(client, source=site.url + "/", target=target).status_code == 202
    run_jobs(app)
    link = the_link()
    assert link.status == "failed"
    assert "non-public address" in link.note
    assert site.requests == []


# --- Webmention statuses ---------------------------------------------------------------------


@pytest.mark.parametrize("form, message", [
    ({}, "source URL is missing"),
    ({"source": "http://a.example/post"}, "target URL is missing"),
    ({"source": "nope", "target": "http://localhost/t/{id}"}, "absolute http or https"),
    ({"source": "http://a.example/post", "target": "http://b.example/t/{id}"}, "not a thread"),
    ({"source": "http://a.example/post", "target": "http://localhost/t/999"}, "does not exist"),
    ({"source": "http://a.example/post", "target": "http://localhost/"}, "not a thread"),
    ({"source": "http://localhost/t/{id}", "target": "http://localhost/t/{id}"}, "of this forum"),
])
def test_bad_webmentions_are_400(client, thread, form, message):
    response = webmention(client, **{k: v.format(id=thread.id) for k, v in form.items()})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert the_link() is None


def test_source_equal_to_target_is_400(app, client, thread):
    app.config["BASE_URL"] = "http://forum.example"
    target = f"http://forum.example/t/{thread.id}"
    assert webmention(client, source=target, target=target).status_code == 400


def test_a_webmention_is_accepted_with_a_status_url(client, thread, site):
    response = webmention(client, source=site.url + "/post", target=f"http://localhost/t/{thread.id}")
    assert response.status_code == 202
    link = the_link()
    location = response.headers["Location"]
    assert location.startswith("http://localhost/webmention/") and location in response.get_data(as_text=True)
    status = client.get(location.replace("http://localhost", ""))
    assert status.status_code == 200
    assert site.url + "/post" in status.get_data(as_text=True)
    assert client.get(f"/webmention/{link.id}").status_code == 404  # ids are not the address
    assert client.get("/webmention/999").status_code == 404


def test_a_repeat_updates_and_a_gone_source_deletes(app, client, thread, site):
    app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}), LINKS_AUTO_APPROVE=True)
    target = f"http://localhost/t/{thread.id}"
    site.page("/post", source_html(target, words="First version:"))
    first = webmention(client, source=site.url + "/post", target=target)
    run_jobs(app)
    assert "First version" in the_link().excerpt

    site.page("/post", source_html(target, words="Second version:"))
    again = webmention(client, source=site.url + "/post", target=target)
    assert again.headers["Location"] == first.headers["Location"]
    run_jobs(app)
    link = the_link()
    assert (link.status, "Second version" in link.excerpt) == ("approved", True)
    assert len(pingback_points()) == 1

    site.page("/post", "<p>The link is gone.</p>")
    webmention(client, source=site.url + "/post", target=target)
    run_jobs(app)
    assert the_link().status == "removed"
    assert pingback_points() == []
    assert "A blog post" not in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_a_source_answering_410_deletes(app, client, thread, site):
    app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}), LINKS_AUTO_APPROVE=True)
    target = f"http://localhost/t/{thread.id}"
    site.page("/post", source_html(target))
    webmention(client, source=site.url + "/post", target=target)
    run_jobs(app)
    assert the_link().status == "approved"
    site.page("/post", "Gone", status=410)
    assert webmention(client, source=site.url + "/post", target=target).status_code == 202
    run_jobs(app)
    assert the_link().status == "removed"


def test_a_source_that_fails_transiently_keeps_a_shown_link(app, client, thread, site):
    app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}), LINKS_AUTO_APPROVE=True)
    target = f"http://localhost/t/{thread.id}"
    site.page("/post", source_html(target))
    webmention(client, source=site.url + "/post", target=target)
    run_jobs(app)
    site.page("/post", "Oops", status=503)
    webmention(client, source=site.url + "/post", target=target)
    run_jobs(app)
    assert the_link().status == "approved"


def test_pings_per_source_host_are_limited(app, client, thread, site):
    app.config.update(RATELIMIT_ENABLED=True, LINKS_INCOMING_PER_HOST="2 per hour")
    target = f"http://localhost/t/{thread.id}"
    assert webmention(client, source=site.url + "/a", target=target).status_code == 202
    assert xmlrpc.client.loads(ping(client, site.url + "/b", target))
    third = webmention(client, source=site.url + "/c", target=target)
    assert third.status_code == 429
    assert fault_of(ping(client, site.url + "/d", target)) == 49
    assert webmention(client, source="http://other.example/x", target=target).status_code == 202
    assert len(db.session.scalars(select(Link)).all()) == 3


# --- moderation buttons ----------------------------------------------------------------------


def waiting_link(thread, status="pending"):
    link = Link(kind="webmention", status=status, source_url="http://a.example/x",
                target_url=f"http://localhost/t/{thread.id}", target_thread_id=thread.id,
                target_post_id=db.session.scalar(select(Post.id).where(Post.thread_id == thread.id)))
    db.session.add(link)
    db.session.commit()
    return link


def test_only_moderators_decide(app, client, thread, make, login_as):
    link = waiting_link(thread, status="verifying")
    assert client.post(f"/mod/links/{link.id}/approve").status_code in (302, 401, 403)
    login_as(make.user("bob"))
    assert client.post(f"/mod/links/{link.id}/approve").status_code == 403
    assert client.post(f"/mod/links/{link.id}/reject").status_code == 403
    login_as(make.user("mo", role="moderator"))
    assert client.post("/mod/links/999/approve").status_code == 404
    # Still being verified: nothing to decide yet.
    assert client.post(f"/mod/links/{link.id}/approve").status_code == 409
    assert the_link().status == "verifying"
    assert pingback_points() == []


def test_moderation_buttons_need_the_csrf_token(app, client, thread, make, login_as):
    link = waiting_link(thread)
    login_as(make.user("mo", role="moderator"))
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/mod/links/{link.id}/approve").status_code == 400
    assert the_link().status == "pending"
    # The Pingback and Webmention endpoints take posts from other sites, without a token.
    assert client.post("/webmention", data={"source": "", "target": ""}).status_code == 400
    assert client.post("/xmlrpc", data=b"junk").status_code == 200
