"""The REST API over real HTTP (uvicorn on a free loopback port) over the real seed Assistant."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from tests.web.conftest import ALLOWED_ORIGIN, EVIL, EVIL_TITLE

pytestmark = pytest.mark.slow

TIKTOK = "Can I accept a student's follow request on TikTok?"


@pytest.fixture(scope="module")
def client(live):
    with httpx.Client(base_url=live.url, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def tiktok(client):
    r = client.post("/api/ask", json={"question": TIKTOK})
    assert r.status_code == 200, r.text
    return r.json()


def test_health_and_ready(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "ready" and r.json()["documents"] == 5


def test_ask_returns_the_answer_json_with_verbatim_quotes(client, tiktok, web_assistant):
    assert set(tiktok) >= {"question", "district", "abstained", "summary", "findings", "not_addressed",
                           "citations", "related", "other_districts", "latency_ms", "answer_id", "backend"}
    assert not tiktok["abstained"] and tiktok["citations"]
    for c in tiktok["citations"]:
        text = client.get(f"/api/documents/{c['doc_id']}").json()["text"]
        assert text[c["start"]:c["end"]] == c["quote"]
    doc_ids = {f["doc_id"] for f in tiktok["findings"]} | set(tiktok["not_addressed"])
    assert doc_ids == {m.doc_id for m in web_assistant.documents()}


def test_ask_with_district_filters(client):
    r = client.post("/api/ask", json={"question": TIKTOK, "district": "chsd230-5125"}).json()
    assert r["district"] == "chsd230-5125"
    assert {f["doc_id"] for f in r["findings"]} <= {"chsd230-5125"}
    assert all(f["doc_id"] != "chsd230-5125" for f in r["other_districts"])


def test_unknown_district_is_404_json(client):
    r = client.post("/api/ask", json={"question": TIKTOK, "district": "nowhere-1"})
    assert r.status_code == 404 and "nowhere-1" in r.json()["error"]


@pytest.mark.parametrize("question", ["", "   \n "])
def test_empty_question_is_422_with_a_friendly_message(client, question):
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 422
    assert r.json()["error"].startswith("Please type a question")


def test_missing_question_field_is_422_json(client):
    r = client.post("/api/ask", json={"district": "ia-401-15"})
    assert r.status_code == 422 and "question" in r.json()["error"]


def test_too_long_question_refused(client, web_settings):
    r = client.post("/api/ask", json={"question": "a" * (web_settings.max_question_chars + 1)})
    assert r.status_code == 422
    assert "2,001 characters" in r.json()["error"] and "2,000" in r.json()["error"]
    assert client.post("/api/ask", json={"question": "tiktok " + "a" * 1990}).status_code == 200


def test_documents(client, web_assistant):
    docs = client.get("/api/documents").json()
    counts = web_assistant.clause_counts()
    assert {d["doc_id"]: d["clauses"] for d in docs} == counts
    assert {"title", "district", "district_named", "policy_number", "dates"} <= set(docs[0])


def test_document_has_text_and_clauses_with_offsets(client):
    d = client.get("/api/documents/chsd230-5125").json()
    assert d["id"] == "chsd230-5125" and d["meta"]["district"].startswith("Community High School District 230")
    assert d["clauses"]
    for c in d["clauses"]:
        assert set(c) == {"clause_id", "label", "start", "end", "text"}
        assert d["text"][c["start"]:c["end"]] == c["text"]


def test_clause_by_id_with_slashes(client, tiktok):
    cid = tiktok["citations"][0]["clause_id"]
    assert "/" in cid
    r = client.get(f"/api/clauses/{cid}")
    assert r.status_code == 200
    assert r.json()["clause_id"] == cid and r.json()["text"] == tiktok["citations"][0]["quote"]
    assert r.json()["document"]["doc_id"] == tiktok["citations"][0]["doc_id"]


def test_not_found_is_404_json(client):
    assert client.get("/api/documents/nope").status_code == 404
    r = client.get("/api/clauses/nope/x/1")
    assert r.status_code == 404 and "nope/x/1" in r.json()["error"]


def test_feedback_is_stored(client, tiktok, web_settings):
    body = {"question": TIKTOK, "district": None, "answer_id": tiktok["answer_id"],
            "verdicts": [f["verdict"] for f in tiktok["findings"]], "rating": -1, "comment": "api test"}
    r = client.post("/api/feedback", json=body)
    assert r.status_code == 201
    row = sqlite3.connect(web_settings.feedback_db).execute(
        "SELECT question, answer_id, rating, comment FROM feedback WHERE id = ?", (r.json()["id"],)).fetchone()
    assert row == (TIKTOK, tiktok["answer_id"], -1, "api test")
    assert client.post("/api/feedback", json={**body, "rating": 3}).status_code == 422


def test_abstained_question_logged_for_gaps(client, web_settings):
    q = "What is the cafeteria menu for next Tuesday?"
    a = client.post("/api/ask", json={"question": q}).json()
    assert a["abstained"], a["summary"]
    rows = sqlite3.connect(web_settings.feedback_db).execute(
        "SELECT question, abstained FROM questions WHERE answer_id = ?", (a["answer_id"],)).fetchall()
    assert rows == [(q, 1)]


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/documents", "/api/documents/{doc_id}", "/api/clauses/{clause_id}",
            "/api/feedback", "/healthz", "/readyz"} <= set(paths)


def test_csp_frame_ancestors_everywhere_and_no_x_frame_options(client, web_settings):
    for path in ("/", "/healthz", "/api/documents", "/docs"):
        r = client.get(path)
        assert r.headers["content-security-policy"] == f"frame-ancestors {web_settings.frame_ancestors}"
        assert "x-frame-options" not in r.headers
        assert r.headers["x-content-type-options"] == "nosniff"


def test_cors_allowed_origin(client):
    r = client.options("/api/ask", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type,x-api-key"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "x-api-key" in r.headers["access-control-allow-headers"].lower()
    g = client.get("/api/documents", headers={"Origin": ALLOWED_ORIGIN})
    assert g.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_cors_disallowed_origin(client):
    evil = "http://evil.example"
    r = client.options("/api/ask", headers={"Origin": evil, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 400
    assert "access-control-allow-origin" not in r.headers
    g = client.get("/api/documents", headers={"Origin": evil})
    assert "access-control-allow-origin" not in g.headers
    ui = client.get("/", headers={"Origin": evil})
    assert ui.headers.get("access-control-allow-origin") not in (evil, "*")


# --- auth ------------------------------------------------------------------------------------------
def test_auth_off_on_loopback_without_keys(client):
    assert client.get("/api/documents").status_code == 200


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}, {"X-API-Key": "key-one-0123456789,key-two-0123456789"}])
def test_auth_on_rejects_missing_or_wrong_key(keyed, headers):
    for method, path, body in (("GET", "/api/documents", None), ("POST", "/api/ask", {"question": TIKTOK})):
        r = httpx.request(method, keyed.url + path, json=body, headers=headers, timeout=60)
        assert r.status_code == 401
        assert "X-API-Key" in r.json()["error"]


@pytest.mark.parametrize("key", ["key-one-0123456789", "key-two-0123456789"])
def test_auth_on_accepts_a_right_key(keyed, key):
    r = httpx.post(keyed.url + "/api/ask", json={"question": TIKTOK}, headers={"X-API-Key": key}, timeout=60)
    assert r.status_code == 200 and r.json()["citations"]


def test_health_needs_no_key(keyed):
    assert httpx.get(keyed.url + "/healthz").status_code == 200
    assert httpx.get(keyed.url + "/readyz").status_code == 200


def test_non_loopback_without_keys_refuses_to_start(web_assistant, web_settings):
    from assistant.errors import ConfigError
    from assistant.web.server import create_app

    with pytest.raises(ConfigError, match="Refusing to listen on 0.0.0.0"):
        create_app(web_assistant, web_settings.model_copy(update={"host": "0.0.0.0"}))


def test_rate_limit(limited):
    codes = [httpx.get(limited.url + "/api/documents", timeout=30).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = httpx.get(limited.url + "/api/documents", timeout=30)
    assert r.status_code == 429 and "3 per minute" in r.json()["error"] and int(r.headers["retry-after"]) > 0
    assert httpx.get(limited.url + "/healthz").status_code == 200  # health is not limited
    # made-up key headers count against the address, not a fresh allowance each
    codes = [httpx.get(limited.url + "/api/documents", headers={"X-API-Key": f"made-up-{i}"}, timeout=30).status_code
             for i in range(4)]
    assert codes == [429] * 4


# --- a document with <script> in it -----------------------------------------------------------------
def test_script_in_a_document_comes_back_as_data(evil_live):
    a = httpx.post(evil_live.url + "/api/ask", json={"question": "Can I accept a student's follow request on TikTok?"},
                   timeout=60)
    assert a.status_code == 200
    assert a.headers["content-type"].startswith("application/json")
    assert a.headers["x-content-type-options"] == "nosniff"
    quotes = [c["quote"] for c in a.json()["citations"]]
    assert any(EVIL in q for q in quotes)  # verbatim, as data
    d = httpx.get(evil_live.url + "/api/documents/evil-9999", timeout=30).json()
    assert d["meta"]["title"] == EVIL_TITLE and EVIL in d["text"]


# --- optional login for the chat ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def ui_locked(web_assistant, web_settings):
    from tests.web.conftest import _serve

    yield from _serve(web_assistant, web_settings.model_copy(update={"ui_auth": "hr:s3cret"}))


def test_ui_login_when_ui_auth_is_set(ui_locked):
    with httpx.Client(base_url=ui_locked.url, timeout=30) as c:
        assert c.get("/config").status_code == 401
        assert c.post("/login", data={"username": "hr", "password": "wrong"}).status_code == 400
        assert c.post("/login", data={"username": "hr", "password": "s3cret"}).status_code == 200
        assert c.get("/config").status_code == 200
        assert c.get("/api/documents").status_code == 200  # the API has its own (key) auth


# --- behind a reverse proxy under a sub-path ---------------------------------------------------------
@pytest.fixture(scope="module")
def proxied(web_assistant, web_settings):
    from tests.web.conftest import _serve

    yield from _serve(web_assistant, web_settings.model_copy(update={"root_path": "/policy"}))


def test_root_path(proxied):
    with httpx.Client(base_url=proxied.url, timeout=30) as c:
        assert c.get("/openapi.json").json()["servers"] == [{"url": "/policy"}]
        assert "/policy/openapi.json" in c.get("/docs").text
        assert c.get("/config").json()["root"].endswith("/policy")
        # the proxy may strip the prefix or pass it on: both reach the app
        assert c.get("/healthz").status_code == 200 and c.get("/policy/healthz").status_code == 200
        assert c.get("/policy/api/documents").status_code == 200
