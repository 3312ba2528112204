"""``Catalog``: the indexed documents and clauses, read from the index records only.

The commands that only show records (``docs``, ``doc``, ``clause``, ``diff`` against an indexed
version) open this instead of the ``Assistant``: no embedding model, no Chroma, no lexical or norm
index, so they answer in well under two seconds whatever the size of the model. Imports stay light
(no torch, sentence-transformers, chromadb or llama-index; tested).

Where the records live is known to ``read_records`` alone: re-point that one function when the
store keeps its records elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .errors import NotFound
from .types import Clause, DocMeta, Document

def read_records(index_dir: Path) -> tuple[dict[str, Document], list[Clause]]:
    """(documents by doc id, clauses in index order) as the store last wrote them. Raises
    ``IndexMissing`` (no index yet) or ``IndexCorrupt`` (unreadable), with the store's own messages:
    this is ``ClauseStore.load`` (records.sqlite3; no Chroma, no model)."""
    from .store import ClauseStore

    store = ClauseStore(Path(index_dir)).load()
    return store.documents, store.clauses


class Catalog:
    """Read-only documents and clauses; the same reading methods (and messages) as ``Assistant``."""

    def __init__(self, documents: dict[str, Document], clauses: Iterable[Clause]):
        self.documents_by_id = dict(documents)
        self.all_clauses = list(clauses)
        self.by_id = {c.clause_id: c for c in self.all_clauses}

    @classmethod
    def open(cls, index_dir: Path) -> "Catalog":
        """The records under ``index_dir`` (``Settings.index``); raises ``IndexMissing`` / ``IndexCorrupt``."""
        return cls(*read_records(index_dir))

    def documents(self) -> list[DocMeta]:
        return [d.meta for d in sorted(self.documents_by_id.values(), key=lambda d: d.doc_id)]

    def clause_counts(self) -> dict[str, int]:
        counts = {d: 0 for d in self.documents_by_id}
        for c in self.all_clauses:
            counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
        return counts

    def document(self, doc_id: str) -> Document:
        try:
            return self.documents_by_id[doc_id]
        except KeyError:
            known = sorted(self.documents_by_id)
            listed = ", ".join(known[:20]) + (f" and {len(known) - 20:,} more (policy-assistant docs)" if len(known) > 20 else "")
            raise NotFound(f"No document '{doc_id}'. Known: {listed}.") from None

    def clauses(self, doc_id: str) -> list[Clause]:
        self.document(doc_id)
        return [c for c in self.all_clauses if c.doc_id == doc_id]

    def clause(self, clause_id: str) -> Clause:
        try:
            return self.by_id[clause_id]
        except KeyError:
            raise NotFound(f"No clause '{clause_id}'.") from None
