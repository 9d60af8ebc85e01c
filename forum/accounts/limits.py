"""Rates on the account pages that guessers and mail-bombers would use (Flask-Limiter, like
forum/moderation/limits.py): reset requests per address and per IP, two-factor codes per IP.

A reset request over a limit is a 429 whether or not the address has an account, so the
limit reveals nothing either.
"""
from flask import Flask, request
from flask_limiter.util import get_remote_address

from forum.extensions import limiter
from forum.moderation.limits import setting


def reset_address() -> str:
    """The address a reset request names (lower-cased), so one inbox gets few mails."""
    return "reset-address:" + request.form.get("email", "").strip().lower()[:254]


reset_ip_limit = setting("LIMIT_RESET_IP")
reset_address_limit = setting("LIMIT_RESET_ADDRESS")
two_factor_limit = setting("LIMIT_TWO_FACTOR")


def reset_message() -> str:
    return ("Too many reset requests: the limits are "
            f"{reset_address_limit()} for an address and {reset_ip_limit()} from yours. "
            "Please try again later.")


def two_factor_message() -> str:
    return f"Too many codes tried: the limit is {two_factor_limit()}. Please wait a little."


RESET_BY_IP = limiter.limit(reset_ip_limit, methods=["POST"], error_message=reset_message)
RESET_BY_ADDRESS = limiter.limit(reset_address_limit, key_func=reset_address, methods=["POST"],
                                 error_message=reset_message)
TWO_FACTOR = limiter.limit(two_factor_limit, key_func=get_remote_address, methods=["POST"],
                           error_message=two_factor_message)

LIMITED_VIEWS = {
    "accounts.reset_request": (RESET_BY_IP, RESET_BY_ADDRESS),
    "accounts.two_factor": (TWO_FACTOR,),
}


def init_app(app: Flask) -> None:
    """Put each limit on its view (after the blueprints are registered)."""
    for endpoint, limits in LIMITED_VIEWS.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            for limit in limits:
                view = limit(view)
            app.view_functions[endpoint] = view
