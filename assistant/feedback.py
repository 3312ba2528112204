"""Feedback and unanswered questions, kept in SQLite (WAL) so nothing is lost on restart.

Stores time, question, district, answer id, verdicts, rating, comment and whether the
answer abstained. No user identity is ever recorded.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError, NotFound

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    question TEXT NOT NULL,
    district TEXT,
    answer_id TEXT NOT NULL DEFAULT '',
    verdicts TEXT NOT NULL DEFAULT '[]',
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    abstained INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    feedback_id INTEGER NOT NULL UNIQUE,
    question TEXT NOT NULL,
    district TEXT,
    answer_id TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    question TEXT NOT NULL,
    district TEXT,
    answer_id TEXT NOT NULL DEFAULT '',
    abstained INTEGER NOT NULL DEFAULT 1
);
"""


class FeedbackError(AssistantError):
    """A feedback record is not valid."""

    status_code = 422


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _since_text(since: datetime | None) -> str:
    if since is None:
        return ""
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return since.astimezone(timezone.utc).isoformat(timespec="seconds")


class FeedbackStore:
    """Thread-safe SQLite store; the file (and its folder) is created on first use."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            conn.commit()
            self._conn = conn
        return self._conn

    def add(
        self,
        question: str,
        district: str | None,
        answer_id: str,
        verdicts: list[str],
        rating: int,
        comment: str = "",
        abstained: bool = False,
    ) -> int:
        """Record one thumbs up (+1) or down (-1); returns the new row id."""
        if rating not in (1, -1):
            raise FeedbackError("Rating must be +1 (helpful) or -1 (not helpful).")
        if not question.strip():
            raise FeedbackError("Feedback needs the question it is about.")
        with self._lock:
            conn = self._connect()
            cur = conn.execute(
                "INSERT INTO feedback (created, question, district, answer_id, verdicts, rating,"
                " comment, abstained) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_now(), question, district or None, answer_id or "", json.dumps(list(verdicts)),
                 rating, comment or "", int(bool(abstained))),
            )
            conn.commit()
            return int(cur.lastrowid or 0)

    def log_question(
        self, question: str, district: str | None, answer_id: str, abstained: bool = True
    ) -> int:
        """Record a question (e.g. one the assistant abstained on) for the gaps report."""
        with self._lock:
            conn = self._connect()
            cur = conn.execute(
                "INSERT INTO questions (created, question, district, answer_id, abstained)"
                " VALUES (?, ?, ?, ?, ?)",
                (_now(), question, district or None, answer_id or "", int(bool(abstained))),
            )
            conn.commit()
            return int(cur.lastrowid or 0)

    def list(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Feedback rows, oldest first (optionally only those at or after ``since``)."""
        return [self._feedback_row(r) for r in self._select("feedback", since)]

    def questions(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Logged questions, oldest first."""
        rows = self._select("questions", since)
        return [{**dict(r), "abstained": bool(r["abstained"])} for r in rows]

    def _select(self, table: str, since: datetime | None) -> list[sqlite3.Row]:
        with self._lock:
            conn = self._connect()
            if since is None:
                return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            return conn.execute(
                f"SELECT * FROM {table} WHERE created >= ? ORDER BY id", (_since_text(since),)
            ).fetchall()

    @staticmethod
    def _feedback_row(row: sqlite3.Row) -> dict[str, Any]:
        d = dict(row)
        d["verdicts"] = json.loads(d["verdicts"] or "[]")
        d["abstained"] = bool(d["abstained"])
        return d

    def flag(self, feedback_id: int, note: str = "") -> int:
        """Flag a rated answer as out of scope: the assistant answered a question it should have
        declined (the admin page). Flagging the same row again updates its note; returns the flag id."""
        with self._lock:
            conn = self._connect()
            row = conn.execute("SELECT * FROM feedback WHERE id = ?", (int(feedback_id),)).fetchone()
            if row is None:
                raise NotFound(f"No feedback row {feedback_id}.")
            if row["abstained"]:
                raise FeedbackError("That answer already declined the question; only answered questions can be "
                                    "flagged as out of scope.")
            conn.execute(
                "INSERT INTO flags (created, feedback_id, question, district, answer_id, note) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(feedback_id) DO UPDATE SET note = excluded.note",
                (_now(), int(feedback_id), row["question"], row["district"], row["answer_id"], (note or "")[:2000]),
            )
            conn.commit()
            found = conn.execute("SELECT id FROM flags WHERE feedback_id = ?", (int(feedback_id),)).fetchone()
            return int(found["id"])

    def flags(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Answers flagged as out of scope, oldest first."""
        return [dict(r) for r in self._select("flags", since)]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
