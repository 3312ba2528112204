"""The Gradio chat: through gradio_client against the running app, and its handlers directly."""

from __future__ import annotations

import sqlite3

import pytest

from tests.web.conftest import EVIL, EVIL_DISTRICT, EVIL_TITLE, parse_html as _parse

pytestmark = pytest.mark.slow

TIKTOK = "Can I accept a student's follow request on TikTok?"




@pytest.fixture(scope="module")
def gclient(live):
    from gradio_client import Client

    return Client(live.url, verbose=False)


def test_gradio_client_asks_and_gets_citations(gclient, web_assistant):
    answer = gclient.predict(TIKTOK, "", api_name="/answer")
    assert answer["question"] == TIKTOK and answer["citations"]
    for c in answer["citations"]:
        assert web_assistant.document(c["doc_id"]).text[c["start"]:c["end"]] == c["quote"]


def test_gradio_client_district(gclient):
    answer = gclient.predict(TIKTOK, "chsd230-5125", api_name="/answer")
    assert answer["district"] == "chsd230-5125"
    assert all(f["doc_id"] == "chsd230-5125" for f in answer["findings"])


def test_gradio_client_empty_question_is_an_error(gclient):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Please type a question"):
        gclient.predict("  ", "", api_name="/answer")


def test_gradio_answer_route_needs_the_api_key_when_keys_are_set(keyed):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="valid API key is required in the X-API-Key header"):
        Client(keyed.url, verbose=False).predict(TIKTOK, "", api_name="/answer")
    with pytest.raises(AppError, match="valid API key"):
        Client(keyed.url, verbose=False, headers={"X-API-Key": "key-three"}).predict(TIKTOK, "", api_name="/answer")
    answer = Client(keyed.url, verbose=False, headers={"X-API-Key": "key-two-0123456789"}).predict(TIKTOK, "", api_name="/answer")
    assert answer["question"] == TIKTOK and answer["citations"]


def test_gradio_answer_route_obeys_the_rate_limit(limited):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(limited.url, verbose=False)  # a fresh server: nothing else asked it yet
    for _ in range(3):  # the limit is 3 per minute
        assert client.predict(TIKTOK, "", api_name="/answer")["citations"]
    with pytest.raises(AppError, match=r"Too many questions: the limit is 3 per minute\. Try again in \d+ s"):
        client.predict(TIKTOK, "", api_name="/answer")
    # no keys are configured there: a made-up key header does not buy a fresh allowance
    with pytest.raises(AppError, match="Too many questions"):
        Client(limited.url, verbose=False, headers={"X-API-Key": "made-up"}).predict(TIKTOK, "", api_name="/answer")


@pytest.fixture(scope="module")
def chat(web_assistant, web_settings):
    from assistant.web.ui import ChatUI

    return ChatUI(web_assistant, web_settings)


def test_respond_streams_summary_then_cards(chat):
    steps = list(chat.respond(TIKTOK, [], ""))
    assert len(steps) >= 3
    histories = [s[0] for s in steps]
    assert "Searching" in histories[0][-1]["content"]
    assert "pa-summary" in histories[1][-1]["content"] and "pa-card" not in histories[1][-1]["content"]
    final = steps[-1]
    html, answer = final[0][-1]["content"], final[2]
    assert html.count('class="pa-card ') == len(answer.findings)
    assert "<mark>" in final[5]  # the first citation opened in context
    assert final[8] == {1: answer}  # answers by message index, for the chat's thumbs


def test_respond_refuses_empty_and_long(chat, web_settings):
    import gradio as gr

    with pytest.raises(gr.Error, match="Please type a question"):
        list(chat.respond("   ", [], ""))
    with pytest.raises(gr.Error, match="limit is 2,000"):
        list(chat.respond("x" * (web_settings.max_question_chars + 1), [], ""))


def test_feedback_from_the_chat_is_stored(chat, web_settings):
    answer = list(chat.respond(TIKTOK, [], "ia-401-15"))[-1][2]
    msg, box = chat.give_feedback(-1, "  needs the Iowa rule  ", answer, "ia-401-15")
    assert "saved" in msg and box == ""
    row = sqlite3.connect(web_settings.feedback_db).execute(
        "SELECT question, district, rating, comment, verdicts FROM feedback WHERE answer_id = ?",
        (answer.answer_id,)).fetchone()
    assert row[:4] == (TIKTOK, "ia-401-15", -1, "needs the Iowa rule")
    assert row[4].startswith("[")


def test_open_citation_marks_the_quote(chat):
    answer = list(chat.respond(TIKTOK, [], ""))[-1][2]
    cit = answer.citations[-1]
    html, copy = chat.open_citation(cit.clause_id, answer)
    import re
    from html import unescape

    assert unescape(re.search(r"<mark>(.*?)</mark>", html, re.DOTALL).group(1)) == cit.quote
    assert cit.label in copy and cit.quote in copy


def test_script_document_renders_escaped_in_the_chat(evil_assistant):
    from assistant.web.ui import ChatUI

    chat = ChatUI(evil_assistant, evil_assistant.settings)
    steps = list(chat.respond(f"Can I accept a follow request on TikTok? {EVIL}", [], ""))
    final = steps[-1]
    for html in (final[0][-1]["content"], final[0][-2]["content"], final[4], final[5]):
        parsed = _parse(html)
        assert not {"script", "img"} & set(parsed.tags), html
    assert EVIL in _parse(final[0][-1]["content"]).text  # the quote, as text
    assert EVIL_TITLE in _parse(final[5]).text and EVIL_DISTRICT in _parse(final[5]).text
    choices = [label for label, _ in dict(final[3])["choices"]]
    assert choices  # the dropdown lists the citations (Gradio shows choices as text)


def test_the_chats_own_thumbs_are_stored(chat, web_settings):
    import gradio as gr

    steps = list(chat.respond(TIKTOK, [], ""))
    answers = steps[-1][8]
    (index, answer), = answers.items()
    msg = chat.like(gr.LikeData(None, {"index": index, "value": "", "liked": True}), answers, "")
    assert "saved" in msg
    rows = sqlite3.connect(web_settings.feedback_db).execute(
        "SELECT rating FROM feedback WHERE answer_id = ?", (answer.answer_id,)).fetchall()
    assert rows == [(1,)]
    assert chat.like(gr.LikeData(None, {"index": 0, "value": "", "liked": True}), answers, "") == ""  # a question


def test_the_chat_is_rate_limited_per_client(web_assistant, web_settings):
    import gradio as gr

    from assistant.web.ui import ChatUI

    chat = ChatUI(web_assistant, web_settings.model_copy(update={"rate_limit": 1}))
    alice = gr.Request(headers={}, client={"host": "10.0.0.7"})
    bob = gr.Request(headers={}, client={"host": "10.0.0.8"})
    assert list(chat.respond(TIKTOK, [], "", request=alice))[-1][2].citations
    with pytest.raises(gr.Error, match="Too many questions: the limit is 1 per minute"):
        list(chat.respond(TIKTOK, [], "", request=alice))
    assert list(chat.respond(TIKTOK, [], "", request=bob))[-1][2].citations  # another client is not held up


def _queue(url: str, headers: dict[str, str] | None = None) -> dict:
    """Ask through the chat's own Gradio queue route, as a script could (POST queue/join with the
    chat's fn_index, then read the event stream); returns the completion message."""
    import json
    import uuid

    import httpx

    from assistant.web.ui import ChatUI

    deps = httpx.get(url + "/config", timeout=30).json()["dependencies"]
    fn = next(i for i, d in enumerate(deps)
              if len(d.get("inputs", [])) == 4 and len(d.get("outputs", [])) == len(ChatUI.OUTPUTS))
    session = uuid.uuid4().hex[:10]
    joined = httpx.post(url + "/gradio_api/queue/join", headers=headers, timeout=30, json={
        "fn_index": fn, "data": [TIKTOK, [], "", {}], "session_hash": session, "event_data": None, "trigger_id": None})
    assert joined.status_code == 200
    with httpx.stream("GET", f"{url}/gradio_api/queue/data?session_hash={session}", headers=headers, timeout=90) as s:
        for line in s.iter_lines():
            if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_completed":
                return json.loads(line[5:])
    raise AssertionError("the queue never completed")


def test_the_chats_own_queue_route_needs_the_key_when_keys_are_set(keyed):
    refused = _queue(keyed.url)
    assert refused["success"] is False and "needs an API key" in refused["output"]["error"]
    answered = _queue(keyed.url, {"X-API-Key": "key-one-0123456789"})
    assert answered["success"] is True and "Staff should NOT follow/friend/connect" in json_text(answered)


def json_text(message: dict) -> str:
    import json

    return json.dumps(message["output"]["data"], ensure_ascii=False)


def test_the_chat_may_stay_open_by_a_setting(web_assistant, web_settings):
    import gradio as gr

    from assistant.web.ui import ChatUI

    keyed = web_settings.model_copy(update={"api_keys": "key-one-0123456789"})
    anonymous = gr.Request(headers={}, client={"host": "10.0.0.9"})
    with pytest.raises(gr.Error, match="needs an API key"):
        list(ChatUI(web_assistant, keyed).respond(TIKTOK, [], "", request=anonymous))
    opened = keyed.model_copy(update={"chat_open": True})
    assert list(ChatUI(web_assistant, opened).respond(TIKTOK, [], "", request=anonymous))[-1][2].citations


def test_one_limiter_counts_the_api_and_the_chat_together(limited):
    import httpx
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    for _ in range(2):
        assert httpx.post(limited.url + "/api/ask", json={"question": TIKTOK}, timeout=60).status_code == 200
    assert Client(limited.url, verbose=False).predict(TIKTOK, "", api_name="/answer")["citations"]
    assert httpx.post(limited.url + "/api/ask", json={"question": TIKTOK}, timeout=60).status_code == 429
    with pytest.raises(AppError, match="Too many questions"):
        Client(limited.url, verbose=False).predict(TIKTOK, "", api_name="/answer")


def test_a_refused_chat_call_leaves_no_traceback_in_the_server_log(limited, capfd):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(limited.url, verbose=False)
    capfd.readouterr()
    with pytest.raises(AppError, match="Please type a question"):
        client.predict("   ", "", api_name="/answer")
    for _ in range(2):
        client.predict(TIKTOK, "", api_name="/answer")
    with pytest.raises(AppError, match="Too many questions"):
        client.predict(TIKTOK, "", api_name="/answer")
    logged = capfd.readouterr()
    assert "Traceback" not in logged.err and "Traceback" not in logged.out
