"""Every error as a clear page (or JSON under /api), never a traceback."""
import logging
from urllib.parse import unquote_to_bytes

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from forum import database
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
    503: "The forum is busy. Please try again in a moment.",
}
# Seconds a client is asked to wait when SQLite's write lock could not be had in time.
BUSY_RETRY_AFTER = 2


def wants_json() -> bool:
    """The API, and scripts that ask for JSON (the preview button)."""
    accepted = request.accept_mimetypes
    return request.path.startswith("/api/") or (
        accepted.best == "application/json" and not accepted.accept_html)


def error_response(status: int, message: str | None = None, code: str | None = None):
    """The error page (or JSON under /api). Whatever the request did in the database is rolled
    back first: a failed statement must not break the page that reports it, and a refusal
    stores nothing."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: the page needs no database
        log.warning("rollback before the error page failed", exc_info=True)
    message = message or MESSAGES.get(status, "Something went wrong.")
    if wants_json():
        code = code or {400: "bad_request", 403: "forbidden", 404: "not_found", 405:
                        "method_not_allowed", 409: "conflict", 413: "too_large",
                        429: "rate_limited", 503: "busy"}.get(status, "error")
        return make_response(jsonify(error={"code": code, "message": message}), status)
    return make_response(render_template("error.html", status=status, message=message), status)


def malformed_address(environ) -> str | None:
    """Why a request's path or query cannot be looked up: a NUL character (PostgreSQL's text
    cannot hold one) or bytes that are not UTF-8, raw or percent-encoded (Werkzeug would keep
    them as replacement characters or literal ``%FF`` text). None when it is fine."""
    path = environ.get("PATH_INFO", "").encode("latin-1", "replace")  # WSGI: bytes as latin-1
    # As sent, where the server keeps it (gunicorn, Werkzeug): some decode PATH_INFO lossily.
    raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").split("?", 1)[0]
    query = environ.get("QUERY_STRING", "").encode("latin-1", "replace")
    return (_malformed(path, "address")
            or _malformed(unquote_to_bytes(raw_path.encode("latin-1", "replace")), "address")
            or _malformed(unquote_to_bytes(query), "address"))


def _malformed(raw: bytes, what: str) -> str | None:
    if b"\x00" in raw:
        return f"The {what} contains a NUL character."
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"The {what} is not valid UTF-8."
    return None


def malformed_form() -> str | None:
    """Why a submitted form cannot be stored: NUL or invalid UTF-8 anywhere in it, raw or
    percent-encoded, URL-encoded or multipart. Reads the body before anything parses it (the
    CSRF check would consume it), and keeps it cached for the form parser."""
    if request.mimetype == "application/x-www-form-urlencoded":
        raw = request.get_data(cache=True)
        return _malformed(raw, "form") or _malformed(unquote_to_bytes(raw.replace(b"+", b" ")), "form")
    if request.mimetype == "multipart/form-data":
        raw = request.get_data(cache=True)
        if any("\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
            return "The form contains a NUL character."
        if not request.files:  # no file to carry binary bytes: the whole body is text
            return _malformed(raw, "form")
    return None


def refuse_malformed_requests():
    """Refuse (400) what no page can store or look up, rather than fail in the database."""
    problem = malformed_address(request.environ) or malformed_form()
    if problem:
        return error_response(400, problem, "bad_encoding" if "UTF-8" in problem else "bad_request")
    return None


def conflict_response(error: SQLAlchemyError):
    """What is left of simultaneous writes, once the services' locks and retries have done
    their part: a clear 409 (or 503 for SQLite's busy lock), never a 500. Nothing was stored."""
    db.session.rollback()
    if database.is_lock_timeout(error):
        log.warning("write lock timeout on %s %s", request.method, request.path)
        response = error_response(503, "The forum is busy writing just now; nothing was saved. "
                                       "Please try again in a moment.", "busy")
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
    if database.is_unique_violation(error):
        message = ("The same thing was just saved by another request; nothing more was saved. "
                   "Reload the page to see it.")
    else:
        message = ("Someone else was changing this at the same moment, so nothing was saved. "
                   "Reload the page and try again.")
    log.warning("write conflict (%s) on %s %s", type(error).__name__, request.method,
                request.path)
    return error_response(409, message, "conflict")


def is_conflict(error: BaseException) -> bool:
    return isinstance(error, StaleDataError) or database.is_lock_timeout(error) or \
        database.is_write_conflict(error) or database.is_unique_violation(error)


def init_app(app: Flask) -> None:
    # First of all, before the CSRF check reads the form.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_malformed_requests)

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
        if is_conflict(error):
            return conflict_response(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side. It has been logged.",
                              "internal")
