"""Hybrid retrieval: dense (MiniLM vectors in Chroma) + BM25, fused by ``clause_id`` with weighted
reciprocal-rank fusion, diversified per district, each hit scored for how much of the question's
words it speaks to (``coverage``) so the answerer can decide what a district addresses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .asked import Asked, analyse
from .config import Settings
from .embed import Embedder
from .lexical import LexicalIndex
from .store import ClauseStore
from .types import Hit


@dataclass(frozen=True)
class Retrieval:
    """What the answerer needs: the hits (best first) and the question's analysed terms."""

    hits: tuple[Hit, ...]
    terms: tuple[str, ...]
    doc_ids: tuple[str, ...]  # the documents that were searched


class HybridRetriever:
    def __init__(self, store: ClauseStore, embedder: Embedder, settings: Settings):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.lexical = LexicalIndex(store.clauses, dictionary=embedder.words(), stems=store.stems)
        self._vectors: dict | None = None

    def analyse(self, question: str) -> Asked:
        """The question analysed once (spelling, expansions, kind, action, terms, vector)."""
        return analyse(question, self.lexical, self.embedder, self.settings.expand_queries)

    def retrieve(self, asked: Asked | str, doc_ids: Iterable[str] | None = None) -> Retrieval:
        s = self.settings
        if isinstance(asked, str):
            asked = self.analyse(asked)
        scope = tuple(sorted(doc_ids)) if doc_ids is not None else tuple(sorted(self.store.documents))
        query, vector = asked.query, asked.vector
        filter_ids = scope if doc_ids is not None else None
        dense = self.store.dense_search(vector, s.dense_k, filter_ids)
        lexical = self.lexical.search(query, s.lexical_k, filter_ids)

        similarity = dict(dense)
        fused: dict[str, float] = {}
        dense_rank: dict[str, int] = {}
        lexical_rank: dict[str, int] = {}
        for rank, (cid, _) in enumerate(dense, 1):
            dense_rank[cid] = rank
            fused[cid] = fused.get(cid, 0.0) + s.dense_weight / (s.rrf_k + rank)
        for rank, (cid, _) in enumerate(lexical, 1):
            lexical_rank[cid] = rank
            fused[cid] = fused.get(cid, 0.0) + s.lexical_weight / (s.rrf_k + rank)

        # Per-district diversification: a district none of whose clauses made either list still
        # gets its nearest clauses considered, so one verbose document cannot crowd it out.
        covered = {self.store.by_id[cid].doc_id for cid in fused}
        for doc_id in scope:
            if doc_id in covered:
                continue
            for cid, sim in self.store.dense_search(vector, 3, [doc_id]):
                similarity[cid] = sim
                fused.setdefault(cid, s.dense_weight / (s.rrf_k + s.dense_k + 1))

        terms, term_exp = list(asked.terms), asked.term_expansions
        missing = [cid for cid in fused if cid not in similarity]
        if missing:
            similarity.update(self._similarities(vector, missing))
        hits = [
            Hit(
                clause=self.store.by_id[cid],
                score=score,
                dense_rank=dense_rank.get(cid),
                lexical_rank=lexical_rank.get(cid),
                similarity=similarity.get(cid, 0.0),
                coverage=self.lexical.coverage(terms, term_exp, cid),
                focus=self.lexical.coverage(terms, term_exp, cid, own_text_only=True),
            )
            for cid, score in fused.items()
        ]
        hits.sort(key=lambda h: (-h.score, h.clause.clause_id))
        return Retrieval(hits=tuple(hits), terms=tuple(terms), doc_ids=scope)

    def _similarities(self, vector, clause_ids: list[str]) -> dict[str, float]:
        if self._vectors is None:  # fetched from Chroma once, then kept (hundreds of small vectors)
            self._vectors = self.store.stored_vectors(list(self.store.by_id))
        return {cid: float(self._vectors[cid] @ vector) for cid in clause_ids if cid in self._vectors}
