"""Clause-level policy diff: alignment (pure) and a revised copy of a seed policy (real chunker)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from assistant.chunk import chunk_document
from assistant.evaluation.diff import align, diff_documents, word_changes
from assistant.evaluation.gold import GoldCitation, GoldQuestion
from assistant.ingest import load_document, load_manifest
from assistant.types import Clause
from assistant.verdict import classify

SEED = Path(__file__).resolve().parents[2] / "corpus"
CHSD_FILE = "004_1739076a474c36a0.txt"
OLD_8 = "should refrain from becoming"
NEW_8 = "shall not become"


def _c(cid: str, text: str, start: int = 0) -> Clause:
    return Clause(clause_id=cid, doc_id="d", text=text, start=start, end=start + len(text), label=f"P > item {cid}")


def test_word_changes():
    assert word_changes("Employees should refrain from becoming friends", "Employees shall not become friends") == [
        {"op": "replace", "old": "should refrain from becoming", "new": "shall not become"}
    ]
    assert word_changes("a b c", "a c d") == [{"op": "delete", "old": "b", "new": ""}, {"op": "insert", "old": "", "new": "d"}]


def test_align_by_id_then_by_similarity_when_items_are_renumbered():
    old = [_c("1", "Employees must use district email accounts."),
           _c("2", "Employees may not text students at any time of day."),
           _c("3", "Employees should not post confidential student information.")]
    new = [_c("1", "Employees must use district email accounts."),
           _c("2", "Employees must report any inappropriate contact to the principal."),  # inserted
           _c("3", "Employees may not text students at any time of the day."),
           _c("4", "Employees should not post confidential student information.")]
    pairs, removed, added = align(old, new)
    paired = {(o.clause_id, n.clause_id) for o, n, _ in pairs}
    assert paired == {("1", "1"), ("2", "3"), ("3", "4")}
    assert removed == [] and [c.clause_id for c in added] == ["2"]


def _revised_copy(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED, corpus)
    path = corpus / CHSD_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(OLD_8) == 1
    path.write_text(text.replace(OLD_8, NEW_8), encoding="utf-8")
    return corpus


def test_diff_of_revised_chsd_item_8(tmp_path):
    corpus = _revised_copy(tmp_path)
    meta = load_manifest(SEED)[CHSD_FILE]
    old = load_document(SEED / CHSD_FILE, meta)
    new = load_document(corpus / CHSD_FILE, meta)
    gold = [
        GoldQuestion("friend-1", "Can I friend students?", True,
                     (GoldCitation("chsd230-5125", "Employees should refrain from becoming \u201cfriends\u201d", "discouraged"),)),
        GoldQuestion("text-1", "Can I text students?", True,
                     (GoldCitation("chsd230-5125", "Employees may not communicate with students via text messaging", "prohibited"),)),
        GoldQuestion("other-doc", "x", True, (GoldCitation("union-1610", "Employees", None),)),
    ]
    result = diff_documents(old, chunk_document(old), new, chunk_document(new), classify, gold)
    assert [c.kind for c in result.changes] == ["modified"]
    change = result.changes[0]
    assert change.old.clause_id == change.new.clause_id == "chsd230-5125/personal-electronic-communications-social-media-use/8"
    assert change.words == [{"op": "replace", "old": OLD_8, "new": NEW_8}]
    assert result.verdict_changes == ["item 8: discouraged -> prohibited"]
    assert result.unchanged == len(chunk_document(old)) - 1
    assert [(g["id"], g["clauses"], g["quote_still_in_new"]) for g in result.gold_touched] == [("friend-1", ["item 8"], False)]
    d = json.loads(json.dumps(result.to_dict()))
    assert d["modified"][0]["old_verdict"] == "discouraged" and d["added"] == [] and d["removed"] == []
