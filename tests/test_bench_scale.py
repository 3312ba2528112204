"""`policy-assistant bench scale --json` as a user runs it: one JSON object with the figures issue 11
names (figures, never pass/fail: only their presence and consistency are checked here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

KEYS = {"districts", "clauses", "build_s", "open_s", "rss_mb", "encode_p50_ms", "ask_one_p50_ms", "ask_one_p95_ms",
        "ask_ten_p50_ms", "ask_all_p50_ms", "recall_one", "recall_all", "reingest_one_doc_s", "answer_bytes_max"}


@pytest.mark.slow
def test_bench_scale_json_has_the_issue_keys_and_rebuilds_one_changed_document(seed_settings, seed_assistant):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.run([sys.executable, "-m", "assistant", "bench", "scale", "--districts", "2", "--rounds", "1",
                           "--json", "--index", str(seed_settings.index)], capture_output=True, text=True,
                          timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert KEYS <= set(out)
    assert out["districts"] == 2
    assert out["clauses"] == 2 * sum(seed_assistant.clause_counts().values())
    assert out["recall_one"] == 1.0  # two districts: Chroma's filtered search is exact
    assert out["reingest_embedded"] >= 1 and out["reingest_failed"] == 0  # the changed document, re-embedded
    assert 0 < out["answer_bytes_max"] and out["rss_mb"] > 0 and out["store"] == "embedded"
