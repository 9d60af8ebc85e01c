"""Security headers on every page: a Content-Security-Policy without inline script, nosniff,
no framing, a Referrer-Policy; cookies are Secure when the forum is served over https."""
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("url", ["/", "/login", "/t/999", "/search?q=x", "/api/v1/categories",
                                 "/feed.atom", "/?page=%C2%B2"])
def test_every_answer_carries_the_headers(client, url):
    response = client.get(url)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("style-src-attr")[0]
    assert "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_cookies_are_secure_over_https_only(client, make):
    user = make.user("grace")
    plain = client.post("/login", data={"username": "grace", "password": PASSWORD})
    assert plain.status_code == 303
    assert all("Secure" not in c for c in plain.headers.getlist("Set-Cookie"))
    secure = client.post("/login", data={"username": user.username, "password": PASSWORD},
                         base_url="https://localhost")
    cookies = secure.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in c for c in cookies), cookies


def test_no_template_has_inline_script_or_event_handlers():
    """The policy would block them; scripts live in static/js."""
    import re

    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            assert "src=" in match.group(0), (template, match.group(0))
            closing = text[match.end():match.end() + 9]
            assert closing == "</script>", (template, "inline script body")
        assert not re.search(r"\son[a-z]+\s*=", text), (template, "on...= attribute")
        assert "javascript:" not in text, template
