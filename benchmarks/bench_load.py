"""Many clients against one server on loopback, figures written down in docs/BENCHMARKS.md
(never asserted in tests; the bounded 10-client soak in tests/hostile/test_soak.py is the test).

    .venv/bin/python benchmarks/bench_load.py [--clients 50] [--seconds 60] [--index DIR] [--json]

Starts ``policy-assistant serve`` on 127.0.0.1 (rate limit off, a private feedback database), then
``--clients`` threads each ask a question and rate the answer in a loop for ``--seconds``.
Prints: requests (asks + feedback), throughput, ask latency p50/p95/p99, errors by status, feedback
rows sent vs stored, and the server's resident memory before and after. In the same run, the floor:
one warm process's bare ``model.encode`` of a question (p50), so the ask p50 reads as a ratio.
Every question is made distinct ("... (3.17)"), so no ask is served from the query-vector cache.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Can I friend a student on Facebook?", "is it ok if i follow my students on tiktok?",
    "Can I text a student individually?", "can i snap my players",
    "Can I use the school logo on my personal page?", "What happens if I violate the social media policy?",
    "How do I get a parking permit?", "Can I post photos of my students on Instagram?",
]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _floor() -> float:
    sys.path.insert(0, str(ROOT))
    from assistant.embed import Embedder

    model = Embedder().model
    for q in QUESTIONS:
        model.encode(q)
    times = []
    for r in range(5):
        for q in QUESTIONS:
            t = time.perf_counter()
            model.encode(f"{q} ({r})")  # the bare model call, no cache
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.clients <= 200 or not 1 <= args.seconds <= 600:
        ap.error("--clients must be 1-200 and --seconds 1-600 (a bounded load on loopback)")

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    db = tmp / "feedback.sqlite3"
    port = _free_port()
    env = {**os.environ, "POLICY_RATE_LIMIT": "0", "POLICY_FEEDBACK_DB": str(db), "GRADIO_ANALYTICS_ENABLED": "False",
           "HF_HUB_OFFLINE": "1"}
    exe = Path(sys.executable).with_name("policy-assistant")
    server = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--index", str(args.index)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise SystemExit("the server did not become ready in 180 s")
        with httpx.Client(base_url=url, timeout=60) as http:  # warm up
            for q in QUESTIONS:
                http.post("/api/ask", json={"question": q})
        rss_before = _rss_mb(server.pid)
        lat: list[float] = []
        errors: dict[str, int] = {}
        sent: list[str] = []
        lock = threading.Lock()
        stop = time.time() + args.seconds

        def client(n: int) -> None:
            with httpx.Client(base_url=url, timeout=120) as http:
                i = 0
                while time.time() < stop:
                    q = f"{QUESTIONS[(n + i) % len(QUESTIONS)]} ({n}.{i})"  # distinct: every ask encodes
                    t = time.perf_counter()
                    try:
                        r = http.post("/api/ask", json={"question": q})
                    except httpx.HTTPError as exc:
                        with lock:
                            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                        continue
                    ms = (time.perf_counter() - t) * 1000
                    if r.status_code != 200:
                        with lock:
                            errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                        continue
                    comment = f"load-{n}-{i}"
                    f = http.post("/api/feedback", json={"question": q, "rating": 1, "comment": comment,
                                                         "answer_id": r.json()["answer_id"]})
                    with lock:
                        lat.append(ms)
                        if f.status_code in (200, 201):
                            sent.append(comment)
                        else:
                            errors[f"feedback {f.status_code}"] = errors.get(f"feedback {f.status_code}", 0) + 1
                    i += 1

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        rss_after = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    with sqlite3.connect(db) as con:
        stored = {row[0] for row in con.execute("SELECT comment FROM feedback")}
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
    out = {
        "clients": args.clients, "seconds": args.seconds, "asks": len(lat), "requests": 2 * len(lat),
        "throughput_req_s": round(2 * len(lat) / wall, 1), "asks_per_s": round(len(lat) / wall, 1),
        "ask_p50_ms": round(statistics.median(lat), 1) if lat else None, "ask_p95_ms": round(q[94], 1),
        "ask_p99_ms": round(q[98], 1), "errors": errors, "feedback_sent": len(sent),
        "feedback_stored": len(stored & set(sent)), "rss_before_mb": round(rss_before), "rss_after_mb": round(rss_after),
    }
    out["encode_p50_ms"] = round(_floor(), 2)
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>18}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
