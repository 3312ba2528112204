"""Keyword side of retrieval: a BM25 index (bm25s, Snowball stemming) over the clauses' embedded
text, plus the word statistics (idf) that the scope judge uses to tell whether a clause speaks to a
question's words. Built in memory from the store's records (milliseconds for hundreds of clauses).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import chain
from typing import Iterable, Sequence

import bm25s
import numpy as np
import Stemmer

from .types import Clause, Stems


# Words that say nothing about what a question is about, in this domain.
GENERIC = {
    "can", "could", "would", "may", "might", "must", "shall", "should", "allow", "allowed", "ok", "okay",
    "i", "im", "me", "my", "we", "our", "us", "you", "your", "it", "is", "are", "am", "be", "do", "does",
    "did", "get", "got", "go", "let", "want", "need", "someone", "anyone", "thing", "things", "still",
    "employee", "employees", "staff", "teacher", "teachers", "district", "districts", "school", "schools",
    "policy", "policies", "rule", "rules", "board", "anything", "something", "way", "okay", "fine",
    "really", "just", "also", "even", "ever", "never", "always", "what", "whats", "which", "who", "how",
    "when", "where", "why", "there", "here", "about", "say", "says", "said", "tell", "allowed", "r", "u",
    "ur", "im", "pls", "please", "hey", "yes", "no", "not", "ever", "use", "using", "new", "one",
}


_WORDS = re.compile(r"[A-Za-z]+")


def _one_edit(a: str, b: str) -> bool:
    """True when b is a away by one insertion, deletion, substitution or adjacent transposition."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                   and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]


class Analyzer:
    """Tokenise + stem the same way for the index, the queries and the scope judge."""

    def __init__(self) -> None:
        self.stemmer = Stemmer.Stemmer("english")

    def tokens(self, text: str) -> list[str]:
        out = bm25s.tokenize([text], stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False)
        return [t for t in out[0] if t]

    def tokens_many(self, texts: Sequence[str]) -> list[list[str]]:
        """``tokens`` of each text, in one call (the per-call overhead of ``bm25s.tokenize``, its
        progress-bar objects, dominated opening a large index: 19 s of 27 at 28k clauses)."""
        if not texts:
            return []
        out = bm25s.tokenize(list(texts), stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False)
        return [[t for t in toks if t] for toks in out]

    def content_terms(self, text: str) -> list[str]:
        """Stemmed words of a question that say what it is about (generic words dropped), in order."""
        words = [w for w in bm25s.tokenize([text.lower()], stopwords="en", return_ids=False,
                                           show_progress=False)[0] if w and w not in GENERIC]
        seen: list[str] = []
        for stem in self.stemmer.stemWords(words):
            if stem not in seen:
                seen.append(stem)
        return seen


def surface_words(texts: Iterable[str]) -> set[str]:
    """Every distinct lower-case word of ``texts`` (one regex pass over them joined)."""
    return set(_WORDS.findall("\n".join(texts).lower()))


class LexicalIndex:
    """BM25 over clauses, filterable by doc id, with per-clause stem sets and idf.

    ``stems`` (``analysis.Stems``, read at ingest) spares tokenising every clause again; the BM25
    index and the per-clause stem sets are built on first use (the ask path needs neither: it
    reads the idf and the spelling words only)."""

    def __init__(self, clauses: Sequence[Clause], analyzer: Analyzer | None = None,
                 dictionary: Iterable[str] = (), stems: Stems | None = None):
        self.analyzer = analyzer or Analyzer()
        self.clauses = list(clauses)
        self.ids = [c.clause_id for c in self.clauses]
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.doc_of = np.array([c.doc_id for c in self.clauses], dtype=object)
        if stems is not None and len(stems.clause_embed) == len(self.clauses) and len(stems.clause_own) == len(self.clauses):
            self._embed = list(stems.clause_embed)  # space-joined; split only when BM25 or the stem sets are asked for
            self._own = list(stems.clause_own)
            words = set(stems.words.split()) if stems.words else surface_words(c.embed_text for c in self.clauses)
        else:
            self._embed = [" ".join(t) for t in self.analyzer.tokens_many([c.embed_text for c in self.clauses])]
            self._own = [" ".join(t) for t in self.analyzer.tokens_many([c.text for c in self.clauses])]
            words = surface_words(c.embed_text for c in self.clauses)
        self._bm25: bm25s.BM25 | None = None
        self._stems: list[set[str]] | None = None
        self._own_stems: list[set[str]] | None = None
        n = max(1, len(self.clauses))
        df = Counter(chain.from_iterable(set(e.split()) for e in self._embed))  # transient: no token lists kept
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        from .expand import SYNONYMS

        self.words = words
        # ``dictionary``: plain English words (the embedding model's whole-word vocabulary) that are
        # never "corrected" into a corpus word ("whole" is not a misspelt "while")
        self.known = self.words | {w for k in SYNONYMS for w in k.split()} | GENERIC | set(dictionary)
        self._spelling = sorted(w for w in self.words if len(w) >= 4)
        self._expansion_stems: dict[str, set[str]] = {}
        for key, extra in SYNONYMS.items():
            if " " not in key and extra:
                stem = self.analyzer.stemmer.stemWord(key)
                self._expansion_stems.setdefault(stem, set()).update(self.analyzer.tokens(extra))
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)  # a word no clause uses weighs most

    @property
    def stems(self) -> list[set[str]]:
        """Each clause's stems (embedded text: the clause with its headings)."""
        if self._stems is None:
            self._stems = [set(e.split()) or {"_empty_"} for e in self._embed]
        return self._stems

    @property
    def own_stems(self) -> list[set[str]]:
        """Each clause's stems, its own text only."""
        if self._own_stems is None:
            self._own_stems = [set(s.split()) for s in self._own]
        return self._own_stems

    @property
    def bm25(self) -> bm25s.BM25:
        if self._bm25 is None:
            self._bm25 = bm25s.BM25()
            if self.clauses:
                self._bm25.index([e.split() or ["_empty_"] for e in self._embed], show_progress=False)
        return self._bm25

    def correct(self, question: str) -> str:
        """Misspelt words ("freind my studnets on facebok") replaced by the closest corpus word;
        words the corpus or the staff-word map knows, and short words, are left alone."""
        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            low = word.lower()
            if len(low) < 4 or low in self.known or self.analyzer.stemmer.stemWord(low) in self.idf:
                return word
            close = [w for w in self._spelling
                     if w[0] == low[0] and abs(len(w) - len(low)) <= 1 and _one_edit(low, w)]
            return min(close, key=lambda w: (-self.idf.get(self.analyzer.stemmer.stemWord(w), 0), w)) if close else word

        return _WORDS.sub(fix, question)

    def search(self, query: str, k: int, doc_ids: Iterable[str] | None = None) -> list[tuple[str, float]]:
        if not self.clauses:
            return []
        tokens = [t for t in self.analyzer.tokens(query) if t in self.bm25.vocab_dict]
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        if doc_ids is not None:
            mask = np.isin(self.doc_of, list(doc_ids))
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]

    def coverage(self, terms: Sequence[str], term_expansions: dict[str, set[str]], clause_id: str,
                 own_text_only: bool = False) -> float:
        """Idf-weighted share of the question's terms that the clause (with its context, unless
        ``own_text_only``) uses, a term counting as used when the clause has it or an expansion of it."""
        if not terms:
            return 0.0
        i = self.position[clause_id]
        return self.coverage_of(terms, term_expansions, self.own_stems[i] if own_text_only else self.stems[i])

    def coverage_of(self, terms: Sequence[str], term_expansions: dict[str, set[str]], stems: set[str],
                    idf: dict[str, float] | None = None, unseen_idf: float | None = None) -> float:
        """Idf-weighted share of ``terms`` found in ``stems`` (a term or one of its expansions);
        ``idf`` / ``unseen_idf`` default to this index's (the ruler passes one district's own)."""
        if not terms:
            return 0.0
        idf = self.idf if idf is None else idf
        unseen = self.unseen_idf if unseen_idf is None else unseen_idf
        total = matched = 0.0
        for t in terms:
            w = idf.get(t, unseen)
            total += w
            if t in stems or term_expansions.get(t, set()) & stems:
                matched += w
        return matched / total if total else 0.0

    def term_expansions(self, terms: Sequence[str]) -> dict[str, set[str]]:
        """For each question term, the stems of its policy-word expansions."""
        return {t: self._expansion_stems[t] for t in terms if t in self._expansion_stems}
