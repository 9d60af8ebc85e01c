"""Endpoint discovery, outgoing links and link context: pure functions, many cases."""

import http.client
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import Headers

from forum.links.discovery import (
    LinkContext,
    discover_pingback_server,
    discover_webmention_endpoint,
    extract_links,
    find_link_context,
    make_excerpt,
    normalize_url,
)

ROCKS = "https://webmention.rocks"


def page(body, head=""):
    return f"<!doctype html><html><head><title>Test</title>{head}</head><body>{body}</body></html>"


# --- Webmention discovery: the webmention.rocks discovery tests 1-23 ---------------------------

ROCKS_CASES = [
    # (test number, headers, html, expected endpoint)
    (1, [("Link", "</test/1/webmention?head=true>; rel=webmention")], page(""),
     f"{ROCKS}/test/1/webmention?head=true"),
    (2, [("Link", f"<{ROCKS}/test/2/webmention?head=true>; rel=webmention")], page(""),
     f"{ROCKS}/test/2/webmention?head=true"),
    (3, [], page("", '<link rel="webmention" href="/test/3/webmention">'), f"{ROCKS}/test/3/webmention"),
    (4, [], page("", f'<link rel="webmention" href="{ROCKS}/test/4/webmention">'), f"{ROCKS}/test/4/webmention"),
    (5, [], page('<a href="/test/5/webmention" rel="webmention">endpoint</a>'), f"{ROCKS}/test/5/webmention"),
    (6, [], page(f'<a href="{ROCKS}/test/6/webmention" rel="webmention">endpoint</a>'), f"{ROCKS}/test/6/webmention"),
    (7, [("LinK", f"<{ROCKS}/test/7/webmention?head=true>; REL=\"webmention\"")], page(""),
     f"{ROCKS}/test/7/webmention?head=true"),
    (8, [("Link", f'<{ROCKS}/test/8/webmention?head=true>; rel="webmention"')], page(""),
     f"{ROCKS}/test/8/webmention?head=true"),
    (9, [], page("", '<link rel="webmention somethingelse" href="/test/9/webmention">'), f"{ROCKS}/test/9/webmention"),
    (10, [("Link", '</test/10/webmention?head=true>; rel="webmention somethingelse"')], page(""),
     f"{ROCKS}/test/10/webmention?head=true"),
    (11, [("Link", "</test/11/webmention?head=true>; rel=webmention")],
     page('<a rel="webmention" href="/test/11/webmention/error">x</a>',
          '<link rel="webmention" href="/test/11/webmention/error">'),
     f"{ROCKS}/test/11/webmention?head=true"),
    (12, [], page('<a rel="webmention" href="/test/12/webmention">endpoint</a>',
                  '<link rel="not-webmention" href="/test/12/webmention/error">'), f"{ROCKS}/test/12/webmention"),
    (13, [], page('<!-- <a href="/test/13/webmention/error" rel="webmention"></a> -->'
                  '<a href="/test/13/webmention" rel="webmention">endpoint</a>'), f"{ROCKS}/test/13/webmention"),
    (14, [], page('<code>&lt;a href="/test/14/webmention/error" rel="webmention"&gt;&lt;/a&gt;</code>'
                  '<a href="/test/14/webmention" rel="webmention">endpoint</a>'), f"{ROCKS}/test/14/webmention"),
    (15, [], page("", '<link rel="webmention" href="">'), f"{ROCKS}/test/15"),
    (16, [], page('<a href="/test/16/webmention" rel="webmention">a</a>'
                  '<link rel="webmention" href="/test/16/webmention/error">'), f"{ROCKS}/test/16/webmention"),
    (17, [], page('<link rel="webmention" href="/test/17/webmention">'
                  '<a href="/test/17/webmention/error" rel="webmention">a</a>'), f"{ROCKS}/test/17/webmention"),
    (18, [("Link", "</test/18/webmention/error>; rel=\"other\""), ("Link", "</test/18/webmention?head=true>; rel=\"webmention\"")],
     page(""), f"{ROCKS}/test/18/webmention?head=true"),
    (19, [("Link", '<https://webmention.rocks/test/19/webmention/error>; rel="other", '
                   '<https://webmention.rocks/test/19/webmention?head=true>; rel="webmention"')],
     page(""), f"{ROCKS}/test/19/webmention?head=true"),
    (20, [], page('<a href="/test/20/webmention" rel="webmention">endpoint</a>', '<link rel="webmention">'),
     f"{ROCKS}/test/20/webmention"),
    (21, [], page("", '<link rel="webmention" href="/test/21/webmention?query=yes">'),
     f"{ROCKS}/test/21/webmention?query=yes"),
    (22, [], page("", '<link rel="webmention" href="22/webmention">'), f"{ROCKS}/test/22/webmention"),
]


@pytest.mark.parametrize("number, headers, html, expected", ROCKS_CASES, ids=[f"rocks-{c[0]}" for c in ROCKS_CASES])
def test_webmention_rocks_discovery(number, headers, html, expected):
    assert discover_webmention_endpoint(f"{ROCKS}/test/{number}", headers, html) == expected


def test_rocks_23_relative_endpoint_after_a_redirect_resolves_against_the_final_url():
    # /test/23/page redirects to /test/23/page/<random>; the endpoint is relative to where we ended.
    final = f"{ROCKS}/test/23/page/aBcD"
    html = page("", '<link rel="webmention" href="webmention-endpoint/aBcD">')
    assert discover_webmention_endpoint(final, [], html) == f"{ROCKS}/test/23/page/webmention-endpoint/aBcD"
    assert discover_webmention_endpoint(final, [("Link", "<webmention-endpoint/aBcD>; rel=webmention")], "") == \
        f"{ROCKS}/test/23/page/webmention-endpoint/aBcD"


@pytest.mark.parametrize("headers_shape", ["pairs", "werkzeug", "http.client", "dict"])
def test_every_usual_headers_shape_works(headers_shape):
    pairs = [("Content-Type", "text/html"), ("link", "</other>; rel=other"), ("Link", "</wm>; rel=webmention")]
    if headers_shape == "werkzeug":
        headers = Headers(pairs)
    elif headers_shape == "http.client":
        raw = "".join(f"{k}: {v}\r\n" for k, v in pairs).encode() + b"\r\n"
        headers = http.client.parse_headers(io.BytesIO(raw))
    elif headers_shape == "dict":
        headers = {"content-type": "text/html", "LINK": "</other>; rel=other, </wm>; rel=webmention"}
    else:
        headers = pairs
    assert discover_webmention_endpoint("http://a.example/p", headers, None) == "http://a.example/wm"


@pytest.mark.parametrize("link, expected", [
    ('<http://x.example/wm>; rel="webmention"', "http://x.example/wm"),
    ("<http://x.example/wm>;rel=webmention", "http://x.example/wm"),
    ('<http://x.example/wm> ; rel = "webmention"', "http://x.example/wm"),
    ('<http://x.example/wm>; rel="WebMention"', "http://x.example/wm"),
    ('<http://x.example/wm>; title="a, b; rel=webmention"; rel="webmention"', "http://x.example/wm"),
    ('<http://x.example/a,b>; rel="webmention"', "http://x.example/a,b"),
    ('<http://x.example/1>; rel="other"; title="rel=webmention", <http://x.example/2>; rel=webmention', "http://x.example/2"),
    ('<http://x.example/1>; rel="other"; rel="webmention"', None),  # only the first rel counts
    ('<http://x.example/1>; rel="not-webmention"', None),
    ('<http://x.example/1>; rel="webmentions"', None),
    ('<http://x.example/1>; rev="webmention"', None),
    ('<http://x.example/1>; anchor="#x"; rel="preload webmention"', "http://x.example/1"),
    ("<http://x.example/1>; rel=", None),
    ("<http://x.example/1", None),
    ("garbage", None),
    ('<http://x.example/1>; title="unterminated, rel=webmention', None),
    ('<>; rel=webmention', "http://page.example/post"),
])
def test_link_header_parsing(link, expected):
    assert discover_webmention_endpoint("http://page.example/post#frag", [("Link", link)], "") == expected


def test_header_beats_an_earlier_element_and_element_order_decides_among_elements():
    html = page('<a rel="webmention" href="/a">a</a>', '<link rel="webmention" href="/link">')
    assert discover_webmention_endpoint("http://x.example/", [("Link", "</h>; rel=webmention")], html) == "http://x.example/h"
    assert discover_webmention_endpoint("http://x.example/", [], html) == "http://x.example/link"


@pytest.mark.parametrize("html", [
    "<textarea><a rel=webmention href=/bad></a></textarea><a rel=webmention href=/good>",
    "<script>document.write('<a rel=webmention href=/bad>')</script><a rel=webmention href=/good>",
    "<style>/* <link rel=webmention href=/bad> */</style><link rel=webmention href=/good>",
    "<template><link rel=webmention href=/bad></template><link rel=webmention href=/good>",
    "<title><link rel=webmention href=/bad></title><link rel=webmention href=/good>",
    "<!--<link rel=webmention href=/bad>--><link rel=webmention href=/good>",
    "&lt;link rel=webmention href=/bad&gt;<link rel=webmention href=/good>",
    "<img rel=webmention src=/bad><area rel=webmention href=/bad><link rel=webmention href=/good>",
    '<link rel=webmention href="  /good  ">',
    "<LINK REL=WEBMENTION HREF=/good>",
    "<a rel='nofollow webmention' href=/good>",
    "<link rel=webmention href=/good href=/bad>",
])
def test_only_real_elements_count(html):
    assert discover_webmention_endpoint("http://x.example/p/", [], html) == "http://x.example/good"


def test_bare_href_attribute_means_the_page_itself():
    assert discover_webmention_endpoint("http://x.example/p?q=1#top", [], "<link rel=webmention href>") == "http://x.example/p?q=1"


def test_no_endpoint():
    assert discover_webmention_endpoint("http://x.example/", [], page("<a href=/x>x</a>")) is None
    assert discover_webmention_endpoint("http://x.example/", None, None) is None
    assert discover_webmention_endpoint("http://x.example/", {}, "") is None


@given(st.text(), st.text())
def test_discovery_never_crashes(html, header):
    for result in (discover_webmention_endpoint("http://x.example/a/b", [("Link", header)], html),
                   discover_pingback_server([("X-Pingback", header)], html)):
        assert result is None or isinstance(result, str)
    extract_links(html)
    find_link_context(html, "http://x.example/")


_markup = st.lists(st.sampled_from(["<a", "<link", " rel=webmention", ' href="', "/x", '"', ">", "</a>", "<!--",
                                    "-->", "<script>", "</script>", "&lt;", "<textarea>", "</textarea>", " ", "'"]))


@given(_markup.map("".join))
def test_discovery_never_crashes_on_tag_soup(html):
    result = discover_webmention_endpoint("http://x.example/a/b", [], html)
    assert result is None or result.startswith("http://x.example/")


@given(st.text(st.characters(blacklist_characters='<>"&\\', blacklist_categories=("Cs", "Cc")), min_size=1),
       st.booleans())
def test_any_path_round_trips_through_header_and_element(path, quoted):
    path = "/" + path.strip()
    rel = '"webmention"' if quoted else "webmention"
    from_header = discover_webmention_endpoint("http://x.example/", [("Link", f"<{path}>; rel={rel}")], "")
    from_element = discover_webmention_endpoint("http://x.example/", [], f'<link rel={rel} href="{path}">')
    assert from_header == from_element


# --- Pingback discovery ---------------------------------------------------------------------------


def test_pingback_header_wins():
    html = '<link rel="pingback" href="http://x.example/from-html">'
    assert discover_pingback_server({"X-Pingback": "http://x.example/xmlrpc"}, html) == "http://x.example/xmlrpc"


@pytest.mark.parametrize("html, expected", [
    ('<link rel="pingback" href="http://x.example/xmlrpc.php">', "http://x.example/xmlrpc.php"),
    ('<LINK REL="Pingback" HREF="http://x.example/xmlrpc.php" />', "http://x.example/xmlrpc.php"),
    ('<!-- <link rel="pingback" href="http://bad"> --><link rel="pingback" href="http://x.example/ok">', "http://x.example/ok"),
    ('<a rel="pingback" href="http://x.example/not-a-link-element">', None),
    ('<link rel="pingback" href="">', None),
    ('<link rel="stylesheet" href="s.css">', None),
    ("", None),
])
def test_pingback_link_element(html, expected):
    assert discover_pingback_server([], html) == expected


def test_relative_pingback_server_resolved_when_base_given():
    assert discover_pingback_server([], '<link rel="pingback" href="/xmlrpc">', "http://x.example/post") == "http://x.example/xmlrpc"
    assert discover_pingback_server([("x-pingback", " /rpc ")], "", "http://x.example/post") == "http://x.example/rpc"


# --- extract_links --------------------------------------------------------------------------------


def test_extract_links_in_document_order_once_each():
    html = ('<p><a href="https://a.example/1">one</a> <a href=" /t/2 ">two</a>'
            '<!-- <a href="http://hidden.example/">no</a> --><a>no href</a><a href="">empty</a>'
            '<a href="https://a.example/1">again</a><link href="http://not-an-a.example/">'
            '<code>&lt;a href="http://escaped.example/"&gt;</code><a href="#frag">f</a></p>')
    assert extract_links(html) == ["https://a.example/1", "/t/2", "#frag"]


def test_extract_links_of_nothing():
    assert extract_links("") == [] and extract_links(None) == [] and extract_links("plain text") == []


# --- normalize_url ----------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("http://Forum.Example/t/1", "http://forum.example/t/1"),
    ("HTTP://forum.example/t/1", "http://forum.example/t/1"),
    ("http://forum.example:80/t/1", "http://forum.example/t/1"),
    ("https://forum.example:443/t/1", "https://forum.example/t/1"),
    ("http://forum.example/t/1/", "http://forum.example/t/1"),
    ("http://forum.example/t/1#post-3", "http://forum.example/t/1"),
    ("http://forum.example", "http://forum.example/"),
    ("http://forum.example./", "http://forum.example/"),
    (" http://forum.example/a ", "http://forum.example/a"),
])
def test_same_page(a, b):
    assert normalize_url(a) == normalize_url(b)


@pytest.mark.parametrize("a, b", [
    ("http://forum.example/t/1", "https://forum.example/t/1"),
    ("http://forum.example:8080/t/1", "http://forum.example/t/1"),
    ("http://forum.example/t/1?page=2", "http://forum.example/t/1"),
    ("http://forum.example/T/1", "http://forum.example/t/1"),
    ("http://forum.example/t/12", "http://forum.example/t/1"),
])
def test_different_pages(a, b):
    assert normalize_url(a) != normalize_url(b)


@given(st.text())
def test_normalize_url_is_idempotent_and_total(url):
    once = normalize_url(url)
    assert normalize_url(once) == once


# --- find_link_context and make_excerpt -------------------------------------------------------------

ARTICLE = """<html><head><title>  Why   caching
 matters </title><script>var a = '<a href="https://forum.example/t/1">';</script></head>
<body><nav><a href="/">Home</a></nav><article><h1>Caching</h1>
<p>{before} As <a href="https://FORUM.example:443/t/1/#post-2">this <em>thread</em></a> explains, {after}</p>
</article></body></html>"""

LOREM = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau "
         "upsilon phi chi psi omega ") * 3


def test_link_context_with_title_and_excerpt():
    html = ARTICLE.format(before=LOREM, after=LOREM)
    context = find_link_context(html, "https://forum.example/t/1")
    assert isinstance(context, LinkContext)
    assert context.title == "Why caching matters"
    assert context.href == "https://FORUM.example:443/t/1/#post-2"
    assert "As this thread explains," in context.excerpt
    assert context.excerpt.startswith("…") and context.excerpt.endswith("…")
    assert len(context.excerpt) <= 202
    words = context.excerpt.strip("…").split()
    assert all(word in LOREM.split() + ["As", "this", "thread", "explains,"] for word in words)  # whole words
    assert "<" not in context.excerpt and "var a" not in context.excerpt


def test_short_page_excerpt_is_the_whole_text():
    context = find_link_context('<p>See <a href="http://f.example/t/1">here</a>.</p>', "http://f.example/t/1")
    assert context == LinkContext(None, "See here.", "http://f.example/t/1")


def test_relative_links_need_the_page_url():
    html = '<title>T</title><p>Read <a href="../t/7">that</a></p>'
    assert find_link_context(html, "http://f.example/t/7") is None
    assert find_link_context(html, "http://f.example/t/7", base_url="http://f.example/c/x") is not None


@pytest.mark.parametrize("html", [
    '<!-- <a href="http://f.example/t/1">x</a> -->',
    '<script>"<a href=http://f.example/t/1>"</script>',
    '&lt;a href="http://f.example/t/1"&gt;',
    '<a href="http://f.example/t/12">x</a>',
    '<p>http://f.example/t/1</p>',
    '<link href="http://f.example/t/1">',
    "",
])
def test_no_link_no_context(html):
    assert find_link_context(html, "http://f.example/t/1") is None


def test_block_elements_separate_words():
    html = '<title>x</title><h1>Heading</h1><p>one<br>two</p><ul><li>three</li><li><a href="http://t.example/">four</a></li></ul>'
    assert find_link_context(html, "http://t.example").excerpt == "Heading one two three four"


def test_unclosed_title_still_names_the_page():
    assert find_link_context('<a href="http://t.example/">x</a><title>Open title', "http://t.example/").title == "Open title"


def test_excerpt_centres_on_the_position():
    text = " ".join(f"w{i}" for i in range(300))
    position = text.index("w150")
    excerpt = make_excerpt(text, position, width=50)
    assert "w150" in excerpt and excerpt.startswith("…") and excerpt.endswith("…")
    assert "w150" in make_excerpt(text, "w150", width=50)
    assert make_excerpt(text, 0, width=50).startswith("w0 w1 ")
    assert make_excerpt(text, len(text), width=50).endswith("w299")
    assert make_excerpt(text, "not there", width=50) == make_excerpt(text, 0, width=50)


def test_excerpt_collapses_whitespace():
    assert make_excerpt("  a \n\n b\t c  ", 3) == "a b c"


@given(st.text(), st.integers(min_value=-5, max_value=2000), st.integers(min_value=10, max_value=300))
def test_excerpt_is_a_bounded_piece_of_the_text(text, around, width):
    excerpt = make_excerpt(text, around, width)
    flat = " ".join(text.split())
    assert len(excerpt) <= width + 2
    assert excerpt.strip("…").strip() in flat
    if len(flat) <= width:
        assert excerpt == flat


@given(st.lists(st.from_regex(r"[a-z]{1,12}", fullmatch=True), min_size=1, max_size=200), st.data())
def test_excerpt_keeps_the_word_at_the_position_and_cuts_only_between_words(words, data):
    text = " ".join(words)
    index = data.draw(st.integers(min_value=0, max_value=len(words) - 1))
    position = len(" ".join(words[:index])) + (1 if index else 0)
    excerpt = make_excerpt(text, position, width=60)
    inner = excerpt.removeprefix("…").removesuffix("…")
    assert words[index] in inner.split()
    assert f" {inner} " in f" {text} "  # starts and ends on word boundaries


@pytest.mark.parametrize("bad", ["//[", "http://[::1", "//[zz]/x"])
def test_an_unparseable_endpoint_or_link_is_ignored_not_a_crash(bad):
    assert discover_webmention_endpoint("http://x.example/", [("Link", f"<{bad}>; rel=webmention")], "") is None
    assert discover_webmention_endpoint("http://x.example/", [], f'<a rel="webmention" href="{bad}">x</a>') is None
    assert find_link_context(f'<a href="{bad}">x</a>', "http://x.example/t/1", "http://x.example/") is None
