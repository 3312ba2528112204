"""`policy-assistant eval` and `diff` through the real CLI app, on the real seed index and model.

The commands open the assistant through ``commands._open``; tests point it at the session's
``seed_assistant`` (or an assistant over a revised corpus) so the model loads once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.evaluation import commands
from assistant.evaluation.metrics import METRIC_NAMES

ROOT = Path(__file__).resolve().parents[2]
CHSD_FILE = "004_1739076a474c36a0.txt"
ITEM_8 = "chsd230-5125/personal-electronic-communications-social-media-use/8"
# how each policy rules on befriending/following students, read from the policies (eval/gold.jsonl)
FRIENDING = {"d207-guidelines": "discouraged", "il-board-social-media": "not addressed",
             "ia-401-15": ["discouraged", "recommended"], "union-1610": "not addressed", "chsd230-5125": "discouraged"}
GOLD = [
    {"id": "friend-01", "question": "Can I become friends with students on Facebook?", "answerable": True,
     "citations": [{"doc": "chsd230-5125", "quote": "Employees should refrain from becoming \"friends\" with or \"fans\" of students",
                    "verdict": "discouraged"}], "tags": ["friending"], "rulings": FRIENDING},
    {"id": "text-01", "question": "can i text my students", "district": "chsd230-5125", "answerable": True,
     "citations": [{"doc": "chsd230-5125", "quote": "Employees may not communicate with students via text messaging",
                    "verdict": "prohibited"}], "tags": ["texting", "informal"],
     "rulings": {"d207-guidelines": "not addressed", "il-board-social-media": ["not addressed", "conditional"],
                 "ia-401-15": "prohibited", "union-1610": ["conditional", "discouraged"], "chsd230-5125": "prohibited"}},
    {"id": "follow-01", "question": "Can staff follow students on social media?", "district": "d207-guidelines",
     "answerable": True, "citations": [{"doc": "d207-guidelines", "quote": "Staff should NOT follow/friend/connect with a student on social media",
                                        "verdict": "discouraged"}], "tags": ["friending"], "rulings": FRIENDING},
    {"id": "oos-01", "question": "What is on the cafeteria lunch menu on Friday?", "answerable": False,
     "citations": [], "tags": ["out-of-scope"],
     "rulings": {d: "not addressed" for d in ("d207-guidelines", "il-board-social-media", "ia-401-15", "union-1610",
                                              "chsd230-5125")}},
]


@pytest.fixture()
def gold_file(tmp_path) -> Path:
    p = tmp_path / "gold.jsonl"
    p.write_text("".join(json.dumps(q) + "\n" for q in GOLD), encoding="utf-8")
    return p


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_check_gold_reports_a_broken_file(tmp_path, gold_file):
    broken = tmp_path / "broken.jsonl"
    lines = gold_file.read_text().splitlines()
    bad_quote = dict(GOLD[0], id="bad-quote", citations=[{"doc": "chsd230-5125", "quote": "shall not become friends"}])
    no_question = {k: v for k, v in GOLD[1].items() if k != "question"}
    broken.write_text("\n".join([lines[0], '{"id": "x", ', json.dumps(no_question), json.dumps(bad_quote)]) + "\n")
    res = invoke("eval", "--check-gold", broken, "--corpus", ROOT / "corpus")
    assert res.exit_code == 1
    assert "line 2: not valid JSON" in res.stderr
    assert "line 3: missing key 'question'" in res.stderr
    assert "line 4: question 'bad-quote': quote not found in chsd230-5125: 'shall not become friends'" in res.stderr
    assert "3 problem(s)" in res.stderr
    ok = invoke("eval", "--check-gold", gold_file, "--corpus", ROOT / "corpus")
    assert ok.exit_code == 0 and "ok" in ok.stdout


def test_check_gold_on_the_dev_gold_set():
    res = invoke("eval", "--check-gold", ROOT / "eval" / "gold.jsonl", "--corpus", ROOT / "corpus")
    assert res.exit_code == 0, res.stderr


def test_eval_rejects_bad_options(gold_file):
    res = invoke("eval", "--gold", gold_file, "--systems", "ours,gpt")
    assert res.exit_code == 1 and "--systems" in res.stderr
    res = invoke("eval", "--gold", gold_file, "--fail-under", "recall=1")
    assert res.exit_code == 1 and "METRIC=VALUE" in res.stderr


@pytest.mark.slow
def test_eval_json_reports_baseline_and_exit_codes(tmp_path, gold_file, seed_settings, seed_assistant, monkeypatch):
    monkeypatch.setattr(commands, "_open", lambda settings: seed_assistant)
    out, base = tmp_path / "reports", tmp_path / "baselines" / "base.json"
    res = invoke("eval", "--gold", gold_file, "--out", out, "--json", "--save-baseline", base, "--no-progress")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["n_questions"] == 4 and list(report["metrics"]) == list(METRIC_NAMES)
    assert report["stale_gold"] == [] and "systems" not in report
    assert report["metrics"]["faithfulness"] == 1.0
    assert {"friending", "texting", "out-of-scope"} <= set(report["by_tag"])
    assert {"chsd230-5125", "d207-guidelines"} <= set(report["by_district"])
    q = {x["id"]: x for x in report["questions"]}
    assert set(q["text-01"]) >= {"id", "passed", "matched", "missed", "verdicts_given", "abstained", "latency_ms"}
    assert q["oos-01"]["matched"] == [] and q["oos-01"]["missed"] == []
    assert all((m["rank"] is not None) for m in q["text-01"]["matched"])
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    assert json.loads(base.read_text())["metrics"] == report["metrics"]

    same = invoke("eval", "--gold", gold_file, "--out", out, "--baseline", base, "--no-progress")
    assert same.exit_code == 0, same.stderr

    raised = json.loads(base.read_text())
    raised["metrics"]["abstention_accuracy"] = report["metrics"]["abstention_accuracy"] + 0.1
    base.write_text(json.dumps(raised))
    drop = invoke("eval", "--gold", gold_file, "--out", out, "--baseline", base, "--json", "--no-progress")
    assert drop.exit_code == 1
    assert "fail: abstention_accuracy went from" in drop.stderr
    assert json.loads(drop.stdout)["comparison"]["deltas"]["abstention_accuracy"]["delta"] == pytest.approx(-0.1)
    within = invoke("eval", "--gold", gold_file, "--out", out, "--baseline", base, "--tolerance", "0.2", "--no-progress")
    assert within.exit_code == 0, within.stderr
    under = invoke("eval", "--gold", gold_file, "--out", out, "--fail-under", "faithfulness=1.01", "--no-progress")
    assert under.exit_code == 1 and "faithfulness = 1 is under --fail-under 1.01" in under.stderr


@pytest.mark.slow
def test_eval_with_anchors_side_by_side(tmp_path, gold_file, seed_assistant, monkeypatch):
    monkeypatch.setattr(commands, "_open", lambda settings: seed_assistant)
    res = invoke("eval", "--gold", gold_file, "--out", tmp_path, "--json", "--no-progress",
                 "--systems", "ours,llamaindex-default,bm25")
    assert res.exit_code == 0, res.stderr
    systems = json.loads(res.stdout)["systems"]
    assert list(systems) == ["ours", "llamaindex-default@2", "llamaindex-default@5", "bm25"]
    for name in ("llamaindex-default@2", "llamaindex-default@5", "bm25"):
        m = systems[name]
        assert m["verdict_accuracy"] is None and m["false_abstain"] == 0 and m["false_answer"] == 1
        assert m["faithfulness"] == 1.0
    # a chunk of the default pipeline is far longer than a clause
    assert systems["llamaindex-default@5"]["chars_to_read_median"] > systems["ours"]["chars_to_read_median"]
    page = (tmp_path / "report.html").read_text()
    assert "llamaindex-default@5" in page and "bm25" in page


@pytest.mark.slow
def test_revision_workflow_stale_gold_and_diff(tmp_path, gold_file, seed_corpus_copy, make_assistant,
                                              seed_assistant, monkeypatch):
    revised = seed_corpus_copy / CHSD_FILE
    text = revised.read_text(encoding="utf-8")
    revised.write_text(text.replace("should refrain from becoming", "shall not become"), encoding="utf-8")

    # diff against the indexed version (read from the records) names the verdict change and the gold question
    res = invoke("diff", "chsd230-5125", revised, "--gold", gold_file, "--json", "--index", seed_assistant.settings.index)
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["verdict_changes"] == ["item 8: discouraged -> prohibited"]
    assert [m["old_clause_id"] for m in d["modified"]] == [ITEM_8]
    assert [g["id"] for g in d["gold_touched"]] == ["friend-01"]
    plain = invoke("diff", ROOT / "corpus" / CHSD_FILE, revised, "--gold", gold_file, "--corpus", ROOT / "corpus")
    assert plain.exit_code == 0
    assert "item 8: discouraged -> prohibited" in plain.stdout and "friend-01 (item 8)" in plain.stdout

    # re-ingest the revised corpus: the item 8 gold quote is stale
    revised_assistant = make_assistant(seed_corpus_copy)
    monkeypatch.setattr(commands, "_open", lambda settings: revised_assistant)
    res = invoke("eval", "--gold", gold_file, "--out", tmp_path / "r1", "--json", "--no-progress")
    assert res.exit_code == 2
    report = json.loads(res.stdout)
    (stale,) = report["stale_gold"]
    assert (stale["id"], stale["doc"]) == ("friend-01", "chsd230-5125")
    assert stale["nearest"]["clause_id"] == ITEM_8 and "shall not become" in stale["nearest"]["text"]
    friend = next(q for q in report["questions"] if q["id"] == "friend-01")
    assert friend["passed"] is None and friend["missed"] == [] and len(friend["stale"]) == 1
    allowed = invoke("eval", "--gold", gold_file, "--out", tmp_path / "r2", "--allow-stale", "--no-progress")
    assert allowed.exit_code == 0, allowed.stderr
    assert "stale gold" in allowed.stdout


def test_exit_codes_survive_the_real_entry_point(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{oops\n")
    proc = subprocess.run([sys.executable, "-m", "assistant", "eval", "--check-gold", str(broken), "--corpus",
                           str(ROOT / "corpus")], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1
    assert "line 1: not valid JSON" in proc.stderr
