"""A real browser (Debian chromium via playwright) against the running app; screenshots under
test-output/screenshots/."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from tests.web.conftest import EVIL, EVIL_TITLE, StaticHost, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIKTOK = "Can I accept a student's follow request on TikTok?"
CHSD = "chsd230-5125"
WAIT = 90_000  # ms: answers take a few seconds on a busy machine


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(WAIT)
    yield pg
    context.close()


def _open(scope, url=None):
    if url:
        scope.goto(url)
    scope.locator("#pa-question textarea").wait_for()


def _ask(scope, question: str):
    scope.locator("#pa-question textarea").fill(question)
    scope.locator("#pa-ask").click()
    scope.locator("#pa-chat .pa-answer .pa-card").first.wait_for()


def _choose(scope, elem_id: str, label_start: str):
    scope.locator(f"#{elem_id} input").click()
    scope.locator(f'[role=option][aria-label^="{label_start}"]').first.click()


def _cards(scope) -> list[str]:
    """The doc ids of the last answer's cards, in order (from their pa-doc-<id> class)."""
    return scope.locator("#pa-chat .pa-answer").last.locator(".pa-card").evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('pa-doc-')).slice(7))")


def test_chat_answers_with_verbatim_quotes_and_citations_in_context(page, live, screenshots):
    _open(page, live.url)
    # the examples render a moment after the question box (a cold first page in CI): wait, then check
    page.get_by_text("Example questions").wait_for(state="visible", timeout=30_000)
    assert page.get_by_text("Example questions").is_visible()
    _ask(page, TIKTOK)
    page.locator("#pa-cite-pick input").wait_for()
    api = httpx.post(live.url + "/api/ask", json={"question": TIKTOK}, timeout=60).json()
    spans = {c["label"]: c for c in api["citations"]}
    answer = page.locator("#pa-chat .pa-answer").last
    shown = answer.locator(".pa-summary").evaluate(  # the summary's words, without its [n] markers
        "el => { const c = el.cloneNode(true); c.querySelectorAll('.pa-marker').forEach(m => m.remove());"
        " return c.textContent; }")
    assert shown.strip() == api["summary"].strip()
    assert len(_cards(page)) == len(api["findings"])
    quotes = answer.locator("blockquote.pa-quote:not(.pa-clause-text)")
    assert quotes.count() >= 2
    for i in range(quotes.count()):
        q = quotes.nth(i)
        c = spans[q.locator("xpath=following-sibling::div[1]//cite").inner_text()]
        doc = httpx.get(f"{live.url}/api/documents/{c['doc_id']}", timeout=30).json()
        assert q.inner_text() == doc["text"][c["start"]:c["end"]]
    badges = answer.locator(".pa-card h4 .pa-badge").all_inner_texts()
    assert [b.split(" ", 1)[1] for b in badges] == [f["verdict"].upper() for f in api["findings"]
                                                    if f["status"] == "rules"]
    # each ruling card: its deciding quote first, under the same verdict as the card's badge
    for card, f in zip(answer.locator(".pa-card").all(), api["findings"]):
        assert f"pa-status-{f['status']}" in card.get_attribute("class").split()  # the chat keeps classes only
        if f["status"] == "rules":
            assert card.locator(".pa-cite .pa-badge").first.inner_text().endswith(f["verdict"].upper())
            assert card.locator("blockquote.pa-quote").first.inner_text() == f["citations"][0]["quote"]
        else:  # related: no verdict claimed
            assert card.locator(".pa-badge").count() == 0
            assert "Related, not a ruling on this" in card.inner_text()
    # "show the whole clause" opens the clause, verbatim
    toggle = answer.locator("details.pa-whole").first
    if toggle.count():
        toggle.locator("summary").click()
        whole = toggle.locator("blockquote.pa-clause-text").inner_text()
        assert any(whole == c["clause_quote"] for f in api["findings"] for c in f["citations"])
    page.screenshot(path=str(screenshots / "chat-desktop.png"), full_page=True)

    # open another citation: the section around it with the exact quote in <mark>
    last = api["citations"][-1]
    _choose(page, "pa-cite-pick", last["label"])
    mark = page.locator("#pa-context mark")
    page.wait_for_function("q => document.querySelector('#pa-context mark')?.innerText === q", arg=last["quote"])
    assert mark.inner_text() == last["quote"]
    assert page.locator("#pa-context .pa-clause").get_attribute("data-clause-id") == last["clause_id"]
    assert last["label"] in page.locator("#pa-cite-copy textarea").input_value()
    page.locator("#pa-context").screenshot(path=str(screenshots / "citation-context.png"))

    # compare districts
    page.get_by_role("tab", name="Compare districts").click()
    rows = page.locator("#pa-compare tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(api["findings"]) + len(api["not_addressed"])
    page.screenshot(path=str(screenshots / "compare.png"), full_page=True)


def test_switch_district_and_feedback(page, live, web_settings, screenshots):
    _open(page, live.url)
    _ask(page, TIKTOK)
    assert len(_cards(page)) > 1
    _choose(page, "pa-district", "Union Public Schools")
    page.wait_for_function(
        "() => { const a = [...document.querySelectorAll('#pa-chat .pa-answer')].pop();"
        " return a && a.querySelector('.pa-card')?.classList.contains('pa-doc-union-1610'); }")
    # the re-answer streams card by card: read the cards once it is done (a busy machine raced this)
    page.wait_for_function("() => !document.querySelector('#pa-chat .pending, #pa-chat .generating')")
    page.wait_for_function("() => [...document.querySelectorAll('#pa-chat .pa-answer')].pop()"
                           "?.querySelectorAll('.pa-card').length > 1")
    assert _cards(page)[0] == "union-1610"
    assert page.locator("#pa-chat .pa-answer").count() == 1  # re-answered in place

    comment = "browser feedback: union answer"
    page.locator("#pa-comment textarea").fill(comment)
    page.locator("#pa-down").click()
    page.get_by_text("your feedback was saved").wait_for()
    rows = sqlite3.connect(web_settings.feedback_db).execute(
        "SELECT question, district, rating FROM feedback WHERE comment = ?", (comment,)).fetchall()
    assert rows == [(TIKTOK, "union-1610", -1)]

    page.locator("#pa-clear").click()
    page.wait_for_function("() => !document.querySelector('#pa-chat .pa-answer')")


def test_district_from_the_url(page, live):
    _open(page, f"{live.url}/?district={CHSD}")
    page.wait_for_function("() => document.querySelector('#pa-district input').value.startsWith('Community High')")
    _ask(page, TIKTOK)
    assert _cards(page)[0] == CHSD


def test_phone_width(browser, live, screenshots):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(WAIT)
    try:
        _open(pg, live.url)
        _ask(pg, TIKTOK)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
        assert pg.locator("#pa-ask").is_visible() and pg.locator("#pa-district input").is_visible()
        pg.screenshot(path=str(screenshots / "chat-phone.png"), full_page=True)
    finally:
        context.close()


def test_chat_inside_a_cross_origin_iframe(page, live, iframe_host, screenshots):
    page.goto(iframe_host)
    frame = page.frame_locator("#chat")
    _open(frame)
    frame.locator("#pa-district input").wait_for()
    # another origin: its state is read through the frame locator, not page.evaluate
    frame.locator("#pa-district input").evaluate(
        "el => new Promise(r => { const t = setInterval(() => { if (el.value.startsWith('Community High'))"
        " { clearInterval(t); r(); } }, 100); })")
    _ask(frame, TIKTOK)
    assert _cards(frame)[0] == CHSD
    page.screenshot(path=str(screenshots / "iframe.png"), full_page=True)


def test_iframe_from_an_origin_not_in_frame_ancestors_is_blocked(page, live, tmp_path):
    (tmp_path / "bad.html").write_text(f'<iframe id="chat" src="{live.url}/"></iframe>')
    port = free_port()
    with StaticHost(tmp_path, port):
        page.goto(f"http://localhost:{port}/bad.html")
        page.wait_for_load_state("load")
        child = next(f for f in page.frames if f != page.main_frame)
        for _ in range(100):  # the refused frame commits its error page a moment after the host's load event
            if child.url:
                break
            page.wait_for_timeout(100)
        assert child.url.startswith("chrome-error://"), child.url  # refused by frame-ancestors


def test_script_in_a_policy_never_runs(page, evil_live, screenshots):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _open(page, evil_live.url)
    _ask(page, f"Can I accept a follow request from a student on TikTok? {EVIL}")
    answer = page.locator("#pa-chat .pa-answer").last
    assert EVIL in answer.inner_text()
    assert page.locator("#pa-chat").locator("script, img[src=x]").count() == 0
    page.locator("#pa-context mark").wait_for()
    assert EVIL_TITLE in page.locator("#pa-context").inner_text()
    assert page.locator("#pa-context").locator("script, img").count() == 0
    assert dialogs == []
    page.screenshot(path=str(screenshots / "escaped.png"), full_page=True)
