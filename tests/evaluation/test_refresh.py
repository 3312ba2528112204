"""Issue 13: `gold refresh` proposes the nearest current clause for each stale gold quote, writes
a new file that passes --check-gold against the revised corpus, lists rulings to review, and never
edits the gold in place."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.errors import ConfigError
from assistant.evaluation.commands import check_gold_file
from assistant.evaluation.refresh import refresh_gold
from tests.conftest import ROOT, SEED_CORPUS

pytestmark = pytest.mark.slow

ITEM8 = "chsd230-5125/personal-electronic-communications-social-media-use/8"


@pytest.fixture(scope="module")
def revised(tmp_path_factory, embedder):
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    base = tmp_path_factory.mktemp("revised")
    corpus = base / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    target = next(corpus.glob("004_*.txt"))
    target.write_text(target.read_text(encoding="utf-8").replace(
        "Employees should refrain from becoming", "Employees shall not become"), encoding="utf-8")
    a = Assistant.open(Settings(corpus=corpus, index=base / "index"), embedder=embedder, require_index=False)
    a.ingest(corpus)
    return a, corpus


def test_refresh_writes_a_current_gold_and_lists_rulings_to_review(tmp_path, revised):
    assistant, corpus = revised
    gold = ROOT / "eval" / "gold.jsonl"
    before = gold.read_text(encoding="utf-8")
    assert check_gold_file(gold, corpus)  # the revision made quotes stale
    out = tmp_path / "gold.new.jsonl"
    result = refresh_gold(gold, out, assistant, lambda p: True)
    assert gold.read_text(encoding="utf-8") == before  # never edited in place
    assert check_gold_file(out, corpus) == []
    assert result.accepted and {p.clause_id for p in result.accepted} == {ITEM8}
    assert all(p.new_verdict == "prohibited" for p in result.accepted if p.where == "citation")
    assert {r["doc"] for r in result.review} == {"chsd230-5125"}
    assert all(r["gold"] == "discouraged" and r["shown"] == "prohibited" for r in result.review)
    rows = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert rows["friend-student-01"]["rulings"]["chsd230-5125"] == "discouraged"  # labels are left for review
    assert "refreshed" in result.summary() and "review friend-student-01" in result.summary()


def test_skipping_changes_nothing_and_the_gold_cannot_be_the_output(tmp_path, revised):
    assistant, _ = revised
    gold = ROOT / "eval" / "gold.jsonl"
    out = tmp_path / "same.jsonl"
    result = refresh_gold(gold, out, assistant, lambda p: False)
    assert not result.accepted and result.skipped
    assert [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()] == \
        [json.loads(x) for x in gold.read_text(encoding="utf-8").splitlines() if x.strip()]
    with pytest.raises(ConfigError, match="never edited in place"):
        refresh_gold(gold, gold, assistant, lambda p: True)
