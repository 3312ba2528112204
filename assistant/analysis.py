"""The words of the records, read once at ingest: each clause's and each norm's Snowball stems,
kept beside the records so opening an index builds its word matrices and BM25 without tokenising
a single text (tokenising 213k norms and 140k clauses was most of opening a 1,000-district index).

Stems are stored as space-joined strings (compact in JSON, split in C), per document with its
records (``recordbook.py``); a re-ingest reads the words of the changed documents only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .lexical import Analyzer
from .types import Clause, Norm

__all__ = ["Stems", "norm_text", "compute_stems"]


@dataclass(frozen=True)
class Stems:
    """Stems aligned with the records: ``clause_embed[i]`` (with repeats, BM25 needs counts),
    ``clause_own[i]`` and ``clause_context[i]`` (unique) belong to ``clauses[i]``; ``norm[j]``
    (unique) to ``norms[j]``."""

    clause_embed: tuple[str, ...] = ()
    clause_own: tuple[str, ...] = ()
    clause_context: tuple[str, ...] = ()
    norm: tuple[str, ...] = ()
    words: str = ""  # every distinct lower-case word of the clauses' embedded text (spelling correction)

    def aligned(self, clauses: int, norms: int) -> bool:
        return (len(self.clause_embed) == len(self.clause_own) == len(self.clause_context) == clauses
                and len(self.norm) == norms)

    def to_dict(self) -> dict[str, Any]:
        return {"clause_embed": list(self.clause_embed), "clause_own": list(self.clause_own),
                "clause_context": list(self.clause_context), "norm": list(self.norm), "words": self.words}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Stems":
        return cls(tuple(d.get("clause_embed", ())), tuple(d.get("clause_own", ())),
                   tuple(d.get("clause_context", ())), tuple(d.get("norm", ())), str(d.get("words", "")))


def norm_text(clause: Clause, norm: Norm) -> str:
    """The norm's sentence, cut from its clause."""
    return clause.text[max(0, norm.start - clause.start): max(0, norm.end - clause.start)]


def _unique(tokens: Sequence[str]) -> str:
    return " ".join(dict.fromkeys(tokens))


def compute_stems(clauses: Sequence[Clause], norms: Sequence[Norm], analyzer: Analyzer | None = None) -> Stems:
    """The stems of ``clauses`` (one document's, usually) and their ``norms``, tokenised in one
    call per kind (each distinct text once)."""
    analyzer = analyzer or Analyzer()
    by_id = {c.clause_id: c for c in clauses}
    norm_texts = [norm_text(by_id[n.clause_id], n) for n in norms]
    embed_texts = list(dict.fromkeys(c.embed_text for c in clauses))
    embed = {t: " ".join(toks) for t, toks in zip(embed_texts, analyzer.tokens_many(embed_texts))}
    plain_texts = list(dict.fromkeys([c.text for c in clauses] + [c.context for c in clauses] + norm_texts))
    plain = {t: _unique(toks) for t, toks in zip(plain_texts, analyzer.tokens_many(plain_texts))}
    return Stems(
        clause_embed=tuple(embed[c.embed_text] for c in clauses),
        clause_own=tuple(plain[c.text] for c in clauses),
        clause_context=tuple(plain[c.context] for c in clauses),
        norm=tuple(plain[t] for t in norm_texts),
    )
