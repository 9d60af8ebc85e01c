"""Settings: defaults here, overridden by ``FORUM_*`` environment variables.

``create_app`` loads :data:`DEFAULTS`, then ``app.config.from_prefixed_env("FORUM")``,
then the test config, and finally :func:`finalize` derives what the extensions read.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

DEFAULTS = {
    "DATABASE_URL": None,  # None: SQLite in the instance folder
    "REDIS_URL": None,  # None: jobs on a background thread, limits in memory
    "SECRET_KEY": None,  # None: generated once and kept in the instance folder
    "BASE_URL": None,  # None: absolute URLs from the request's host
    "SITE_NAME": "The Forum",
    # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-* headers then give the
    # client's address (which the per-IP rate limits key on), scheme and host. 0: none trusted.
    "TRUSTED_PROXIES": 0,
    "RATELIMIT_ENABLED": True,  # false turns off every limit below (forum/moderation/limits.py)
    "LIMIT_LOGIN": "10 per minute",  # login attempts per IP address
    "LIMIT_LOGIN_ACCOUNT": "10 per hour",  # failed logins per account (or typed name)
    "LIMIT_EDIT": "10 per minute",  # saved edits per member
    "LIMIT_PREVIEW": "30 per minute",  # previews per member
    "LIMIT_REGISTER": "5 per hour",  # new accounts per IP address
    "LIMIT_POST": "1 per 10 seconds",  # new threads and replies per member
    "LIMIT_RESET_ADDRESS": "3 per hour",  # password-reset mails asked for one address
    "LIMIT_RESET_IP": "10 per hour",  # password-reset requests per IP address
    "LIMIT_TWO_FACTOR": "10 per minute",  # two-factor codes tried per IP address
    "SESSION_DAYS": 30,  # a login unused this long ends (and its remember cookie with it)
    "SESSION_TOUCH_SECONDS": 300,  # a session's "last seen" is written at most this often
    "NEW_MEMBER_HOURS": 24,  # a member this young with no helpful mark received yet is new
    "NEW_MEMBER_MAX_LINKS": 2,  # links a new member may put in one post
    "LINKS_AUTO_APPROVE": False,
    "LINKS_INCOMING_PER_HOST": "30 per hour",  # Pingbacks and Webmentions from one source host
    "LINKS_RETRY_DELAYS": "60,600,3600,21600",  # seconds between tries of an outgoing ping
    "OUTBOUND_ALLOW_HOSTS": "",
    "POSTS_PER_PAGE": 50,
    "THREADS_PER_PAGE": 30,
    "MAX_CONTENT_LENGTH": 256 * 1024,  # a request body past this is a 413
    "MAX_POST_LENGTH": 50_000,  # characters of Markdown in one post
    # Contribution points, by event kind (see forum/contribution/rules.py).
    "POINTS_HELPFUL": 10,
    "POINTS_ACCEPTED": 15,
    "POINTS_SHARED": 5,
    "POINTS_LINKED": 5,
    "POINTS_PINGBACK": 5,
    "SCORE_HALF_LIFE_DAYS": 90,
    # Recognition counts only when its giver is trusted (forum/contribution/trust.py);
    # false: every member's recognition counts (small closed communities).
    "TRUST_GATE": True,
    "PAGE_CACHE_SECONDS": 60,  # visitors' pages are cached this long at most (0: never)
    # A page's validator read lately is reused this long by the process that read it; other
    # processes' writes show after at most this long (forum/database.py, read_validator).
    "VALIDATOR_SECONDS": 1.0,
    # Windowed scores drop aged events at most this often (0: before every read).
    "SCORE_SWEEP_SECONDS": 60,
    # Mail (forum/mail.py): Flask-Mail over SMTP when MAIL_SERVER is set, else .eml files in
    # instance/mail/. FORUM_MAIL_* in the environment are Flask-Mail's MAIL_* settings.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": None,
    "MAIL_FOLDER": None,  # None: instance/mail/ (the .eml files, and failed/ for undelivered mail)  # None: "<site name> <noreply@<host of BASE_URL>>"
    "MAIL_SUPPRESS_SEND": False,  # Flask-Mail would suppress sending whenever TESTING is on
    "MAIL_RETRY_DELAYS": "30,120,600,3600,21600",  # seconds between tries while SMTP fails
    "MAIL_DELAY_SECONDS": 600,  # a notification still unread this long is mailed
    "NOTIFICATIONS_POLL_SECONDS": 30,  # how often an open page asks for the unread count
    # How long a write waits for SQLite's one write lock before it is answered 503 (a job
    # tries again). Write transactions are short, so this is rarely more than milliseconds.
    "SQLITE_BUSY_TIMEOUT_MS": 15_000,
    "AUTO_MIGRATE": None,  # None: migrate on start-up only for the embedded SQLite default
}


def database_uri(url: str | None, instance_path: str) -> str:
    """The SQLAlchemy URI for ``FORUM_DATABASE_URL``.

    Hosting platforms write ``postgres://`` and ``postgresql://``; both mean psycopg 3 here.
    """
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "forum.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path: str) -> str:
    """A secret key generated on first run and kept in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def allow_hosts(value) -> frozenset[str]:
    """``FORUM_OUTBOUND_ALLOW_HOSTS``: ``host`` or ``host:port``, comma-separated."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = value
    else:
        items = str(value or "").split(",")
    return frozenset(item.strip().lower() for item in items if item and item.strip())


def finalize(config, instance_path: str) -> None:
    """Derive the settings that Flask and its extensions read from the forum's own."""
    config["SQLALCHEMY_DATABASE_URI"] = database_uri(config["DATABASE_URL"], instance_path)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    config["OUTBOUND_ALLOW_HOSTS"] = allow_hosts(config["OUTBOUND_ALLOW_HOSTS"])
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    # Each remember cookie names one stored session (forum/accounts/sessions.py) and lasts
    # as long as that session can.
    config["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(config["SESSION_DAYS"]))
    config["WTF_CSRF_TIME_LIMIT"] = None  # a token lives as long as the session
    redis_url = config["REDIS_URL"]
    config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    config["RATELIMIT_HEADERS_ENABLED"] = True
    config["CACHE_TYPE"] = "RedisCache" if redis_url else "SimpleCache"
    if redis_url:
        config["CACHE_REDIS_URL"] = redis_url
    config["CACHE_DEFAULT_TIMEOUT"] = 300
    if config["AUTO_MIGRATE"] is None:
        config["AUTO_MIGRATE"] = not config["DATABASE_URL"] and not config.get("TESTING")
