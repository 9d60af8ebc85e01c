"""Members: registering, signing in, roles, and the changes a member makes to their account."""
from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum.accounts import sessions
from forum.accounts.models import ROLES, ApiToken, Follow, RecoveryCode, User
from forum.contribution import revision
from forum.extensions import db
from forum.errors import Refused
from forum.markup import render_markdown
from forum.signals import account_deleting
from forum.timeutil import utcnow

MAX_BIO_LENGTH = 5000
DELETED_NAME = "deleted member"

# Checked against when no member matches, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get(
        "PASSWORD_HASH_METHOD", "scrypt"))


def find_user(name: str) -> User | None:
    """The member named ``name`` (any case); deleted accounts are nobody."""
    return db.session.scalar(select(User).where(User.username_key == name.lower(),
                                                User.deleted_at.is_(None)))


def create_user(username: str, email: str | None, password: str, role: str = "member") -> User:
    """A new member. Usernames and emails are unique regardless of case.

    (The ``create-user`` command and tests give the address directly; registering through
    the site goes through :func:`register`, which confirms it first.)
    """
    if role not in ROLES:
        raise Refused(f"A role is one of {', '.join(ROLES)}.")
    username, email = username.strip(), (email.strip().lower() if email else None)
    taken = db.session.scalars(select(User).where(
        or_(User.username_key == username.lower(), User.email == email) if email
        else User.username_key == username.lower())).all()
    for user in taken:
        if user.username_key == username.lower():
            raise Refused(f"The username “{username}” is taken.")
        raise Refused("An account with that email already exists.")
    user = User(username=username, username_key=username.lower(), email=email,
                password_hash=hash_password(password), role=role)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # a simultaneous registration took the name first
        db.session.rollback()
        raise Refused(f"The username “{username}” or that email is taken.")
    return user


def register(username: str, email: str, password: str) -> User:
    """A new member, from the registration form.

    The address becomes theirs once they open the link mailed to it, and the answer is the
    same whether or not it already has an account (its owner is mailed instead), so the
    form tells nobody which addresses have accounts.
    """
    from forum.accounts import addresses

    user = create_user(username, None, password)
    addresses.send_confirmation(user, email.strip().lower(), "register")
    return user


def authenticate(login: str, password: str) -> User | None:
    """The member with that username (or email) and password, else None."""
    login = login.strip().lower()
    user = db.session.scalar(select(User).where(
        or_(User.username_key == login, User.email == login), User.deleted_at.is_(None)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def check_password(user: User, password: str) -> bool:
    return bool(password) and check_password_hash(user.password_hash, password)


def change_password(user: User, current: str, new: str) -> int:
    """Set a new password, given the current one; every other session of the member ends.

    Returns how many sessions ended.
    """
    if not check_password(user, current):
        raise Refused("Your current password is not right.")
    user.password_hash = hash_password(new)
    ended = sessions.end_others(user)
    db.session.commit()
    return ended


def set_bio(user: User, bio: str) -> User:
    """The member's bio: Markdown, rendered and sanitized once, like posts, by the one renderer."""
    bio = (bio or "").strip()
    if len(bio) > MAX_BIO_LENGTH:
        raise Refused(f"A bio is at most {MAX_BIO_LENGTH} characters; this one has {len(bio)}.")
    html = render_markdown(bio) if bio else ""
    user.bio, user.bio_html = bio, html
    db.session.commit()
    return user


def delete_account(user: User, password: str) -> None:
    """Delete a member's account, given their password.

    The row stays, emptied of everything that names them: their posts stay in the threads
    under "deleted member" with their text, and the ledger keeps its events (now pointing at
    an anonymous row), so nobody else's score changes. They can no longer log in (every
    session and API token ends), their profile answers 404 and their email is erased.
    """
    from forum import pagecache
    from forum.locking import lock_member
    from forum.threads.models import Post

    if not check_password(user, password):
        raise Refused("That password is not right, so the account is still here.")
    user = lock_member(user.id)
    account_deleting.send(user)
    sessions.end_all(user)
    now = utcnow()
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                              ApiToken.revoked_at.is_(None)).values(revoked_at=now))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(Follow).where(or_(Follow.follower_id == user.id,
                                                Follow.followed_id == user.id)))
    user.username = DELETED_NAME
    user.username_key = f"deleted:{user.id}"  # ":" is never in a chosen name
    user.email = None
    user.email_confirmed_at = None
    user.password_hash = "!"  # no password hashes to this
    user.bio = user.bio_html = ""
    user.role = "member"
    user.totp_secret = None
    user.totp_last_step = None
    user.deleted_at = now
    # The leaderboard orders ties by the name it keeps beside the scores: the new one.
    from forum.contribution.models import MemberScore

    db.session.execute(update(MemberScore).where(MemberScore.user_id == user.id)
                       .values(username_key=user.username_key))
    revision.changed()  # follows went, the name changed: profiles and the leaderboard
    threads = set(db.session.scalars(select(Post.thread_id).where(Post.author_id == user.id)))
    db.session.commit()
    # Their name changes on every thread they wrote in: cached pages must show it. Each
    # thread apart, after the commit (the lock order: no thread lock after a member's).
    pagecache.bump_threads_apart(threads)
