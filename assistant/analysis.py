"""The words of the records, read once at ingest: each clause's and each norm's Snowball stems,
kept beside the records so opening an index builds its word matrices and BM25 without tokenising
a single text (tokenising 213k norms and 140k clauses was most of opening a 1,000-district index).

Stems are stored as space-joined strings (compact in JSON, split in C). A re-ingest reuses the stems
of every text it has seen before (keyed by the text itself), so one changed policy costs its own
texts only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .lexical import Analyzer, surface_words
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


def compute_stems(clauses: Sequence[Clause], norms: Sequence[Norm], analyzer: Analyzer | None = None,
                  previous: tuple[Sequence[Clause], Sequence[Norm], "Stems"] | None = None) -> Stems:
    """The stems of ``clauses`` and ``norms``; texts ``previous`` (its clauses, norms and stems)
    already read are reused, the rest tokenised in one call per kind."""
    analyzer = analyzer or Analyzer()
    known_embed: dict[str, str] = {}
    known_plain: dict[str, str] = {}  # unique stems of a text (own text, context, norm sentence)
    if previous is not None:
        p_clauses, p_norms, p = previous
        if p.aligned(len(p_clauses), len(p_norms)):
            for c, e, o, x in zip(p_clauses, p.clause_embed, p.clause_own, p.clause_context):
                known_embed[c.embed_text] = e
                known_plain[c.text] = o
                known_plain[c.context] = x
            by_id = {c.clause_id: c for c in p_clauses}
            for n, s in zip(p_norms, p.norm):
                c = by_id.get(n.clause_id)
                if c is not None:
                    known_plain[norm_text(c, n)] = s
    by_id = {c.clause_id: c for c in clauses}
    norm_texts = [norm_text(by_id[n.clause_id], n) for n in norms]

    embed_todo = list(dict.fromkeys(c.embed_text for c in clauses if c.embed_text not in known_embed))
    for text, toks in zip(embed_todo, analyzer.tokens_many(embed_todo)):
        known_embed[text] = " ".join(toks)
    plain = [c.text for c in clauses] + [c.context for c in clauses] + norm_texts
    plain_todo = list(dict.fromkeys(t for t in plain if t not in known_plain))
    for text, toks in zip(plain_todo, analyzer.tokens_many(plain_todo)):
        known_plain[text] = _unique(toks)
    return Stems(
        clause_embed=tuple(known_embed[c.embed_text] for c in clauses),
        clause_own=tuple(known_plain[c.text] for c in clauses),
        clause_context=tuple(known_plain[c.context] for c in clauses),
        norm=tuple(known_plain[t] for t in norm_texts),
        words=" ".join(sorted(surface_words(c.embed_text for c in clauses))),
    )
