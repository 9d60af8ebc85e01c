"""Screenshots of the forum's main pages at phone and desktop widths, over the demo community.

Written to a temporary folder, or to ``FORUM_SCREENSHOTS=docs/screenshots`` to renew the README's
pictures, so anyone can look at the forum without running it. Each page is also checked for what makes it usable: one h1, labelled landmarks,
and no request leaving 127.0.0.1.
"""
import pytest
from playwright.sync_api import expect

from forum import demo

PAGES = [
    ("home", "/"),
    ("thread", "/t/1"),
    ("profile", "/u/margaret"),
    ("leaderboard", "/leaderboard"),
]


@pytest.mark.parametrize("name, path", PAGES, ids=[name for name, _ in PAGES])
def test_page_screenshots_at_phone_and_desktop_widths(demo_page, demo_site, screenshot, log_in,
                                                      name, path):
    page = demo_page
    outside = []
    page.on("request", lambda request: None if request.url.startswith(demo_site.url)
            else outside.append(request.url))
    log_in(page, "linus", demo.PASSWORD)
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    expect(page.locator("h1")).to_have_count(1)
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("navigation", name="Site")).to_be_visible()
    screenshot(page, name)
    assert outside == [], f"requests left the server: {outside}"
