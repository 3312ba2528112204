"""Persisted index: clause vectors in Chroma (through llama-index's ``ChromaVectorStore``) and the
clause/document records in ``<index>/clauses.json``, all keyed by ``clause_id``.

Atomicity: every ingest writes a *new* Chroma collection (``<name>_v<N>``), copying the vectors of
unchanged clauses from the active one, and only then replaces ``clauses.json`` (which names the
active collection) with ``os.replace``. A run that fails or is killed part-way leaves the previous
records and collection untouched and queryable; its half-written collection is dropped next time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlparse

import numpy as np

from .errors import ConfigError, IndexCorrupt, IndexMissing, IndexUnreachable
from .records import clause_from_dict, doc_from_dict, doc_to_dict, flat, norm_from_dict
from .types import Clause, Document, Norm

RECORDS_FILE = "clauses.json"
RECORDS_VERSION = 1
PENDING_FILE = ".pending-ids.json"  # clause ids an incremental write is changing (see ClauseStore.write)


def norm_vectors_path(index_dir: Path, collection: str) -> Path:
    """The norm vectors of one index version, beside the records (``<collection>.norms.npy``)."""
    return Path(index_dir) / f"{collection}.norms.npy"


def embed_key(clause: Clause) -> str:
    """What decides whether a stored vector can be reused: the exact text that was embedded."""
    return hashlib.sha256(clause.embed_text.encode("utf-8")).hexdigest()


# ---- Chroma ------------------------------------------------------------------------------------

def unreachable(chroma_url: str) -> IndexUnreachable:
    return IndexUnreachable(
        f"The index server at {chroma_url} is unreachable: start it (or fix POLICY_CHROMA_URL / --chroma-url), "
        "then try again; nothing stored was changed."
    )


def server_alive(chroma_url: str, timeout: float = 2.0) -> bool:
    """Whether a Chroma server answers its heartbeat (v2, then v1)."""
    import urllib.request

    base = chroma_url if "://" in chroma_url else f"http://{chroma_url}"
    for path in ("/api/v2/heartbeat", "/api/v1/heartbeat"):
        try:
            with urllib.request.urlopen(base.rstrip("/") + path, timeout=timeout):  # noqa: S310 - the configured URL
                return True
        except Exception:  # noqa: BLE001 - any failure: try the next, then say no
            continue
    return False


def chroma_client(index_dir: Path, chroma_url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        if not url.hostname:
            raise ConfigError(f"Chroma URL '{chroma_url}' has no host; use http://HOST:PORT")
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(host=url.hostname, port=port, ssl=url.scheme == "https", settings=settings)
        except Exception:  # chromadb raises ValueError/ConnectionError variants
            raise unreachable(chroma_url) from None
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=settings)


FETCH_CHUNK = 5_000  # ids per Chroma get: well below SQLite's 32,766 bound variables


class ClauseStore:
    """Reads and writes the index. Query side: ``dense_search``; write side: ``write``."""

    def __init__(self, index_dir: Path, chroma_url: str | None = None, collection: str = "policy_clauses"):
        self.index_dir = Path(index_dir)
        self.chroma_url = chroma_url or None
        self.prefix = collection
        self._client: Any = None
        self._vector_store: Any = None
        self._records_mtime: float | None = None
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
        self.norm_file: str | None = None  # the norm vectors' file, named by the records

    # -- reading ----------------------------------------------------------------------------
    @property
    def records_path(self) -> Path:
        return self.index_dir / RECORDS_FILE

    def exists(self) -> bool:
        return self.records_path.is_file()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = chroma_client(self.index_dir, self.chroma_url)
        return self._client

    def load(self) -> "ClauseStore":
        if not self.exists():
            raise IndexMissing(
                f"No index at {self.index_dir}/ yet: run `policy-assistant ingest` first."
            )
        stat = self.records_path.stat()
        try:
            data = json.loads(self.records_path.read_text(encoding="utf-8"))
            documents = {d["meta"]["doc_id"]: doc_from_dict(d) for d in data["documents"]}
            clauses = [clause_from_dict(c) for c in data["clauses"]]
            collection = str(data["collection"])
            norms = [norm_from_dict(n) for n in data.get("norms", [])]
            embed_keys, norm_keys = dict(data.get("embed_keys", {})), dict(data.get("norm_keys", {}))
            norm_file = data.get("norm_file") or None
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise IndexCorrupt(
                f"The index records {self.records_path} cannot be read ({type(exc).__name__}): run "
                "`policy-assistant ingest --rebuild` to rebuild them from the corpus."
            ) from None
        self.documents, self.clauses, self.collection_name = documents, clauses, collection
        self.by_id = {c.clause_id: c for c in self.clauses}
        self.embed_keys, self.norm_keys, self.norms = embed_keys, norm_keys, norms
        self.norm_vectors = None
        self.norm_file = norm_file
        vec_path = self.index_dir / norm_file if norm_file else norm_vectors_path(self.index_dir, self.collection_name)
        if self.norms and vec_path.is_file():
            vectors = np.load(vec_path)
            if vectors.shape[0] == len(self.norms):
                self.norm_vectors = vectors.astype(np.float32, copy=False)
        self._vector_store = None
        self._records_mtime = stat.st_mtime_ns
        return self

    def reachable(self) -> str:
        """"reachable", or why not (a Chroma server down, the collection gone), for /readyz."""
        try:
            self.vector_store.client.count()
            return "reachable"
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            self._vector_store = None
            if self.chroma_url and not server_alive(self.chroma_url):
                self._client = None
                return f"unreachable: the index server at {self.chroma_url} does not answer"
            return f"unreachable: {getattr(exc, 'message', type(exc).__name__)}"

    def changed_on_disk(self) -> bool:
        try:
            return self.records_path.stat().st_mtime_ns != self._records_mtime
        except FileNotFoundError:
            return False

    @property
    def vector_store(self) -> Any:
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            if self.collection_name is None:
                self.load()
            client = self.client  # outside the try: a server that does not answer is not a missing index
            try:
                collection = client.get_collection(self.collection_name)
            except Exception as exc:
                if self.chroma_url and not server_alive(self.chroma_url):
                    self._client = None
                    raise unreachable(self.chroma_url) from None
                raise IndexMissing(
                    f"The index names Chroma collection '{self.collection_name}', which the store does "
                    f"not hold: run `policy-assistant ingest --rebuild`."
                ) from exc
            self._vector_store = ChromaVectorStore(chroma_collection=collection)
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
        collection = self.vector_store.client
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
        collection = self.vector_store.client
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
    ) -> None:
        """Write a new version of the index: the vectors, the norm vectors, then the records file
        (the atomic switch).

        ``changed=None``: a complete new collection from ``vectors`` (every clause), the old one
        dropped after. ``changed`` a set of clause ids: only those (``vectors`` holds theirs) are
        upserted into the current collection and the clauses no longer present deleted, so one
        changed policy costs its own clauses, not the whole store. While that runs, a marker file
        lists the ids being changed: a killed write leaves the old records answering, and the next
        ingest treats those ids as changed whatever the records say (``pending_ids``)."""
        if changed is None or not self.exists() or self.collection_name is None:
            return self._write_full(documents, clauses, vectors, embed_keys, on_progress, norms, norm_vectors, norm_keys)
        name = self.collection_name
        collection = self.vector_store.client
        removed = sorted(set(self.by_id) - {c.clause_id for c in clauses})
        todo = [c for c in clauses if c.clause_id in changed]
        self._mark_pending(sorted(changed) + removed)
        for i in range(0, len(removed), FETCH_CHUNK):
            collection.delete(ids=removed[i:i + FETCH_CHUNK])
        self._put(collection, todo, vectors, embed_keys, on_progress, upsert=True)
        self._switch(name, documents, clauses, embed_keys, norms, norm_vectors, norm_keys)
        self.pending_path.unlink(missing_ok=True)
        self.drop_stale_collections(keep={name})  # older versions and a killed write's leftovers

    def _write_full(self, documents, clauses, vectors, embed_keys, on_progress, norms, norm_vectors, norm_keys) -> None:
        old_name = self.collection_name if self.exists() else None
        new_name = self._next_collection_name()
        collection = self.client.create_collection(new_name, metadata={"hnsw:space": "cosine"})
        self._put(collection, clauses, vectors, embed_keys, on_progress)
        self._switch(new_name, documents, clauses, embed_keys, norms, norm_vectors, norm_keys)
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

    def _switch(self, collection_name: str, documents, clauses, embed_keys, norms, norm_vectors, norm_keys) -> None:
        """The norm vectors under a new file name, then the records naming them: the switch."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        old_norm_file = self.norm_file
        norm_file = None
        if norms and norm_vectors is not None:
            norm_file = f"{collection_name}.{uuid.uuid4().hex[:8]}.norms.npy"
            fd, tmp_vec = tempfile.mkstemp(dir=self.index_dir, prefix=".norms.", suffix=".npy")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, np.asarray(norm_vectors, dtype=np.float32))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_vec, self.index_dir / norm_file)
        records = {
            "version": RECORDS_VERSION,
            "collection": collection_name,
            "norm_file": norm_file,
            "documents": [doc_to_dict(d) for d in documents],
            "clauses": [flat(c) for c in clauses],
            "embed_keys": embed_keys,
            "norms": [flat(n) for n in norms or []],
            "norm_keys": norm_keys or {},
        }
        # json.dumps (the C encoder) and flat field dicts: json.dump's Python-level encoder and
        # dataclasses.asdict's deep copies took 14 of 18 s writing 28k clauses and 43k norms
        text = json.dumps(records, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(dir=self.index_dir, prefix=".clauses.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.records_path)  # the switch: atomic on POSIX
        self.load()
        # the norm files no version names any more (the previous one stays a round for a serving process)
        for path in self.index_dir.glob("*.norms.npy"):
            if path.name not in {norm_file, old_norm_file}:
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
