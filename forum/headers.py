"""Security headers on every response, in one place.

- ``Content-Security-Policy``: scripts only from this site's own files (no inline script, no
  ``on...=`` attributes, no ``javascript:`` URLs: templates keep them in ``static/js``), no
  plugins, no framing by other sites (``frame-ancestors 'none'``), forms only to this site.
  Images in posts may come from any http(s) site. Inline ``style=""`` attributes are allowed
  (``style-src-attr``; avatars carry their hue that way) but no ``<style>`` elements.
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` for browsers without CSP
  level 2, and a ``Referrer-Policy`` that sends other sites only the forum's origin.
- Over https (directly, or behind a trusted proxy that says so), every cookie is ``Secure``.
"""
from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' https: http:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def secure_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class SecureCookies:
    """WSGI middleware: over https every cookie gets ``Secure``. At this level, because the
    session and remember cookies are written after the app's ``after_request`` functions."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def start_secure(status, headers, exc_info=None):
            headers = [(name, value + "; Secure")
                       if name.lower() == "set-cookie" and "; secure" not in value.lower()
                       else (name, value) for name, value in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_secure)


def init_app(app: Flask) -> None:
    app.after_request(secure_headers)
    app.wsgi_app = SecureCookies(app.wsgi_app)  # type: ignore[method-assign]
