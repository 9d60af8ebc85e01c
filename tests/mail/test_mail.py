"""Mail: rendered with absolute links, delivered by a job over real SMTP or kept as .eml files."""
import logging
from email import message_from_bytes
from email import policy
from pathlib import Path

from jinja2 import ChoiceLoader, DictLoader

from forum import jobs
from forum.mail import send_mail

TEMPLATES = {
    "mail/hello.txt": "Hello {{ name }},\nread {{ url_for('threads.index', _external=True) }}\n",
    "mail/hello.html": '{% extends "mail/_layout.html" %}{% block content %}<p>Hello {{ name }}, '
                       '<a href="{{ url_for(\'threads.index\', _external=True) }}">read</a>'
                       ' at {{ base_url }}</p>{% endblock %}',
}


def with_test_templates(app):
    """A mail template of the test's own, beside the forum's."""
    app.jinja_loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_loader])
    return app


def bodies(message):
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_a_mail_reaches_a_real_smtp_server_with_text_and_html_parts(app_factory, smtp_server):
    app = with_test_templates(app_factory(BASE_URL="https://forum.example", **smtp_server.settings))
    with app.app_context():
        send_mail("ada@example.org", "Welcome\r\nBcc: x@evil.example", "hello", name="Ada",
                  headers={"List-Unsubscribe": "<https://forum.example/unsubscribe/abc>"})
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ada@example.org"
    assert message["From"] == "Forum <forum@example.org>"
    assert message["Subject"] == "Welcome Bcc: x@evil.example"  # no header injection
    assert message["Bcc"] is None
    assert message["List-Unsubscribe"] == "<https://forum.example/unsubscribe/abc>"
    assert message["Message-ID"].endswith("@forum.example>")
    text, html = bodies(message)
    assert "Hello Ada," in text
    assert "read https://forum.example/" in text.splitlines()  # absolute, from FORUM_BASE_URL
    assert '<a href="https://forum.example/">read</a> at https://forum.example' in html
    assert smtp_server.envelopes[0].rcpt_tos == ["ada@example.org"]


def test_a_failing_smtp_server_is_tried_again_and_nothing_is_lost(app_factory, smtp_server):
    app = with_test_templates(app_factory(MAIL_RETRY_DELAYS="0,0,0", **smtp_server.settings))
    smtp_server.fail_next(2)
    with app.app_context():
        send_mail("ada@example.org", "Third time lucky", "hello", name="Ada")
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Third time lucky"
    jobs.drain(app)
    assert list(Path(app.config["MAIL_FOLDER"], "failed").glob("*.eml")) == []


def test_mail_that_cannot_be_delivered_is_kept(app_factory, smtp_server):
    app = with_test_templates(app_factory(MAIL_RETRY_DELAYS="", **smtp_server.settings))
    smtp_server.fail_next(1)
    with app.app_context():
        send_mail("ada@example.org", "Kept", "hello", name="Ada")
        jobs.drain(app)
    [kept] = Path(app.config["MAIL_FOLDER"], "failed").glob("*.eml")
    assert message_from_bytes(kept.read_bytes(), policy=policy.default)["Subject"] == "Kept"
    assert smtp_server.messages == []


def test_without_a_mail_server_each_message_is_an_eml_file_and_logged(app, caplog):
    with_test_templates(app)
    with caplog.at_level(logging.INFO, logger="forum.mail"):
        send_mail("ada@example.org", "On disk", "hello", name="Ada")
        jobs.drain(app)
    [path] = Path(app.config["MAIL_FOLDER"]).glob("*.eml")
    assert path.name.endswith("-hello.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "On disk"
    assert "Hello Ada," in bodies(message)[0]
    assert "http://localhost/" in bodies(message)[0]  # no base URL, no request: still absolute
    assert any(str(path) in record.getMessage() for record in caplog.records)
