"""Issue 13: what staff will now see differently after a revision, marked touched / unintended."""

from __future__ import annotations

import shutil

import pytest

from assistant.evaluation.changes import what_changed
from tests.conftest import ROOT, SEED_CORPUS


def _q(qid, rulings, summary="s"):
    return {"id": qid, "question": f"q {qid}", "shown_answer": {"summary": summary, "districts": {
        d: {"ruling": r, "clause_id": c, "quote": f"quote of {c}"} for d, (r, c) in rulings.items()}}}


def test_changes_are_listed_and_marked_by_whether_a_changed_clause_decides_them():
    base = {"clauses": {"a/1": "h1", "a/2": "h2", "b/1": "h3"},
            "questions": [_q("q1", {"a": ("discouraged", "a/1"), "b": ("prohibited", "b/1")}),
                          _q("q2", {"a": ("discouraged", "a/2")}), _q("q3", {"b": ("prohibited", "b/1")})]}
    now = {"clauses": {"a/1": "h1-revised", "a/2": "h2", "b/1": "h3"},
           "questions": [_q("q1", {"a": ("prohibited", "a/1"), "b": ("prohibited", "b/1")}),
                         _q("q2", {"a": ("conditional", "a/2")}), _q("q3", {"b": ("prohibited", "b/1")}, "new words")]}
    ch = what_changed(base, now)
    assert ch["touched_clauses"] == ["a/1"] and ch["questions_changed"] == 3
    rulings = {(i["id"], i["doc"]): i for i in ch["items"] if i["kind"] != "summary"}
    assert set(rulings) == {("q1", "a"), ("q2", "a")}
    assert rulings[("q1", "a")]["touched"] and not rulings[("q2", "a")]["touched"]  # q2: unintended
    assert ch["unintended"] == 1 and ch["items"][0]["id"] == "q2"  # unintended first
    assert [i["id"] for i in ch["items"] if i["kind"] == "summary"] == ["q3"]
    assert not what_changed({"questions": [{"id": "q1"}]}, now)["comparable"]  # an old baseline says so


@pytest.mark.slow
def test_a_revised_clause_shows_up_as_a_touched_change(tmp_path, seed_assistant, make_assistant):
    """CHSD 230 item 8 revised from "should refrain from" to "shall not": the questions about it
    change, marked as tied to the revised clause; nothing else in the gold changes."""
    from assistant.evaluation.commands import run_eval

    gold = ROOT / "eval" / "gold.jsonl"
    base = run_eval(seed_assistant, gold, ["ours"], progress=False)
    corpus = tmp_path / "revised"
    shutil.copytree(SEED_CORPUS, corpus)
    target = corpus / seed_assistant.document("chsd230-5125").meta.source_file
    text = target.read_text(encoding="utf-8")
    assert "Employees should refrain from becoming" in text
    target.write_text(text.replace("Employees should refrain from becoming", "Employees shall not become"),
                      encoding="utf-8")
    revised = make_assistant(corpus)
    now = run_eval(revised, gold, ["ours"], progress=False)
    ch = what_changed(base, now)
    item8 = "chsd230-5125/personal-electronic-communications-social-media-use/8"
    assert ch["touched_clauses"] == [item8]
    moved = [i for i in ch["items"] if i["kind"] == "ruling"]
    assert moved and all(i["doc"] == "chsd230-5125" for i in moved)
    assert any(i["touched"] and i["after"]["ruling"] == "prohibited" for i in moved)


def test_failures_say_why_in_words():
    from assistant.evaluation.metrics import CitationResult, QuestionResult, Unit
    from assistant.evaluation.rulings import RulingPair

    res = QuestionResult(
        id="q", question="can i?", answerable=True, tags=(), districts=("a", "u"), abstained=False, latency_ms=1.0,
        citations=[CitationResult(doc="a", quote="Employees shall not become friends with students", gold_verdict=None,
                                  stale=False)],
        cited=[Unit("a/7", "a", 0, 10, "discouraged", "A Policy > Section > item 7", "x")], verdicts_given={},
        rulings=[RulingPair("q", "u", ("prohibited",), "not addressed"), RulingPair("q", "a", ("prohibited",), "permitted")])
    why = res.reasons()
    assert "no ruling shown for u (gold prohibited)" in why and "a ruling permitted, gold prohibited" in why
    assert "missed a: cited item 7 instead of “Employees shall not become friends with students”" in why
