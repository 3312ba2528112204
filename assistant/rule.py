"""``Asked`` + one district's ``Norm``s -> ``Ruling``: how that district rules on the asked action.

One code path decides every district, whatever the district filter: the ruling reads the
district's own norms (all of them, scored exactly with numpy), never the fused retrieval list, so
a clause gets the same ruling alone or beside other districts.

A norm *matches* the question by the cosine of its sentence vector and the question vector plus a
share of the question's words it uses (idf-weighted, staff words expanded). Which norms may rule
depends on the kind of question: "can I" / "must I" / "what should I do" questions are ruled by
rules directed at staff; "what happens if" by consequences; "what is" by definitions and facts;
"who" by rules and duties of others. Then:

- **rules**: an eligible norm (about the same act, people and channel, and naming one of the
  question's focus words) reaches ``rule_threshold`` (``agreed_threshold`` when it names the same
  specific act). Among the eligible norms within
  ``rule_margin`` of the best, a "can I" question takes the most restrictive reading (a
  restriction that applies beats a permission next to it); a restriction whose own clause carries
  a matching exception ("may ... when educationally necessary") rules ``conditional``; a
  requirement on how to do the asked thing ("must obtain approval") rules ``conditional`` for a
  "can I" question; a condition inside a prohibition ("shall not post ..., including student photos
  without prior permission") rules ``conditional`` only when the question touches what the
  condition reaches, else the prohibition.
- **related**: no norm rules, but some sentence of the district comes near (``related_threshold``):
  shown under "Related, not a ruling on this", with no verdict claimed.
- **not addressed**: nothing near.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .actions import agrees, compatible
from .asked import Asked
from .config import Settings
from .lexical import LexicalIndex
from .norms import norm_embed_text
from .reference import load_reference
from .types import NOT_ADDRESSED, Clause, Norm, Stems


__all__ = ["ELIGIBLE", "NormIndex", "Ruler", "Ruling"]

# which norms may rule on which kind of question (``asked.question_kind``)
ELIGIBLE: dict[str, frozenset[str]] = {
    "may": frozenset({"rule"}),
    "must": frozenset({"rule"}),
    "do": frozenset({"rule"}),
    "consequence": frozenset({"consequence"}),
    "define": frozenset({"definition", "fact", "consequence"}),
    "who": frozenset({"rule", "others"}),
    "what": frozenset({"rule", "others", "fact", "definition", "consequence"}),
}
# questions about an act: a norm must be about the same act; definitions and consequences are
# matched on their words alone
_GATED = frozenset({"may", "must", "do", "who", "what"})
# a "can I" question reads the most restrictive of the near-best rules first
RESTRICTIVE_FIRST: tuple[str, ...] = (
    "prohibited", "discouraged", "conditional", "required", "recommended", "permitted", "informational",
)


@dataclass(frozen=True)
class Ruling:
    """One district's outcome. ``verdict`` is a label only for ``status == "rules"``."""

    doc_id: str
    status: str  # "rules" | "related" | "not addressed"
    verdict: str
    deciding: Norm | None = None  # the norm whose sentence decides (quoted first)
    supporting: tuple[Norm, ...] = ()  # up to two more matching norms (or the nearest, if related)
    score: float = 0.0  # the deciding (or nearest) norm's match score

    @property
    def rules(self) -> bool:
        return self.status == "rules"


class NormIndex:
    """Every norm of the store with its sentence vector and stems, grouped by document."""

    def __init__(self, norms: Sequence[Norm], vectors: np.ndarray | None, clauses: Mapping[str, Clause],
                 lexical: LexicalIndex, embedder: object | None = None, stems: Stems | None = None):
        self.norms = list(norms)
        self.clauses = clauses
        if vectors is None or len(vectors) != len(self.norms):  # an index written before norms had vectors
            if embedder is None or not self.norms:
                vectors = np.zeros((len(self.norms), 1), dtype=np.float32)
            else:
                texts = [norm_embed_text(clauses[n.clause_id], n) for n in self.norms]
                vectors = embedder.encode(texts)  # type: ignore[attr-defined]
        self.vectors = np.asarray(vectors, dtype=np.float32)
        # each norm's stems and each clause's headings and list lead-in ("Text and Instant
        # Messaging"): read at ingest (``analysis.Stems``), tokenised here only for an older index
        ids = list(clauses)
        if stems is not None and stems.aligned(len(ids), len(self.norms)):
            norm_words, context_words = list(stems.norm), list(stems.clause_context)
        else:
            many = lexical.analyzer.tokens_many  # one call for all: per-call overhead dominated opening
            norm_words = [" ".join(dict.fromkeys(t)) for t in many([self.text(n) for n in self.norms])]
            context_words = [" ".join(dict.fromkeys(t)) for t in many([clauses[cid].context for cid in ids])]
        # for a condition inside a prohibition ("shall not post ..., including student photos
        # without prior permission"): the words only its reach has, not the rest of the sentence
        self.scope_stems = [set() for _ in self.norms]
        limited = [i for i, n in enumerate(self.norms) if n.restriction]
        spans = []
        for i in limited:
            n = self.norms[i]
            spans += [self._span(n, n.scope_start, n.scope_end),
                      self._span(n, n.start, n.scope_start) + " " + self._span(n, n.scope_end, n.end)]
        words = lexical.analyzer.tokens_many(spans)  # one call: bm25s' per-call overhead is ~1 ms
        for k, i in enumerate(limited):
            self.scope_stems[i] = set(words[2 * k]) - set(words[2 * k + 1])
        by_doc: dict[str, list[int]] = {}
        for i, n in enumerate(self.norms):
            by_doc.setdefault(n.doc_id, []).append(i)
        self.by_doc = {d: np.array(ix, dtype=np.int64) for d, ix in by_doc.items()}
        self.forces = np.array([n.force for n in self.norms], dtype=object)
        # the facets as sets, once (they are compared for every norm on every ask), and as ids into
        # the few distinct facet triples (an ask compares each distinct triple once)
        as_sets: dict[tuple[tuple[str, ...], ...], tuple[frozenset[str], ...]] = {}
        self.facets = [as_sets.get((n.acts, n.people, n.channels)) or as_sets.setdefault(
            (n.acts, n.people, n.channels), (frozenset(n.acts), frozenset(n.people), frozenset(n.channels)))
            for n in self.norms]
        distinct: dict[tuple[frozenset[str], ...], int] = {}
        self.facet_id = np.array([distinct.setdefault(f, len(distinct)) for f in self.facets], dtype=np.int64)
        self.distinct_facets = list(distinct)
        # the words as sparse matrices (norm x stem), so an ask scores every norm in scope at once;
        # "named": a norm's words with its clause's headings and lead-in
        self.docs = sorted(by_doc)
        self.doc_row = {d: k for k, d in enumerate(self.docs)}
        self.norm_doc = np.array([self.doc_row[n.doc_id] for n in self.norms], dtype=np.int64)
        self.columns: dict[str, int] = {}
        stem_rows = self._matrix(norm_words)
        context = self._matrix(context_words)
        width = max(1, len(self.columns))
        stem_rows.resize((stem_rows.shape[0], width))
        context.resize((context.shape[0], width))
        clause_row = {cid: k for k, cid in enumerate(ids)}
        of_clause = np.array([clause_row[n.clause_id] for n in self.norms], dtype=np.int64)
        named_rows = ((stem_rows + context[of_clause]) > 0).astype(np.float32) if self.norms else stem_rows
        self.stem_rows, self.named_rows = stem_rows, named_rows.tocsr()  # row-sliceable, for small scopes
        self.stem_matrix, self.named_matrix = stem_rows.tocsc(), self.named_rows.tocsc()
        # each district's own word counts (document frequency over its norms' named words): word
        # coverage and the focus words read these, so a district's ruling depends on its own text
        # and the question only
        indicator = sparse.csr_matrix((np.ones(len(self.norms), dtype=np.float32),
                                       (self.norm_doc, np.arange(len(self.norms)))),
                                      shape=(len(self.docs), len(self.norms)))
        self.doc_df = (indicator @ self.named_rows).tocsc()  # district x stem
        self.doc_norms = np.bincount(self.norm_doc, minlength=len(self.docs)).astype(np.float64)

    def _matrix(self, rows_words: Sequence[str]) -> "sparse.csr_matrix":
        """Rows of distinct space-separated words as a 0/1 CSR matrix over ``self.columns`` (grown as
        new words come). One split of all rows joined and one C-level ``map`` over the tokens: the
        per-word Python loop was most of building the matrices of 213k norms."""
        cols = self.columns
        tokens = " ".join(rows_words).split()
        for t in dict.fromkeys(tokens):  # the distinct words, in first-seen order
            if t not in cols:
                cols[t] = len(cols)
        flat = np.fromiter(map(cols.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        # words are joined by single spaces (``analysis``): a row's count is its spaces plus one
        lengths = np.fromiter((w.count(" ") + 1 if w else 0 for w in rows_words), dtype=np.int64, count=len(rows_words))
        indptr = np.zeros(len(rows_words) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return sparse.csr_matrix((np.ones(len(flat), dtype=np.float32), flat, indptr),
                                 shape=(len(rows_words), max(1, len(cols))))

    def has_any(self, matrix: "sparse.csc_matrix", stems: set[str], rows: np.ndarray,
                sub: "sparse.csr_matrix | None" = None) -> np.ndarray:
        """Whether each norm of ``rows`` has any of ``stems``: a column slice of the whole matrix for a
        large scope, or of ``sub`` (``rows`` already picked from the row-sliceable copy) for a small one."""
        cols = [self.columns[t] for t in stems if t in self.columns and self.columns[t] < matrix.shape[1]]
        if not cols:
            return np.zeros(len(rows), dtype=bool)
        if sub is not None:
            return np.asarray(sub[:, cols].sum(axis=1)).ravel() > 0
        return (np.asarray(matrix[:, cols].sum(axis=1)).ravel() > 0)[rows]

    def idf_of(self, stem: str, docs: Sequence[str]) -> np.ndarray:
        """The stem's idf in each of ``docs``' own counts (a word a district never uses weighs most)."""
        rows = np.array([self.doc_row[d] for d in docs], dtype=np.int64)
        n = self.doc_norms[rows]
        col = self.columns.get(stem)
        f = np.zeros(len(rows)) if col is None else self.doc_df[:, col].toarray().ravel()[rows]
        return np.log(1 + (n - f + 0.5) / (f + 0.5))

    def uses(self, doc_id: str, stem: str) -> bool:
        """Whether the district's norms (with their headings) use the stem at all."""
        col, row = self.columns.get(stem), self.doc_row.get(doc_id)
        return col is not None and row is not None and self.doc_df[row, col] > 0

    def _span(self, norm: Norm, start: int, end: int) -> str:
        c = self.clauses[norm.clause_id]
        return c.text[max(0, start - c.start): max(0, end - c.start)]

    def text(self, norm: Norm) -> str:
        return self._span(norm, norm.start, norm.end)

    def action(self, norm: Norm) -> str:
        return self._span(norm, norm.action_start, norm.action_end)


class Ruler:
    def __init__(self, index: NormIndex, lexical: LexicalIndex, settings: Settings, reranker: object | None = None):
        self.index = index
        self.lexical = lexical
        self.settings = settings
        self.reranker = reranker  # optional (``rerank.build_reranker``); off by default
        self.reference = load_reference()  # frozen word rarity of policy language (the focus words)

    def rerank(self, asked: Asked, ix: np.ndarray, score: np.ndarray, eligible: list[int]) -> tuple[np.ndarray, list[int]]:
        """Blend the reranker's relevance into the best eligible norms' scores (unchanged on failure)."""
        from .rerank import safe_scores

        top = eligible[: self.settings.rerank_top]
        if self.reranker is None or not top:
            return score, eligible
        rr = safe_scores(self.reranker, asked.question, [self.index.text(self.index.norms[ix[k]]) for k in top])
        if rr is None:
            return score, eligible
        w = self.settings.rerank_weight
        score = score.copy()
        score[top] = (1 - w) * score[top] + w * rr
        return score, sorted(eligible, key=lambda k: -score[k])

    def batch(self, asked: Asked, doc_ids: Sequence[str]) -> "_Batch":
        """Every norm of ``doc_ids`` scored and gated at once (numpy and sparse word matrices): the
        cost grows with the norms in scope, not with the districts stored."""
        index, s = self.index, self.settings
        docs = [d for d in doc_ids if d in index.by_doc]
        if asked.vector is None or index.vectors.shape[1] != asked.vector.shape[0] or not docs:
            return _Batch({}, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), np.zeros(0, dtype=bool))
        parts = [index.by_doc[d] for d in docs]
        rows = np.concatenate(parts)
        spans, at = {}, 0
        for d, part in zip(docs, parts):
            spans[d] = (at, at + len(part))
            at += len(part)
        sel = rows
        large = 4 * len(rows) > len(index.norms)
        # a large scope: one product over the whole matrix, then picked (no copy of the rows)
        dense = (index.vectors @ asked.vector)[rows] if large else index.vectors[rows] @ asked.vector
        stem_sub = None if large else index.stem_rows[rows]
        named_sub = None if large else index.named_rows[rows]
        # word coverage, idf-weighted by each district's own counts
        doc_of = np.repeat(np.arange(len(docs)), [len(p) for p in parts])
        total = np.zeros(len(rows))
        matched = np.zeros(len(rows))
        for t in asked.terms:
            w = index.idf_of(t, docs)[doc_of]
            total += w
            matched += w * index.has_any(index.stem_matrix, {t} | asked.term_expansions.get(t, set()), sel, stem_sub)
        lex = np.divide(matched, total, out=np.zeros(len(rows)), where=total > 0)
        # structure, per distinct facet triple: the same people / specific act; compatible at all
        agree_act = np.array([agrees(asked.acts, f[0]) for f in index.distinct_facets], dtype=bool)
        people = np.array([bool(asked.people & f[1]) for f in index.distinct_facets], dtype=bool)
        compat = np.array([compatible(asked.acts, asked.people, f[0], f[1], asked.channels, f[2])
                           for f in index.distinct_facets], dtype=bool)
        fid = index.facet_id[rows]
        score = dense + s.rule_lexical_weight * lex + s.agreement_bonus * (people[fid].astype(float) + agree_act[fid])
        forces = ELIGIBLE.get(asked.kind, ELIGIBLE["what"])
        ok = np.isin(index.forces[rows], list(forces))
        if asked.kind in _GATED:
            ok &= compat[fid]
        if asked.kind not in ("define", "consequence"):
            named = np.ones(len(rows), dtype=bool)
            by_focus: dict[tuple[str, ...], list[str]] = {}
            for d in docs:
                by_focus.setdefault(self.focus(asked, d), []).append(d)
            for focus, group in by_focus.items():
                if not focus:
                    continue
                stems = set(focus).union(*(asked.term_expansions.get(t, set()) for t in focus))
                hit = index.has_any(index.named_matrix, stems, sel, named_sub)
                for d in group:
                    lo, hi = spans[d]
                    named[lo:hi] = hit[lo:hi]
            ok &= (score >= s.strong_rule_threshold) | named
        return _Batch(spans, rows, score.astype(np.float64), ok, agree_act[fid])

    def scores(self, asked: Asked, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(norm positions, match scores) of every norm of ``doc_id``."""
        b = self.batch(asked, [doc_id])
        return b.rows, b.score

    def rule(self, asked: Asked, doc_id: str) -> Ruling:
        return self.rule_all(asked, [doc_id])[0]

    def rule_all(self, asked: Asked, doc_ids: Sequence[str]) -> list[Ruling]:
        b = self.batch(asked, doc_ids)
        out = []
        for d in doc_ids:
            if d not in b.spans:
                out.append(Ruling(d, NOT_ADDRESSED, NOT_ADDRESSED))
                continue
            lo, hi = b.spans[d]
            out.append(self._decide(asked, d, b.rows[lo:hi], b.score[lo:hi], b.ok[lo:hi], b.agree_act[lo:hi]))
        return out

    def _decide(self, asked: Asked, doc_id: str, ix: np.ndarray, score: np.ndarray, ok: np.ndarray,
                agree_act: np.ndarray) -> Ruling:
        s = self.settings
        order = np.argsort(-score, kind="stable")
        gated = asked.kind in _GATED
        eligible = [k for k in order if ok[k]]
        score, eligible = self.rerank(asked, ix, score, eligible)
        threshold = s.consequence_threshold if asked.kind == "consequence" else s.rule_threshold
        # a norm naming the same specific act as the question needs less similarity to rule
        passing = [k for k in eligible if score[k] >= threshold or (
            gated and score[k] >= s.agreed_threshold and agree_act[k])
            or (asked.kind == "define" and score[k] >= s.agreed_threshold and self.defines(asked, ix[k]))]
        if not passing:
            near = [k for k in order[:2] if score[k] >= s.related_threshold]
            if near:
                return Ruling(doc_id, "related", NOT_ADDRESSED,
                              supporting=tuple(self.index.norms[ix[k]] for k in near), score=float(score[near[0]]))
            return Ruling(doc_id, NOT_ADDRESSED, NOT_ADDRESSED, score=float(score[order[0]]))
        best = float(score[passing[0]])
        top_clause = self.index.norms[ix[passing[0]]].clause_id
        # the near-best norms, and the best one's own clause read whole ("must use District e-mail
        # ... may not communicate ... via private email")
        restrictive = ("prohibited", "discouraged")
        cands = [k for k in passing if score[k] >= best - s.rule_margin
                 or (self.index.norms[ix[k]].clause_id == top_clause and score[k] >= best - 2 * s.rule_margin)
                 or (asked.kind == "may" and self.reading(asked, ix[k]) in restrictive
                     and score[k] >= best - s.restriction_margin)]
        if asked.people:  # "photos of my students": a rule about those people before one about others
            about = [k for k in cands if asked.people & self.index.facets[ix[k]][1]]
            cands = about or cands
        chosen = cands[0]
        if asked.kind == "may":
            chosen = min(cands, key=lambda k: (RESTRICTIVE_FIRST.index(self.reading(asked, ix[k])), -score[k]))
        deciding = self.index.norms[ix[chosen]]
        verdict = self.reading(asked, ix[chosen])
        if verdict in ("prohibited", "discouraged"):
            # the exception beside the restriction, in the same clause, decides
            exceptions = [k for k in cands if k != chosen and self.index.norms[ix[k]].clause_id == deciding.clause_id
                          and self.reading(asked, ix[k]) == "conditional"]
            if exceptions:
                verdict = "conditional"
        if asked.kind == "may" and verdict == "required":
            verdict = "conditional"  # "can I X?" + "to X you must Y": allowed on that condition
        # up to two more passing norms, from other clauses first (each clause is one more citation)
        rest = [k for k in passing if k != chosen]
        rest.sort(key=lambda k: (self.index.norms[ix[k]].clause_id == deciding.clause_id, -score[k]))
        supporting = tuple(self.index.norms[ix[k]] for k in rest[:2])
        return Ruling(doc_id, "rules", verdict, deciding=deciding, supporting=supporting, score=float(score[chosen]))

    def defines(self, asked: Asked, i: int) -> bool:
        """A definition ("Personal technology - Any device ...") of a term the question names."""
        n = self.index.norms[i]
        if n.force != "definition":
            return False
        head = self.index.text(n).split(" - ", 1)[0].split(" – ", 1)[0]
        stems = set(self.lexical.analyzer.tokens(head))
        return bool(stems) and stems <= set(asked.terms) | {x for t in asked.terms for x in asked.term_expansions.get(t, ())}

    def focus(self, asked: Asked, doc_id: str, n: int = 2) -> tuple[str, ...]:
        """The ``n`` rarest words of the asked action in policy language, rarest first
        ("disclaimer" in "what disclaimer must a site show", "parent" in "dm a parent on insta"):
        words the frozen reference of policy language (``reference.py``) or this district uses, or
        that have a staff-word expansion; a word the reference never uses counts rarest. Rarity is
        read from the frozen reference, never from the stored documents, so adding an unrelated
        policy cannot move a ruling (docs/BENCHMARKS.md: the variants measured)."""
        ref = self.reference
        known = [t for t in asked.candidates if t in ref.df or self.index.uses(doc_id, t) or asked.term_expansions.get(t)]
        unseen = ref.unseen_idf
        return tuple(sorted(known, key=lambda t: -(ref.idf(t) or unseen))[:n])

    def matches(self, asked: Asked, i: int | Norm) -> bool:
        """Whether norm ``i`` (a position, or a ``Norm``) is about the asked act, people and channel
        at all (``actions.compatible``)."""
        if isinstance(i, Norm):
            acts, people, channels = frozenset(i.acts), frozenset(i.people), frozenset(i.channels)
        else:
            acts, people, channels = self.index.facets[i]
        return compatible(asked.acts, asked.people, acts, people, asked.channels, channels)

    def reading(self, asked: Asked, i: int) -> str:
        """A norm's verdict on this question: a condition inside a prohibition reads ``conditional``
        only when the question touches what the condition reaches."""
        n = self.index.norms[i]
        if n.restriction and n.verdict == "conditional":
            touched = self.lexical.coverage_of(asked.terms, asked.term_expansions, self.index.scope_stems[i])
            return "conditional" if touched > 0 else n.restriction
        return n.verdict


@dataclass(frozen=True, eq=False)
class _Batch:
    """The norms of the districts in scope, scored: ``spans[doc_id]`` = (lo, hi) into the arrays."""

    spans: dict[str, tuple[int, int]]
    rows: np.ndarray  # norm positions in ``NormIndex.norms``
    score: np.ndarray
    ok: np.ndarray  # may rule: the right force, about the asked act, naming a focus word (or strong)
    agree_act: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # names the same specific act
