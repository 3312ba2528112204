"""Issue 10, point 9: a district's rulings depend on its own text and the question only. Adding an
unrelated policy (a drone policy that shares words like "students", "images" and "discipline" with
the seeds) must leave every dev and held-out question's per-district ruling (status, verdict and
the deciding sentence) exactly as it was. Before per-district focus words, two rulings moved."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import ROOT, SEED_CORPUS

pytestmark = pytest.mark.slow

_MANIFEST_ENTRY = """
[[documents]]
id = "drones-7440"
file = "drones.txt"
title = "Unmanned Aircraft Systems (Drones)"
district = "A district (not named in the text)"
district_named = false
state = "Ohio"
short_name = "Drones 7440"
dates = []
"""


def _questions() -> list[str]:
    return [json.loads(line)["question"] for name in ("gold.jsonl", "heldout.jsonl")
            for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _rulings(assistant, questions: list[str], doc_ids: list[str]) -> dict[tuple[str, str], tuple]:
    out = {}
    for q in questions:
        asked = assistant.retriever.analyse(q)
        for r in assistant.ruler.rule_all(asked, doc_ids):
            out[(q, r.doc_id)] = (r.status, r.verdict, r.deciding.clause_id if r.deciding else None,
                                  r.deciding.start if r.deciding else None)
    return out


def test_adding_an_unrelated_policy_moves_no_ruling(tmp_path, seed_assistant, make_assistant):
    corpus = tmp_path / "corpus-plus-drones"
    shutil.copytree(SEED_CORPUS, corpus)
    shutil.copy(ROOT / "tests" / "data" / "unrelated_drone_policy.txt", corpus / "drones.txt")
    manifest = corpus / "manifest.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + _MANIFEST_ENTRY, encoding="utf-8")
    plus = make_assistant(corpus)
    assert "drones-7440" in plus.store.documents and plus.clauses("drones-7440")

    seeds = sorted(seed_assistant.store.documents)
    questions = _questions()
    before = _rulings(seed_assistant, questions, seeds)
    after = _rulings(plus, questions, seeds)
    moved = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert len(before) == len(questions) * len(seeds) >= 1000
    assert not moved, f"{len(moved)} rulings moved: {list(moved.items())[:5]}"
    # and the added policy is answered from on its own question
    drone = plus.ask("Can I fly a drone over the stadium bleachers?", district="drones-7440")
    assert drone.findings and drone.findings[0].doc_id == "drones-7440"


def test_the_frozen_reference_is_the_sample_corpus_counted(seed_assistant):
    """The packaged reference (focus-word rarity) is what ``python -m assistant.reference`` writes
    for corpus/: a changed sample corpus must be re-counted on purpose, not drift silently."""
    from assistant.reference import build_reference, load_reference

    rebuilt = build_reference(seed_assistant.retriever.lexical.stems)
    packaged = load_reference()
    assert (packaged.clauses, packaged.df) == (rebuilt.clauses, rebuilt.df)
    assert packaged.idf("disclaim") > packaged.idf("student") and packaged.idf("drone") is None
