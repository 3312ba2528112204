"""The gaps report: abstained or rated-down questions grouped by similar wording."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from assistant.errors import ConfigError
from assistant.web import gaps
from assistant.feedback import FeedbackStore

TIKTOK = ["Can I follow a student on TikTok?", "Is it OK to follow my students on TikTok?",
          "may i follow students on tiktok"]
CARD = ["Can I use the district credit card for gas?", "Can I use a district credit card to buy gas?"]
DRESS = "What is the dress code for Fridays?"


def _items(questions):
    return [gaps.GapItem(q, None, f"2025-01-0{n + 1}T00:00:00+00:00", "abstained") for n, q in enumerate(questions)]


def _as_sets(groups):
    return sorted(sorted(i.question for i in g.items) for g in groups)


@pytest.mark.slow
def test_groups_similar_wording_with_the_model(embedder):
    groups = gaps.group(_items(TIKTOK + CARD + [DRESS]), embedder.encode)
    assert _as_sets(groups) == sorted([sorted(TIKTOK), sorted(CARD), [DRESS]])
    assert groups[0].count == 3  # biggest first


def test_groups_by_words_without_a_model():
    groups = gaps.group(_items(["follow students tiktok", "follow students on tiktok", DRESS]), threshold=0.7)
    assert _as_sets(groups) == sorted([["follow students on tiktok", "follow students tiktok"], [DRESS]])


def test_collect_abstained_and_rated_down_once_per_answer(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.log_question("abstained q", None, "a1")
    store.log_question("abstained and rated down", "ia-401-15", "a2")
    store.add("abstained and rated down", "ia-401-15", "a2", [], -1, comment="no answer!", abstained=True)
    store.add("liked", None, "a3", ["permitted"], 1)
    items = gaps.collect(store)
    assert sorted((i.question, i.reason) for i in items) == [
        ("abstained and rated down", "rated down"), ("abstained q", "abstained")]
    assert gaps.collect(store, datetime.now(timezone.utc) + timedelta(days=1)) == []


def test_html_is_escaped():
    item = gaps.GapItem("<script>alert(1)</script>?", "<b>d</b>", "2025-01-01", "rated down", "<img src=x>")
    html = gaps.format_html([gaps.GapGroup([item])])
    assert "<script>alert" not in html and "<img" not in html and "<b>d" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;?" in html


def test_parse_since():
    assert gaps.parse_since("2025-03-01") == datetime(2025, 3, 1)
    assert gaps.parse_since(None) is None
    with pytest.raises(ConfigError, match="--since"):
        gaps.parse_since("last tuesday")


def test_gaps_command(tmp_path, monkeypatch):
    from assistant.cli import app

    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore(db)
    for q in TIKTOK[:2]:
        store.log_question(q, None, q)
    store.add(DRESS, None, "x", [], -1, comment="<b>please</b> add this")
    monkeypatch.setenv("POLICY_FEEDBACK_DB", str(db))
    out_html = tmp_path / "report" / "gaps.html"
    result = CliRunner().invoke(app, ["gaps", "--words", "--html", str(out_html)])
    assert result.exit_code == 0, result.output
    assert TIKTOK[0] in result.output and DRESS in result.output and "abstained 1" in result.output
    assert "comment: <b>please</b> add this" in result.output
    html = out_html.read_text()
    assert "&lt;b&gt;please&lt;/b&gt; add this" in html and DRESS in html
    later = CliRunner().invoke(app, ["gaps", "--words", "--since", "2999-01-01"])
    assert later.exit_code == 0 and "No gaps" in later.output
