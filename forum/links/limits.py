"""The limit on incoming pings per source host (``FORUM_LINKS_INCOMING_PER_HOST``).

Counted in the rate-limit storage (Redis when ``FORUM_REDIS_URL`` is set, so every process
shares it) and switched off with the other limits by ``FORUM_RATELIMIT_ENABLED=false``.
"""
from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


def _limiter() -> MovingWindowRateLimiter:
    app = current_app._get_current_object()
    limiter = app.extensions.get("forum.links.limiter")
    if limiter is None:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        limiter = app.extensions["forum.links.limiter"] = MovingWindowRateLimiter(storage)
    return limiter


def allow_ping(host: str) -> bool:
    """Count one ping from ``host``; False once the host is over its limit."""
    config = current_app.config
    if not config["RATELIMIT_ENABLED"]:
        return True
    prefix = config.get("RATELIMIT_KEY_PREFIX") or "forum"
    item = parse(config["LINKS_INCOMING_PER_HOST"])
    return _limiter().hit(item, prefix, "links-incoming", host)
