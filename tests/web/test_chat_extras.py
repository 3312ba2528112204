"""Issue 12: suggested follow-ups (from the answer's own data), "edit and ask again", the answer
as Markdown (copy and download), the conversation kept across a reload (browser storage only),
and each district's extra citations behind a toggle. Unit checks on a real answer, then Chromium."""

from __future__ import annotations

import re

import httpx
import pytest

from assistant.web.conversation import answer_from_dict, restore, save
from assistant.web.export import answer_markdown
from assistant.web.suggest import policy_name, suggestions

TIKTOK = "is it ok if i follow my students on tiktok?"
WAIT = 90_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chsd_answer(web_assistant):
    return web_assistant.ask(TIKTOK, district="chsd230-5125")


def _sections(assistant):
    return lambda cid: assistant.clause(cid).section_path


def test_suggestions_come_from_the_answer_and_are_answerable(web_assistant, chsd_answer, live):
    found = suggestions(chsd_answer, _sections(web_assistant))
    assert 1 <= len(found) <= 3
    ruling = {policy_name(f.citations[0].label): f.doc_id for f in chsd_answer.other_districts if f.rules}
    headings = {h.lower() for c in web_assistant.clauses("union-1610") + web_assistant.clauses("il-board-social-media")
                + web_assistant.clauses("d207-guidelines") + web_assistant.clauses("ia-401-15")
                + web_assistant.clauses("chsd230-5125") for h in c.section_path}
    places = [q for q in found if q.startswith("And in ")]
    assert places, found
    for q in found:
        if q.startswith("And in "):
            name = q[len("And in "):-1]
            assert name in ruling  # another district that rules on it, by its own policy name
            # and the follow-up asks the same thing there (over HTTP, as the chat sends it)
            r = httpx.post(live.url + "/api/ask", json={"question": q, "history": [TIKTOK]}, timeout=60).json()
            assert r["district"] == ruling[name] and r["answered"] == TIKTOK and not r["abstained"]
        else:
            m = re.fullmatch(r"What does (.+) say about (.+)\?", q)
            assert m, q
            assert any(h.endswith(m.group(2)) for h in headings), q  # a heading of the policy, not made up
    assert TIKTOK not in found


def test_markdown_export_quotes_every_citation_verbatim_with_its_label(chsd_answer, web_assistant):
    names = {m.doc_id: m.district for m in web_assistant.documents()}
    text = answer_markdown(chsd_answer, names)
    shown = [c for f in list(chsd_answer.findings) + list(chsd_answer.other_districts) for c in f.citations]
    assert shown
    for c in shown:
        doc = web_assistant.document(c.doc_id)
        assert c.quote == doc.text[c.start:c.end]
        quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in c.quote.splitlines())
        assert quoted in text and c.label in text
    for f in chsd_answer.findings:
        assert f"{f.district} — {f.verdict.upper()}" in text
    assert text.startswith(f"**Question:** {TIKTOK}")
    assert "[1]" in text.split("\n\n")[1]  # the short answer keeps its markers


def test_a_kept_conversation_is_the_same_answers(chsd_answer, web_assistant):
    other = web_assistant.ask("Can I text a student from my personal phone?")
    kept = save({1: chsd_answer, 3: other})
    assert [answer_from_dict(d) for d in kept] == [chsd_answer, other]  # nothing lost on the way
    names = {m.doc_id: m.district for m in web_assistant.documents()}
    history, answers = restore(kept + [{"nonsense": 1}, "x"], names)  # an unreadable entry is dropped
    assert sorted(answers) == [1, 3] and len(history) == 4
    assert restore("not a list", names) == ([], {})


@pytest.mark.browser
def test_follow_ups_edit_export_and_the_conversation_after_a_reload(browser, live, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        page.goto(f"{live.url}/?district=chsd230-5125")
        page.wait_for_function("() => document.querySelector('#pa-district input')?.value.startsWith('Community High')")
        box = page.locator("#pa-question textarea")
        box.fill(TIKTOK)
        page.locator("#pa-ask").click()
        page.locator("#pa-chat .pa-answer .pa-card").first.wait_for()
        buttons = page.locator(".pa-suggest:visible")
        buttons.first.wait_for()
        texts = buttons.all_inner_texts()
        place = next(t for t in texts if t.startswith("And in "))
        # "edit and ask again" puts the last question back, focused
        box.fill("")
        page.locator("#pa-edit").click()
        page.wait_for_function(f"() => document.querySelector('#pa-question textarea').value === {TIKTOK!r}")
        assert page.evaluate("() => document.activeElement === document.querySelector('#pa-question textarea')")
        # a suggestion is asked as it reads, against the conversation
        page.locator(".pa-suggest", has_text=place).click()
        page.wait_for_function("() => document.querySelectorAll('#pa-chat .pa-answer').length === 2")
        second = page.locator("#pa-chat .pa-answer").nth(1)
        second.locator(".pa-card").first.wait_for()
        assert "Answering:" in second.inner_text() and TIKTOK in second.locator(".pa-answering").inner_text()
        # copy / export: the Markdown of the last answer, and a download made in the browser
        page.locator("#pa-export-box").get_by_text("Copy or export this answer").click()
        exported = page.locator("#pa-export textarea")
        page.wait_for_function("() => (document.querySelector('#pa-export textarea')?.value || '').includes('Answering')")
        text = exported.input_value()
        quote = second.locator("blockquote.pa-quote").first.inner_text()
        assert f"> {quote.splitlines()[0]}" in text
        with page.expect_download() as got:
            page.locator("#pa-download").click()
        path = tmp_path / "answer.md"
        got.value.save_as(path)
        assert got.value.suggested_filename == "policy-answer.md" and path.read_text(encoding="utf-8") == text
        # a reload keeps the conversation (kept in this browser only)
        answering = second.locator(".pa-answering").inner_text()
        page.reload()
        page.locator("#pa-chat .pa-answer").nth(1).wait_for()
        assert page.locator("#pa-chat .pa-answer").count() == 2
        assert page.locator("#pa-chat .pa-answer").nth(1).locator(".pa-answering").inner_text() == answering
        stored = page.evaluate("() => Object.keys(localStorage)")
        assert "policy-assistant-conversation" in stored
        # and Clear forgets it, after a reload too
        page.locator("#pa-clear").click()
        page.wait_for_function("() => !document.querySelector('#pa-chat .pa-answer')")
        page.reload()
        page.locator("#pa-question textarea").wait_for()
        page.wait_for_timeout(2000)
        assert page.locator("#pa-chat .pa-answer").count() == 0
    finally:
        context.close()


@pytest.mark.browser
def test_a_new_browser_does_not_see_anyone_elses_conversation(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        page.goto(live.url)
        page.locator("#pa-question textarea").wait_for()
        page.wait_for_timeout(2000)
        assert page.locator("#pa-chat .pa-answer").count() == 0  # nothing kept on the server
    finally:
        context.close()


@pytest.mark.browser
def test_each_districts_extra_citations_are_behind_a_toggle(browser, live):
    question = "Can I post photos of my students on my personal Instagram?"
    api = httpx.post(live.url + "/api/ask", json={"question": question}, timeout=60).json()
    extra = {f["doc_id"]: f["citations"][1:] for f in api["findings"] if f["status"] == "rules" and len(f["citations"]) > 1}
    assert extra  # this question has rulings with supporting passages
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        page.goto(live.url)
        page.locator("#pa-question textarea").fill(question)
        page.locator("#pa-ask").click()
        answer = page.locator("#pa-chat .pa-answer").last
        answer.locator(f".pa-card.pa-doc-{next(iter(extra))}").wait_for()
        page.wait_for_function("n => document.querySelectorAll('#pa-chat .pa-answer details.pa-more').length === n",
                               arg=len(extra))
        for doc_id, cites in extra.items():
            card = answer.locator(f".pa-card.pa-doc-{doc_id}")
            toggle = card.locator("details.pa-more")
            assert toggle.get_attribute("open") is None
            assert card.locator("blockquote.pa-quote:visible").count() == 1  # the deciding quote only
            label = f"Also relevant: {len(cites)} more passage{'s' if len(cites) > 1 else ''}"
            assert toggle.locator(":scope > summary").inner_text() == label
            toggle.locator(":scope > summary").click()
            shown = toggle.locator(":scope > blockquote.pa-quote")
            shown.first.wait_for(state="visible")
            assert shown.all_inner_texts() == [c["quote"] for c in cites]
    finally:
        context.close()


def _server_on(app, port):
    from tests.web.conftest import LiveServer

    server = LiveServer(app)
    server.port, server.url = port, f"http://127.0.0.1:{port}"
    server.server.config.port = port
    return server


@pytest.mark.browser
def test_the_kept_conversation_survives_a_server_restart(browser, web_assistant, web_settings):
    from assistant.web.server import create_app
    from tests.web.conftest import free_port

    port = free_port()  # the same origin before and after (localStorage is per origin)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        with _server_on(create_app(web_assistant, web_settings), port) as first:
            page.goto(first.url)
            page.locator("#pa-question textarea").fill(TIKTOK)
            page.locator("#pa-ask").click()
            page.locator(".pa-suggest:visible").first.wait_for()
        with _server_on(create_app(web_assistant, web_settings), port) as second:  # a new process's app
            page.goto(second.url)
            page.locator("#pa-chat .pa-answer .pa-card").first.wait_for()
            assert page.locator("#pa-chat .pa-answer").count() == 1
    finally:
        context.close()
