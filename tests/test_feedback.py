"""FeedbackStore: SQLite on disk, WAL, survives a restart, no user identity."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from assistant.feedback import FeedbackError, FeedbackStore


def test_add_and_list_round_trip(tmp_path):
    store = FeedbackStore(tmp_path / "sub" / "fb.sqlite3")  # folder created on first use
    row = store.add("Can I text students?", "chsd230-5125", "a1", ["prohibited", "conditional"], -1,
                    comment="too vague", abstained=False)
    rows = store.list()
    assert [r["id"] for r in rows] == [row]
    r = rows[0]
    assert (r["question"], r["district"], r["answer_id"], r["rating"], r["comment"], r["abstained"]) == (
        "Can I text students?", "chsd230-5125", "a1", -1, "too vague", False)
    assert r["verdicts"] == ["prohibited", "conditional"]
    assert datetime.fromisoformat(r["created"]) <= datetime.now(timezone.utc)


def test_survives_restart_and_uses_wal(tmp_path):
    path = tmp_path / "fb.sqlite3"
    first = FeedbackStore(path)
    first.add("q1", None, "a", [], 1)
    first.log_question("q2", "ia-401-15", "b")
    first.close()
    again = FeedbackStore(path)
    assert [r["question"] for r in again.list()] == ["q1"]
    assert [(q["question"], q["district"], q["abstained"]) for q in again.questions()] == [("q2", "ia-401-15", True)]
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode.lower() == "wal"


def test_no_user_identity_columns(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.add("q", None, "a", [], 1)
    cols = {c[1] for c in sqlite3.connect(tmp_path / "fb.sqlite3").execute("PRAGMA table_info(feedback)")}
    assert cols == {"id", "created", "question", "district", "answer_id", "verdicts", "rating", "comment", "abstained"}


def test_since_filters(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.add("old", None, "a", [], 1)
    future = datetime.now(timezone.utc) + timedelta(days=1)
    assert store.list(since=future) == []
    assert [r["question"] for r in store.list(since=datetime(2000, 1, 1))] == ["old"]
    store.log_question("gap", None, "x")
    assert store.questions(since=future) == []


@pytest.mark.parametrize("rating", [0, 2, -5])
def test_rating_must_be_plus_or_minus_one(tmp_path, rating):
    with pytest.raises(FeedbackError):
        FeedbackStore(tmp_path / "fb.sqlite3").add("q", None, "a", [], rating)


def test_flags_an_answered_row_once_and_keeps_the_latest_note(tmp_path):
    from assistant.errors import NotFound
    from assistant.feedback import FeedbackError, FeedbackStore

    store = FeedbackStore(tmp_path / "fb.sqlite3")
    answered = store.add("can i sell lesson plans?", "union-1610", "a1", ["permitted"], 1)
    declined = store.add("dress code?", None, "a2", [], -1, abstained=True)
    first = store.flag(answered, "not a conduct question")
    assert store.flag(answered, "out of scope: sales") == first  # the same row: one flag, note updated
    assert [(f["feedback_id"], f["question"], f["district"], f["note"]) for f in store.flags()] == [
        (answered, "can i sell lesson plans?", "union-1610", "out of scope: sales")]
    with pytest.raises(FeedbackError, match="already declined"):
        store.flag(declined)
    with pytest.raises(NotFound):
        store.flag(999)
    store.close()
    assert len(FeedbackStore(tmp_path / "fb.sqlite3").flags()) == 1  # kept on disk
