"""Run a system over the gold set (with a progress bar) and score it.

A *system* is anything with ``name``, ``gives_verdicts``, ``answer(question, district)`` returning a
``SystemAnswer`` and ``units(doc_id)`` listing every unit it could return (for qrels). ``OursSystem``
adapts the ``Assistant`` facade; the anchors live in ``anchors.py``. Latency is the wall time of
``answer`` measured here, the same way for every system.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from assistant.errors import AssistantError, GoldError
from assistant.evaluation.gold import GoldQuestion, GoldSpan
from assistant.evaluation.metrics import (
    QuestionResult,
    Shown,
    SystemAnswer,
    Unit,
    aggregate,
    breakdown,
    score_question,
)
from assistant.evaluation.rulings import by_district as rulings_by_district
from assistant.evaluation.rulings import confusion
from assistant.types import Answer, Citation


class System(Protocol):
    name: str
    gives_verdicts: bool

    def answer(self, question: str, district: str | None) -> SystemAnswer: ...

    def units(self, doc_id: str) -> Sequence[Unit]: ...


def _unit(c: Citation) -> Unit:
    """A cited passage as a ranked unit: its clause (gold citations are clause-level)."""
    start, end = (c.clause_start, c.clause_end) if c.clause_start >= 0 else (c.start, c.end)
    return Unit(unit_id=c.clause_id, doc_id=c.doc_id, start=start, end=end, verdict=c.verdict,
                label=c.label, quote=c.quote)


def from_answer(answer: Answer) -> SystemAnswer:
    """An ``Answer`` as the scorer sees it: its citations ranked, every quote it shows."""
    shown_cits: list[Citation] = list(answer.citations) + list(answer.related)
    for f in (*answer.findings, *answer.other_districts):
        shown_cits.extend(f.citations)
    verdicts = {f.doc_id: f.verdict for f in answer.findings}
    verdicts.update({d: "not addressed" for d in answer.not_addressed if d not in verdicts})
    # what a person reads per district: the card's verdict when it rules; a related card, a
    # district listed as not addressed (or absent) reads "not addressed"
    rulings = {f.doc_id: f.verdict if f.status == "rules" else "not addressed"
               for f in (*answer.findings, *answer.other_districts)}
    shown: list[Shown] = []
    for c in shown_cits:
        shown.append(Shown(c.doc_id, c.start, c.end, c.quote, c.clause_start, c.clause_end))
        if c.clause_quote:  # "show the whole clause": the clause is a quote too, checked the same way
            shown.append(Shown(c.doc_id, c.clause_start, c.clause_end, c.clause_quote, c.clause_start, c.clause_end,
                               hidden=True))
    return SystemAnswer(
        ranked=tuple(_unit(c) for c in answer.citations),
        abstained=answer.abstained,
        shown=tuple(shown),
        latency_ms=answer.latency_ms,
        verdicts_given=verdicts,
        rulings_shown=rulings,
        summary=answer.summary,
        deciding={f.doc_id: (f.citations[0].clause_id, f.citations[0].quote)
                  for f in (*answer.findings, *answer.other_districts) if f.status == "rules" and f.citations},
    )


class OursSystem:
    """The product, through its facade."""

    name = "ours"
    gives_verdicts = True

    def __init__(self, assistant: Any):
        self.assistant = assistant
        self._units: dict[str, list[Unit]] = {}

    def answer(self, question: str, district: str | None) -> SystemAnswer:
        return from_answer(self.assistant.ask(question, district=district))

    def units(self, doc_id: str) -> list[Unit]:
        if doc_id not in self._units:
            self._units[doc_id] = [
                Unit(unit_id=c.clause_id, doc_id=c.doc_id, start=c.start, end=c.end, label=c.label)
                for c in self.assistant.clauses(doc_id)
            ]
        return self._units[doc_id]


@dataclass
class SystemRun:
    name: str
    gives_verdicts: bool
    results: list[QuestionResult]
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)
    by_tag: dict[str, Any] = field(default_factory=dict)
    by_district: dict[str, Any] = field(default_factory=dict)
    rulings_by_district: dict[str, Any] = field(default_factory=dict)
    ruling_confusion: dict[str, Any] = field(default_factory=dict)


def score_run(name: str, gives_verdicts: bool, results: list[QuestionResult], seconds: float = 0.0) -> SystemRun:
    every = [p for r in results for p in r.rulings]
    return SystemRun(
        name=name, gives_verdicts=gives_verdicts, results=results, seconds=seconds,
        metrics=aggregate(results, gives_verdicts),
        by_tag=breakdown(results, "tags", gives_verdicts),
        by_district=breakdown(results, "districts", gives_verdicts),
        rulings_by_district=rulings_by_district(every) if gives_verdicts else {},
        ruling_confusion=confusion(every) if gives_verdicts and every else {},
    )


def run_system(
    system: System,
    questions: Sequence[GoldQuestion],
    gold: Mapping[str, Sequence[GoldSpan]],
    texts: Mapping[str, str],
    progress: bool = True,
    console: Console | None = None,
) -> SystemRun:
    """Ask every gold question, time it, score it; a rich progress bar on stderr unless ``progress=False``."""
    docs = {c.citation.doc for spans in gold.values() for c in spans}
    units_of = {d: list(system.units(d)) for d in docs if d in texts}
    results: list[QuestionResult] = []
    t0 = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console or Console(stderr=True), disable=not progress, transient=False,
    ) as bar:
        task = bar.add_task(f"eval {system.name}", total=len(questions))
        for q in questions:
            start = time.perf_counter()
            try:
                ans = system.answer(q.question, q.district)
            except AssistantError as e:
                raise GoldError(f"gold question {q.id!r} (line {q.line}): {e.message}") from None
            latency = (time.perf_counter() - start) * 1000.0
            ans = dataclasses.replace(ans, latency_ms=latency)
            results.append(score_question(q, gold.get(q.id, ()), ans, units_of, texts, system.gives_verdicts))
            bar.advance(task)
    return score_run(system.name, system.gives_verdicts, results, time.perf_counter() - t0)


def corpus_texts(assistant: Any) -> dict[str, str]:
    """doc id -> cleaned text of every indexed document."""
    return {m.doc_id: assistant.document(m.doc_id).text for m in assistant.documents()}


def nearest_clause(quote: str, clauses: Sequence[Any], encode: Any = None) -> dict[str, Any] | None:
    """The current clause closest to a stale quote: by embedding when ``encode`` is given, else difflib."""
    if not clauses:
        return None
    if encode is not None:
        vecs = encode([quote] + [c.text for c in clauses])
        sims = vecs[1:] @ vecs[0]
        best = int(sims.argmax())
        score = float(sims[best])
    else:
        import difflib

        ratios = [difflib.SequenceMatcher(None, quote.lower(), c.text.lower()).ratio() for c in clauses]
        best = max(range(len(clauses)), key=ratios.__getitem__)
        score = ratios[best]
    c = clauses[best]
    return {"clause_id": c.clause_id, "label": c.label, "text": c.text, "similarity": round(score, 4)}


def stale_entries(assistant: Any, gold: Mapping[str, Sequence[GoldSpan]]) -> list[dict[str, Any]]:
    """One entry per stale gold citation, with the nearest current clause of its document."""
    out: list[dict[str, Any]] = []
    encode = getattr(getattr(assistant, "embedder", None), "encode", None)
    known = {m.doc_id for m in assistant.documents()}
    for qid, spans in gold.items():
        for s in spans:
            if not s.stale:
                continue
            clauses = assistant.clauses(s.citation.doc) if s.citation.doc in known else []
            out.append({"id": qid, "doc": s.citation.doc, "quote": s.citation.quote,
                        "verdict": s.citation.verdict, "nearest": nearest_clause(s.citation.quote, clauses, encode)})
    return out
