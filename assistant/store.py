"""Persisted index: clause vectors in Chroma (through llama-index's ``ChromaVectorStore``) and the
records (documents, clauses, norms, their words and norm vectors) in ``<index>/records.sqlite3``,
one row per document (``recordbook.py``), all keyed by ``clause_id``.

Atomicity: a full ingest writes a *new* Chroma collection (``<name>_v<N>``); an incremental one
upserts the changed clauses into the current collection (a marker lists them until the records
follow). The records transaction, which names the active collection, is the switch: a run that
fails or is killed part-way leaves the previous records answering.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import orjson

from .chroma import chroma_client, server_alive, unreachable
from .errors import AssistantError, IndexCorrupt, IndexMissing, IndexUnreachable
from .recordbook import RECORDS_DB, Assembled, RecordBook, assemble, split_records
from .recordmirror import RecordMirror
from .records import clause_from_dict, doc_from_dict, norm_from_dict
from .types import Clause, Document, Norm

RECORDS_FILE = "clauses.json"  # the single records file of indexes written before records.sqlite3 (read once, then replaced)
RECORDS_VERSION = 2
PENDING_FILE = ".pending-ids.json"  # clause ids an incremental write is changing (see ClauseStore.write)


def embed_key(clause: Clause) -> str:
    """What decides whether a stored vector can be reused: the exact text that was embedded."""
    return hashlib.sha256(clause.embed_text.encode("utf-8")).hexdigest()


# ---- Chroma ------------------------------------------------------------------------------------

FETCH_CHUNK = 5_000  # ids per Chroma get: well below SQLite's 32,766 bound variables


class ClauseStore:
    """Reads and writes the index. Query side: ``dense_search``; write side: ``write``."""

    def __init__(self, index_dir: Path, chroma_url: str | None = None, collection: str = "policy_clauses",
                 poll_seconds: float = 2.0):
        self.index_dir = Path(index_dir)
        self.chroma_url = chroma_url or None
        self.prefix = collection
        self.poll_seconds = poll_seconds  # server mode: how often an answering process looks for another's ingest
        self._client: Any = None
        self._vector_store: Any = None
        self._collection: Any = None  # the active Chroma collection (``collection``)
        self.generation: int | None = None  # the records' generation this store holds (None: not loaded)
        self._rows: dict[str, Any] = {}  # doc id -> recordbook.DocRecord, as last read
        self.collection_name: str | None = None
        self.documents: dict[str, Document] = {}
        self.clauses: list[Clause] = []
        self.by_id: dict[str, Clause] = {}
        self.embed_keys: dict[str, str] = {}
        # norms (computed at ingest): every clause's sentences read as rules, in clause order,
        # and their action-span vectors (row i belongs to norms[i]); None when not stored
        self.norms: list[Norm] = []
        self.norm_vectors: np.ndarray | None = None
        self.norm_keys: dict[str, str] = {}
        self.stems: Any = None  # ``analysis.Stems`` read at ingest (None: an index written before them)
        self.sources: dict[str, tuple[int, int]] = {}  # source file -> (size, mtime_ns) when last read

    # -- reading ----------------------------------------------------------------------------
    @property
    def records_path(self) -> Path:
        return self.index_dir / RECORDS_DB

    @property
    def book(self) -> RecordBook:
        return RecordBook(self.records_path)

    def exists(self) -> bool:
        return self.records_path.is_file() or (self.index_dir / RECORDS_FILE).is_file()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = chroma_client(self.index_dir, self.chroma_url)
        return self._client

    def corrupt(self, why: str) -> IndexCorrupt:
        return IndexCorrupt(
            f"The index records {self.records_path} cannot be read ({why}): run "
            "`policy-assistant ingest --rebuild` to rebuild them from the corpus."
        )

    def load(self) -> "ClauseStore":
        """Read the records; rows already held and unchanged since (same stamp) are not read again."""
        if self.chroma_url:
            self._pull()
        if not self.exists():
            raise IndexMissing(
                f"No index at {self.index_dir}/ yet: run `policy-assistant ingest` first."
            )
        if not self.records_path.is_file():
            return self._load_legacy()
        try:
            meta, stamps, fresh = self.book.read(known={d: r.stamp for d, r in self._rows.items()})
            rows = {d: fresh.get(d) or self._rows[d] for d in stamps}
            dim = int(meta.get("dim", "0") or 0)
            collection = str(meta["collection"])
            generation = int(meta["generation"])
            whole = assemble(rows, dim)
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise self.corrupt(type(exc).__name__) from None
        self._rows = rows
        self._hold(whole, collection)
        self.generation = generation
        return self

    @property
    def mirror(self) -> RecordMirror | None:
        """The records on the Chroma server (server mode only): what other app servers read."""
        return RecordMirror(self.client, self.prefix) if self.chroma_url else None

    def _pull(self) -> None:
        """Server mode: take the rows another app server's ingest pushed since this copy's
        generation. A server that does not answer leaves the local copy answering (only an
        index with no local copy at all says so)."""
        self._polled = time.monotonic()
        try:
            local = self.book.generation() if self.records_path.is_file() else -1
            stamps = self.book.stamps() if local >= 0 else {}
        except sqlite3.DatabaseError:
            return  # an unreadable local copy: ``load`` says so and how to rebuild it
        try:
            mirror = self.mirror
            assert mirror is not None
            remote = mirror.meta()
            if remote is None or int(remote["generation"]) <= local:
                return  # nothing shared yet, or this copy is as new (or newer: its push is repaired on ingest)
            pulled = mirror.pull(known=stamps)
        except IndexUnreachable:
            if local < 0:
                raise
            return
        except Exception:  # noqa: BLE001 - a server gone mid-call: the local copy answers
            if local < 0:
                raise unreachable(self.chroma_url or "") from None
            return
        if pulled is None:
            return
        meta, rows = pulled
        self.book.apply(rows, [d for d in stamps if d not in meta["stamps"]],
                        {k: meta[k] for k in ("version", "collection", "dim") if k in meta}, int(meta["generation"]))

    def _hold(self, whole: Assembled, collection: str) -> None:
        self.documents, self.clauses, self.collection_name = whole.documents, whole.clauses, collection
        self.by_id = {c.clause_id: c for c in self.clauses}
        self.embed_keys, self.norm_keys, self.norms = whole.embed_keys, whole.norm_keys, whole.norms
        self.norm_vectors = whole.norm_vectors if len(whole.norm_vectors) == len(self.norms) and self.norms else None
        self.stems = whole.stems
        self.sources = whole.sources
        self._vector_store = self._collection = None

    def _load_legacy(self) -> "ClauseStore":
        """An index written before records.sqlite3 (one JSON file and a norm vectors file): read
        as it is; the next ingest writes the rows and removes the old files."""
        path = self.index_dir / RECORDS_FILE
        try:
            data = orjson.loads(path.read_bytes())
            documents = {d["meta"]["doc_id"]: doc_from_dict(d) for d in data["documents"]}
            clauses = [clause_from_dict(c) for c in data["clauses"]]
            collection = str(data["collection"])
            norms = [norm_from_dict(n) for n in data.get("norms", [])]
            embed_keys, norm_keys = dict(data.get("embed_keys", {})), dict(data.get("norm_keys", {}))
            norm_file = data.get("norm_file") or f"{collection}.norms.npy"
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise IndexCorrupt(
                f"The index records {path} cannot be read ({type(exc).__name__}): run "
                "`policy-assistant ingest --rebuild` to rebuild them from the corpus."
            ) from None
        self.documents, self.clauses, self.collection_name = documents, clauses, collection
        self.by_id = {c.clause_id: c for c in self.clauses}
        self.embed_keys, self.norm_keys, self.norms = embed_keys, norm_keys, norms
        self.norm_vectors, self.stems, self._rows, self.sources = None, None, {}, {}
        vec_path = self.index_dir / norm_file
        if self.norms and vec_path.is_file():
            vectors = np.load(vec_path)
            if vectors.shape[0] == len(self.norms):
                self.norm_vectors = vectors.astype(np.float32, copy=False)
        self._vector_store = self._collection = None
        self.generation = -1
        return self

    def reachable(self) -> str:
        """"reachable", or why not (a Chroma server down, the collection gone), for /readyz."""
        try:
            self.collection.count()
            return "reachable"
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            self._vector_store = self._collection = None
            if self.chroma_url and not server_alive(self.chroma_url):
                self._client = None
                return f"unreachable: the index server at {self.chroma_url} does not answer"
            return f"unreachable: {getattr(exc, 'message', type(exc).__name__)}"

    def changed_on_disk(self) -> bool:
        """Whether another process wrote the records since this store read them (one small query)."""
        if self.chroma_url and time.monotonic() - getattr(self, "_polled", 0.0) >= self.poll_seconds:
            try:
                self._pull()  # another app server's ingest: its rows land in the local copy, then below
            except AssistantError:
                pass  # the local copy answers while the server is away
        if not self.records_path.is_file():
            return False
        try:
            return self.book.generation() != self.generation
        except sqlite3.DatabaseError:
            return True  # unreadable now: ``load`` says how to fix it

    @property
    def collection(self) -> Any:
        """The active Chroma collection itself (what ingest writes and reads vectors through; no
        llama-index import, which alone took seconds of a one-document re-ingest)."""
        if self._collection is None:
            if self.collection_name is None:
                self.load()
            client = self.client  # outside the try: a server that does not answer is not a missing index
            try:
                self._collection = client.get_collection(self.collection_name)
            except Exception as exc:
                if self.chroma_url and not server_alive(self.chroma_url):
                    self._client = None
                    raise unreachable(self.chroma_url) from None
                raise IndexMissing(
                    f"The index names Chroma collection '{self.collection_name}', which the store does "
                    f"not hold: run `policy-assistant ingest --rebuild`."
                ) from exc
        return self._collection

    @property
    def vector_store(self) -> Any:
        """llama-index's ``ChromaVectorStore`` over the collection (the retriever's searches)."""
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self.collection)
        return self._vector_store

    def dense_search(self, vector: np.ndarray, k: int, doc_ids: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """(clause_id, cosine similarity) best first; ``doc_ids`` filters inside Chroma.

        Asks the collection behind the ``ChromaVectorStore`` for ids and distances only: rebuilding
        llama-index nodes from their stored JSON would cost more than the search itself, and the
        clause records are already in memory."""
        where = None
        if doc_ids is not None:
            ids = sorted(set(doc_ids))
            if not ids:
                return []
            where = {"policy_doc": {"$in": ids}}
        collection = self.collection
        k = max(1, min(k, len(self.clauses)))
        result = collection.query(query_embeddings=[vector.tolist()], n_results=k, where=where,
                                  include=["distances"])
        pairs = zip(result["ids"][0], result["distances"][0])
        return [(cid, 1.0 - float(d)) for cid, d in pairs if cid in self.by_id]  # cosine distance

    def stored_vectors(self, clause_ids: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of ``clause_ids``, fetched in chunks of ``FETCH_CHUNK`` ids (SQLite
        caps the bound variables of one statement: 32,766 ids in one call fail)."""
        if not clause_ids or self.collection_name is None:
            return {}
        out: dict[str, np.ndarray] = {}
        collection = self.collection
        for i in range(0, len(clause_ids), FETCH_CHUNK):
            got = collection.get(ids=clause_ids[i:i + FETCH_CHUNK], include=["embeddings"])
            out.update((cid, np.asarray(vec, dtype=np.float32)) for cid, vec in zip(got["ids"], got["embeddings"]))
        return out

    # -- writing ----------------------------------------------------------------------------
    def write(
        self,
        documents: list[Document],
        clauses: list[Clause],
        vectors: dict[str, np.ndarray],
        embed_keys: dict[str, str],
        on_progress: Callable[[int], None] | None = None,
        norms: list[Norm] | None = None,
        norm_vectors: np.ndarray | None = None,
        norm_keys: dict[str, str] | None = None,
        changed: set[str] | None = None,
        sources: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        """Write a new version of the index: the vectors, the norm vectors, then the records file
        (the atomic switch).

        ``changed=None``: a complete new collection from ``vectors`` (every clause), the old one
        dropped after. ``changed`` a set of clause ids: only those (``vectors`` holds theirs) are
        upserted into the current collection and the clauses no longer present deleted, so one
        changed policy costs its own clauses, not the whole store. While that runs, a marker file
        lists the ids being changed: a killed write leaves the old records answering, and the next
        ingest treats those ids as changed whatever the records say (``pending_ids``).
        The words of each document's clauses and norms (``analysis``) are read where the records
        are cut into rows, for the documents that changed only.
        ``sources``: source file -> (size, mtime_ns) when read (the next ingest skips unchanged files)."""
        if changed is None or not self.exists() or self.collection_name is None:
            return self._write_full(documents, clauses, vectors, embed_keys, on_progress, norms, norm_vectors, norm_keys,
                                    sources)
        name = self.collection_name
        collection = self.collection
        removed = sorted(set(self.by_id) - {c.clause_id for c in clauses})
        todo = [c for c in clauses if c.clause_id in changed]
        self._mark_pending(sorted(changed) + removed)
        for i in range(0, len(removed), FETCH_CHUNK):
            collection.delete(ids=removed[i:i + FETCH_CHUNK])
        self._put(collection, todo, vectors, embed_keys, on_progress, upsert=True)
        self._switch(name, documents, clauses, embed_keys, norms, norm_vectors, norm_keys, sources)
        self.pending_path.unlink(missing_ok=True)
        self.drop_stale_collections(keep={name})  # older versions and a killed write's leftovers

    def _write_full(self, documents, clauses, vectors, embed_keys, on_progress, norms, norm_vectors, norm_keys,
                    sources) -> None:
        old_name = self.collection_name if self.exists() else None
        new_name = self._next_collection_name()
        collection = self.client.create_collection(new_name, metadata={"hnsw:space": "cosine"})
        self._put(collection, clauses, vectors, embed_keys, on_progress)
        self._switch(new_name, documents, clauses, embed_keys, norms, norm_vectors, norm_keys, sources)
        self.pending_path.unlink(missing_ok=True)
        # Keep the previous version one more round: a serving process switches on its next question.
        self.drop_stale_collections(keep={new_name, old_name})

    def _put(self, collection: Any, clauses: list[Clause], vectors: dict[str, np.ndarray], embed_keys: dict[str, str],
             on_progress: Callable[[int], None] | None, upsert: bool = False) -> None:
        """Straight into the collection, in the largest batches the server takes: llama-index's
        ChromaVectorStore.add serialised a node per clause (1.3 ms a clause, 7.2 s for 5,610) that
        nothing reads back (asks read the records; the dense search reads ids and distances). The
        doc id goes under "policy_doc", as before."""
        batch = max(1, min(5_000, int(getattr(self.client, "get_max_batch_size", lambda: 5_000)())))
        put = collection.upsert if upsert else collection.add
        for i in range(0, len(clauses), batch):
            part = clauses[i:i + batch]
            put(
                ids=[c.clause_id for c in part],
                embeddings=[np.asarray(vectors[c.clause_id], dtype=np.float32).tolist() for c in part],
                documents=[c.embed_text for c in part],
                metadatas=[{"policy_doc": c.doc_id, "label": c.label, "start": c.start, "end": c.end, "kind": c.kind,
                            "embed_key": embed_keys.get(c.clause_id, "")} for c in part],
            )
            if on_progress:
                on_progress(len(part))

    def _switch(self, collection_name: str, documents, clauses, embed_keys, norms, norm_vectors, norm_keys,
                sources) -> None:
        """The records naming ``collection_name``, in one transaction (the switch): only the rows
        of documents whose records differ from the ones held are written, removed ones deleted."""
        dim = int(norm_vectors.shape[1]) if norm_vectors is not None and len(norm_vectors) else 0
        held = self._rows if self.records_path.is_file() and self.collection_name == collection_name else {}
        rows = split_records(documents, clauses, norms or [], norm_vectors, embed_keys, norm_keys or {}, dim,
                             sources, held=self._rows)
        upsert = [r for r in rows if r.doc_id not in held or not held[r.doc_id].same(r)]
        keep = {r.doc_id for r in rows}
        meta = {"version": RECORDS_VERSION, "collection": collection_name, "dim": dim}
        try:
            generation = self.book.write(upsert, [d for d in held if d not in keep], meta, replace_all=not held)
        except sqlite3.DatabaseError:  # an unreadable records file: rebuilt whole from what was read
            for suffix in ("", "-wal", "-shm", "-journal"):  # a stale journal must never meet the new file
                Path(f"{self.records_path}{suffix}").unlink(missing_ok=True)
            held, upsert = {}, rows
            generation = self.book.write(rows, [], meta, replace_all=True)
        if self.chroma_url:  # the shared copy, before this process reads its own back
            written = {r.doc_id for r in upsert}
            stamps = {r.doc_id: generation if r.doc_id in written else held[r.doc_id].stamp for r in rows}
            self.mirror.push(rows, stamps, {**meta, "generation": generation})  # type: ignore[union-attr]
        self.load()
        # the records of an older layout, and their norm vector files
        (self.index_dir / RECORDS_FILE).unlink(missing_ok=True)
        for path in self.index_dir.glob("*.norms.npy"):
            path.unlink(missing_ok=True)

    @property
    def pending_path(self) -> Path:
        return self.index_dir / PENDING_FILE

    def _mark_pending(self, ids: list[str]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.index_dir, prefix=".pending.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(sorted(set(ids) | self.pending_ids()), fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.pending_path)

    def pending_ids(self) -> set[str]:
        """Clause ids a killed incremental write may have left half-changed in the collection."""
        try:
            return set(json.loads(self.pending_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return set()

    def _next_collection_name(self) -> str:
        existing = self._collection_names()
        n = 1
        for name in existing:
            if name.startswith(f"{self.prefix}_v"):
                try:
                    n = max(n, int(name.rsplit("_v", 1)[1]) + 1)
                except ValueError:
                    continue
        return f"{self.prefix}_v{n}"

    def _collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def drop_stale_collections(self, keep: set[str | None]) -> None:
        """Delete our collections not in ``keep`` (older versions, half-written ones), and their
        norm vector files."""
        for path in self.index_dir.glob(f"{self.prefix}_v*.norms.npy"):
            if path.name.split(".", 1)[0] not in keep:  # "<collection>[.<generation>].norms.npy"
                path.unlink(missing_ok=True)
        for name in self._collection_names():
            if name.startswith(f"{self.prefix}_v") and name not in keep:
                try:
                    self.client.delete_collection(name)
                except Exception:  # another process may have removed it already
                    pass
        self.drop_orphan_segments()

    def drop_orphan_segments(self) -> list[str]:
        """Embedded Chroma only: remove the segment folders no collection uses (``segments.py``)."""
        from .segments import drop_orphan_segments

        return [] if self.chroma_url else drop_orphan_segments(self.index_dir / "chroma")
