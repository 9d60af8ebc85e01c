"""The rules for writing threads and posts, as plain functions over the session.

Every function here either commits a complete change or raises :class:`Refused` having
stored nothing. Each checks and renders first, then takes its locks in the one order
(``forum/locking.py``: thread, then post), so the write transaction is short.
"""
import logging
import re
import unicodedata

from flask import current_app, request
from sqlalchemy import select

from forum import pagecache, permissions
from forum.accounts.models import User
from forum.database import insert_ignore
from forum.errors import Refused
from forum.extensions import db
from forum.locking import lock_post, lock_thread
from forum.markup import TooComplex, render_markdown
from forum.notifications.mentions import check_new_member_mentions, link_mentions, members_named
from forum.signals import post_changed, post_committed
from forum.threads.models import Category, Post, PostRevision, Tag, Thread
from forum.timeutil import utcnow

MAX_TAGS = 5
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
CLOSED_MESSAGE = "Comments are closed."
log = logging.getLogger(__name__)


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].rstrip("-") or "thread"


def parse_tags(raw: str) -> list[str]:
    """``tags`` as typed ("Moderation, trust") into tag names; refuses bad ones."""
    names: list[str] = []
    for item in (raw or "").split(","):
        name = re.sub(r"\s+", "-", item.strip().lower())
        if not name:
            continue
        if not TAG_RE.match(name):
            raise Refused(f"“{item.strip()[:40]}” is not a tag: use letters, digits and dashes, "
                          "at most 40 characters.")
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise Refused(f"At most {MAX_TAGS} tags.")
    return names


def site_host() -> str | None:
    """The forum's own ``host[:port]``, which decides which links are internal."""
    base = current_app.config["BASE_URL"]
    if base:
        from urllib.parse import urlsplit

        return urlsplit(base).netloc
    try:
        return request.host
    except RuntimeError:
        return None


def render(body: str, writer: User | None = None) -> str:
    """A post's stored HTML: Markdown rendered and sanitized, ``@name`` mentions linked.

    With ``writer``, a new member's post mentioning too many members is refused."""
    html = link_mentions(render_markdown(body, site_host()), members_named)
    if writer is not None:
        check_new_member_mentions(writer, html)
    return html


def check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Refused("Write something first: the text is empty.")
    limit = current_app.config["MAX_POST_LENGTH"]
    if len(body) > limit:
        raise Refused(f"That is {len(body):,} characters; a post holds at most {limit:,}.")
    return body


def quote(author: str, url: str, text: str) -> str:
    """Markdown quoting ``text`` by ``author``, with a link back to the quoted post at ``url``."""
    lines = (text or "").strip().splitlines()
    quoted = "\n".join(f"> {line}".rstrip() for line in lines)
    return f"[{author} wrote]({url}):\n\n{quoted}\n\n"


def check_can_write(user: User, body: str | None = None) -> None:
    """Refuse whom :func:`permissions.can_post` refuses; with ``body``, also apply the
    new-member link rule."""
    if not permissions.can_post(user):
        raise Refused("Your account is suspended, so you cannot post.", 403)
    if body is not None:
        from forum.moderation.limits import check_new_member_links

        check_new_member_links(user, body)


def tags_named(names: list[str]) -> list[Tag]:
    """The tags of these names, creating the new ones. Two threads introducing the same tag
    at once both get the one row (an insert that ignores a conflict, in name order)."""
    if not names:
        return []
    existing = set(db.session.scalars(select(Tag.name).where(Tag.name.in_(names))))
    for name in sorted(set(names) - existing):
        db.session.execute(insert_ignore(Tag.__table__, name=name))
    found = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [found[name] for name in names]


def create_thread(author: User, category: Category, title: str, body: str, tags: str = "") -> Thread:
    """Open a thread with its opening post (position 1)."""
    check_can_write(author, body)
    title = check_title(title)
    body = check_body(body)
    names = parse_tags(tags)
    html = render(body, author)
    now = utcnow()
    thread = Thread(category=category, author=author, title=title, slug=slugify(title),
                    created_at=now, last_activity_at=now, post_count=1, tags=tags_named(names))
    post = Post(thread=thread, author=author, position=1, body=body, html=html, created_at=now)
    db.session.add_all([thread, post])
    db.session.flush()
    post_changed.send(post, action="created")
    db.session.commit()
    post_committed.send(post, action="created")
    return thread


def reply(thread_id: int, author: User, body: str) -> Post:
    """Add a reply. A closed thread refuses it (403); a reply never lands after a close."""
    check_can_write(author, body)
    body = check_body(body)
    html = render(body, author)
    thread = lock_thread(thread_id)
    if not permissions.can_reply(author, thread):  # may post (above), so: the thread is closed
        reason = thread.closed_state()[1]
        db.session.rollback()
        raise Refused(CLOSED_MESSAGE + (f" {reason}" if reason else ""), 403)
    now = utcnow()
    pagecache.bump_thread(thread.id)
    thread.post_count += 1
    thread.reply_count += 1
    thread.last_activity_at = now
    post = Post(thread=thread, author=author, position=thread.post_count, body=body,
                html=html, created_at=now)
    db.session.add(post)
    db.session.flush()
    post_changed.send(post, action="created")
    db.session.commit()
    post_committed.send(post, action="created")
    return post


STALE_EDIT = ("This post was changed while you were editing it. "
              "The newer text is shown below; make your change again.")


def lock_thread_and_post(post: Post) -> tuple[Thread, Post]:
    """The post's thread and the post, locked in that order and read afresh; 404 when either
    is gone (deleted meanwhile, say)."""
    thread = lock_thread(post.thread_id)
    locked = lock_post(post.id)
    if locked is None or locked.deleted_at is not None:
        db.session.rollback()
        raise Refused("There is no such post.", 404)
    return thread, locked


def edit_post(post: Post, editor: User, body: str, from_version: int) -> Post:
    """Replace a post's text, keeping the old text as a revision.

    ``from_version`` is the version the editor started from: an edit of a stale version is
    refused with 409 rather than overwriting someone else's change.
    """
    check_can_write(editor, body)
    if not permissions.can_edit(editor, post):
        raise Refused("Only the author or a moderator can edit this post.", 403)
    body = check_body(body)
    if from_version != post.version:
        raise Refused(STALE_EDIT, 409)
    if body == post.body:
        return post
    html = render(body, editor)
    thread, post = lock_thread_and_post(post)
    if not permissions.can_edit(editor, post):
        db.session.rollback()
        raise Refused("Only the author or a moderator can edit this post.", 403)
    if from_version != post.version:
        db.session.rollback()
        raise Refused(STALE_EDIT, 409)
    pagecache.bump_thread(thread.id)
    db.session.add(PostRevision(post_id=post.id, version=post.version, body=post.body,
                                editor_id=editor.id))
    post.body = body
    post.html = html
    post.edited_at = utcnow()
    db.session.flush()
    post_changed.send(post, action="edited")
    db.session.commit()
    post_committed.send(post, action="edited")
    return post


def check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise Refused("The thread needs a title.")
    if len(title) > 200:
        raise Refused("A title holds at most 200 characters.")
    return title


def edit_thread(thread: Thread, editor: User, title: str, tags: str) -> Thread:
    """Change a thread's title and tags (its author or a moderator); the slug follows the title."""
    check_can_write(editor)
    if not permissions.can_edit_thread(editor, thread):
        raise Refused("Only the thread's author or a moderator can change its title and tags.", 403)
    title = check_title(title)
    names = parse_tags(tags)
    thread = lock_thread(thread.id)
    pagecache.bump_thread(thread.id)
    thread.title = title
    thread.slug = slugify(title)
    thread.tags = tags_named(names)
    db.session.commit()
    return thread


def why_not_delete(actor, post: Post) -> str:
    """What to tell someone ``permissions.can_delete`` refuses."""
    if permissions.is_suspended(actor):
        return "Your account is suspended, so you cannot delete posts."
    if permissions.can_edit(actor, post):
        return ("Others have replied, so the thread is theirs too: only a moderator can delete "
                "it now. You can edit your opening post instead.")
    return "Only the author or a moderator can delete this post."


def delete_post(post: Post, actor: User) -> Thread:
    """Delete a post; deleting the opening post deletes the whole thread.

    The rule (``permissions.can_delete``) is decided with the thread locked, so a reply
    racing an author's delete either lands first (and the delete is refused) or finds no
    thread.
    """
    check_can_write(actor)
    # Decided on the rows as locked: what the rule looks at cannot change until the commit.
    thread, post = lock_thread_and_post(post)
    if not permissions.can_delete(actor, post):
        db.session.rollback()
        raise Refused(why_not_delete(actor, post), 403)
    pagecache.bump_thread(thread.id)
    now = utcnow()
    post.deleted_at = now
    if post.is_opening:
        thread.deleted_at = now
    else:
        thread.reply_count -= 1
    post_changed.send(post, action="deleted")
    db.session.commit()
    post_committed.send(post, action="deleted")
    return thread


def rerender_all(batch: int = 500) -> int:
    """Render every post's stored HTML again (after a renderer change). Returns the count."""
    count = 0
    last_id = 0
    while True:
        posts = db.session.scalars(
            select(Post).where(Post.id > last_id).order_by(Post.id).limit(batch)
        ).all()
        if not posts:
            return count
        for post in posts:
            try:
                html = render(post.body)
            except TooComplex as refused:
                # The stored HTML stays; the author's next edit has to be simpler.
                log.warning("rerender: post %d kept its HTML: %s", post.id, refused.message)
                html = post.html
            if html != post.html:
                db.session.execute(Post.__table__.update().where(Post.__table__.c.id == post.id)
                                   .values(html=html))
                count += 1
            last_id = post.id
        db.session.commit()
