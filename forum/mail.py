"""The one way the forum sends mail: :func:`send_mail`.

A message is rendered where it is asked for (``templates/mail/<name>.txt`` and ``.html``, with
absolute links under ``FORUM_BASE_URL``) and delivered by a background job, retried with
back-off while the SMTP server fails. With ``FORUM_MAIL_SERVER`` set it goes out through
Flask-Mail over SMTP; without it, it is written to ``instance/mail/<...>.eml`` and logged, so the
embedded default needs nothing. A message whose every try failed stays in
``instance/mail/failed/`` for a person to resend: nothing is lost.
"""
import logging
import re
import smtplib
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import flask_mail
from flask import Flask, current_app, has_request_context, render_template, request

from forum import jobs
from forum.timeutil import utcnow

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30


def send_mail(to: str, subject: str, template: str, *, headers: dict[str, str] | None = None,
              **context) -> None:
    """Send ``templates/mail/<template>.txt`` and ``.html`` (rendered with ``context`` and
    ``base_url``) to ``to``, from a background job. ``headers`` are extra header fields
    (``List-Unsubscribe``...). Call it after the transaction the mail tells of has committed."""
    jobs.enqueue(deliver, compose(to, subject, template, headers, context),
                 retry_delays=retry_delays())


def deliver_now(to: str, subject: str, template: str, headers: dict[str, str] | None = None,
                context: dict | None = None) -> None:
    """Render and send in this job, raising if the SMTP server fails (the caller keeps what
    the mail was about and tries again later)."""
    transmit(build_message(compose(to, subject, template, headers, context or {})))


def compose(to: str, subject: str, template: str, headers: dict[str, str] | None,
            context: dict) -> dict:
    """A rendered message as plain values (what a job carries)."""
    text, html = render_mail(template, **context)
    return {
        "id": f"{utcnow():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}-{slug(template)}",
        "to": to,
        "subject": " ".join(subject.split()),  # no line breaks in a header
        "text": text,
        "html": html,
        "headers": dict(headers or {}),
    }


def render_mail(template: str, **context) -> tuple[str, str]:
    """The plain-text and HTML bodies, links absolute under the forum's base URL."""
    base = mail_base_url()
    with current_app.test_request_context(base_url=base):
        context.setdefault("base_url", base)
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    return text, html


def mail_base_url() -> str:
    """``FORUM_BASE_URL``; else the request's own host; else http://localhost (a job without it)."""
    configured = current_app.config["BASE_URL"]
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://localhost"


def deliver(message: dict) -> None:
    """The job: send one rendered message (SMTP), or write it as an ``.eml`` file.

    Raises when the SMTP server fails, so the job queue tries again later; until a try
    succeeds, the message is also kept in ``instance/mail/failed/``.
    """
    mail_message = build_message(message)
    kept = mail_folder("failed") / f"{message['id']}.eml"
    try:
        transmit(mail_message)
    except (OSError, smtplib.SMTPException) as error:
        kept.write_bytes(mail_message.as_bytes())
        log.warning("mail to %s failed (%s); kept in %s until a retry succeeds",
                    message["to"], error, kept)
        raise
    kept.unlink(missing_ok=True)


def transmit(mail_message: flask_mail.Message) -> None:
    """Over SMTP when ``FORUM_MAIL_SERVER`` is set, else into an ``.eml`` file."""
    to = ", ".join(mail_message.recipients)
    if not current_app.config["MAIL_SERVER"]:
        path = mail_folder() / f"{mail_message.msgId.strip('<>').split('@')[0]}.eml"
        path.write_bytes(mail_message.as_bytes())
        log.info("mail to %s: %s (written to %s)", to, mail_message.subject, path)
        return
    current_app.extensions["forum.mail"].send(mail_message)
    log.info("mail to %s: %s (sent)", to, mail_message.subject)


def build_message(message: dict) -> flask_mail.Message:
    mail_message = flask_mail.Message(
        subject=message["subject"],
        recipients=[message["to"]],
        body=message["text"],
        html=message["html"],
        sender=sender(),
        extra_headers=message["headers"] or None,
    )
    mail_message.msgId = f"<{message['id']}@{sender_domain()}>"
    return mail_message


def sender() -> str:
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    if configured:
        return configured
    return f"{current_app.config['SITE_NAME']} <noreply@{sender_domain()}>"


def sender_domain() -> str:
    host = urlsplit(current_app.config["BASE_URL"] or "").hostname
    return host or "localhost"


def mail_folder(*parts: str) -> Path:
    root = current_app.config["MAIL_FOLDER"] or Path(current_app.instance_path, "mail")
    path = Path(root, *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def retry_delays() -> tuple[int, ...]:
    raw = current_app.config["MAIL_RETRY_DELAYS"]
    if isinstance(raw, (list, tuple)):
        return tuple(int(item) for item in raw)
    return tuple(int(item) for item in str(raw).split(",") if item.strip())


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "mail"


class Mailer(flask_mail.Mail):
    """Flask-Mail, with a timeout on the SMTP connection so a silent server fails the try
    (and the job retries) instead of holding a worker forever."""

    def connect(self) -> flask_mail.Connection:
        return TimedConnection(current_app.extensions["mail"])


class TimedConnection(flask_mail.Connection):
    def configure_host(self):
        mail = self.mail
        smtp_class = smtplib.SMTP_SSL if mail.use_ssl else smtplib.SMTP
        host = smtp_class(mail.server, mail.port, timeout=SMTP_TIMEOUT_SECONDS)
        host.set_debuglevel(int(mail.debug))
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host


def init_app(app: Flask) -> None:
    mailer = Mailer()
    mailer.init_app(app)
    app.extensions["forum.mail"] = mailer
