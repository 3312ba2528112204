"""Embedding speed: length-sorted vs corpus-order batches, the torch / ONNX backends, ingest vs the raw encoder.
Figures go into docs/BENCHMARKS.md and docs/EMBEDDING_MODEL.md (never asserted in tests).

    .venv/bin/python benchmarks/bench_embed.py [--rounds 3] [--districts 4] [--backends torch,onnx,onnx-int8]
                                               [--profile] [--json]

Texts: the seed corpus's clauses (``embed_text``) and norm sentences (``norm_embed_text``), and a
synthetic corpus of ``--districts`` varied copies of the seeds (assistant/benchmark/synthetic.py).
Prints, from one process, rounds alternating between the backends (the machine is shared, so read the
ratios of one run, not absolute figures across runs):

1. padded tokens at batch size 32: batches in corpus order (what ingest did) vs longest first;
2. raw encoder throughput (texts/s, wall and CPU seconds) per backend on each text set; for torch
   also the old corpus-order chunks of 32;
3. one question encoded alone (an ask's floor), p50 ms per backend;
4. ingest (``Assistant.ingest(rebuild=True)`` into a fresh index) per backend on both corpora: texts
   embedded per second against the raw encoder on the very same texts, same round (target >= 0.8);
5. cosine of each ONNX backend's vectors to torch's (min / mean);
6. with ``--profile``: where an ingest's time goes outside the encoder (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.benchmark.synthetic import synthetic_documents, write_corpus  # noqa: E402
from assistant.chunk import chunk_document  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embed import Embedder  # noqa: E402
from assistant.ingest import Limits, load_corpus  # noqa: E402
from assistant.norms import extract_norms, norm_embed_text  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402

BATCH = 32
QUESTIONS = [
    "Can I friend a student on Facebook?", "is it ok if i follow my students on tiktok?",
    "Can I text a student individually?", "can i snap my players",
    "Can I use the school logo on my personal page?", "What happens if I violate the social media policy?",
    "How do I get a parking permit?", "Can I post photos of my students on Instagram?",
]


def texts_of(corpus: Path) -> tuple[list[str], list[str]]:
    """What an ingest of this corpus embeds: clause texts and norm texts, in corpus order."""
    docs, _ = load_corpus(corpus, Limits())
    clauses = [c for d in sorted(docs, key=lambda d: d.doc_id) for c in chunk_document(d)]
    norms = [norm_embed_text(c, n) for c in clauses for n in extract_norms(c)]
    return [c.embed_text for c in clauses], norms


def padded_tokens(tokenizer: Any, texts: list[str], max_len: int, sort: bool) -> tuple[int, int]:
    """(padded tokens, real tokens) when ``texts`` are cut into batches of BATCH."""
    lengths = [min(len(ids), max_len) for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]]
    if sort:
        lengths = sorted(lengths, reverse=True)
    padded = sum(max(lengths[i:i + BATCH]) * len(lengths[i:i + BATCH]) for i in range(0, len(lengths), BATCH))
    return padded, sum(lengths)


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def corpus_order_chunks(emb: Embedder, texts: list[str]) -> np.ndarray:
    """The old ingest: ``encode`` called on consecutive chunks of 32 in corpus order."""
    return np.concatenate([emb.model.encode(texts[i:i + BATCH], batch_size=BATCH, normalize_embeddings=True,
                                            convert_to_numpy=True) for i in range(0, len(texts), BATCH)])


def ingest_once(emb: Embedder, corpus: Path, work: Path, tag: str) -> tuple[float, float, int]:
    index = work / f"index-{tag}"  # a fresh folder each time (chromadb's client does not survive its folder's removal)
    a = Assistant.open(Settings(corpus=corpus, index=index, feedback_db=work / "fb.sqlite3"), embedder=emb,
                       require_index=False)
    wall, cpu, report = timed(lambda: a.ingest(corpus, rebuild=True))
    assert report.ok, report.failed
    texts = report.embedded + len(a.store.norms)
    return wall, cpu, texts


def profile_ingest(emb: Embedder, corpus: Path, work: Path) -> list[tuple[str, float]]:
    index = work / "index-profile"
    a = Assistant.open(Settings(corpus=corpus, index=index, feedback_db=work / "fb.sqlite3"), embedder=emb,
                       require_index=False)
    prof = cProfile.Profile()
    prof.runcall(a.ingest, corpus, rebuild=True)
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    rows = []
    for (path, line, name), (_cc, _nc, _tt, cum, _callers) in stats.items():
        if "/assistant/" in path or "chromadb/api" in path:
            rows.append((f"{Path(path).parent.name}/{Path(path).name}:{line} {name}", round(cum, 3)))
    return sorted(rows, key=lambda r: -r[1])[:25]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--districts", type=int, default=4, help="synthetic districts (5 documents each)")
    ap.add_argument("--backends", default="torch,onnx,onnx-int8")
    ap.add_argument("--cache", type=Path, default=None, help="ONNX export cache (default: a temporary folder)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--encode-only", action="store_true", help="skip the ingest rounds (3.)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-embed-"))
    cache = args.cache or work / "onnx-model"
    seed_corpus, syn_corpus = ROOT / "corpus", work / "synthetic"
    seeds, _ = load_corpus(seed_corpus, Limits())
    write_corpus([d for _, _, d in synthetic_documents(sorted(seeds, key=lambda d: d.doc_id), args.districts)],
                 syn_corpus)
    seed_clauses, seed_norms = texts_of(seed_corpus)
    syn_clauses, syn_norms = texts_of(syn_corpus)
    sets = {"seed clauses": seed_clauses, "seed norms": seed_norms, "synthetic clauses": syn_clauses}

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    t_load: dict[str, float] = {}
    embs: dict[str, Embedder] = {}
    for b in backends:
        wall, _, embs[b] = timed(lambda b=b: Embedder(backend=b, onnx_cache=cache))
        t_load[b] = round(wall, 2)
        embs[b].encode(["warm up"])
    tok, max_len = embs[backends[0]].model.tokenizer, 256
    out: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_s": t_load,
                           "texts": {k: len(v) for k, v in sets.items()}}
    out["padded_tokens"] = {}
    for name, texts in sets.items():
        corpus_pad, real = padded_tokens(tok, texts, max_len, sort=False)
        sorted_pad, _ = padded_tokens(tok, texts, max_len, sort=True)
        out["padded_tokens"][name] = {"real": real, "corpus_order": corpus_pad, "sorted": sorted_pad,
                                      "ratio": round(corpus_pad / sorted_pad, 2)}

    if not args.encode_only:  # warm ingest once per process (chromadb's import and first client are paid here)
        ingest_once(embs[backends[0]], seed_corpus, work, "warm")

    enc: dict[str, dict[str, list[tuple[float, float]]]] = {}
    ing: dict[str, dict[str, list[tuple[float, float, float, float]]]] = {}
    vecs: dict[str, dict[str, np.ndarray]] = {}
    query: dict[str, list[float]] = {}
    for r in range(args.rounds):
        order = backends if r % 2 == 0 else list(reversed(backends))
        for b in order:
            emb = embs[b]
            variants = [(b, emb.encode)] + ([("torch corpus-order", lambda t, e=emb: corpus_order_chunks(e, t))]
                                            if b == "torch" else [])
            for label, fn in variants:
                for name, texts in sets.items():
                    wall, cpu, v = timed(lambda fn=fn, texts=texts: fn(texts))
                    enc.setdefault(label, {}).setdefault(name, []).append((wall, cpu))
                    vecs.setdefault(label, {})[name] = v
            for q in QUESTIONS:  # one question at a time, as an ask encodes it (no query cache)
                w, _, _ = timed(lambda q=q: emb.encode([f"{q} ({r})"]))
                query.setdefault(b, []).append(w * 1000)
            for cname, corpus, clauses, norms in () if args.encode_only else (
                    ("seed", seed_corpus, seed_clauses, seed_norms), ("synthetic", syn_corpus, syn_clauses, syn_norms)):
                iw, ic, n = ingest_once(emb, corpus, work, f"{b}-{r}")
                rw, rc, _ = timed(lambda: (emb.encode(clauses), emb.encode(norms)))
                assert n == len(clauses) + len(norms), (n, len(clauses), len(norms))
                ing.setdefault(b, {}).setdefault(cname, []).append((iw, ic, rw, rc))

    out["encode"] = {label: {name: {"texts_per_s_wall": round(len(sets[name]) / statistics.median(w for w, _ in runs), 1),
                                    "texts_per_s_cpu": round(len(sets[name]) / statistics.median(c for _, c in runs), 1)}
                             for name, runs in by.items()} for label, by in enc.items()}
    out["query_ms_p50"] = {b: round(statistics.median(v), 2) for b, v in query.items()}
    out["ingest_vs_raw"] = {
        b: {c: {"ingest_s_wall": round(statistics.median(x[0] for x in runs), 2),
                "raw_s_wall": round(statistics.median(x[2] for x in runs), 2),
                "ratio_wall": round(statistics.median(x[2] / x[0] for x in runs), 2),
                "ratio_cpu": round(statistics.median(x[3] / x[1] for x in runs), 2)}
            for c, runs in by.items()} for b, by in ing.items()}
    if "torch" in vecs:
        out["cosine_to_torch"] = {
            b: {name: {"min": round(float((v * vecs["torch"][name]).sum(1).min()), 4),
                       "mean": round(float((v * vecs["torch"][name]).sum(1).mean()), 4)}
                for name, v in vecs[b].items()} for b in backends if b != "torch"}
    if args.profile:
        out["profile_ingest_synthetic"] = profile_ingest(embs[backends[0]], syn_corpus, work)
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out, indent=1 if not args.json else None))


if __name__ == "__main__":
    main()
