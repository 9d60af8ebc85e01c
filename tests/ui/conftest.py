"""Browser fixtures: Debian's Chromium driven by Playwright against the test's live server.

One Chromium per test session, a fresh context (cookies, storage) per test. The browser tests
run on SQLite only: the databases are proven by the rest of the suite, and one backend keeps
this folder fast. ``app_factory`` is overridden here without ``db_backend``, so the suite's
backend parametrization never reaches these tests.
"""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from forum import create_app, demo
from forum.database import create_schema
from forum.extensions import db

CHROMIUM = os.environ.get("FORUM_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium reaches for the network, which tests never use.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", "--font-render-hinting=none"]
# Screenshots go to a temporary folder; FORUM_SCREENSHOTS=docs/screenshots (or any folder)
# keeps them, which is how the README's pictures are renewed.
SCREENSHOTS_SETTING = os.environ.get("FORUM_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def browser_config(database_path: Path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{database_path}",
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": True,  # a browser sends real forms; prove they carry the token
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": None,
    }


@pytest.fixture
def app_factory(tmp_path):
    """Apps over one SQLite database of this test's own (the browser tests' only backend)."""
    made = []

    def build(**overrides):
        config = browser_config(tmp_path / "forum.sqlite3")
        config.update(overrides)
        app = create_app(config)
        if not made:
            with app.app_context():
                create_schema()
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `apt-get install -y chromium` "
                    "(./run test does it).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """The demo community (``seed-demo``), served once for the tests that only look at pages."""
    app = create_app(browser_config(tmp_path_factory.mktemp("demo") / "forum.sqlite3"))
    with app.app_context():
        create_schema()
        demo.seed()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


def csp_violations(context) -> list[str]:
    """What the Content-Security-Policy blocked in this context's pages (Chromium says so on
    the console); every browser test fails if anything was."""
    blocked: list[str] = []
    context.on("console", lambda message: blocked.append(message.text)
               if "Content Security Policy" in message.text else None)
    return blocked


@pytest.fixture
def demo_page(chromium, demo_site):
    """A page in a fresh browser context on the demo site (nobody logged in yet)."""
    context = chromium.new_context(base_url=demo_site.url, viewport=DESKTOP,
                                   reduced_motion="reduce", locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(10_000)
    blocked = csp_violations(context)
    yield context.new_page()
    context.close()
    assert not blocked, blocked


@pytest.fixture
def browser(chromium, live_server):
    """A fresh browser context for this test, opening pages of the live server."""
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP,
                                   reduced_motion="reduce", locale="en-GB",
                                   timezone_id="UTC")
    context.set_default_timeout(10_000)
    blocked = csp_violations(context)
    yield context
    context.close()
    assert not blocked, blocked


@pytest.fixture
def page(browser):
    return browser.new_page()


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory) -> Path:
    if SCREENSHOTS_SETTING:
        folder = Path(SCREENSHOTS_SETTING).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshots_dir):
    """``screenshot(page, "thread")``: full-page PNGs at phone and desktop widths, in a temporary
    folder or in ``FORUM_SCREENSHOTS``."""

    def take(page, name: str):
        original = page.viewport_size
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.wait_for_timeout(50)
            page.screenshot(path=str(screenshots_dir / f"{name}-{label}-{size['width']}.png"),
                            full_page=True, animations="disabled", caret="hide")
        page.set_viewport_size(original)

    return take


PASSWORD = "correct horse battery"


@pytest.fixture
def settle(app):
    """End the test thread's transaction, so the live server can write (SQLite has one writer).

    Call it after making things with ``make`` and before the browser acts.
    """
    return db.session.commit


@pytest.fixture
def log_in():
    """``log_in(page, "grace")``: through the real login form; waits until the forum greets them."""
    from playwright.sync_api import expect

    def act(page, username: str, password: str = PASSWORD):
        page.goto("/login")
        page.get_by_label("Username or email").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("navigation", name="Site")
               .get_by_role("link", name=username, exact=True)).to_be_visible()

    return act


class NoReload:
    """Proves a step happened without a page load: a mark on ``window`` survives only in place."""

    def mark(self, page):
        page.evaluate("window.__forumStillHere = true")

    def check(self, page):
        assert page.evaluate("window.__forumStillHere === true"), "the page was reloaded"


@pytest.fixture
def no_reload():
    return NoReload()


@pytest.fixture
def page_without_js(chromium, live_server):
    """A page with JavaScript off: every action must still work as a plain form post."""
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP,
                                   java_script_enabled=False, timezone_id="UTC")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def look(request):
    """``look(page, "name")``: with ``FORUM_UI_LOOK=/some/tmp/dir`` set, a full-page PNG there to
    look at by eye (never into the repository); otherwise nothing."""
    folder = os.environ.get("FORUM_UI_LOOK")

    def take(page, name: str):
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            width = page.viewport_size["width"] if page.viewport_size else 0
            page.screenshot(path=str(Path(folder) / f"{request.node.name}-{name}-{width}.png"),
                            full_page=True, animations="disabled", caret="hide")

    return take


WAYS = [(js, size) for js in (True, False) for size in (PHONE, DESKTOP)]
WAY_IDS = [f"{'js' if js else 'nojs'}-{size['width']}" for js, size in WAYS]


@pytest.fixture(params=WAYS, ids=WAY_IDS)
def member_page(request, chromium, live_server):
    """A browser page with JavaScript on or off, at 390 or 1280 px (each test runs all four)."""
    js, size = request.param
    context = chromium.new_context(base_url=live_server.url, viewport=size, java_script_enabled=js,
                                   reduced_motion="reduce", locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js = js
    yield page
    context.close()
