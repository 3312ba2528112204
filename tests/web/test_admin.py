"""Issue 12, the admin page: feedback (thumbs, comments), unanswered and rated-down questions,
filtered by date and district, and answered questions flagged as out of scope; always behind an
API key (a tenant's key sees its districts only). Over real HTTP, then in Chromium."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import pytest

from assistant.web import gaps
from tests.web.conftest import SCREENSHOTS, _serve

pytestmark = pytest.mark.slow

ADMIN = "admin-key-0123456789"
UNION = "tenant-union-0123456789"
WAIT = 90_000


@pytest.fixture(scope="module")
def admin_server(web_assistant, web_settings):
    settings = web_settings.model_copy(update={"api_keys": ADMIN, "api_key_districts": {UNION: ["union-1610"]}})
    yield from _serve(web_assistant, settings)


def _feedback(server, question, district, rating, comment="", abstained=False):
    r = httpx.post(server.url + "/api/feedback", headers={"X-API-Key": ADMIN}, timeout=30, json={
        "question": question, "district": district, "answer_id": uuid.uuid4().hex[:16], "verdicts": ["prohibited"],
        "rating": rating, "comment": comment, "abstained": abstained})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _report(server, key=ADMIN, **params):
    return httpx.get(server.url + "/api/admin/feedback", params=params,
                     headers={"X-API-Key": key} if key else {}, timeout=30)


def test_the_admin_data_needs_a_key_even_on_loopback(live, admin_server):
    assert _report(live, key=None).status_code == 401  # no keys configured: no admin data at all
    assert _report(admin_server, key=None).status_code == 401
    assert _report(admin_server, key="not-a-key-0123456789").status_code == 401
    assert httpx.post(admin_server.url + "/api/admin/flags", json={"feedback_id": 1}, timeout=30).status_code == 401
    page = httpx.get(admin_server.url + "/admin", timeout=30)  # the page itself holds no data
    assert page.status_code == 200 and "X-API-Key" in page.text and "http://" not in page.text


def test_filters_tenants_and_flags(admin_server, web_assistant):
    tag = uuid.uuid4().hex[:8]
    up = _feedback(admin_server, f"can i post the game schedule on tiktok? {tag}", "union-1610", 1, "good")
    down = _feedback(admin_server, f"can i text a student? {tag}", "chsd230-5125", -1, "wrong district rule")
    declined = _feedback(admin_server, f"what is the dress code? {tag}", "union-1610", -1, abstained=True)
    web_assistant.feedback.log_question(f"what is the dress code? {tag}", "union-1610", "", abstained=True)

    body = _report(admin_server).json()
    mine = [r for r in body["feedback"] if tag in r["question"]]
    assert {r["id"] for r in mine} == {up, down, declined}
    assert [r["id"] for r in body["rated_down"] if tag in r["question"]] == [declined, down]  # newest first
    assert [r["question"] for r in body["unanswered"] if tag in r["question"]] == [f"what is the dress code? {tag}"]
    assert {"union-1610", "chsd230-5125"} <= set(body["districts"])

    union = _report(admin_server, district="union-1610").json()
    assert {r["id"] for r in union["feedback"] if tag in r["question"]} == {up, declined}
    today = date.today()
    assert [r for r in _report(admin_server, since=str(today + timedelta(days=1))).json()["feedback"]] == []
    assert [r for r in _report(admin_server, until=str(today - timedelta(days=1))).json()["feedback"]
            if tag in r["question"]] == []
    assert {r["id"] for r in _report(admin_server, since=str(today), until=str(today)).json()["feedback"]} >= {up, down}
    assert _report(admin_server, since="last week").status_code == 400

    tenant = _report(admin_server, key=UNION).json()  # a tenant's key: its district only
    assert {r["district"] for r in tenant["feedback"]} <= {"union-1610"} and tenant["districts"] == ["union-1610"]
    assert _flag(admin_server, down, key=UNION).status_code == 404  # another district's row: not found

    # an answered question that was out of scope is flagged; it then shows in the gaps report
    r = _flag(admin_server, up, "not about staff conduct")
    assert r.status_code == 201
    flagged = [x for x in _report(admin_server).json()["flagged"] if x["id"] == up]
    assert flagged and flagged[0]["flag"]["note"] == "not about staff conduct"
    assert _flag(admin_server, declined).status_code == 422  # it declined already: nothing to flag
    assert _flag(admin_server, 10_000_000).status_code == 404
    items = gaps.collect(web_assistant.feedback)
    assert any(i.reason == "answered, out of scope" and tag in i.question for i in items)


def _flag(server, feedback_id, note="", key=ADMIN):
    return httpx.post(server.url + "/api/admin/flags", headers={"X-API-Key": key}, timeout=30,
                      json={"feedback_id": feedback_id, "note": note})


@pytest.mark.browser
def test_the_admin_page_in_the_browser(browser, admin_server):
    tag = uuid.uuid4().hex[:8]
    question = f"can i sell my lesson plans online? {tag}"
    row = _feedback(admin_server, question, "chsd230-5125", 1, "answered, but not a policy question")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(admin_server.url) else None)
    try:
        page.goto(admin_server.url + "/admin")
        page.get_by_text("Type the API key").wait_for()
        page.get_by_label("API key").fill(ADMIN)
        page.get_by_role("button", name="Use this key").click()
        line = page.locator(f"#feedback tr[data-id='{row}']")
        line.wait_for()
        assert question in line.inner_text() and "helpful" in line.inner_text()
        page.locator("#district").select_option("chsd230-5125")
        page.get_by_role("button", name="Show").click()
        page.wait_for_function("() => [...document.querySelectorAll('#feedback td[data-col=District]')]"
                               ".every(td => td.textContent === 'chsd230-5125')")
        line.locator("input").fill("sales of teaching materials: out of scope")
        line.get_by_role("button", name="Flag out of scope").click()
        page.locator(f"#feedback tr[data-id='{row}'] .flagged").wait_for()
        assert "out of scope" in page.locator(f"#feedback tr[data-id='{row}'] .flagged").inner_text()
        assert page.evaluate("() => sessionStorage.getItem('policy-assistant-admin-key')") == ADMIN
        assert page.evaluate("() => Object.keys(localStorage).length") == 0  # the key is not kept beyond the tab
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "admin.png"), full_page=True)
        assert outside == [], outside
    finally:
        context.close()
