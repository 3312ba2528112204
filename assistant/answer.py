"""Extractive answerer: no LLM. From the retrieved clauses it decides which districts address the
question, cites each one's governing clauses verbatim (checked against the source offsets), gives
each clause and district a verdict from its own normative language, and composes a one-line summary
from the verdicts and the documents' names only. When no clause speaks to the question it abstains.
"""

from __future__ import annotations

import uuid
from typing import Mapping

from .config import Settings
from .retrieve import Retrieval
from .types import NOT_ADDRESSED, Answer, Citation, Document, Finding, Hit
from .verdict import classify, strongest

# How the summary says each verdict, for one district and for several.
_VERB = {
    "prohibited": ("prohibits this", "prohibit this"),
    "discouraged": ("discourages this", "discourage this"),
    "conditional": ("allows this only under conditions", "allow this only under conditions"),
    "required": ("requires this", "require this"),
    "recommended": ("recommends this", "recommend this"),
    "permitted": ("permits this", "permit this"),
    "informational": ("speaks to this without setting a rule", "speak to this without setting a rule"),
}
_ORDER = ("prohibited", "discouraged", "conditional", "required", "recommended", "permitted", "informational")


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def lead(verdicts: list[str]) -> str:
    """A plain-words opening from the district verdicts alone."""
    kinds = set(verdicts) - {"informational"}
    if not kinds:
        return "The policies speak to this but set no rule."
    if kinds <= {"prohibited", "discouraged"}:
        return "No." if kinds == {"prohibited"} else "Generally no."
    if kinds <= {"permitted"}:
        return "Yes."
    if kinds <= {"required", "recommended"}:
        return "Yes, and it is expected." if "required" in kinds else "Yes, it is encouraged."
    if kinds == {"conditional"}:
        return "Only under conditions."
    return "It depends on the district."


class ExtractiveAnswerer:
    def __init__(self, documents: Mapping[str, Document], settings: Settings):
        self.documents = documents
        self.settings = settings

    # -- pieces --------------------------------------------------------------------------------
    def addresses(self, hit: Hit) -> bool:
        """Does this clause actually speak to the question's words (not merely sound alike)?"""
        s = self.settings
        return (hit.coverage >= s.address_coverage and hit.similarity >= s.address_similarity) or (
            hit.similarity >= s.strong_similarity)

    def in_scope(self, hits: list[Hit]) -> bool:
        """Abstention from evidence: some clause must share the question's words or its meaning.
        Calibrated on the dev gold set (docs/BENCHMARKS.md): out-of-scope questions (parking,
        salaries) reach cosine 0.3-0.4 but never use the question's own words."""
        s = self.settings
        return any((h.coverage >= s.abstain_coverage and h.similarity >= s.abstain_pair_similarity)
                   or h.similarity >= s.abstain_similarity for h in hits)

    def relevance(self, hit: Hit) -> float:
        return hit.similarity + self.settings.coverage_weight * hit.coverage

    def cite(self, hit: Hit, question: str) -> Citation | None:
        clause = hit.clause
        doc = self.documents.get(clause.doc_id)
        if doc is None:
            return None
        quote = doc.text[clause.start:clause.end]
        if quote != clause.text:  # verbatim or nothing
            return None
        verdict = classify(clause.text, question, context=clause.context)
        return Citation(
            clause_id=clause.clause_id, doc_id=clause.doc_id, label=clause.label, quote=quote,
            start=clause.start, end=clause.end, verdict=verdict.label, evidence=verdict.evidence,
            score=round(self.relevance(hit), 6), district=doc.meta.district,
        )

    def findings(self, question: str, hits: list[Hit], per_district: int) -> list[Finding]:
        by_doc: dict[str, list[Hit]] = {}
        if not self.in_scope(hits):
            return []
        for h in sorted((h for h in hits if self.addresses(h)), key=lambda h: (-self.relevance(h), h.clause.clause_id)):
            by_doc.setdefault(h.clause.doc_id, []).append(h)
        out: list[tuple[float, Finding]] = []
        for doc_id, doc_hits in by_doc.items():
            best = self.relevance(doc_hits[0])
            chosen = [doc_hits[0]] + [h for h in doc_hits[1:per_district]
                                      if self.relevance(h) >= best * self.settings.second_citation_ratio]
            cites = [c for c in (self.cite(h, question) for h in chosen) if c is not None]
            if not cites:
                continue
            meta = self.documents[doc_id].meta
            out.append((best, Finding(doc_id=doc_id, district=meta.district, title=meta.title,
                                      verdict=strongest([c.verdict for c in cites]), citations=tuple(cites))))
        out.sort(key=lambda x: -x[0])
        return [f for _, f in out][: self.settings.max_citations]

    def name(self, doc_id: str) -> str:
        return self.documents[doc_id].meta.label_name

    def summary(self, findings: list[Finding], not_addressed: list[str], filtered: bool) -> str:
        if filtered and findings:
            f = findings[0]
            ev = f.citations[0].evidence if f.citations else ""
            said = f' ("{ev}")' if ev else ""
            return f"{lead([f.verdict])} {self.name(f.doc_id)} {_VERB[f.verdict][0]}{said}."
        groups: dict[str, list[str]] = {}
        for f in findings:
            groups.setdefault(f.verdict, []).append(self.name(f.doc_id))
        parts = []
        for verdict in _ORDER:
            names = groups.get(verdict)
            if names:
                verb = _VERB[verdict][0 if len(names) == 1 else 1]
                parts.append(f"{_names(names)} {verb}")
        text = f"{lead([f.verdict for f in findings])} " + "; ".join(parts) + "."
        if not_addressed:
            text += f" Not addressed by {_names([self.name(d) for d in not_addressed])}."
        return text

    @staticmethod
    def ranking(findings: list[Finding]) -> list[Citation]:
        """Every cited clause, best first: each district's best clause, then the next ones."""
        out: list[Citation] = []
        depth = max((len(f.citations) for f in findings), default=0)
        for i in range(depth):
            out.extend(f.citations[i] for f in findings if i < len(f.citations))
        return out

    # -- the answer ----------------------------------------------------------------------------
    def answer(self, question: str, retrieval: Retrieval, district: str | None = None,
               others: Retrieval | None = None) -> Answer:
        hits = list(retrieval.hits)
        s = self.settings
        findings = self.findings(question, hits, s.per_district_filtered if district else s.per_district)
        answered = {f.doc_id for f in findings}
        not_addressed = [d for d in retrieval.doc_ids if d not in answered]
        other_findings: list[Finding] = []
        if others is not None:
            other_findings = [f for f in self.findings(question, list(others.hits), 1)  # brief: one each
                              if f.doc_id != district]
        answer_id = uuid.uuid4().hex[:16]
        if not findings:
            nearest = sorted(hits, key=lambda h: -self.relevance(h))[:3]
            related = [c for c in (self.cite(h, question) for h in nearest) if c is not None]
            where = f"{self.name(district)}" if district else "the policies I hold"
            summary = (f"I found nothing in {where} that addresses this question, so I cannot answer it "
                       "from policy. Ask your supervisor or HR.")
            if other_findings:
                summary += " Other districts do address it: see below."
            return Answer(question=question, district=district, abstained=True, summary=summary,
                          not_addressed=tuple(not_addressed), related=tuple(related),
                          other_districts=tuple(other_findings), answer_id=answer_id)
        return Answer(
            question=question, district=district, abstained=False,
            summary=self.summary(findings, not_addressed, filtered=district is not None),
            findings=tuple(findings), not_addressed=tuple(not_addressed),
            citations=tuple(self.ranking(findings)), other_districts=tuple(other_findings),
            answer_id=answer_id,
        )


__all__ = ["ExtractiveAnswerer", "NOT_ADDRESSED", "lead"]
