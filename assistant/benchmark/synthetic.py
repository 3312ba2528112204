"""A synthetic corpus of N districts made from the seed policies, for the scale benchmark.

How it is made (stated, so the figures can be read for what they are):
- district i holds all five seed policies (five documents, ~140 clauses, like a district's set of
  board policies); its district name, policy numbers and some wording are varied (word swaps that keep every sentence and list item: "employees" -> "staff members",
  "shall not" -> "must not", "social media" -> "social networking", ...), then it is chunked and
  its norms read by the product's own chunker and norm reader;
- vectors are the seed's real MiniLM embeddings of the corresponding clause / sentence, plus
  Gaussian noise (per-dimension sigma 0.0128, so the cosine to the original is ~0.97), unit length;
  a clause or sentence with no counterpart takes its seed document's first vector with noise;
- districts are spread over 20 states (the peer groups), numbered "Synthetic District 00042".
Nothing is embedded, so building 1,000 districts costs the chunker and the store's write, not the model.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np

from ..chunk import chunk_document
from ..norms import extract_norms, norm_embed_text
from ..store import ClauseStore, embed_key
from ..types import Clause, DocMeta, Document, Norm
from ..versions import dated

__all__ = ["STATES", "synthetic_documents", "build_synthetic_store", "district_doc_ids", "NOISE_SIGMA"]

NOISE_SIGMA = 0.0128
STATES = ("Alabama", "Arizona", "California", "Colorado", "Florida", "Georgia", "Illinois", "Indiana", "Iowa",
          "Kansas", "Michigan", "Minnesota", "Missouri", "Nebraska", "New York", "Ohio", "Oklahoma", "Oregon",
          "Texas", "Wisconsin")
# (pattern, replacement, applies when district number % k == r)
_SWAPS: tuple[tuple[str, str, int, int], ...] = (
    (r"\bemployees\b", "staff members", 2, 1),
    (r"\bEmployees\b", "Staff members", 2, 1),
    (r"\bshall not\b", "must not", 3, 0),
    (r"\bsocial media\b", "social networking", 4, 2),
    (r"\bSuperintendent\b", "Chief Executive", 5, 3),
    (r"\bdistrict\b", "school system", 7, 4),
)


def _vary(text: str, i: int) -> str:
    for pattern, repl, k, r in _SWAPS:
        if i % k == r:
            text = re.sub(pattern, repl, text)
    return text


def district_doc_ids(seeds: list[Document], i: int) -> list[str]:
    return [f"syn{i:05d}-{seed.doc_id}" for seed in seeds]


def synthetic_documents(seeds: list[Document], n: int) -> Iterator[tuple[int, Document, Document]]:
    """(district number, the seed, the synthetic document): every seed policy for districts 0..n-1."""
    for i in range(n):
        for k, seed in enumerate(seeds):
            text = _vary(seed.text, i)
            m = seed.meta
            meta = DocMeta(
                doc_id=district_doc_ids(seeds, i)[k], title=m.title, district=f"Synthetic District {i:05d}",
                district_named=True, state=STATES[i % len(STATES)], policy_number=f"{(i * 7919 + k) % 9000 + 1000}",
                short_name=f"SD{i:05d} {m.short_name or m.title}"[:80], dates=m.dates, source_file=f"syn{i:05d}-{k}.txt",
            )
            # dated: the policy id and effective date an ingest of ``write_corpus`` gives it (``versions.dated``)
            yield i, seed, dated(Document(meta=meta, text=text, content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest()))


def _noisy(rng: np.random.Generator, vec: np.ndarray) -> np.ndarray:
    v = vec + rng.normal(0.0, NOISE_SIGMA, size=vec.shape).astype(np.float32)
    return (v / np.linalg.norm(v)).astype(np.float32)


def build_synthetic_store(seed_store: ClauseStore, n: int, store: ClauseStore, seed: int = 0) -> dict[str, int]:
    """Write ``n`` synthetic districts into ``store`` through its ``write`` (the product's own path)."""
    rng = np.random.default_rng(seed)
    seeds = [seed_store.documents[d] for d in sorted(seed_store.documents)]
    seed_clauses = {d.doc_id: [c for c in seed_store.clauses if c.doc_id == d.doc_id] for d in seeds}
    clause_vecs = seed_store.stored_vectors([c.clause_id for c in seed_store.clauses])
    norm_vecs: dict[str, list[np.ndarray]] = {}
    assert seed_store.norm_vectors is not None, "the seed index has no norm vectors: re-ingest it"
    for norm, vec in zip(seed_store.norms, seed_store.norm_vectors):
        norm_vecs.setdefault(norm.clause_id, []).append(vec)
    documents: list[Document] = []
    clauses: list[Clause] = []
    norms: list[Norm] = []
    vectors: dict[str, np.ndarray] = {}
    nvecs: list[np.ndarray] = []
    for _, seed_doc, doc in synthetic_documents(seeds, n):
        documents.append(doc)
        mine = chunk_document(doc)
        theirs = seed_clauses[seed_doc.doc_id]
        first = clause_vecs[theirs[0].clause_id]
        for j, clause in enumerate(mine):
            twin = theirs[j] if j < len(theirs) else None
            vectors[clause.clause_id] = _noisy(rng, clause_vecs[twin.clause_id] if twin else first)
            twin_norms = norm_vecs.get(twin.clause_id, []) if twin else []
            for k, norm in enumerate(extract_norms(clause)):
                norms.append(norm)
                nvecs.append(_noisy(rng, twin_norms[k] if k < len(twin_norms) else vectors[clause.clause_id]))
        clauses.extend(mine)
    keys = {c.clause_id: embed_key(c) for c in clauses}
    t = time.perf_counter()
    store.write(documents, clauses, vectors, keys, norms=norms, norm_vectors=np.stack(nvecs),
                norm_keys=norm_keys(clauses, norms))
    return {"documents_list": documents, "districts": n, "documents": len(documents), "clauses": len(clauses), "norms": len(norms),
            "write_s": time.perf_counter() - t}


def norm_keys(clauses: list[Clause], norms: list[Norm]) -> dict[str, str]:
    """The keys the indexer gives norm vectors (so a later ingest reuses these vectors)."""
    by_id = {c.clause_id: c for c in clauses}
    return {n.norm_id: hashlib.sha256(norm_embed_text(by_id[n.clause_id], n).encode("utf-8")).hexdigest() for n in norms}


def write_corpus(documents: list[Document], folder: Path) -> None:
    """The synthetic documents as a corpus folder (text files + manifest.toml) that an ingest reads
    as unchanged: the same text and the same metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for doc in documents:
        m = doc.meta
        (folder / m.source_file).write_text(doc.text, encoding="utf-8")
        dates = ", ".join(f'{{kind = {json.dumps(k)}, date = {json.dumps(v)}}}' for k, v in m.dates)
        lines += ["[[documents]]", f"id = {json.dumps(m.doc_id)}", f"file = {json.dumps(m.source_file)}",
                  f"title = {json.dumps(m.title)}", f"district = {json.dumps(m.district)}", "district_named = true",
                  f"state = {json.dumps(m.state)}", f"policy_number = {json.dumps(m.policy_number)}",
                  f"short_name = {json.dumps(m.short_name)}", f"dates = [{dates}]", ""]
    (folder / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")


def changed_document(doc: Document) -> Document:
    """One policy with one sentence changed (for the re-ingest figure)."""
    text = doc.text.rstrip() + "\n\nEmployees shall not operate drones over district property.\n"
    return replace(doc, text=text, content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest())
