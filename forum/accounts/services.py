"""Members: registering, signing in, roles."""
from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum.accounts.models import ROLES, User
from forum.extensions import db
from forum.errors import Refused

# Checked against when no member matches, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get(
        "PASSWORD_HASH_METHOD", "scrypt"))


def find_user(name: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == name.lower()))


def create_user(username: str, email: str, password: str, role: str = "member") -> User:
    """A new member. Usernames and emails are unique regardless of case."""
    if role not in ROLES:
        raise Refused(f"A role is one of {', '.join(ROLES)}.")
    username, email = username.strip(), email.strip().lower()
    taken = db.session.scalars(select(User).where(
        or_(User.username_key == username.lower(), User.email == email))).all()
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


def authenticate(login: str, password: str) -> User | None:
    """The member with that username (or email) and password, else None."""
    login = login.strip().lower()
    user = db.session.scalar(select(User).where(
        or_(User.username_key == login, User.email == login)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None
