"""Issue 12: text and badges readable in the light and the dark scheme, measured in Chromium:
WCAG contrast of the summary, quotes, labels, muted lines and badges against the background they
are drawn on (>= 4.5:1 for text, >= 3:1 for badges)."""

from __future__ import annotations

import pytest

from tests.web.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_MEASURE = """(selector) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(x => parseFloat(x)); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const own = (el) => Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  const all = Array.from(document.querySelectorAll(selector));
  const els = selector.endsWith('*') ? all.filter(el => own(el) && !el.closest('.pa-badge') && el.offsetParent) : all;
  return els.slice(0, 400).map(el => {
    const fg = parse(getComputedStyle(el).color), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return {text: el.innerText.slice(0, 40), ratio: (a + 0.05) / (b + 0.05),
            fg: getComputedStyle(el).color, bg: `rgb(${bg.r},${bg.g},${bg.b})`};
  });
}"""

TEXT = ("#pa-chat .pa-answer *",)  # every element of the answer with text of its own (badges apart)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_answer_text_and_badges_have_enough_contrast(browser, live, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(live.url)
        page.locator("#pa-question textarea").fill("is it ok if i follow my students on tiktok?")
        page.locator("#pa-ask").click()
        page.locator("#pa-chat .pa-answer .pa-card").first.wait_for()
        page.locator("#pa-ask").wait_for(state="visible")
        page.wait_for_function("() => !document.querySelector('#pa-chat .pending, #pa-chat .generating')")
        page.wait_for_timeout(1500)  # the answer finished streaming
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"contrast-{scheme}.png"))
        low = []
        for selector in TEXT:
            found = page.evaluate(_MEASURE, selector)
            low += [(selector, m) for m in found if m["ratio"] < 4.5]
        badges = page.evaluate(_MEASURE, "#pa-chat .pa-badge")
        assert badges, "no badge was drawn"
        low += [("badge", m) for m in badges if m["ratio"] < 3.0]
        assert not low, low[:6]
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_rest_of_the_page_has_enough_contrast(browser, live, scheme):
    """Not only the answer: the dropdown's help text (1.91:1 in Gradio's theme), labels, tabs (the
    selected one), the Ask button, suggestions, the compare table and the footer, both schemes."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(live.url)
        page.locator("#pa-question textarea").wait_for()
        page.get_by_text("Example questions").wait_for()
        help_text = page.get_by_text("Answers for this district come first")
        assert help_text.is_visible()
        measured = page.evaluate(_MEASURE, "body *")
        assert any(m["text"].startswith("Answers for this district") for m in measured)
        low = [m for m in measured if m["ratio"] < 4.5]
        page.locator("#pa-question textarea").fill("is it ok if i follow my students on tiktok?")
        page.locator("#pa-ask").click()
        page.locator(".pa-suggest:visible").first.wait_for()
        low += [m for m in page.evaluate(_MEASURE, "body *") if m["ratio"] < 4.5]
        page.get_by_role("tab", name="Compare districts").click()
        page.locator("#pa-compare tbody tr").first.wait_for()
        low += [m for m in page.evaluate(_MEASURE, "body *") if m["ratio"] < 4.5]
        assert not low, low[:6]
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_document_and_admin_pages_have_enough_contrast(browser, live, scheme, web_assistant):
    clause = web_assistant.clauses("chsd230-5125")[3].clause_id
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        low = []
        page.goto(f"{live.url}/doc/chsd230-5125#{clause}")
        page.locator(":target").wait_for()
        measured = page.evaluate(_MEASURE, "body *")
        assert any(m["text"] == page.locator(":target").inner_text()[:40] for m in measured)  # the highlight too
        low += [m for m in measured if m["ratio"] < 4.5]
        page.goto(f"{live.url}/admin")
        page.get_by_text("Type the API key").wait_for()
        low += [m for m in page.evaluate(_MEASURE, "body *") if m["ratio"] < 4.5]
        assert not low, low[:6]
    finally:
        context.close()
