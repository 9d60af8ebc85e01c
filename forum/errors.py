"""Every error as a clear page (or JSON under /api), never a traceback."""
import logging
from urllib.parse import unquote_to_bytes

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from forum.extensions import db

log = logging.getLogger(__name__)

class Refused(Exception):
    """A write the rules do not allow; ``status`` is the HTTP answer (400, 403, 404, 409, 429).

    Services raise it having stored nothing; routes show ``message`` with ``status``.
    """

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


MESSAGES = {
    400: "The request could not be understood.",
    403: "You are not allowed to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    409: "Someone else changed this in the meantime.",
    413: "That is too large to accept.",
    429: "Too many requests. Please wait a moment and try again.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, code: str | None = None):
    message = message or MESSAGES.get(status, "Something went wrong.")
    if wants_json():
        code = code or {400: "bad_request", 403: "forbidden", 404: "not_found", 405:
                        "method_not_allowed", 409: "conflict", 413: "too_large",
                        429: "rate_limited"}.get(status, "error")
        return make_response(jsonify(error={"code": code, "message": message}), status)
    return make_response(render_template("error.html", status=status, message=message), status)


def refuse_malformed_requests():
    """Refuse (400) what no page can store or look up, rather than fail in the database.

    A form body that is not valid UTF-8 (Werkzeug would keep undecodable percent-escapes as
    literal text), and a NUL character in the path, the query or the form (PostgreSQL's
    text cannot hold one).
    """
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                      for key, value in request.args.items(multi=True)):
        return error_response(400, "The address contains a NUL character.", "bad_request")
    if request.mimetype != "application/x-www-form-urlencoded":
        return None
    raw = request.get_data(cache=True)
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return error_response(400, "The form is not valid UTF-8.", "bad_encoding")
    if "\x00" in text:
        return error_response(400, "The form contains a NUL character.", "bad_request")
    return None


def init_app(app: Flask) -> None:
    app.before_request(refuse_malformed_requests)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(400, "The form has expired or was not sent from this site. "
                                   "Please reload the page and try again.", "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        description = error.description if error.description != type(error).description else None
        response = error_response(error.code, description)
        for name, value in error.get_headers():
            if name in ("Allow", "Retry-After"):
                response.headers[name] = value
        return response

    @app.errorhandler(Refused)
    def refused(error: Refused):
        # A route that lets a service's refusal through still answers with its status.
        db.session.rollback()
        return error_response(error.status, error.message)

    @app.errorhandler(UnicodeDecodeError)
    def bad_encoding(error):
        return error_response(400, "The request is not valid UTF-8.", "bad_encoding")

    @app.errorhandler(Exception)
    def unexpected(error):
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side. It has been logged.",
                              "internal")
