"""The index records (documents, clauses, norms) to and from the JSON the records file holds."""

from __future__ import annotations

from dataclasses import fields
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


def clause_from_dict(d: dict[str, Any]) -> Clause:
    d = dict(d)
    d["section_path"] = tuple(d.get("section_path", ()))
    return Clause(**d)


def norm_from_dict(d: dict[str, Any]) -> Norm:
    d = dict(d)
    for key in ("acts", "people", "channels"):
        d[key] = tuple(d.get(key, ()))
    return Norm(**d)


def flat(record: Any) -> dict[str, Any]:
    """A flat record dataclass as a dict for JSON (tuples stay tuples: JSON writes them as lists)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


