"""Hostile HTTP (issue 10, points 5 and 8): uploads refused for everyone, feedback fields capped
(nothing oversized is stored). A real server on loopback."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/gradio_api/upload/", "/upload"])
def test_uploads_are_refused_even_with_no_key_needed(live, path):
    r = httpx.post(live.url + path, files={"files": ("x.txt", b"A" * 1000, "text/plain")}, timeout=30)
    assert r.status_code == 403 and "no upload feature" in r.json()["error"]


def test_uploads_are_refused_on_a_keyed_server(keyed):
    r = httpx.post(keyed.url + "/gradio_api/upload", files={"files": ("x.txt", b"A", "text/plain")}, timeout=30)
    assert r.status_code == 403


@pytest.mark.parametrize("field,value", [
    ("question", "q" * 10_000_000),
    ("verdicts", ["prohibited"] * 51),
    ("verdicts", ["x" * 5_000_000]),
    ("answer_id", "a" * 65),
    ("district", "d" * 201),
])
def test_oversized_feedback_is_refused_and_not_stored(live, web_settings, field, value):
    body = {"question": "Can I text a student?", "rating": 1, field: value}
    r = httpx.post(live.url + "/api/feedback", json=body, timeout=60)
    assert r.status_code == 422 and field in r.json()["error"]
    db = sqlite3.connect(web_settings.feedback_db)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "feedback" in tables:  # nothing oversized was ever stored
        assert db.execute("SELECT COUNT(*) FROM feedback WHERE length(question) > 2000 "
                          "OR length(verdicts) > 5000").fetchone() == (0,)


@pytest.mark.parametrize("question", ["\u200b\u200b", "\u200d \ufeff", "\u2060"])
def test_a_question_of_only_invisible_characters_is_refused(live, question):
    r = httpx.post(live.url + "/api/ask", json={"question": question}, timeout=30)
    assert r.status_code == 422 and "Please type a question" in r.json()["error"]
