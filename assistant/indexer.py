"""Ingest a corpus folder into the store: load -> chunk -> embed what changed -> write atomically.

Incremental: a clause whose embedded text is unchanged reuses its stored vector, so re-ingesting an
unchanged corpus embeds nothing. A document that fails to load keeps its previous clauses; a
document removed from the corpus is removed from the index. One ingest at a time (a lock file).
"""

from __future__ import annotations

import hashlib
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from .chunk import chunk_document
from .embed import Embedder, index_embedder_changed, record_index_embedder
from .errors import AssistantError, IndexBusy, IndexCorrupt, IndexMissing
from .ingest import Limits, load_corpus
from .norms import extract_norms, norm_embed_text
from .chroma import server_alive, unreachable
from .store import ClauseStore, embed_key
from .types import Clause, Document, IngestProblem, IngestReport, Norm

LOCK_FILE = ".ingest.lock"


def _progress(enabled: bool):
    if not enabled:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    transient=True)


class Indexer:
    @staticmethod
    def _in_place(store: ClauseStore) -> bool:
        """Whether the current collection can take an in-place update (it exists and answers)."""
        try:
            store.collection.count()
            return True
        except IndexMissing:
            return False

    def __init__(self, store: ClauseStore, embedder: Embedder, limits: Limits | None = None, max_clauses: int = 5_000):
        self.store = store
        self.embedder = embedder
        self.limits = limits or Limits()
        self.max_clauses = max_clauses

    def lock(self) -> FileLock:
        self.store.index_dir.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.store.index_dir / LOCK_FILE), timeout=0)

    def run(self, corpus: Path, rebuild: bool = False, progress: bool = False) -> IngestReport:
        t0 = time.perf_counter()
        lock = self.lock()
        try:
            lock.acquire()
        except Timeout:
            raise IndexBusy(
                f"Another ingest is running on {self.store.index_dir}/ (lock file {LOCK_FILE}); "
                "wait for it to finish, then try again."
            ) from None
        try:
            return self._run(Path(corpus), rebuild, progress, t0)
        except AssistantError:
            raise
        except Exception:
            # a Chroma server that stops answering mid-ingest: say so; the previous records and
            # collection are untouched (the switch to a new version is the last step)
            if self.store.chroma_url and not server_alive(self.store.chroma_url):
                self.store._client = self.store._vector_store = self.store._collection = None
                raise unreachable(self.store.chroma_url) from None
            raise
        finally:
            lock.release()

    def _run(self, corpus: Path, rebuild: bool, progress: bool, t0: float) -> IngestReport:
        store = self.store
        old_docs: dict[str, Document] = {}
        old_clauses: dict[str, list[Clause]] = {}
        corrupt = False
        if store.exists():
            try:
                store.load()
            except IndexCorrupt:
                corrupt = True  # unreadable records: nothing to reuse, rebuild everything from the corpus
        if store.exists() and not rebuild and index_embedder_changed(store.index_dir, self.embedder):
            rebuild = True  # vectors from another model or backend (POLICY_EMBED_BACKEND): embed everything again
        if corrupt:
            rebuild = True
            store.collection_name, store.documents, store.clauses, store.by_id = None, {}, [], {}
            store.norms, store.norm_vectors, store.embed_keys, store.norm_keys = [], None, {}, {}
            store.stems, store._rows = None, {}
        elif store.exists():
            old_docs = dict(store.documents)
            for c in store.clauses:
                old_clauses.setdefault(c.doc_id, []).append(c)

        # a file whose size and modification time are those it had when last read is not read again
        by_source = {d.meta.source_file: d for d in old_docs.values()}
        sources: dict[str, tuple[int, int]] = {}

        def known(rel: str, stamp: tuple[int, int]) -> Document | None:
            sources[rel] = stamp
            old = by_source.get(rel)
            return None if rebuild or old is None or store.sources.get(rel) != stamp else old

        docs, problems = load_corpus(corpus, self.limits, known=known)
        problems = list(problems)
        seen: dict[str, Document] = {}
        for doc in docs:
            if doc.doc_id in seen:
                problems.append(IngestProblem(doc.meta.source_file,
                                              f"duplicate doc id '{doc.doc_id}' (also {seen[doc.doc_id].meta.source_file})"))
                continue
            seen[doc.doc_id] = doc

        # Documents that failed to load keep their previous version in the index.
        failed_sources = {Path(p.path).name for p in problems}
        for doc_id, old in old_docs.items():
            if doc_id not in seen and Path(old.meta.source_file).name in failed_sources:
                seen[doc_id] = old

        new_docs = sorted(seen.values(), key=lambda d: d.doc_id)
        all_clauses: list[Clause] = []
        skipped = 0
        reused: set[str] = set()  # documents whose clauses and norms are taken as stored (read once, at ingest)
        for doc in new_docs:
            old = old_docs.get(doc.doc_id)
            # (a PDF's clauses stored before they knew their last page are read again: their labels gain pages)
            paged_ok = old is None or old.pages == doc.pages and (
                not doc.pages or all(c.page_end is not None for c in old_clauses.get(doc.doc_id, [])))
            if (old is not None and old.content_hash == doc.content_hash and old.meta == doc.meta and not rebuild
                    and paged_ok):
                skipped += 1
                if doc.doc_id in old_clauses:
                    all_clauses.extend(old_clauses[doc.doc_id])
                    reused.add(doc.doc_id)
                    continue
            if old is not None and doc is old:
                all_clauses.extend(old_clauses.get(doc.doc_id, []))
                reused.add(doc.doc_id)
                continue
            try:
                chunks = chunk_document(doc)
                if len(chunks) > self.max_clauses:
                    problems.append(IngestProblem(doc.meta.source_file, (
                        f"splits into {len(chunks):,} clauses, over the limit of {self.max_clauses:,} "
                        "(setting POLICY_INGEST_MAX_CLAUSES): not indexed")))
                    chunks = old_clauses.get(doc.doc_id, [])
                    if old is None:
                        new_docs = [d for d in new_docs if d.doc_id != doc.doc_id]
                    else:
                        new_docs = [old if d.doc_id == doc.doc_id else d for d in new_docs]
                all_clauses.extend(chunks)
            except Exception as exc:  # a chunker bug must not lose the rest of the corpus
                problems.append(IngestProblem(doc.meta.source_file, f"could not be split into clauses: {exc}"))
                all_clauses.extend(old_clauses.get(doc.doc_id, []))

        # norms: each clause's sentences read as rules, once, here; their action spans embedded
        # (vectors reused from the previous version when the embedded text is unchanged)
        stored_norms: dict[str, list[Norm]] = {}
        for n in store.norms if reused else ():
            stored_norms.setdefault(n.clause_id, []).append(n)
        keep = reused if store.norms else set()  # an index written before norms were stored: read them now
        norms = [n for c in all_clauses
                 for n in (stored_norms.get(c.clause_id, []) if c.doc_id in keep else extract_norms(c))]
        by_id = {c.clause_id: c for c in all_clauses}
        # a document taken as stored keeps its stored keys and vectors (its texts are the same): only
        # the changed documents' texts are hashed, and embedded when new
        kept = keep if not rebuild else set()
        stored_row = {n.norm_id: i for i, n in enumerate(store.norms)} if kept and store.norm_vectors is not None else {}
        norm_keys: dict[str, str] = {}
        norm_texts: dict[int, str] = {}
        for i, n in enumerate(norms):
            stored_key = store.norm_keys.get(n.norm_id) if n.doc_id in kept and n.norm_id in stored_row else None
            if stored_key is None:
                norm_texts[i] = norm_embed_text(by_id[n.clause_id], n)
                stored_key = hashlib.sha256(norm_texts[i].encode("utf-8")).hexdigest()
            norm_keys[n.norm_id] = stored_key
        old_norm_vecs: dict[str, int] = {}  # embed key -> row of the stored norm vectors
        if not rebuild and store.norm_vectors is not None:
            for j, n in enumerate(store.norms):
                old_norm_vecs.setdefault(store.norm_keys.get(n.norm_id, ""), j)
        norm_vectors = np.zeros((len(norms), self.embedder.dim), dtype=np.float32)
        todo = []
        for i, n in enumerate(norms):
            j = old_norm_vecs.get(norm_keys[n.norm_id])
            if j is None:
                todo.append(i)
            else:
                norm_vectors[i] = store.norm_vectors[j]  # type: ignore[index]
        if todo:
            texts = [norm_texts.get(i) or norm_embed_text(by_id[norms[i].clause_id], norms[i]) for i in todo]
            for i, vec in zip(todo, self.embedder.encode(texts)):
                norm_vectors[i] = vec

        keys = {c.clause_id: (store.embed_keys.get(c.clause_id) if c.doc_id in kept else None) or embed_key(c)
                for c in all_clauses}
        pending = store.pending_ids()  # left half-changed by a killed write: never reused as they are
        reuse_ids = [] if rebuild else [cid for cid, k in keys.items()
                                        if store.embed_keys.get(cid) == k and cid not in pending]
        changed: set[str] | None = None
        reuse = set(reuse_ids)
        moved = [cid for cid in reuse_ids if store.by_id.get(cid) != by_id[cid]]  # same text, new label/offsets
        fresh = [c for c in all_clauses if c.clause_id not in reuse]
        gone = set(store.by_id) - set(by_id)
        if reuse_ids and not (fresh or moved or gone):
            vectors, to_embed, changed = {}, [], set()  # every vector already where it belongs
        elif reuse_ids and self._in_place(store):
            # the unchanged clauses' vectors stay where they are; only what changed is written
            vectors = store.stored_vectors(moved) if moved else {}
            to_embed = fresh + [by_id[cid] for cid in moved if cid not in vectors]
            changed = {c.clause_id for c in to_embed} | set(vectors)
        else:
            vectors = store.stored_vectors(reuse_ids) if reuse_ids else {}
            to_embed = [c for c in all_clauses if c.clause_id not in vectors]
        with _progress(progress) as bar:
            if to_embed:
                task = bar.add_task("Embedding clauses", total=len(to_embed)) if bar else None
                # one call: the embedder batches longest first across all of them, in bounded chunks
                embedded = self.embedder.encode([c.embed_text for c in to_embed],
                                                on_progress=(lambda n: bar.advance(task, n)) if bar else None)
                for clause, vec in zip(to_embed, embedded):
                    vectors[clause.clause_id] = vec
            unchanged_store = (
                not to_embed and store.exists() and not rebuild
                and [c.clause_id for c in all_clauses] == [c.clause_id for c in store.clauses]
                and all(store.by_id[c.clause_id] == c for c in all_clauses)
                and {d.doc_id: d for d in new_docs} == store.documents
                and store.norms == norms and store.norm_vectors is not None
                and all(store.sources.get(d.meta.source_file) == sources.get(d.meta.source_file) for d in new_docs)
            )
            if not unchanged_store:
                task = bar.add_task("Writing index", total=len(all_clauses) if changed is None else len(changed)) if bar else None
                store.write(new_docs, all_clauses, vectors, keys,
                            on_progress=(lambda n: bar.advance(task, n)) if bar else None,
                            norms=norms, norm_vectors=norm_vectors, norm_keys=norm_keys, changed=changed,
                            sources=sources)

        record_index_embedder(store.index_dir, self.embedder)
        removed = len([d for d in old_docs if d not in seen])
        return IngestReport(
            docs=len(new_docs), clauses=len(all_clauses), embedded=len(to_embed), skipped=skipped,
            removed=removed, failed=tuple(problems), seconds=time.perf_counter() - t0,
        )
