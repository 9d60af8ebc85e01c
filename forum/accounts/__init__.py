"""Members and their accounts: registering, logging in, sessions, settings."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Load members from their stored sessions, and put the account pages' rate limits on
    (call after the blueprints are registered)."""
    from forum.accounts import limits, sessions
    from forum.extensions import login_manager

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to do that."
    sessions.init_app(app)
    limits.init_app(app)
