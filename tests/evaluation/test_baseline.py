"""Baseline comparison: deltas, direction-aware gate, flips, paired test, exit codes (pure logic)."""

from __future__ import annotations

import copy
import json

import pytest

from assistant.errors import ConfigError
from assistant.evaluation.baseline import (
    check_fail_under,
    compare,
    exit_code,
    flips,
    load_baseline,
    paired_test,
    parse_fail_under,
)
from assistant.evaluation.metrics import METRIC_NAMES


def report(**metrics):
    base = {m: 0.8 for m in METRIC_NAMES}
    base.update(false_abstain=1, false_answer=1, chars_to_read_median=1000.0, latency_ms_p50=30.0, latency_ms_p95=60.0)
    base.update(metrics)
    questions = [{"id": f"q{i}", "passed": i % 2 == 0, "ndcg@10": 0.1 * i} for i in range(10)]
    return {"n_questions": 100, "metrics": base, "questions": questions}


def test_within_tolerance_passes():
    base = report()
    cur = report(**{"ndcg@10": 0.785, "citation_recall@5": 0.81})
    comp = compare(cur, base, tolerance=0.02)
    assert comp["failures"] == []
    assert comp["deltas"]["ndcg@10"]["delta"] == pytest.approx(-0.015)
    assert exit_code(comp["failures"], stale=0, allow_stale=False) == 0


def test_drop_beyond_tolerance_fails():
    comp = compare(report(**{"ndcg@10": 0.75}), report(), tolerance=0.02)
    assert len(comp["failures"]) == 1 and comp["failures"][0].startswith("ndcg@10 went from 0.8 to 0.75")
    assert exit_code(comp["failures"], stale=0, allow_stale=False) == 1


def test_direction_aware_counts_relative_and_latency_relative():
    base = report()
    # lower is better: fewer false answers and fewer chars are improvements
    better = report(false_answer=0, chars_to_read_median=500.0, latency_ms_p95=30.0)
    assert compare(better, base)["failures"] == []
    # latency p95 gated relatively: 60 -> 119 ms passes (may double), 60 -> 130 fails; 18 -> 152 too
    assert compare(report(latency_ms_p95=119.0), base)["failures"] == []
    assert "latency_ms_p95 went from 60 to 130" in compare(report(latency_ms_p95=130.0), base)["failures"][0]
    assert compare(report(latency_ms_p95=130.0), base, latency_tolerance=2.0)["failures"] == []
    # counts: allowed increase is tolerance * n_questions = 2
    assert compare(report(false_answer=3), base)["failures"] == []
    assert len(compare(report(false_answer=4), base)["failures"]) == 1
    # chars_to_read: 2% of the baseline value
    assert compare(report(chars_to_read_median=1019.0), base)["failures"] == []
    assert "chars_to_read_median" in compare(report(chars_to_read_median=1021.0), base)["failures"][0]
    assert compare(report(latency_ms_p50=3000.0), base)["deltas"]["latency_ms_p50"]["gated"] is False


def test_null_metrics_are_skipped():
    comp = compare(report(verdict_accuracy=None), report())
    assert comp["deltas"]["verdict_accuracy"]["delta"] is None and comp["failures"] == []


def test_fail_under_both_directions_and_parsing():
    thresholds = parse_fail_under(["ndcg@10=0.9", "latency_ms_p95=50"])
    assert thresholds == {"ndcg@10": 0.9, "latency_ms_p95": 50.0}
    failures = check_fail_under(report()["metrics"], thresholds)
    assert failures == ["ndcg@10 = 0.8 is under --fail-under 0.9", "latency_ms_p95 = 60 is above --fail-under 50"]
    assert check_fail_under(report()["metrics"], {"ndcg@10": 0.8}) == []
    assert "not available" in check_fail_under({"ndcg@10": None}, {"ndcg@10": 0.5})[0]
    comp = compare(report(), report(), fail_under={"faithfulness": 1.0})
    assert comp["failures"] == ["faithfulness = 0.8 is under --fail-under 1"]
    for bad in (["recall=0.5"], ["ndcg@10"], ["ndcg@10=high"]):
        with pytest.raises(ConfigError):
            parse_fail_under(bad)


def test_flips_and_paired_test():
    base = report()
    cur = copy.deepcopy(base)
    cur["questions"][0]["passed"] = False  # was passing
    cur["questions"][1]["passed"] = True  # was failing
    cur["questions"].append({"id": "new", "passed": False, "ndcg@10": 0.0})
    assert flips(cur, base) == {"newly_failing": ["q0"], "newly_passing": ["q1"]}
    same = paired_test(cur, base)
    assert same["p_value"] == 1.0 and same["n"] == 10
    worse = copy.deepcopy(base)
    for qq in worse["questions"]:
        qq["ndcg@10"] -= 0.05 * (1 + int(qq["id"][1:]))
    sig = paired_test(worse, base)
    assert sig["n"] == 10 and sig["p_value"] < 0.01


def test_exit_code_stale_takes_precedence_unless_allowed():
    assert exit_code([], stale=1, allow_stale=False) == 2
    assert exit_code(["x"], stale=1, allow_stale=False) == 2
    assert exit_code(["x"], stale=1, allow_stale=True) == 1
    assert exit_code([], stale=3, allow_stale=True) == 0


def test_load_baseline_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_baseline(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ConfigError, match="not a readable JSON"):
        load_baseline(bad)
    bad.write_text(json.dumps({"n_questions": 3}))
    with pytest.raises(ConfigError, match="no 'metrics'"):
        load_baseline(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(report()))
    assert load_baseline(good)["metrics"]["ndcg@10"] == 0.8


def test_the_fingerprint_says_when_the_baseline_used_other_gold():
    from assistant.evaluation.baseline import fingerprint_notes

    fp = {"gold_sha256": "a", "corpus_sha256": "c", "settings_sha256": "s", "version": "0.1.0"}
    assert fingerprint_notes(fp, dict(fp)) == []
    notes = fingerprint_notes(fp, {**fp, "gold_sha256": "b", "corpus_sha256": "d"})
    assert notes[0].startswith("the baseline was made with another version of the gold file") and len(notes) == 2
    assert "re-save it" in fingerprint_notes(None, fp)[0]
