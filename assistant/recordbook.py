"""The index records in SQLite (``<index>/records.sqlite3``), one row per document: its
``Document``, clauses, norms, their words (``analysis.Stems``), embed keys and the norm vectors.

Why rows per document: a re-ingest of one changed policy writes that policy's row (and deletes a
removed one's) in one transaction, never the whole index (the single records file of before was
330 MB at 1,000 districts and rewritten on any change); a reader re-reads only the rows whose
``stamp`` moved since it last looked. The transaction is the atomic switch: a write killed half-way
leaves the previous rows answering (SQLite's journal), and readers never see half a document.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from .records import clause_from_dict, doc_from_dict, doc_to_dict, flat, norm_from_dict
from .types import Clause, Document, Norm, Stems

__all__ = ["DocRecord", "RecordBook", "RECORDS_DB"]

RECORDS_DB = "records.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY,
    stamp INTEGER NOT NULL,      -- the generation that wrote this row
    record BLOB NOT NULL,        -- orjson: document, clauses, norms, stems, embed/norm keys
    norm_vectors BLOB NOT NULL   -- float32, one row per norm, ``dim`` columns
);
"""


@dataclass(frozen=True, eq=False)
class DocRecord:
    """One document's share of the index."""

    document: Document
    clauses: tuple[Clause, ...]
    norms: tuple[Norm, ...]
    embed_keys: Mapping[str, str]
    norm_keys: Mapping[str, str]
    stems: Mapping[str, Any]  # {"clause_embed": [...], "clause_own": [...], "clause_context": [...], "norm": [...]}
    norm_vectors: np.ndarray  # (len(norms), dim) float32
    stamp: int = 0
    source: tuple[int, int] | None = None  # the file's (size, mtime_ns) when read: unchanged files are not read again

    @property
    def doc_id(self) -> str:
        return self.document.doc_id

    def same(self, other: "DocRecord") -> bool:
        """Whether ``other`` holds the same records (an unchanged document's row is not written again)."""
        return (self.document == other.document and self.clauses == other.clauses and self.norms == other.norms
                and dict(self.embed_keys) == dict(other.embed_keys) and dict(self.norm_keys) == dict(other.norm_keys)
                and dict(self.stems) == dict(other.stems) and self.source == other.source
                and self.norm_vectors.shape == other.norm_vectors.shape
                and bool(np.array_equal(self.norm_vectors, other.norm_vectors)))

    def payload(self) -> bytes:
        return orjson.dumps({
            "document": doc_to_dict(self.document),
            "clauses": [flat(c) for c in self.clauses],
            "norms": [flat(n) for n in self.norms],
            "embed_keys": dict(self.embed_keys), "norm_keys": dict(self.norm_keys),
            "stems": dict(self.stems),
            "source": list(self.source) if self.source else None,
        })

    @classmethod
    def parse(cls, record: bytes, vectors: bytes, dim: int, stamp: int) -> "DocRecord":
        d = orjson.loads(record)
        norms = tuple(norm_from_dict(n) for n in d["norms"])
        vecs = np.frombuffer(vectors, dtype=np.float32)
        vecs = vecs.reshape(len(norms), dim) if dim and len(norms) else np.zeros((len(norms), max(dim, 1)), np.float32)
        source = d.get("source")
        return cls(doc_from_dict(d["document"]), tuple(clause_from_dict(c) for c in d["clauses"]), norms,
                   d.get("embed_keys", {}), d.get("norm_keys", {}), d.get("stems", {}), vecs, stamp,
                   (int(source[0]), int(source[1])) if source else None)


class RecordBook:
    """Reads and writes the rows. Every method opens its own short connection (a server thread
    and an ingest process may use the same file)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")  # readers go on while an ingest writes
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    def meta(self) -> dict[str, str]:
        con = self._connect()
        try:
            return dict(con.execute("SELECT key, value FROM meta").fetchall())
        finally:
            con.close()

    def generation(self) -> int:
        """The generation of the last write (cheap: read on every question to see another process's ingest)."""
        con = sqlite3.connect(self.path, timeout=30)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            return int(row[0]) if row else 0
        finally:
            con.close()

    def stamps(self) -> dict[str, int]:
        """Every row's stamp (one small query; no record is read)."""
        con = sqlite3.connect(self.path, timeout=30)
        try:
            return dict(con.execute("SELECT doc_id, stamp FROM docs").fetchall())
        finally:
            con.close()

    def read(self, known: Mapping[str, int] | None = None) -> tuple[dict[str, str], dict[str, int], dict[str, DocRecord]]:
        """(meta, every row's stamp, the rows read): in one snapshot, every row, or with ``known``
        (doc id -> stamp already held) only the rows written since."""
        con = self._connect()
        try:
            con.execute("BEGIN")  # one snapshot for the meta, the stamps and the rows
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            dim = int(meta.get("dim", "0") or 0)
            stamps = dict(con.execute("SELECT doc_id, stamp FROM docs").fetchall())
            wanted = sorted(stamps) if known is None else sorted(d for d, st in stamps.items() if known.get(d) != st)
            out: dict[str, DocRecord] = {}
            # row by row, parsed as read: fetching every blob first held the whole file in memory twice
            for i in range(0, len(wanted), 500):  # well below SQLite's bound-variable cap
                part = wanted[i:i + 500]
                for doc_id, stamp, rec, vec in con.execute(
                        f"SELECT doc_id, stamp, record, norm_vectors FROM docs WHERE doc_id IN ({','.join('?' * len(part))})",
                        part):
                    out[doc_id] = DocRecord.parse(rec, vec, dim, stamp)
            con.execute("COMMIT")
        finally:
            con.close()
        return meta, stamps, out

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once: a second writer waits), rolled back on any failure."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = self._connect()
        try:
            con.executescript(SCHEMA)
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    @staticmethod
    def _set_meta(con: sqlite3.Connection, meta: Mapping[str, Any], generation: int) -> None:
        con.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        [*((k, str(v)) for k, v in meta.items()), ("generation", str(generation))])

    def write(self, upsert: Iterable[DocRecord], delete: Iterable[str], meta: Mapping[str, Any],
              replace_all: bool = False) -> int:
        """One transaction: ``upsert`` rows written, ``delete`` rows removed (every row first when
        ``replace_all``), ``meta`` set, the generation moved on. Returns the new generation."""
        with self._writing() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            generation = (int(row[0]) if row else 0) + 1
            if replace_all:
                con.execute("DELETE FROM docs")
            con.executemany("DELETE FROM docs WHERE doc_id = ?", [(d,) for d in delete])
            con.executemany(
                "INSERT OR REPLACE INTO docs (doc_id, stamp, record, norm_vectors) VALUES (?, ?, ?, ?)",
                ((r.doc_id, generation, r.payload(), np.ascontiguousarray(r.norm_vectors, dtype=np.float32).tobytes())
                 for r in upsert))
            self._set_meta(con, meta, generation)
        return generation

    def apply(self, rows: list[tuple[str, int, bytes, bytes]], delete: Iterable[str], meta: Mapping[str, Any],
              generation: int) -> None:
        """Rows exactly as another copy holds them (doc id, stamp, record, vectors), at that copy's
        ``generation``: how an app server takes the records a shared server holds."""
        with self._writing() as con:
            con.executemany("DELETE FROM docs WHERE doc_id = ?", [(d,) for d in delete])
            con.executemany("INSERT OR REPLACE INTO docs (doc_id, stamp, record, norm_vectors) VALUES (?, ?, ?, ?)", rows)
            self._set_meta(con, meta, generation)


def split_records(documents: Iterable[Document], clauses: Iterable[Clause], norms: Iterable[Norm],
                  norm_vectors: np.ndarray | None, embed_keys: Mapping[str, str], norm_keys: Mapping[str, str],
                  dim: int, sources: Mapping[str, tuple[int, int]] | None = None,
                  held: Mapping[str, DocRecord] | None = None) -> list[DocRecord]:
    """The index's global lists cut into one ``DocRecord`` per document (in ``documents`` order).
    A document's words (``analysis.Stems``) are taken from its ``held`` row when its clauses and
    norms are the ones held, and read here otherwise: a re-ingest reads only what changed."""
    from .analysis import compute_stems
    from .lexical import Analyzer, surface_words

    docs = list(documents)
    clause_list, norm_list = list(clauses), list(norms)
    c_of: dict[str, list[int]] = {d.doc_id: [] for d in docs}
    n_of: dict[str, list[int]] = {d.doc_id: [] for d in docs}
    for i, c in enumerate(clause_list):
        c_of.setdefault(c.doc_id, []).append(i)
    for j, n in enumerate(norm_list):
        n_of.setdefault(n.doc_id, []).append(j)
    vectors = np.zeros((len(norm_list), dim), np.float32) if norm_vectors is None else np.asarray(norm_vectors, np.float32)
    analyzer: Analyzer | None = None
    out = []
    for d in docs:
        ci, nj = c_of[d.doc_id], n_of[d.doc_id]
        cs, ns = tuple(clause_list[i] for i in ci), tuple(norm_list[j] for j in nj)
        before = (held or {}).get(d.doc_id)
        if before is not None and before.clauses == cs and before.norms == ns and before.stems.get("norm") is not None:
            words = dict(before.stems)
        else:
            analyzer = analyzer or Analyzer()
            st = compute_stems(cs, ns, analyzer)
            words = {"clause_embed": list(st.clause_embed), "clause_own": list(st.clause_own),
                     "clause_context": list(st.clause_context), "norm": list(st.norm),
                     "words": " ".join(sorted(surface_words(c.embed_text for c in cs)))}
        out.append(DocRecord(d, cs, ns, {c.clause_id: embed_keys[c.clause_id] for c in cs if c.clause_id in embed_keys},
                             {n.norm_id: norm_keys[n.norm_id] for n in ns if n.norm_id in norm_keys}, words,
                             vectors[nj] if nj else np.zeros((0, dim), np.float32),
                             source=(sources or {}).get(d.meta.source_file)))
    return out


@dataclass(frozen=True, eq=False)
class Assembled:
    """Rows put back together in doc-id order: what ``ClauseStore`` holds in memory."""

    documents: dict[str, Document]
    clauses: list[Clause]
    norms: list[Norm]
    norm_vectors: np.ndarray
    embed_keys: dict[str, str]
    norm_keys: dict[str, str]
    stems: Any  # analysis.Stems
    sources: dict[str, tuple[int, int]]  # source file -> (size, mtime_ns) when it was read


def assemble(rows: Mapping[str, DocRecord], dim: int) -> Assembled:
    ordered = [rows[d] for d in sorted(rows)]
    clauses = [c for r in ordered for c in r.clauses]
    norms = [n for r in ordered for n in r.norms]
    parts = [r.norm_vectors for r in ordered if len(r.norms)]
    vectors = np.concatenate(parts).astype(np.float32, copy=False) if parts else np.zeros((0, max(dim, 1)), np.float32)
    at = 0
    for r in ordered:  # each row's vectors become a view of the one matrix (its own buffer is freed)
        if len(r.norms):
            object.__setattr__(r, "norm_vectors", vectors[at:at + len(r.norms)])
            at += len(r.norms)
    embed_keys: dict[str, str] = {}
    norm_keys: dict[str, str] = {}
    words: set[str] = set()
    for r in ordered:
        embed_keys.update(r.embed_keys)
        norm_keys.update(r.norm_keys)
        words.update(str(r.stems.get("words", "")).split())

    def col(key: str) -> tuple[str, ...]:
        return tuple(w for r in ordered for w in r.stems.get(key, ()))

    stems = Stems(col("clause_embed"), col("clause_own"), col("clause_context"), col("norm"), " ".join(sorted(words)))
    sources = {r.document.meta.source_file: r.source for r in ordered if r.source}
    return Assembled({r.doc_id: r.document for r in ordered}, clauses, norms, vectors, embed_keys, norm_keys, stems,
                     sources)
