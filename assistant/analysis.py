"""The words of the records, read once at ingest: each clause's and each norm's Snowball stems,
kept beside the records so opening an index builds its word matrices and BM25 without tokenising
a single text (tokenising 213k norms and 140k clauses was most of opening a 1,000-district index).

Stems are stored as space-joined strings (compact in JSON, split in C), per document with its
records (``recordbook.py``); a re-ingest reads the words of the changed documents only.
"""

from __future__ import annotations

from collections.abc import Sequence

from .lexical import Analyzer
from .types import Clause, Norm, Stems

__all__ = ["Stems", "norm_text", "compute_stems"]


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
