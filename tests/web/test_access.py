"""Issue 12, look and access, in Chromium: every control reachable by keyboard with a visible focus
ring; verdict badges and [n] markers named for screen readers; at 390 px nothing scrolls sideways
(the compare table stacks)."""

from __future__ import annotations

import pytest

from tests.web.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIKTOK = "is it ok if i follow my students on tiktok?"
WAIT = 90_000

# the focused element: where it is, and whether its focus ring shows (>= 2 px, 3:1 against the page)
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(x => parseFloat(x)); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = (e) => { for (e = e.parentElement; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const s = getComputedStyle(el);
  const ring = parse(s.outlineColor), bg = background(el);
  const [a, b] = [lum(ring), lum(bg)].sort((x, y) => y - x);
  const box = el.closest('[id^=pa-]');
  return {tag: el.tagName, box: box ? box.id : '', cls: (el.className && el.className.baseVal === undefined) ? el.className : '',
          text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
          ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && (a + 0.05) / (b + 0.05) >= 3};
}"""


def _answer(page, question=TIKTOK):
    page.locator("#pa-question textarea").fill(question)
    page.locator("#pa-ask").click()
    page.locator("#pa-chat .pa-answer .pa-card").first.wait_for()
    page.locator(".pa-suggest:visible").first.wait_for()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_control_is_reachable_by_keyboard_with_a_visible_focus(browser, live, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        page.goto(live.url)
        _answer(page)
        page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
        seen, no_ring = [], []
        controls = ("pa-district", "pa-question", "pa-ask", "pa-clear", "pa-edit", "pa-cite-pick", "pa-comment",
                    "pa-up", "pa-down", "pa-suggest-0", "pa-chat")
        for _ in range(200):  # Tab on until every control and toggle was reached (or 200 stops)
            page.keyboard.press("Tab")
            f = page.evaluate(_FOCUSED)
            if f is None:
                continue
            seen.append(f)
            if not f["ring"]:
                no_ring.append(f)
            texts = [g["text"] for g in seen]
            if ({g["box"] for g in seen} >= set(controls) and "Show the whole clause" in texts
                    and any(t == "[1]" for t in texts) and "Compare districts" in texts):
                break
        boxes = {f["box"] for f in seen}
        for control in controls:
            assert control in boxes, (control, sorted(boxes))
        texts = [f["text"] for f in seen]
        assert "Compare districts" in texts and "Copy or export this answer" in " ".join(texts)
        assert any(t == "[1]" for t in texts)  # the markers in the answer
        assert "Show the whole clause" in texts  # the toggles inside the answer
        assert not no_ring, no_ring[:5]
    finally:
        context.close()


def test_badges_and_markers_are_named_for_screen_readers(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        page.goto(live.url)
        _answer(page)
        answer = page.locator("#pa-chat .pa-answer").last
        badges = answer.locator(".pa-badge")
        assert badges.count() >= 3
        page.wait_for_function("() => [...document.querySelectorAll('#pa-chat .pa-badge')].every(b => b.getAttribute('aria-label'))")
        for i in range(badges.count()):
            b = badges.nth(i)
            word = b.inner_text().split(" ", 1)[1].lower()
            assert b.get_attribute("role") == "img" and b.get_attribute("aria-label") == f"Ruling: {word}"
            assert b.locator("span").first.get_attribute("aria-hidden") == "true"  # the icon is not read out
        assert page.get_by_role("img", name="Ruling: discouraged").count() >= 1  # what a screen reader gets
        marks = answer.locator(".pa-summary .pa-marker a")
        for i in range(marks.count()):
            m = marks.nth(i)
            assert m.get_attribute("aria-label") == f"Source {i + 1}: {m.get_attribute('title')}"
        page.get_by_role("tab", name="Compare districts").click()
        page.locator("#pa-compare .pa-badge").first.wait_for()
        page.wait_for_function("() => [...document.querySelectorAll('#pa-compare .pa-badge')].every(b => b.getAttribute('aria-label'))")
    finally:
        context.close()


# any element, other than the page itself, whose content is wider than its box and scrolls sideways
_SIDEWAYS = """() => [...document.querySelectorAll('.gradio-container *')]
  .filter(el => el.offsetParent && el.scrollWidth > el.clientWidth + 1 &&
          ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
  .map(el => (el.id || el.className || el.tagName) + ' ' + el.scrollWidth + '>' + el.clientWidth)"""


def test_nothing_scrolls_sideways_at_390_px_and_the_compare_table_stacks(browser, live):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        page.goto(live.url)
        _answer(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.evaluate(_SIDEWAYS) == []
        page.get_by_role("tab", name="Compare districts").click()
        rows = page.locator("#pa-compare tbody tr")
        rows.first.wait_for()
        assert page.evaluate(_SIDEWAYS) == []
        wrap = page.locator("#pa-compare .pa-table-wrap").bounding_box()
        for cell in page.locator("#pa-compare td").all():  # every cell, the citation column too, on screen
            box = cell.bounding_box()
            assert box["x"] >= wrap["x"] - 1 and box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1
        first = rows.first.locator("td")
        assert first.nth(3).locator(".pa-th").inner_text() == "Citation"  # each cell says which column it is
        assert first.nth(3).bounding_box()["y"] > first.nth(0).bounding_box()["y"]  # stacked, not side by side
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "compare-phone.png"), full_page=True)
    finally:
        context.close()


def test_the_document_and_admin_pages_fit_390_px_and_show_focus(browser, live, web_assistant):
    clause = web_assistant.clauses("il-board-social-media")[5].clause_id
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        for path in (f"/doc/il-board-social-media#{clause}", "/admin"):
            page.goto(live.url + path)
            page.wait_for_load_state()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        page.goto(f"{live.url}/doc/il-board-social-media#{clause}")
        page.locator(":target").wait_for()
        page.locator("#share-copy").focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # keyboard focus: the ring shows
        assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
        assert page.evaluate("() => document.activeElement.id") == "share-copy"
    finally:
        context.close()
