"""``Assistant``: the one facade the faces (cli, web, evaluation) use. It owns the embedder, the
store, the retriever and the answerers; it loads them once and answers many questions."""

from __future__ import annotations


import dataclasses
import logging
import threading
import time
from pathlib import Path
from collections.abc import Collection, Sequence
from typing import Any

from .answer import ExtractiveAnswerer
from .config import Settings
from .embed import Embedder
from .errors import IndexCorrupt, InvalidQuestion, NotFound
from .indexer import Indexer
from .retrieve import HybridRetriever
from .rule import NormIndex, Ruler
from .store import ClauseStore
from .types import Answer, Clause, DocMeta, Document, IngestReport

log = logging.getLogger(__name__)


def _visible(text: str) -> str:
    """``text`` without invisible format characters (zero-width spaces and joiners, BOMs)."""
    import unicodedata

    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def check_question(question: Any, max_chars: int) -> str:
    """The question stripped, or ``InvalidQuestion`` with a message for people (a question of only
    invisible characters is empty)."""
    if not isinstance(question, str) or not _visible(question).strip():
        raise InvalidQuestion("Please type a question, for example: Can I friend a student on Facebook?")
    question = question.strip()
    if len(question) > max_chars:
        raise InvalidQuestion(
            f"That question is {len(question):,} characters long; the limit is {max_chars:,}. Please shorten it."
        )
    return question


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder, store: ClauseStore, llm: Any = None):
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.llm = llm
        self._lock = threading.RLock()
        self._feedback: Any = None
        self.reranker: Any = None
        self._build()

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings | None = None, embedder: Embedder | None = None,
             require_index: bool = True) -> "Assistant":
        """Load the model and the index once. Raises ``IndexMissing`` when there is no index."""
        settings = settings or Settings()
        embedder = embedder or Embedder.from_settings(settings)
        store = ClauseStore(settings.index, settings.chroma_url, settings.collection)
        if require_index:
            store.load()
        elif store.exists():
            try:
                store.load()
            except IndexCorrupt:
                pass  # an ingest rebuilds unreadable records; every other command says how
        llm = None
        if settings.llm_backend != "none":
            from .answer_llm import build_llm

            llm = build_llm(settings)
        return cls(settings, embedder, store, llm=llm)

    def _build(self) -> None:
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings) if self.store.clauses else None
        self.norms: NormIndex | None = None
        self.ruler: Ruler | None = None
        if self.retriever is not None:
            self.norms = NormIndex(self.store.norms, self.store.norm_vectors, self.store.by_id,
                                   self.retriever.lexical, self.embedder)
            from .rerank import build_reranker

            if self.reranker is None:
                self.reranker = build_reranker(self.settings)
            self.ruler = Ruler(self.norms, self.retriever.lexical, self.settings, reranker=self.reranker)
        self.extractive = ExtractiveAnswerer(self.store.documents, self.settings, self.norms)
        if self.llm is not None:
            from .answer_llm import LLMAnswerer

            self.answerer: Any = LLMAnswerer(self.llm, self.extractive)
        else:
            self.answerer = self.extractive

    def refresh(self) -> bool:
        """Pick up an index another process re-ingested (cheap stat on every question)."""
        with self._lock:
            if self.store.changed_on_disk():
                self.store.load()
                self._build()
                return True
        return False

    @property
    def ready(self) -> bool:
        return self.retriever is not None

    def check_ready(self) -> dict[str, Any]:
        """What an ask needs, checked now: the records readable (re-read if another process
        re-ingested) and loaded. Raises ``IndexCorrupt`` / ``IndexMissing`` naming the fix. The
        vector store is reported, not required: an ask reads the norm vectors kept beside the
        records, so answers go on while a Chroma server is down (only ingest needs it)."""
        self.refresh()
        if self.retriever is None:
            from .errors import IndexMissing

            raise IndexMissing("The index is empty: run `policy-assistant ingest` first.")
        counts = self.clause_counts()
        return {"documents": len(counts), "clauses": sum(counts.values()), "vector_store": self.store.reachable()}

    # -- questions ------------------------------------------------------------------------------
    def resolve_district(self, district: str | None, allowed: Collection[str] | None = None) -> str | None:
        """A doc id, or a district/short name naming exactly one document; None for all. With
        ``allowed`` (an API key's districts), a district outside it is unknown."""
        if district is None or not str(district).strip() or str(district).strip().lower() == "all":
            return None
        key = str(district).strip()
        docs = {d: doc for d, doc in self.store.documents.items() if allowed is None or d in allowed}
        if key in docs:
            return key
        low = key.lower()
        matches = [d for d, doc in docs.items()
                   if low in (doc.meta.district.lower(), doc.meta.short_name.lower(), doc.meta.title.lower())]
        if len(matches) == 1:
            return matches[0]
        known = sorted(docs)
        listed = ", ".join(known[:20]) + (f" and {len(known) - 20:,} more (GET /api/documents)" if len(known) > 20 else "")
        raise NotFound(f"Unknown district '{key}'. Known: {listed}.")

    def visible(self, allowed: Collection[str] | None) -> set[str] | None:
        """The doc ids an API key's district list names (``scope.expand_names``); None: all."""
        if allowed is None:
            return None
        from .scope import expand_names

        return expand_names(allowed, self.store.documents)

    def _earlier(self, history: Sequence[str]) -> list[str]:
        """The last ten earlier questions that are questions at all: an empty, invisible or too long
        entry is skipped (it is the conversation's past, not this question's fault)."""
        out = []
        for h in list(history)[-10:]:
            try:
                out.append(self.check_question(h))
            except InvalidQuestion:
                continue
        return out

    def check_question(self, question: Any) -> str:
        return check_question(question, self.settings.max_question_chars)

    def ask(self, question: str, district: str | None = None, scope: str | None = None, page: int = 1,
            allowed: Collection[str] | None = None, history: Sequence[str] = ()) -> Answer:
        """Answer for ``district`` (or all) over ``scope`` (``scope.resolve_scope``); ``allowed``:
        the asker's key's districts (doc ids, names, ``state:NAME``), never anything beyond them.
        ``history``: the conversation's earlier questions as answered (oldest first); a follow-up
        ("what about for coaches?", "and in Union?") is read against the last (``followup.py``)."""
        t0 = time.perf_counter()
        typed = question = self.check_question(question)
        self.refresh()
        if self.retriever is None:
            from .errors import IndexMissing

            raise IndexMissing("The index is empty: run `policy-assistant ingest` first.")
        from .scope import resolve_scope

        visible = self.visible(allowed)
        answered = ""
        if history:
            from .followup import district_aliases, resolve

            seen = self.store.documents if visible is None else {d: v for d, v in self.store.documents.items()
                                                                  if d in visible}
            r = resolve(question, self._earlier(history), district_aliases(seen))
            if r.followup:
                question = answered = r.question
                district = r.district or district
        doc_id = self.resolve_district(district, visible)
        s = self.settings
        chosen = resolve_scope(self.store.documents, doc_id, scope, s.peer_groups, s.compare_all_max, visible)
        asked = self.retriever.analyse(question)  # the question, analysed once
        assert self.ruler is not None
        rulings = self.ruler.rule_all(asked, chosen.doc_ids)  # exact, over the norms of the districts in scope
        answer = self.answerer.answer(asked, None, district=doc_id, rulings=rulings, scope=chosen.name, page=page)
        return dataclasses.replace(answer, question=typed, answered=answered,
                                   latency_ms=round((time.perf_counter() - t0) * 1000, 2))

    # -- documents and clauses ------------------------------------------------------------------
    def documents(self) -> list[DocMeta]:
        return [d.meta for d in sorted(self.store.documents.values(), key=lambda d: d.doc_id)]

    def clause_counts(self) -> dict[str, int]:
        counts = {d: 0 for d in self.store.documents}
        for c in self.store.clauses:
            counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
        return counts

    def document(self, doc_id: str) -> Document:
        try:
            return self.store.documents[doc_id]
        except KeyError:
            raise NotFound(f"No document '{doc_id}'. Known: {', '.join(sorted(self.store.documents))}.") from None

    def clauses(self, doc_id: str) -> list[Clause]:
        self.document(doc_id)
        return [c for c in self.store.clauses if c.doc_id == doc_id]

    def clause(self, clause_id: str) -> Clause:
        try:
            return self.store.by_id[clause_id]
        except KeyError:
            raise NotFound(f"No clause '{clause_id}'.") from None

    # -- ingest and feedback --------------------------------------------------------------------
    def ingest(self, corpus: Path | None = None, rebuild: bool = False, progress: bool = False) -> IngestReport:
        with self._lock:
            from .ingest import Limits

            s = self.settings
            limits = Limits(max_file_bytes=s.ingest_max_file_bytes, max_text_chars=s.ingest_max_text_chars,
                            max_file_seconds=s.ingest_max_file_seconds)
            indexer = Indexer(self.store, self.embedder, limits, max_clauses=s.ingest_max_clauses)
            before = self.store._records_mtime
            report = indexer.run(Path(corpus or s.corpus), rebuild, progress)
            # the indexer's store already holds what it wrote; rebuild the in-memory indexes only
            # when the records changed (an unchanged corpus re-ingests in the time it takes to read it)
            if self.store.exists():
                written = self.store._records_mtime != before
                if not written and rebuild:
                    self.store.load()  # a rebuild that wrote nothing: the records on disk are the truth
                if written or rebuild or self.retriever is None:
                    self._build()
            return report

    @property
    def feedback(self) -> Any:
        if self._feedback is None:
            from .feedback import FeedbackStore

            self._feedback = FeedbackStore(self.settings.feedback_db or self.settings.index / "feedback.sqlite3")
        return self._feedback
