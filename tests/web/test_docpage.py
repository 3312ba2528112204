"""Issue 12: inline citation markers ([1], [2]) in the short answer, and the document page
/doc/<doc_id>#<clause_id>: the whole policy, the linked clause highlighted, a shareable link; the
API's key rule (a tenant's key gets "not found" for another district's policy)."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import EVIL, _serve, parse_html

TIKTOK = "is it ok if i follow my students on tiktok?"
WAIT = 90_000
D207 = "tenant-d207-0123456789"
ADMIN = "admin-key-0123456789"


def _page_text(html: str) -> str:
    """The policy text as the page shows it: the #text block without the ¶ permalinks."""
    body = html.split('<div class="text" id="text">', 1)[1].rsplit("</div></main>", 1)[0]
    return parse_html(body.replace("¶</a>", "</a>")).text


def test_the_document_page_shows_the_whole_policy_verbatim_with_clause_anchors(live, web_assistant):
    doc = web_assistant.document("chsd230-5125")
    r = httpx.get(live.url + "/doc/chsd230-5125", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert _page_text(r.text) == doc.text
    for c in web_assistant.clauses("chsd230-5125"):
        assert f'id="{c.clause_id}"' in r.text
    assert "http://" not in r.text and "https://" not in r.text  # nothing from a CDN
    missing = httpx.get(live.url + "/doc/no-such-doc", timeout=30)
    assert missing.status_code == 404 and "No document" in missing.text


def test_the_document_page_escapes_the_policy(evil_live):
    r = httpx.get(evil_live.url + "/doc/evil-9999", timeout=30)
    assert r.status_code == 200
    tags = parse_html(r.text).tags
    assert tags.count("script") == 1 and "img" not in tags and "b" not in tags  # only the page's own script
    assert EVIL in parse_html(r.text).text


@pytest.fixture(scope="module")
def tenants(web_assistant, web_settings):
    settings = web_settings.model_copy(update={"api_keys": ADMIN, "api_key_districts": {D207: ["d207-guidelines"]}})
    yield from _serve(web_assistant, settings)


@pytest.mark.slow
def test_the_document_page_obeys_the_keys_and_tenants(tenants):
    def get(path, key=None):
        return httpx.get(tenants.url + path, headers={"X-API-Key": key} if key else {}, timeout=30)

    assert get("/doc/d207-guidelines").status_code == 401  # keys are set: no key, no policy text
    assert get("/doc/d207-guidelines", "not-a-key-0123456789").status_code == 401
    assert get("/doc/d207-guidelines", D207).status_code == 200
    other = get("/doc/ia-401-15", D207)
    assert other.status_code == 404 and "ia-401-15" in other.text and "401.15 -" not in other.text
    assert get("/doc/ia-401-15", ADMIN).status_code == 200


@pytest.mark.browser
@pytest.mark.slow
def test_markers_in_the_summary_open_the_clause_highlighted_in_its_policy(browser, live, web_assistant):
    api = httpx.post(live.url + "/api/ask", json={"question": TIKTOK}, timeout=60).json()
    rulings = [f for f in api["findings"] if f["status"] == "rules"]
    assert len(rulings) >= 2
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        page.goto(live.url)
        page.locator("#pa-question textarea").fill(TIKTOK)
        page.locator("#pa-ask").click()
        answer = page.locator("#pa-chat .pa-answer").last
        answer.locator(".pa-card").first.wait_for()
        marks = answer.locator(".pa-summary .pa-marker a")
        assert marks.all_inner_texts() == [f"[{n}]" for n in range(1, len(rulings) + 1)]
        # each marker follows its district's ruling line and numbers that district's deciding quote
        summary = answer.locator(".pa-summary").inner_text()
        for n, f in enumerate(rulings, 1):
            assert f"{f['summary']}[{n}]" in summary
            card = answer.locator(f".pa-card.pa-doc-{f['doc_id']}")
            assert card.locator(".pa-num").first.inner_text() == f"[{n}]"
        second = rulings[1]["citations"][0]
        with context.expect_page() as opened:
            marks.nth(1).click()
        doc_page = opened.value
        doc_page.wait_for_load_state()
        assert doc_page.url.split("#")[0] == f"{live.url}/doc/{second['doc_id']}"
        target = doc_page.locator(":target")
        assert target.get_attribute("id") == second["clause_id"]
        doc = web_assistant.document(second["doc_id"])
        assert target.inner_text() == doc.text[second["clause_start"]:second["clause_end"]]
        assert second["quote"] in target.inner_text()
        assert target.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 224, 102)"
        box = target.bounding_box()
        assert box is not None and 0 <= box["y"] <= 900  # scrolled into view
        assert doc_page.locator("#share-url").input_value() == doc_page.url  # the shareable link
        assert doc_page.locator("#share-label").inner_text() == second["label"]
        doc_page.screenshot(path="test-output/screenshots/doc-page.png")
    finally:
        context.close()


def test_markers_only_where_the_ruling_line_is_in_the_summary(web_assistant):
    import dataclasses

    from assistant.web import markers

    answer = web_assistant.ask(TIKTOK)
    html = markers.summary_html(answer)
    rulings = [f for f in answer.findings if f.rules]
    assert html.count('class="pa-marker"') == len(rulings)
    for n, f in enumerate(rulings, 1):
        assert f'href="doc/{f.doc_id}#' in html and f">[{n}]</a>" in html
    # a summary written otherwise (an LLM's, say) gets no marker rather than a wrong one; it stays escaped
    other = dataclasses.replace(answer, summary="It depends <b>on</b> the district.")
    assert markers.summary_html(other) == "It depends &lt;b&gt;on&lt;/b&gt; the district."
    assert markers.summary_html(dataclasses.replace(answer, findings=())) == markers._text_html(answer.summary)
