"""Scoring: one system's answers against the resolved gold set.

Definitions (issue 5):
- A ranked unit (a cited clause, or an anchor's chunk) *matches* a gold citation when it is in the
  same document and its ``[start, end)`` covers at least half of the gold quote's span.
- ``citation_recall@k``: share of (non-stale) gold citations of answerable questions matched within
  the first k ranked units.
- ``mrr@10`` / ``ndcg@10``: computed by pytrec_eval (trec_eval semantics) over unit ids; the qrels of
  a question are the system's units (the current clauses for ours) that match one of its gold
  citations, relevance 1. trec_eval silently drops queries without a run, so each question is scored
  on its own and the average is taken here over every answerable question with at least one
  non-stale gold citation; no run, an abstention, or no unit matching any gold span counts 0.
  Unanswerable questions have no qrels: they are excluded from mrr/ndcg and scored by abstention.
- ``verdict_accuracy``: over found gold citations that carry a verdict (matched at any rank), the
  verdict of the first matching unit equals the gold one; ``verdict_polarity_accuracy`` the same by
  polarity group. ``None`` for systems that give no verdicts.
- ``abstention_accuracy`` over all questions; ``false_abstain`` / ``false_answer`` are counts.
- ``faithfulness``: share of every shown quote (citations, findings, related, other districts) equal
  to ``clean_text[start:end]``.
- ``chars_to_read_median``: median over answerable questions of the characters of distinct quoted
  text shown. ``latency_ms_p50`` / ``p95`` over all questions.
Stale gold citations (quote no longer in the corpus) are left out of every metric.
Per tag and per district: the same metrics over the questions with that tag / district (a
question's districts are its filter, else the docs its gold citations cite; "(none)" otherwise).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytrec_eval

from assistant.evaluation.gold import GoldQuestion, GoldSpan
from assistant.evaluation.rulings import LOWER_IS_BETTER as RULING_LOWER
from assistant.evaluation.rulings import RULING_METRICS, RulingPair, pairs, ruling_metrics

METRIC_NAMES: tuple[str, ...] = (
    *RULING_METRICS,
    "citation_recall@shown",
    "citation_recall@1",
    "citation_recall@3",
    "citation_recall@5",
    "mrr@10",
    "ndcg@10",
    "verdict_accuracy",
    "verdict_polarity_accuracy",
    "abstention_accuracy",
    "false_abstain",
    "false_answer",
    "faithfulness",
    "chars_to_read_median",
    "latency_ms_p50",
    "latency_ms_p95",
)
LOWER_IS_BETTER = frozenset(
    {"false_abstain", "false_answer", "chars_to_read_median", "latency_ms_p50", "latency_ms_p95"}
) | RULING_LOWER
POLARITY = {
    "prohibited": "restrict", "discouraged": "restrict",
    "required": "require", "recommended": "require",
    "permitted": "allow", "conditional": "allow",
    "informational": "inform",
}
RECALL_KS = (1, 3, 5)


@dataclass(frozen=True)
class Unit:
    """One ranked item a system returns (a clause, a chunk, a paragraph) with exact offsets."""

    unit_id: str
    doc_id: str
    start: int
    end: int
    verdict: str | None = None
    label: str = ""
    quote: str = ""


@dataclass(frozen=True)
class Shown:
    """One quote put in front of a person, to check ``quote == text[start:end]``; ``unit_start`` /
    ``unit_end`` is the cited unit it belongs to (its clause), which gold citations are matched on."""

    doc_id: str
    start: int
    end: int
    quote: str
    unit_start: int = -1
    unit_end: int = -1
    hidden: bool = False  # behind a toggle ("show the whole clause"): checked, not counted as read


@dataclass(frozen=True)
class SystemAnswer:
    ranked: tuple[Unit, ...]
    abstained: bool
    shown: tuple[Shown, ...] = ()
    latency_ms: float = 0.0
    verdicts_given: Mapping[str, str] = field(default_factory=dict)  # doc id -> district verdict
    rulings_shown: Mapping[str, str] = field(default_factory=dict)  # doc id -> ruling a person reads
    summary: str = ""  # the short answer as shown
    deciding: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # doc id -> (clause id, quote) that decides


@dataclass
class CitationResult:
    doc: str
    quote: str
    gold_verdict: str | None
    stale: bool
    rank: int | None = None  # 1-based rank of the first matching unit
    unit_id: str | None = None
    given_verdict: str | None = None
    shown: bool = False  # matched by anything the answer shows (findings, other districts, related)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class QuestionResult:
    id: str
    question: str
    answerable: bool
    tags: tuple[str, ...]
    districts: tuple[str, ...]
    abstained: bool
    latency_ms: float
    citations: list[CitationResult]
    cited: list[Unit]
    verdicts_given: dict[str, str]
    rr: float | None = None  # mrr@10 for this question (None: not scored)
    ndcg: float | None = None
    chars_to_read: int = 0
    shown_total: int = 0
    shown_exact: int = 0
    passed: bool | None = None
    rulings: list[RulingPair] = field(default_factory=list)
    shown_answer: dict[str, Any] = field(default_factory=dict)  # what staff read: summary, per-district ruling

    @property
    def live(self) -> list[CitationResult]:
        return [c for c in self.citations if not c.stale]

    @property
    def scored(self) -> bool:
        """Whether the question takes part in recall/mrr/ndcg (answerable, some gold not stale)."""
        return self.answerable and bool(self.live)

    def recall(self, k: int) -> float | None:
        live = self.live
        if not self.answerable or not live:
            return None
        return sum(1 for c in live if c.rank is not None and c.rank <= k) / len(live)

    def to_dict(self) -> dict[str, Any]:
        matched = {c.unit_id for c in self.citations if c.rank is not None}
        return {
            "id": self.id,
            "passed": self.passed,
            "answerable": self.answerable,
            "abstained": self.abstained,
            "latency_ms": round(self.latency_ms, 2),
            "matched": [c.to_dict() for c in self.citations if c.rank is not None],
            "missed": [c.to_dict() for c in self.citations if c.rank is None and not c.stale],
            "stale": [c.to_dict() for c in self.citations if c.stale],
            "verdicts_given": dict(self.verdicts_given),
            "rulings": [p.to_dict() for p in self.rulings],
            "mrr@10": self.rr,
            "ndcg@10": self.ndcg,
            "chars_to_read": self.chars_to_read,
            "tags": list(self.tags),
            "districts": list(self.districts),
            "question": self.question,
            "cited": [
                {"rank": i, "id": u.unit_id, "label": u.label, "quote": u.quote, "verdict": u.verdict,
                 "matches_gold": u.unit_id in matched}
                for i, u in enumerate(self.cited, start=1)
            ],
            "why": self.reasons(),
            "shown_answer": self.shown_answer,
        }

    def reasons(self) -> list[str]:
        """Why the question did not pass, in words (empty when it passed)."""
        if not self.answerable:
            return [] if self.abstained else ["answered an out-of-scope question"]
        out = ["abstained"] if self.abstained else []
        for p in self.rulings:
            if not p.correct:
                gold = " or ".join(p.gold)
                out.append(f"no ruling shown for {p.doc_id} (gold {gold})" if p.shown == "not addressed"
                           else f"{p.doc_id} ruling {p.shown}, gold {gold}")
        for c in self.live:
            if c.rank is None:
                other = next((u for u in self.cited if u.doc_id == c.doc), None)
                out.append(f"missed {c.doc}" if other is None else
                           f"missed {c.doc}: cited {other.label.rsplit(' > ', 1)[-1]} instead of “{c.quote[:60]}”")
            elif c.rank > 5:
                out.append(f"{c.doc} only at rank {c.rank}")
            if c.rank is not None and c.gold_verdict and c.given_verdict and c.given_verdict != c.gold_verdict:
                out.append(f"{c.doc} verdict {c.given_verdict}, gold {c.gold_verdict}")
        return out


def covers(unit_start: int, unit_end: int, span: tuple[int, int]) -> bool:
    """Whether ``[unit_start, unit_end)`` covers at least half of ``span``."""
    s, e = span
    overlap = min(unit_end, e) - max(unit_start, s)
    return e > s and 2 * overlap >= (e - s)


def matches(unit: Unit, gold: GoldSpan) -> bool:
    return unit.doc_id == gold.citation.doc and any(covers(unit.start, unit.end, sp) for sp in gold.spans)


def trec_scores(qrels: Mapping[str, Iterable[str]], run: Sequence[str]) -> tuple[float, float]:
    """(reciprocal rank @10, nDCG@10) of one ranked list of ids by pytrec_eval; 0 without run/qrels."""
    rel = {u: 1 for u in qrels}
    ranked = list(dict.fromkeys(run))[:10]
    if not rel or not ranked:
        return 0.0, 0.0
    evaluator = pytrec_eval.RelevanceEvaluator({"q": rel}, {"recip_rank", "ndcg_cut.10"})
    # strictly decreasing scores keep the system's own order (trec_eval breaks ties by doc id)
    scores = evaluator.evaluate({"q": {u: float(len(ranked) - i) for i, u in enumerate(ranked)}})
    q = scores.get("q", {})
    return float(q.get("recip_rank", 0.0)), float(q.get("ndcg_cut_10", 0.0))


def score_question(
    q: GoldQuestion,
    gold: Sequence[GoldSpan],
    ans: SystemAnswer,
    units_of: Mapping[str, Sequence[Unit]],
    texts: Mapping[str, str],
    gives_verdicts: bool = True,
) -> QuestionResult:
    """Score one answer. ``units_of`` maps doc id -> every unit the system could return (for qrels)."""
    results: list[CitationResult] = []
    for g in gold:
        c = CitationResult(doc=g.citation.doc, quote=g.citation.quote, gold_verdict=g.citation.verdict, stale=g.stale)
        if not g.stale:
            for rank, unit in enumerate(ans.ranked, start=1):
                if matches(unit, g):
                    c.rank, c.unit_id, c.given_verdict = rank, unit.unit_id, unit.verdict
                    break
            c.shown = any(
                s.doc_id == g.citation.doc and any(
                    covers(s.unit_start if s.unit_start >= 0 else s.start, s.unit_end if s.unit_end >= 0 else s.end, sp)
                    for sp in g.spans)
                for s in ans.shown)
        results.append(c)
    res = QuestionResult(
        id=q.id, question=q.question, answerable=q.answerable, tags=q.tags, districts=q.districts,
        abstained=ans.abstained, latency_ms=ans.latency_ms, citations=results,
        cited=list(ans.ranked[:5]), verdicts_given=dict(ans.verdicts_given),
        rulings=pairs(q.id, q.rulings, dict(ans.rulings_shown)) if gives_verdicts else [],
        shown_answer={"summary": ans.summary, "districts": {
            d: {"ruling": r, "clause_id": ans.deciding.get(d, ("", ""))[0], "quote": ans.deciding.get(d, ("", ""))[1]}
            for d, r in sorted(ans.rulings_shown.items())}} if gives_verdicts else {},
    )
    if res.scored:
        live = [g for g in gold if not g.stale]
        qrels = {u.unit_id for g in live for u in units_of.get(g.citation.doc, ()) if matches(u, g)}
        res.rr, res.ndcg = trec_scores(qrels, [u.unit_id for u in ans.ranked])
    seen: set[tuple[str, int, int]] = set()
    for s in ans.shown:
        res.shown_total += 1
        text = texts.get(s.doc_id)
        res.shown_exact += int(text is not None and text[s.start : s.end] == s.quote)
        if not s.hidden and (s.doc_id, s.start, s.end) not in seen:
            seen.add((s.doc_id, s.start, s.end))
            res.chars_to_read += len(s.quote)
    res.passed = _passed(res, gives_verdicts)
    return res


def _passed(res: QuestionResult, gives_verdicts: bool) -> bool | None:
    if not res.answerable:
        return res.abstained
    if not res.live:
        return None  # every gold citation is stale: nothing to judge
    if res.abstained or res.recall(5) != 1.0 or (gives_verdicts and not all(p.correct for p in res.rulings)):
        return False
    if gives_verdicts:
        return all(p.correct for p in res.rulings) and all(
            c.gold_verdict is None or c.given_verdict == c.gold_verdict for c in res.live)
    return True


def _mean(values: Sequence[float]) -> float | None:
    return float(sum(values) / len(values)) if values else None


def aggregate(results: Sequence[QuestionResult], gives_verdicts: bool = True) -> dict[str, float | int | None]:
    """The metrics (names exactly ``METRIC_NAMES``) over a set of question results."""
    scored = [r for r in results if r.scored]
    live = [c for r in scored for c in r.live]
    m: dict[str, float | int | None] = dict(
        ruling_metrics([p for r in results for p in r.rulings], gives_verdicts))
    m["citation_recall@shown"] = _mean([float(c.shown) for c in live])
    for k in RECALL_KS:
        m[f"citation_recall@{k}"] = _mean([float(c.rank is not None and c.rank <= k) for c in live])
    m["mrr@10"] = _mean([r.rr or 0.0 for r in scored])
    m["ndcg@10"] = _mean([r.ndcg or 0.0 for r in scored])
    found = [c for c in live if c.rank is not None and c.gold_verdict is not None]
    if gives_verdicts:
        m["verdict_accuracy"] = _mean([float(c.given_verdict == c.gold_verdict) for c in found])
        m["verdict_polarity_accuracy"] = _mean(
            [float(POLARITY.get(c.given_verdict or "") == POLARITY[c.gold_verdict or ""]) for c in found]
        )
    else:
        m["verdict_accuracy"] = m["verdict_polarity_accuracy"] = None
    m["abstention_accuracy"] = _mean([float(r.abstained != r.answerable) for r in results])
    m["false_abstain"] = sum(1 for r in results if r.answerable and r.abstained)
    m["false_answer"] = sum(1 for r in results if not r.answerable and not r.abstained)
    shown = sum(r.shown_total for r in results)
    m["faithfulness"] = sum(r.shown_exact for r in results) / shown if shown else None
    chars = [r.chars_to_read for r in results if r.answerable]
    m["chars_to_read_median"] = float(statistics.median(chars)) if chars else None
    lat = [r.latency_ms for r in results]
    m["latency_ms_p50"] = float(np.percentile(lat, 50)) if lat else None
    m["latency_ms_p95"] = float(np.percentile(lat, 95)) if lat else None
    return m


def breakdown(
    results: Sequence[QuestionResult], key: str, gives_verdicts: bool = True
) -> dict[str, dict[str, float | int | None]]:
    """Metrics per tag (``key="tags"``) or per district (``key="districts"``, doc ids)."""
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        names = getattr(r, key) or ("(none)",)
        for name in names:
            groups.setdefault(name, []).append(r)
    return {name: {"n": len(rs), **aggregate(rs, gives_verdicts)} for name, rs in sorted(groups.items())}
