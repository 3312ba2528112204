"""``Assistant``: the one facade the faces (cli, web, evaluation) use. It owns the embedder, the
store, the retriever and the answerers; it loads them once and answers many questions."""

from __future__ import annotations


import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from .answer import ExtractiveAnswerer
from .config import Settings
from .embed import Embedder
from .errors import IndexCorrupt, InvalidQuestion, NotFound
from .indexer import Indexer
from .retrieve import HybridRetriever
from .rule import NormIndex, Ruler
from .store import ClauseStore
from .types import Answer, Clause, DocMeta, Document, IngestReport, ScopeSummary
from .versions import find_version, in_force, latest, parse_as_of, stamp, versions_of

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
        store = ClauseStore(settings.index, settings.chroma_url, settings.collection, settings.records_poll_seconds)
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
        # policy id -> version views, per day (``_in_force``) and the latest ("latest"), for this load
        self._views: dict[str, dict[str, Document]] = {}
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings) if self.store.clauses else None
        self.norms: NormIndex | None = None
        self.ruler: Ruler | None = None
        if self.retriever is not None:
            self.norms = NormIndex(self.store.norms, self.store.norm_vectors, self.store.by_id,
                                   self.retriever.lexical, self.embedder, stems=self.store.stems)
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
    def resolve_district(self, district: str | None, allowed: Collection[str] | None = None,
                         documents: Mapping[str, Document] | None = None) -> str | None:
        """A policy id, or a district/short name naming exactly one policy; None for all. With
        ``allowed`` (an API key's districts), a district outside it is unknown. ``documents``: policy
        id -> document (default: every policy's latest version)."""
        if district is None or not str(district).strip() or str(district).strip().lower() == "all":
            return None
        key = str(district).strip()
        every = self._latest() if documents is None else documents
        docs = {d: doc for d, doc in every.items() if allowed is None or d in allowed}
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
        """The policy ids an API key's district list names (``scope.expand_names``) and the stored
        keys of all their versions; None: all."""
        if allowed is None:
            return None
        from .scope import expand_names

        docs = self.store.documents
        policies = {docs[k].meta.policy for k in expand_names(allowed, docs)}
        policies |= expand_names(allowed, self._latest())  # a policy id whose latest version failed to load
        return policies | {k for k, d in docs.items() if d.meta.policy in policies}

    def current(self, as_of: str | date | None = None) -> dict[str, Document]:
        """Policy id -> the version in force on ``as_of`` (YYYY-MM-DD; today when None); a policy
        with no version in force then is left out. Raises ``InvalidQuestion`` for a bad date."""
        return dict(self._in_force(parse_as_of(as_of)))

    def _in_force(self, day: date) -> dict[str, Document]:
        """``versions.in_force`` for ``day``, computed once per day per index load (a scan of every
        stored document: 16 ms at 5,000)."""
        key = day.isoformat()
        if key not in self._views:
            if len(self._views) > 64:
                self._views = {k: v for k, v in self._views.items() if k == "latest"}
            self._views[key] = in_force(self.store.documents, day)
        return self._views[key]

    def _latest(self) -> dict[str, Document]:
        if "latest" not in self._views:
            self._views["latest"] = latest(self.store.documents)
        return self._views["latest"]

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
            allowed: Collection[str] | None = None, history: Sequence[str] = (),
            as_of: str | date | None = None) -> Answer:
        """Answer for ``district`` (or all) over ``scope`` (``scope.resolve_scope``); ``allowed``:
        the asker's key's districts (doc ids, names, ``state:NAME``), never anything beyond them.
        ``history``: the conversation's earlier questions as answered (oldest first); a follow-up
        ("what about for coaches?", "and in Union?") is read against the last (``followup.py``).
        ``as_of`` (YYYY-MM-DD, default today): each policy answers from its version in force on that
        date; a policy with none then is named in ``not_in_force``, never ruled from another version."""
        t0 = time.perf_counter()
        typed = question = self.check_question(question)
        day = parse_as_of(as_of)
        self.refresh()
        if self.retriever is None:
            from .errors import IndexMissing

            raise IndexMissing("The index is empty: run `policy-assistant ingest` first.")
        from .scope import resolve_scope

        visible = self.visible(allowed)
        # one entry per policy: its version in force on the day (keys: policy ids); scope and the
        # district filter read every policy's latest version, so a policy not in force is named, not unknown
        docs = self.store.documents
        view, every = self._in_force(day), self._latest()
        answered = ""
        if history:
            from .followup import district_aliases, resolve

            seen = view if visible is None else {d: v for d, v in view.items() if d in visible}
            r = resolve(question, self._earlier(history), district_aliases(seen))
            if r.followup:
                question = answered = r.question
                district = r.district or district
        policy = self.resolve_district(district, visible, every)
        if policy is not None and policy not in view:
            raise NotFound(f"{every[policy].meta.label_name} had no version in force on {day.isoformat()}: "
                           f"{self._earliest(policy)}.")
        s = self.settings
        chosen = resolve_scope(every, policy, scope, s.peer_groups, s.compare_all_max, visible)
        keys = [view[p].doc_id for p in chosen.doc_ids if p in view]
        absent = tuple(p for p in chosen.doc_ids if p not in view)
        asked = self.retriever.analyse(question)  # the question, analysed once
        assert self.ruler is not None
        if not keys:
            answer = self._nothing_in_force(asked, absent, day, chosen.name)
        else:
            rulings = self.ruler.rule_all(asked, keys)  # exact, over the norms of the versions in force
            answer = self.answerer.answer(asked, None, district=view[policy].doc_id if policy else None,
                                          rulings=rulings, scope=chosen.name, page=page)
            if absent:
                answer = dataclasses.replace(answer, summary=f"{answer.summary} {self._absent_line(absent, day)}")
        answer = stamp(answer, docs)  # each citation names its version and effective date
        return dataclasses.replace(answer, question=typed, answered=answered, as_of=day.isoformat(),
                                   not_in_force=absent, latency_ms=round((time.perf_counter() - t0) * 1000, 2))

    # -- versions -------------------------------------------------------------------------------
    def _earliest(self, policy: str) -> str:
        first = versions_of(self.store.documents, policy)[0].meta.effective
        return f"its earliest stored version is effective {first}"

    def _absent_line(self, absent: Sequence[str], day: date, shown: int = 5) -> str:
        every = self._latest()
        names = "; ".join(f"{every[p].meta.label_name} ({self._earliest(p)})" for p in absent[:shown])
        more = f"; and {len(absent) - shown:,} more (the answer's not_in_force)" if len(absent) > shown else ""
        return f"Not in force on {day.isoformat()}, so not answered from: {names}{more}."

    def _nothing_in_force(self, asked: Any, absent: Sequence[str], day: date, scope: str) -> Answer:
        summary = f"No policy in scope was in force on {day.isoformat()}. " + self._absent_line(absent, day)
        info = ScopeSummary(name=scope, districts=0, page_size=self.settings.page_size)
        return Answer(question=asked.question, district=None, abstained=True, summary=summary, asked=asked.action,
                      kind=asked.kind, scope=info, answer_id=uuid.uuid4().hex[:16])

    def versions(self, policy: str) -> list[DocMeta]:
        """Every stored version of ``policy`` (a policy id, or any version's key), oldest first."""
        doc = self.document(policy)
        return [d.meta for d in versions_of(self.store.documents, doc.meta.policy)]

    # -- documents and clauses ------------------------------------------------------------------
    def documents(self, as_of: str | date | None = None) -> list[DocMeta]:
        """One per policy: its version in force on ``as_of`` (today by default); older versions are
        listed by ``versions`` and read by ``document(key)``."""
        return [d.meta for d in sorted(self.current(as_of).values(), key=lambda d: d.meta.policy)]

    def clause_counts(self) -> dict[str, int]:
        counts = {d: 0 for d in self.store.documents}
        for c in self.store.clauses:
            counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
        return counts

    def document(self, doc_id: str) -> Document:
        """A stored document by key, or a version as ``<policy id>@<effective date or version label>``."""
        found = find_version(self.store.documents, doc_id)
        if found is None:
            raise NotFound(f"No document '{doc_id}'. Known: {', '.join(sorted(self.store.documents))}.")
        return found

    def clauses(self, doc_id: str) -> list[Clause]:
        key = self.document(doc_id).doc_id
        return [c for c in self.store.clauses if c.doc_id == key]

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
            before = self.store.generation
            report = indexer.run(Path(corpus or s.corpus), rebuild, progress)
            # the indexer's store already holds what it wrote; rebuild the in-memory indexes only
            # when the records changed (an unchanged corpus re-ingests in the time it takes to read it)
            if self.store.exists():
                written = self.store.generation != before
                if not written and rebuild:
                    self.store.load()  # a rebuild that wrote nothing: the records on disk are the truth
                if written or rebuild or self.retriever is None:
                    self._build()
            return report

    @property
    def feedback(self) -> Any:
        if self._feedback is None:
            from .feedback import FeedbackStore

            self._feedback = FeedbackStore(self.settings.feedback_path)
        return self._feedback
