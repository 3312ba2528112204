"""Issue 12, the conversation, in Chromium and over HTTP: a follow-up ("what about for coaches?")
is answered for the previous question's action and says what it answered; after each answer the
new answer's summary is in view (the chat no longer jumps to the bottom of the cards)."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import SCREENSHOTS

pytestmark = pytest.mark.slow

TIKTOK = "is it ok if i follow my students on tiktok?"
WAIT = 90_000


def test_the_api_reads_a_follow_up_against_the_history(live):
    first = httpx.post(live.url + "/api/ask", json={"question": TIKTOK}, timeout=60).json()
    assert first["answered"] == TIKTOK
    r = httpx.post(live.url + "/api/ask", json={"question": "what about for coaches?", "history": [first["answered"]]},
                   timeout=60)
    assert r.status_code == 200, r.text
    coaches = r.json()
    assert coaches["question"] == "what about for coaches?" and coaches["answered"].endswith(", for coaches?")
    assert not coaches["abstained"]
    union = httpx.post(live.url + "/api/ask", json={"question": "and in Union?", "history": [TIKTOK]}, timeout=60).json()
    assert union["district"] == "union-1610" and union["answered"] == TIKTOK
    too_many = httpx.post(live.url + "/api/ask", json={"question": "and?", "history": ["q"] * 11}, timeout=60)
    assert too_many.status_code == 422


@pytest.mark.browser
def test_a_follow_up_in_the_chat_and_the_new_answer_in_view(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        page.goto(live.url)
        box = page.locator("#pa-question textarea")
        box.wait_for()
        box.fill(TIKTOK)
        page.locator("#pa-ask").click()
        page.locator("#pa-chat .pa-answer .pa-card").first.wait_for()
        box.fill("what about for coaches?")
        page.locator("#pa-ask").click()
        page.locator("#pa-chat .pa-answering").first.wait_for()
        second = page.locator("#pa-chat .pa-answer").nth(1)
        second.locator(".pa-card").first.wait_for()
        assert "for coaches?" in second.locator(".pa-answering").inner_text()
        page.wait_for_timeout(500)  # the scroll runs after the last update
        summary = second.locator(".pa-summary").bounding_box()
        chat = page.locator("#pa-chat").bounding_box()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "follow-up-in-view.png"))
        assert summary is not None and chat is not None
        assert chat["y"] - 1 <= summary["y"] <= chat["y"] + chat["height"] - 20, (summary, chat)
        assert 0 <= summary["y"] <= 900 - 20  # and on the screen
    finally:
        context.close()
