"""Accessibility the browser can measure: every form control has a label, text meets WCAG AA
contrast against what is really behind it, focus is visible, and the landmarks are there."""
import pytest
from playwright.sync_api import expect

from forum import demo

PAGES = ["/", "/t/1", "/u/grace", "/leaderboard", "/c/help/new", "/search?q=helpful"]

UNLABELLED = """() => [...document.querySelectorAll('input, textarea, select, button')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map(el => el.outerHTML.slice(0, 120))"""

# WCAG 2 contrast of each visible text against the first opaque background behind it.
LOW_CONTRAST = """() => {
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const rgba = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
      if (getComputedStyle(e).backgroundImage !== 'none' && e !== el) return null;
    }
    return [255, 255, 255];
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || el.offsetParent === null) continue;
    if (el.closest('.visually-hidden, .skip-link')) continue;
    const style = getComputedStyle(el), bg = background(el);
    if (!bg) continue;
    const fg = rgba(style.color);
    const [a, b] = [lum(fg.slice(0, 3)), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failures.push(`${ratio.toFixed(2)} < ${needed}: "${node.textContent.trim().slice(0, 40)}" in <${el.tagName.toLowerCase()} class="${el.className}">`);
  }
  return failures;
}"""


@pytest.mark.parametrize("path", PAGES)
def test_page_is_labelled_legible_and_navigable(demo_page, log_in, path):
    page = demo_page
    log_in(page, "grace", demo.PASSWORD)
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(LOW_CONTRAST) == []
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    assert page.evaluate("document.documentElement.lang") == "en"


@pytest.mark.parametrize("path", ["/", "/t/1", "/u/grace", "/leaderboard"])
def test_dark_mode_keeps_the_contrast(demo_page, log_in, path):
    page = demo_page
    page.emulate_media(color_scheme="dark")
    log_in(page, "grace", demo.PASSWORD)
    page.goto(path)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(246, 244, 239)", "the dark palette did not apply"
    assert page.evaluate(LOW_CONTRAST) == []


def test_keyboard_focus_is_visible(demo_page):
    page = demo_page
    page.goto("/t/1")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    outline = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
                                       return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert outline[0] != "none" and outline[1] >= 2, outline
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # skip to content
    assert page.evaluate("location.hash") == "#main"


def test_phone_width_never_scrolls_sideways(demo_page, log_in):
    page = demo_page
    log_in(page, "grace", demo.PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in PAGES:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide at 390px"
