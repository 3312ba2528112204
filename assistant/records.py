"""The index records (documents, clauses, norms) to and from the JSON the records file holds."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from .types import Clause, DocMeta, Document, Norm

__all__ = ["meta_from_dict", "doc_to_dict", "doc_from_dict", "clause_from_dict", "norm_from_dict", "flat"]


def meta_from_dict(d: dict[str, Any]) -> DocMeta:
    d = dict(d)
    d["dates"] = tuple((x["kind"], x["date"]) if isinstance(x, dict) else tuple(x) for x in d.get("dates", ()))
    return DocMeta(**d)


def doc_to_dict(doc: Document) -> dict[str, Any]:
    return {"meta": doc.meta.to_dict(), "text": doc.text, "content_hash": doc.content_hash,
            "pages": [list(p) for p in doc.pages], "notes": list(doc.notes)}


def doc_from_dict(d: dict[str, Any]) -> Document:
    return Document(meta=meta_from_dict(d["meta"]), text=d["text"], content_hash=d["content_hash"],
                    pages=tuple(tuple(p) for p in d.get("pages", ())), notes=tuple(d.get("notes", ())))


_CLAUSE_FIELDS = frozenset(f.name for f in fields(Clause))
_NORM_DEFAULTS = {f.name: f.default for f in fields(Norm) if f.default is not MISSING}
_NORM_FIELDS = frozenset(f.name for f in fields(Norm))


def clause_from_dict(d: dict[str, Any]) -> Clause:
    """A stored clause (filled like ``norm_from_dict`` when its fields are exactly the known ones)."""
    d = dict(d)
    d["section_path"] = tuple(d.get("section_path", ()))
    if d.keys() == _CLAUSE_FIELDS:
        clause = object.__new__(Clause)
        clause.__dict__.update(d)
        return clause
    return Clause(**d)


def norm_from_dict(d: dict[str, Any]) -> Norm:
    """A stored norm. Hundreds of thousands are read on opening a large index: the frozen
    dataclass's ``__init__`` (one ``object.__setattr__`` per field) was most of that, so a record
    with exactly the known fields fills the instance's ``__dict__`` directly (same object)."""
    d = dict(d)
    for key in ("acts", "people", "channels"):
        d[key] = tuple(d.get(key, ()))
    if d.keys() <= _NORM_FIELDS and {"norm_id", "clause_id", "doc_id", "start", "end", "verdict", "force"} <= d.keys():
        norm = object.__new__(Norm)
        norm.__dict__.update(_NORM_DEFAULTS)
        norm.__dict__.update(d)
        return norm
    return Norm(**d)  # unknown or missing fields: let the dataclass say what is wrong


def flat(record: Any) -> dict[str, Any]:
    """A flat record dataclass as a dict for JSON (tuples stay tuples: JSON writes them as lists)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


