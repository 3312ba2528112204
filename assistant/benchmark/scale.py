"""``policy-assistant bench scale --districts N``: the product at N synthetic districts.

Builds N districts from the seed index (``synthetic.py`` says how), opens the product on them and
prints, from one run on this machine: clauses, build / open seconds, RSS, the bare encode p50 (the
floor), ask p50/p95 for one district's five policies, a ten-district scope and "all", the
exact-vs-store recall@10 of the vector store (one district filtered, all), the seconds to
re-ingest after one changed document (through the real ingest: read, chunk, embed what changed,
write), and the largest answer in bytes. Figures, never assertions (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..embed import Embedder
from ..pipeline import Assistant
from ..store import ClauseStore
from .synthetic import build_synthetic_store, district_doc_ids, write_corpus

__all__ = ["run_scale"]

QUESTIONS = (
    "Can I text a student individually?", "is it ok if i follow my students on tiktok?",
    "Can I use the school logo on my personal page?", "What happens if I violate the social media policy?",
    "Do I need approval to create a social media page for my class?", "How do I get a parking permit?",
)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _wire_bytes(answer: Any) -> int:
    """The answer's size as the API sends it (FastAPI's JSONResponse: UTF-8, no spaces)."""
    return len(json.dumps(answer.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_scale(districts: int, seed_index: Path, chroma_url: str | None = None, workdir: Path | None = None,
              rounds: int = 3, embedder: Embedder | None = None, fresh_process: bool = True) -> dict[str, Any]:
    """Build N districts here, then measure the product in a fresh process (``fresh_process``): the
    RSS and opening figures are a serving process's, not this builder's (which holds every
    synthetic document it made)."""
    tmp = Path(workdir or tempfile.mkdtemp(prefix="bench-scale-"))
    index, corpus = tmp / "index", tmp / "corpus"
    collection = f"scale{districts}_{int(time.time())}"
    out: dict[str, Any] = {"districts": districts}
    try:
        seed_store = ClauseStore(seed_index).load()
        t = time.perf_counter()
        built = build_synthetic_store(seed_store, districts, ClauseStore(index, chroma_url, collection))
        out["build_s"] = round(time.perf_counter() - t, 2)
        out["clauses"], out["norms"], out["documents"] = built["clauses"], built["norms"], built["documents"]
        write_corpus(built["documents_list"], corpus)
        del built, seed_store
        args = (districts, str(seed_index), str(index), str(corpus), chroma_url, collection, str(tmp), rounds)
        if fresh_process:
            import multiprocessing

            with multiprocessing.get_context("spawn").Pool(1) as pool:
                out.update(pool.apply(_measure, args))
        else:
            out.update(_measure(*args, embedder=embedder))
        return out
    finally:
        if chroma_url:
            try:
                store = ClauseStore(index, chroma_url, collection)
                store.drop_stale_collections(keep=set())
                store.client.delete_collection(f"{collection}_records")
            except Exception:  # noqa: BLE001 - best effort on a shared server
                pass
        if workdir is None:
            shutil.rmtree(tmp, ignore_errors=True)


def _measure(districts: int, seed_index: str, index: str, corpus_dir: str, chroma_url: str | None, collection: str,
             tmp: str, rounds: int, embedder: Embedder | None = None) -> dict[str, Any]:
    """Open the product on the built index and measure it (run in a fresh process)."""
    seeds = [d for _, d in sorted(ClauseStore(Path(seed_index)).load().documents.items())]
    corpus = Path(corpus_dir)
    out: dict[str, Any] = {}
    embedder = embedder or Embedder()
    embedder.model.encode("warm up")
    out["rss_before_open_mb"] = round(_rss_mb())
    settings = Settings(index=Path(index), corpus=corpus, chroma_url=chroma_url, collection=collection,
                        feedback_db=Path(tmp) / "feedback.sqlite3")
    t = time.perf_counter()
    a = Assistant.open(settings, embedder=embedder)
    out["open_s"] = round(time.perf_counter() - t, 2)
    out["rss_open_mb"] = round(_rss_mb())
    rng = random.Random(0)
    model = embedder.model
    for q in QUESTIONS:
        model.encode(q)
        a.ask(q)
    encode, one, ten, everyone, sizes = [], [], [], [], []
    for r in range(rounds):
        for q in QUESTIONS:
            fresh = f"{q} ({r})"  # no query-vector cache: every ask encodes
            t = time.perf_counter()
            model.encode(fresh)
            encode.append((time.perf_counter() - t) * 1000)
            i = rng.randrange(districts)
            ids = district_doc_ids(seeds, i)
            t = time.perf_counter()
            ans = a.ask(f"{q} ({r}a)", district=ids[0], scope=",".join(ids))
            one.append((time.perf_counter() - t) * 1000)
            sizes.append(_wire_bytes(ans))
            group = [d for k in rng.sample(range(districts), min(10, districts)) for d in district_doc_ids(seeds, k)]
            t = time.perf_counter()
            ans = a.ask(f"{q} ({r}b)", scope=",".join(group))
            ten.append((time.perf_counter() - t) * 1000)
            sizes.append(_wire_bytes(ans))
            t = time.perf_counter()
            ans = a.ask(f"{q} ({r}c)")
            everyone.append((time.perf_counter() - t) * 1000)
            sizes.append(_wire_bytes(ans))
    out["encode_p50_ms"] = round(statistics.median(encode), 2)
    out["ask_one_p50_ms"] = round(statistics.median(one), 2)
    out["ask_one_p95_ms"] = round(_pct(one, 0.95), 2)
    out["ask_ten_p50_ms"] = round(statistics.median(ten), 2)
    out["ask_all_p50_ms"] = round(statistics.median(everyone), 2)
    out["answer_bytes_max"] = max(sizes)
    out["rss_mb"] = round(_rss_mb())  # the serving process after its asks (no Chroma search on that path)
    out.update(_recall(a, seeds, districts, rng))
    out["rss_after_store_search_mb"] = round(_rss_mb())  # + Chroma's own index, loaded by the recall check

    # the corpus files were written after the synthetic index: one ingest records their sizes and
    # times, as the ingest that built a real index does (every row is rewritten once here)
    t = time.perf_counter()
    a.ingest(corpus)
    out["first_ingest_s"] = round(time.perf_counter() - t, 2)
    # one changed document, through the real ingest (look at every file, read and chunk what
    # changed, embed what changed, write its row)
    target = corpus / a.store.documents[sorted(a.store.documents)[0]].meta.source_file
    target.write_text(target.read_text(encoding="utf-8") + "\n\nEmployees shall not operate drones over "
                      "district property.\n", encoding="utf-8")
    t = time.perf_counter()
    report = a.ingest(corpus)
    out["reingest_one_doc_s"] = round(time.perf_counter() - t, 2)
    out["reingest_embedded"] = report.embedded
    out["reingest_failed"] = len(report.failed)
    out["store"] = "server" if chroma_url else "embedded"
    return out


def _recall(a: Assistant, seeds: list, districts: int, rng: random.Random, queries: int = 20) -> dict[str, float]:
    """The vector store's top 10 against exact cosine over the same stored vectors, for searches
    filtered to one district and over all (the ask path itself scores norms exactly)."""
    store = a.store
    ids = [c.clause_id for c in store.clauses]
    vecs = store.stored_vectors(ids)
    matrix = np.stack([vecs[i] for i in ids]).astype(np.float32)
    doc_of = np.array([c.doc_id for c in store.clauses], dtype=object)
    one, everyone = [], []
    for k in range(queries):
        q = matrix[rng.randrange(len(ids))] + np.random.default_rng(k).normal(0, 0.05, matrix.shape[1]).astype(np.float32)
        q /= np.linalg.norm(q)
        sims = matrix @ q
        exact_all = {ids[j] for j in np.argsort(-sims)[:10]}
        got_all = {cid for cid, _ in store.dense_search(q, 10)}
        everyone.append(len(exact_all & got_all) / 10)
        district = district_doc_ids(seeds, rng.randrange(districts))
        mask = np.isin(doc_of, district)
        pos = np.flatnonzero(mask)
        exact_one = {ids[j] for j in pos[np.argsort(-sims[pos])[:10]]}
        got_one = {cid for cid, _ in store.dense_search(q, 10, doc_ids=district)}
        one.append(len(exact_one & got_one) / max(1, len(exact_one)))
    return {"recall_one": round(float(np.mean(one)), 3), "recall_all": round(float(np.mean(everyone)), 3)}
