"""The settings pages in a real browser, at phone and desktop widths: ending a stolen session,
turning on two-factor login, the password and delete pages."""
import re

import pyotp
from playwright.sync_api import expect

from tests.ui.conftest import DESKTOP, PASSWORD, PHONE

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/124.0 Mobile Safari/537.36")


def no_sideways_scroll(page):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_settings_at_phone_and_desktop_widths(page, make, settle, log_in, screenshot):
    make.user("grace", role="moderator")
    settle()
    log_in(page, "grace")
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    page.get_by_role("textbox", name="Bio").fill("I moderate the **help** category.")
    page.get_by_role("button", name="Save bio").click()
    expect(page.get_by_text("Your bio is saved.")).to_be_visible()
    page.get_by_label("Token name").fill("backup script")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("code.new-token").inner_text()
    assert token.startswith("forum_")
    expect(page.get_by_text("Recommended for moderators")).to_be_visible()
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        no_sideways_scroll(page)
    screenshot(page, "settings")
    page.goto("/u/grace")
    expect(page.locator(".bio strong")).to_have_text("help")


def test_a_member_ends_a_stolen_session_and_logs_out_everywhere_else(chromium, live_server, make,
                                                                     settle, log_in):
    make.user("grace")
    settle()
    contexts = [chromium.new_context(base_url=live_server.url, viewport=size, user_agent=agent)
                for size, agent in ((DESKTOP, None), (PHONE, ANDROID), (DESKTOP, None))]
    laptop, phone, thief = (context.new_page() for context in contexts)
    try:
        log_in(laptop, "grace")
        log_in(phone, "grace")
        thief.context.add_cookies(phone.context.cookies())  # a copied cookie
        thief.goto("/settings")
        expect(thief.get_by_role("heading", name="Settings", level=1)).to_be_visible()
        laptop.goto("/settings#settings-sessions")
        sessions = laptop.locator("#settings-sessions .settings-item")
        expect(sessions).to_have_count(2)
        expect(laptop.locator("#settings-sessions")).to_contain_text("Chrome on Android")
        laptop.get_by_role("button", name="Log out everywhere else").click()
        expect(laptop.get_by_text("Logged out everywhere else (1 session)")).to_be_visible()
        expect(sessions).to_have_count(1)
        for stale in (phone, thief):
            stale.goto("/settings")
            expect(stale.get_by_role("heading", name="Log in")).to_be_visible()
    finally:
        for context in contexts:
            context.close()


def test_turning_on_two_factor_login(page, make, settle, log_in, screenshot):
    make.user("grace")
    settle()
    log_in(page, "grace")
    page.goto("/settings#settings-two-factor")
    page.get_by_role("button", name="Set up two-factor login").click()
    expect(page.locator(".totp-qr svg")).to_be_visible()
    screenshot(page, "settings-two-factor-setup")
    secret = page.locator("code.totp-key").inner_text()
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    codes = page.locator(".recovery-codes code")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    page.get_by_role("button", name="Log out").click()
    page.goto("/login")
    page.get_by_label("Username or email").fill("grace")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="One more step")).to_be_visible()
    screenshot(page, "login-two-factor")
    page.get_by_label("Code").fill(recovery)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Site").get_by_role("link", name="grace",
                                                                     exact=True)).to_be_visible()


def test_password_and_delete_pages(page, make, settle, log_in, screenshot):
    make.user("grace")
    settle()
    log_in(page, "grace")
    page.goto("/settings")
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill("a new long password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("current password is not right")
    screenshot(page, "settings-password-refused")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("a new long password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
    page.goto("/settings/delete")
    screenshot(page, "settings-delete")
    page.get_by_label("Your password").fill("a new long password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account is deleted.")).to_be_visible()
    assert page.goto("/u/grace").status == 404
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert re.search("Register", page.content())
