"""No post body up to the length limit keeps the renderer busy: it renders quickly or is
refused with a clear 400 that keeps the member's text (preview, reply, new thread, edit),
and ``rerender`` keeps the stored HTML of a post it cannot render."""
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from forum.extensions import db
from forum.markup import WALL_LIMIT, TooComplex, render_markdown
from forum.threads.models import Post

LIMIT = 50_000  # MAX_POST_LENGTH
# A refusal by the time limit comes this long after the limit at most (a loaded machine).
SLACK = 1.5

# The shapes an attacker's review found slow, and more found since (see bench/markdown.py).
WORST = {
    "nested brackets": "[" * 20000 + "x" + "]" * 20000,
    "nested quotes": "> " * 5000,
    "entities": "&amp;" * 10000,
    "open links": "[" * 3000 + "](x)" * 3000,
    "angle links": "[x](<" * 10000,
    "image openers": "![](" * 12000,
    "autolink openers": "<http://" * 6000,
    "mixed openers": "[*_`" * 12000,
    "deep list": "".join("  " * i + "- x\n" for i in range(220)),
    "list markers": "- " * 20000,
}


def bounded_render(text: str) -> tuple[float, str | None]:
    started = time.perf_counter()
    try:
        render_markdown(text, "forum.example")
        outcome = None
    except TooComplex as refused:
        outcome = refused.message
    return time.perf_counter() - started, outcome


@pytest.mark.parametrize("shape", sorted(WORST))
def test_the_worst_known_shapes_render_or_are_refused_within_the_limit(shape):
    elapsed, refusal = bounded_render(WORST[shape][:LIMIT])
    assert elapsed < WALL_LIMIT + SLACK, (shape, elapsed)
    if refusal:
        assert refusal.startswith("This text is too intricate to format")


def test_deep_brackets_are_refused_at_once_with_the_reason():
    elapsed, refusal = bounded_render("[" * 20000 + "x" + "]" * 20000)
    assert refusal and "brackets are nested 20000 deep" in refusal
    assert elapsed < 0.5


def test_ordinary_markdown_with_some_nesting_still_renders():
    html = render_markdown("> quoted\n>> twice\n\n[![logo](/l.png)](/t/1) [a [b] c](/x)\n\n"
                           "- one\n    - two\n        - three\n", "forum.example")
    assert "<blockquote>" in html and '<img alt="logo" src="/l.png">' in html
    assert html.count("<ul>") == 3


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=st.lists(st.sampled_from(["[", "]", "(", ")", "<", ">", "*", "_", "`", "!", "&amp;",
                                      "http://", "a", " ", "\n", "- ", "> ", "    ", "#", "|",
                                      "\\", '"', "'", ":", "=", "~"]),
                     min_size=1, max_size=6).map("".join),
       suffix=st.sampled_from(["", "x", "](x)", "]", ")", "`"]))
def test_any_repeated_shape_up_to_the_length_limit_is_bounded_in_time(unit, suffix):
    text = (unit * (LIMIT // len(unit)))[: LIMIT // 2] + suffix * (LIMIT // 2 // max(len(suffix), 1))
    elapsed, _ = bounded_render(text[:LIMIT])
    assert elapsed < WALL_LIMIT + SLACK, (unit, suffix, elapsed)


def posts() -> int:
    return db.session.scalar(select(func.count()).select_from(Post))


BOMB = "[" * 20000 + "x" + "]" * 20000


def test_a_reply_too_intricate_to_render_is_400_keeping_the_text(client, make, login_as):
    thread = make.thread()
    login_as(make.user())
    body = "Kept words " + "[x](<" * 8000
    response = client.post(f"/t/{thread.id}/reply", data={"body": body})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "too intricate to format" in text and "Kept words [x](&lt;[x]" in text
    assert posts() == 1


@pytest.mark.parametrize("form", ["new thread", "edit", "preview"])
def test_every_form_that_renders_refuses_the_bomb_keeping_the_text(client, make, login_as, form):
    member = make.user()
    thread = make.thread(author=member)
    login_as(member)
    body = "Mine " + BOMB
    if form == "new thread":
        response = client.post(f"/c/{thread.category.slug}/new", data={"title": "T", "body": body})
    elif form == "edit":
        post = db.session.scalars(select(Post)).one()
        response = client.post(f"/p/{post.id}/edit", data={"body": body, "version": post.version})
    else:
        response = client.post("/preview", data={"body": body})
    assert response.status_code == 400
    if form == "preview":
        assert "brackets are nested" in response.get_json()["error"]["message"]
    else:
        page = response.get_data(as_text=True)
        assert "brackets are nested" in page and "Mine [[[[" in page
    db.session.expire_all()
    assert posts() == 1
    assert db.session.scalars(select(Post)).one().body == "Opening post."


def test_rerender_keeps_the_html_of_a_post_it_cannot_render(app, make, runner):
    thread = make.thread()
    post = db.session.scalars(select(Post)).one()
    db.session.execute(Post.__table__.update().values(body=BOMB, html="<p>old</p>"))
    db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Post, post.id).html == "<p>old</p>"
    assert thread.id


def test_a_render_stopped_half_way_leaves_the_next_ones_formatted():
    """The render process that was interrupted starts the next text with a fresh renderer (a
    half-way Markdown instance once formatted nothing inline and escaped raw HTML)."""
    slow = "*a _b " * 4000 + "[x](y) " * 2000
    for _ in range(4):  # interrupt both render processes, in whatever order they take the work
        with pytest.raises(TooComplex):
            render_markdown(slow, "forum.example", cpu_limit=0.01)
    for _ in range(8):
        html = render_markdown("**b** _i_ [l](https://e.example/) <em>raw</em>", "forum.example")
        assert "<strong>b</strong>" in html and "<em>i</em>" in html and "<em>raw</em>" in html, html
        assert 'rel="nofollow ugc noopener"' in html, html
