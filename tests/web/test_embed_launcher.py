"""Issue 12, the HR embed, in Chromium from another origin: one script tag served by the app
(/embed.js) adds a floating button; it opens the chat in an iframe panel with the district fixed
and the question prefilled; the iframe takes its content's height (postMessage from the chat
page), so the chat has no scroll bar of its own inside the panel."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import LAUNCHER_COLOR, LAUNCHER_QUESTION, SCREENSHOTS

WAIT = 90_000
CHSD = "chsd230-5125"


def test_embed_js_is_served_by_the_app_as_javascript(live):
    r = httpx.get(live.url + "/embed.js", timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/javascript")
    assert r.headers["x-content-type-options"] == "nosniff"  # so the type must be right for a script tag
    assert "http://" not in r.text.replace("https://policy.example.org", "")  # nothing fetched from elsewhere
    assert "policy-assistant:height" in r.text


def _frame_fits(frame) -> bool:
    """The chat's document is no taller than its iframe: no scroll bar inside the frame."""
    return frame.locator("html").evaluate(
        "el => document.documentElement.scrollHeight <= window.innerHeight + 2")


@pytest.mark.browser
@pytest.mark.slow
def test_the_launcher_opens_the_chat_for_one_district_from_another_origin(browser, live, iframe_host):
    launcher = iframe_host.replace("embed.html", "launcher.html")
    assert not launcher.startswith(live.url)  # another origin (localhost vs 127.0.0.1, another port)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
        (live.url, launcher.rsplit("/", 1)[0], "data:", "blob:")) else None)
    try:
        page.goto(launcher)
        button = page.locator("#pa-embed-button")
        button.wait_for()
        assert button.inner_text() == "Ask HR policy" and button.get_attribute("aria-expanded") == "false"
        assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(122, 31, 162)"  # data-color
        assert page.locator("#pa-embed-frame").count() == 0  # the chat loads on first open only
        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        src = page.locator("#pa-embed-frame").get_attribute("src")
        assert src.startswith(live.url + "/?") and "lock=1" in src and f"district={CHSD}" in src
        frame = page.frame_locator("#pa-embed-frame")
        box = frame.locator("#pa-question textarea")
        box.wait_for()
        frame.locator("#pa-district input").evaluate(  # the district chosen by data-district, fixed (lock)
            "el => new Promise(r => { const t = setInterval(() => { if (el.value.startsWith('Community High')"
            " && el.disabled) { clearInterval(t); r(); } }, 100); })")
        assert box.input_value() == LAUNCHER_QUESTION  # data-question -> ?q=
        assert frame.locator("#pa-intro").count() == 0 or not frame.locator("#pa-intro").is_visible()
        frame.locator("#pa-ask").click()
        frame.locator("#pa-chat .pa-answer .pa-card").first.wait_for()
        cards = frame.locator("#pa-chat .pa-answer").last.locator(".pa-card").evaluate_all(
            "els => els.map(e => [...e.classList].find(c => c.startsWith('pa-doc-')).slice(7))")
        assert cards[0] == CHSD
        # the iframe grows to the chat's height: no second scroll bar inside the panel
        page.wait_for_function("() => parseInt(document.getElementById('pa-embed-frame').style.height) > 900")
        frame.locator("html").evaluate(
            "el => new Promise(r => { const t = setInterval(() => { if (document.documentElement.scrollHeight"
            " <= window.innerHeight + 2) { clearInterval(t); r(); } }, 100); })")
        assert _frame_fits(frame)
        # the new answer is in view: the launcher scrolled its panel to the chat box (asked by the chat page)
        page.wait_for_timeout(500)
        panel = page.locator("#pa-embed-scroll").bounding_box()
        chat = frame.locator("#pa-chat").bounding_box()
        assert panel["y"] - 2 <= chat["y"] <= panel["y"] + 40, (panel, chat)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "embed.png"))
        # a height message from anywhere but the chat frame is ignored
        before = page.locator("#pa-embed-frame").get_attribute("style")
        page.evaluate("() => window.postMessage({type: 'policy-assistant:height', height: 150}, '*')")
        page.wait_for_timeout(300)
        assert page.locator("#pa-embed-frame").get_attribute("style") == before
        # Escape in the panel closes it and gives the focus back to the button
        page.locator("#pa-embed-close").focus()
        page.keyboard.press("Escape")
        page.wait_for_function("() => !document.getElementById('pa-embed-panel').hasAttribute('data-open')")
        assert not page.locator("#pa-embed-panel").is_visible()
        assert page.evaluate("() => document.activeElement.id") == "pa-embed-button"
        assert outside == [], outside
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_query_prefills_and_lock_fixes_the_district(browser, live):
    context = browser.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        page.goto(f"{live.url}/?district=union-1610&lock=1&q=Can+I+text+a+student%3F")
        page.locator("#pa-question textarea").wait_for()
        page.wait_for_function("() => document.querySelector('#pa-question textarea').value === 'Can I text a student?'")
        page.wait_for_function("() => document.querySelector('#pa-district input').disabled")
        assert page.locator("#pa-district input").input_value().startswith("Union Public Schools")
        assert page.locator("#pa-intro").is_visible()  # not an embed: the introduction stays
        # without lock the district can still be changed
        page.goto(f"{live.url}/?district=union-1610")
        page.locator("#pa-question textarea").wait_for()
        page.wait_for_function("() => document.querySelector('#pa-district input').value.startsWith('Union')")
        assert not page.locator("#pa-district input").is_disabled()
    finally:
        context.close()
