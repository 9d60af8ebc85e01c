"""``seed-demo``: a small, believable community to look at on a fresh install."""
from datetime import timedelta

from sqlalchemy import func, select

from forum.accounts.models import User
from forum.accounts.services import create_user
from forum.extensions import db
from forum.links.models import Link
from forum.threads import services
from forum.threads.models import Category, Post, Thread
from forum.timeutil import utcnow

PASSWORD = "demo-password"

MEMBERS = [
    ("ada", "moderator"), ("grace", "member"), ("linus", "member"), ("margaret", "member"),
    ("tim", "member"), ("radia", "member"), ("ward", "member"), ("barbara", "member"),
    ("quinn", "member"),  # the newcomer: their marks are held (forum/demo_recognition.py)
]
# How many days ago each member joined: before any demo thread (the oldest is 12 days old).
JOINED_DAYS_AGO = {"ada": 140, "grace": 96, "linus": 81, "margaret": 63, "tim": 47, "radia": 33,
                   "ward": 21, "barbara": 16, "quinn": 9}

CATEGORIES = [
    ("community", "Running a community", "Moderation, norms, and keeping a place worth visiting.", None),
    ("recognition", "Recognition and reputation", "How communities notice the people who help.", None),
    ("help", "Help and how-to", "Questions with answers; the asker accepts the one that solved it.", None),
    ("announcements", "Announcements", "News about this forum. Threads close after 30 quiet days.", 30),
]

# (category, author, title, tags, opening post, [(author, reply)], days ago)
THREADS = [
    ("recognition", "grace", "Why rank people by helpfulness instead of followers?", "reputation, design",
     "Most platforms reward whoever is **loudest** or most followed. I'd like a forum where standing "
     "comes from the value you give others:\n\n- replies others mark *helpful*\n- answers the asker accepts\n"
     "- posts that get shared and linked\n\nWhat would you measure?",
     [("linus", "Follower counts measure reach, not value. Reach is easy to buy and easy to game."),
      ("margaret", "Accepted answers are the strongest signal: the person with the problem says it was solved."),
      ("radia", "Whatever you count, cap what one person can give another. Otherwise two friends can "
                "mark each other into the top ten in an afternoon."),
      ("tim", "Links from elsewhere matter too. If other threads cite a reply, it was useful beyond its thread.")],
     12),
    ("community", "ada", "How do you close a heated thread without silencing people?", "moderation",
     "When a thread turns into two people repeating themselves, I close it with a **reason** and a "
     "link to where the discussion can continue. Does that work for you?",
     [("ada", "Yes, and always say why. \"Comments are closed.\" with no reason reads as punishment."),
      ("barbara", "We reopen on request if someone has something new. Closing is a pause, not a verdict.")],
     9),
    ("help", "radia", "How should scores decay over time?", "reputation, scoring",
     "Should someone who was helpful five years ago still top the leaderboard today?",
     [("margaret", "Use a half-life. With 90 days, a point earned today is worth half in three months, "
                   "so standing has to be maintained.\n\n```python\nweight = 0.5 ** (age_days / 90)\n```"),
      ("ward", "Keep the all-time score visible beside it, though. History still counts for something."),
      ("quinn", "New here. Could the half-life differ per category? Help threads age slower than news.")],
     5),
    ("community", "tim", "Pingbacks are the best part of old blogs", "linking",
     "Seeing \"Pingback: ...\" under a post told you the conversation continued somewhere else. "
     "See also the [thread on ranking by helpfulness](/t/1).",
     [("linus", "And they were a citation graph for free.")],
     2),
    ("announcements", "ada", "Welcome to the forum", "meta",
     "Welcome! Read the [recognition thread](/t/1) to see how standing works here.",
     [], 1),
]


def seed() -> bool:
    """Create the demo community unless the forum has members already. Returns whether it did."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return False
    users = {name: create_user(name, f"{name}@example.org", PASSWORD, role) for name, role in MEMBERS}
    for name, user in users.items():
        user.created_at = utcnow() - timedelta(days=JOINED_DAYS_AGO[name], hours=len(name))
    categories = {}
    for slug, name, description, auto_close in CATEGORIES:
        categories[slug] = Category(slug=slug, name=name, description=description,
                                    auto_close_days=auto_close, position=len(categories))
        db.session.add(categories[slug])
    db.session.commit()
    for slug, author, title, tags, body, replies, days_ago in THREADS:
        thread = services.create_thread(users[author], categories[slug], title, body, tags)
        for name, text in replies:
            services.reply(thread.id, users[name], text)
        backdate(thread, days_ago)
    from forum import demo_recognition

    demo_recognition.recognize(users)
    date_recognition()
    return True


def backdate(thread: Thread, days_ago: int) -> None:
    """Spread a demo thread's posts over the days before now, an hour apart."""
    start = utcnow() - timedelta(days=days_ago)
    posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id)
                               .order_by(Post.position)).all()
    for i, post in enumerate(posts):
        written = start + timedelta(hours=i)
        db.session.execute(Post.__table__.update().where(Post.__table__.c.id == post.id)
                           .values(created_at=written))
        # The pingbacks a post made date from when it was written.
        db.session.execute(Link.__table__.update().where(Link.__table__.c.source_post_id == post.id)
                           .values(created_at=written, updated_at=written))
    thread.created_at = start
    thread.last_activity_at = start + timedelta(hours=len(posts) - 1)
    db.session.commit()


def date_recognition() -> None:
    """Date the demo's marks, shares and points a few hours after the posts they recognize (a
    link's points from when its source was written), and rebuild the scores' windows."""
    from forum.contribution import ledger
    from forum.contribution.models import ContributionEvent, HelpfulMark, Share

    now = utcnow()
    written = dict(db.session.execute(select(Post.id, Post.created_at)).all())

    def moment(post_id: int, actor_id: int | None):
        later = timedelta(hours=1 + ((actor_id or 0) * 5) % 20)
        return min(now - timedelta(minutes=40), written[post_id] + later)

    for model in (HelpfulMark, Share):
        for given in db.session.scalars(select(model)):
            given.created_at = moment(given.post_id, given.user_id)
    linked = dict(db.session.execute(select(Link.id, Link.created_at)).all())
    for event in db.session.scalars(select(ContributionEvent)):
        if event.link_id in linked:
            event.created_at = linked[event.link_id]
        elif event.post_id in written:
            event.created_at = moment(event.post_id, event.actor_id)
    db.session.flush()
    date_trust()
    ledger.recompute_scores(now)
    db.session.commit()


def date_trust() -> None:
    """A member ada trusted was trusted the day after joining; one trusted by recognition, when
    the recognition that did it was given."""
    from forum.contribution.models import ContributionEvent

    for user in db.session.scalars(select(User).where(User.trusted_at.is_not(None))):
        if user.trusted_via == "moderator":
            user.trusted_at = user.created_at + timedelta(days=1)
            continue
        user.trusted_at = db.session.scalar(select(func.min(ContributionEvent.created_at)).where(
            ContributionEvent.actor_id == user.trusted_by_id,
            ContributionEvent.beneficiary_id == user.id,
            ContributionEvent.kind == user.trusted_via)) or user.trusted_at
