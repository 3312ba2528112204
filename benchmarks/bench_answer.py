"""Speed and memory of the answer path, written down in docs/BENCHMARKS.md (never asserted in tests).

    .venv/bin/python benchmarks/bench_answer.py [--index DIR] [--rounds N] [--json]

Measures, in one warm process: the bare ``model.encode(query)`` time, the full ``Assistant.ask``
time (p50/p95), their ratio, model+index load time, a full ingest of the corpus into a temporary
index, a re-ingest of the unchanged corpus, and peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402

QUESTIONS = [
    "Can I friend a student on Facebook?",
    "is it ok if i follow my students on tiktok?",
    "Can I text a student individually?",
    "can i snap my players",
    "Do I need approval to create a social media page for my class?",
    "Can I use the school logo on my personal page?",
    "Can I post photos of my students on Instagram?",
    "What should I do if a student messages me on social media?",
    "Can I use social media during work hours?",
    "How do I get a parking permit?",
]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "index"))
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        a = Assistant.open(Settings(corpus=Path(args.corpus), index=Path(tmp) / "index"), require_index=False)
        out["model_load_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = a.ingest()
        out["ingest_full_s"] = time.perf_counter() - t0
        out["clauses"] = report.clauses
        t0 = time.perf_counter()
        again = a.ingest()
        out["ingest_unchanged_s"] = time.perf_counter() - t0
        out["ingest_unchanged_embedded"] = again.embedded

        model = a.embedder.model
        for q in QUESTIONS:  # warm both paths
            model.encode(q)
            a.ask(q)
        encode_ms: list[float] = []
        ask_ms: list[float] = []
        for r in range(args.rounds):
            for q in QUESTIONS:
                fresh = f"{q} ({r})"  # defeat the query-vector cache: every ask encodes
                t0 = time.perf_counter()
                model.encode(fresh)
                encode_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                a.ask(fresh)
                ask_ms.append((time.perf_counter() - t0) * 1000)
        out["encode_ms_p50"] = statistics.median(encode_ms)
        out["ask_ms_p50"] = statistics.median(ask_ms)
        out["ask_ms_p95"] = pct(ask_ms, 0.95)
        out["ask_over_encode_p50"] = out["ask_ms_p50"] / out["encode_ms_p50"]
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k:28} {v:10.2f}" if isinstance(v, float) else f"{k:28} {v:>10}")


if __name__ == "__main__":
    main()
