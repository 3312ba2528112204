"""Rulings -> ``Answer``: the summary, the district cards and their verbatim citations. No LLM.

Each district's card comes from its ``Ruling`` alone: a district that rules quotes its deciding
sentence first (a sub-span of its clause, exact offsets, the whole clause kept beside it), then up
to two supporting sentences; a related district quotes its nearest sentences under "Related, not a
ruling on this"; the rest are listed as not addressed. The summary is built from the rulings only,
naming each district's ruling with the deciding sentence's own action words, so a requirement about
another action never reads as "X requires this".
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Mapping, Sequence

from .asked import Asked
from .config import Settings
from .retrieve import Retrieval
from .rule import NormIndex, Ruling
from .types import NOT_ADDRESSED, Answer, Citation, Document, Finding, Norm, ScopeSummary

# How the summary names each verdict, for one district and for several.
_VERB = {
    "prohibited": ("prohibits", "prohibit"),
    "discouraged": ("discourages", "discourage"),
    "conditional": ("allows only under conditions", "allow only under conditions"),
    "required": ("requires", "require"),
    "recommended": ("recommends", "recommend"),
    "permitted": ("permits", "permit"),
    "informational": ("says", "say"),
}
_COUNTED = {  # "Across the 200 districts in scope: 1 prohibits it, 34 prohibit it, ..."
    "prohibited": ("prohibits it", "prohibit it"),
    "discouraged": ("discourages it", "discourage it"),
    "conditional": ("allows it only under conditions", "allow it only under conditions"),
    "required": ("requires it", "require it"),
    "recommended": ("recommends it", "recommend it"),
    "permitted": ("permits it", "permit it"),
    "informational": ("describes it without a rule", "describe it without a rule"),
}
_ORDER = ("prohibited", "discouraged", "conditional", "required", "recommended", "permitted", "informational")
_MAX_ACTION_WORDS = 14


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def lead(verdicts: Sequence[str], kind: str = "may") -> str:
    """A plain-words opening from the ruling districts' verdicts and the kind of question. Only
    yes/no questions ("can I", "must I") get a yes/no opening; a consequence, a definition or a
    "who"/"what" question gets none (never "Yes, and it is expected" to "what happens if")."""
    kinds = set(verdicts) - {"informational"}
    if kind == "consequence":
        return "Here is what the policies say happens."
    if kind == "define":
        return "Here is how the policies describe it."
    if kind not in ("may", "must"):
        return "Here is what the policies say."
    if not kinds:
        return "The policies speak to this but set no rule on it."
    if kinds <= {"prohibited", "discouraged"}:
        return "No." if kinds == {"prohibited"} else "Generally no."
    if kind == "must":
        if kinds == {"required"}:
            return "Yes, it is required."
        if kinds <= {"recommended", "permitted"}:
            return "It is recommended, not required." if "recommended" in kinds else "It is allowed, not required."
        if kinds == {"conditional"}:
            return "Only in some cases."
        return "It depends on the district."
    if kinds <= {"permitted"}:
        return "Yes."
    if kinds <= {"permitted", "recommended"}:
        return "Yes, it is encouraged."
    if kinds <= {"conditional", "permitted", "required"}:
        return "Only under conditions."
    return "It depends on the district."


def action_words(text: str, limit: int = _MAX_ACTION_WORDS) -> str:
    """The first ``limit`` words of a norm's action span (verbatim), with an ellipsis when cut."""
    words = text.strip().rstrip(".;:,").split()
    cut = " ".join(words[:limit])
    return cut if len(words) <= limit else cut.rstrip(",;:") + " …"


class ExtractiveAnswerer:
    def __init__(self, documents: Mapping[str, Document], settings: Settings, norms: NormIndex | None = None):
        self.documents = documents
        self.settings = settings
        self.norms = norms

    def name(self, doc_id: str) -> str:
        return self.documents[doc_id].meta.label_name

    # -- citations -----------------------------------------------------------------------------
    def cite(self, norm: Norm, verdict: str, score: float, role: str) -> Citation | None:
        """The norm's sentence as a citation, verbatim or nothing."""
        doc = self.documents.get(norm.doc_id)
        clause = self.norms.clauses.get(norm.clause_id) if self.norms else None
        if doc is None or clause is None:
            return None
        quote = doc.text[norm.start:norm.end]
        whole = doc.text[clause.start:clause.end]
        if whole != clause.text or not quote or quote not in whole:  # verbatim or nothing
            return None
        return Citation(
            clause_id=norm.clause_id, doc_id=norm.doc_id, label=clause.label, quote=quote, start=norm.start,
            end=norm.end, verdict=verdict, evidence=norm.trigger if role != "related" else "",
            score=round(score, 6), district=doc.meta.district, clause_start=clause.start, clause_end=clause.end,
            clause_quote=whole, role=role, pages=doc.pages_of(norm.start, norm.end),
        )

    def finding(self, ruling: Ruling) -> Finding | None:
        if ruling.status == NOT_ADDRESSED or ruling.doc_id not in self.documents:
            return None
        meta = self.documents[ruling.doc_id].meta
        cites: list[Citation] = []
        if ruling.rules and ruling.deciding is not None:
            c = self.cite(ruling.deciding, ruling.verdict, ruling.score, "deciding")
            if c is None:
                return None
            cites.append(c)
        for n in ruling.supporting:
            role = "supporting" if ruling.rules else "related"
            c = self.cite(n, n.verdict if ruling.rules else NOT_ADDRESSED, ruling.score, role)
            if c is not None and all(c.start != x.start for x in cites):
                cites.append(c)
        if not cites:
            return None
        return Finding(doc_id=ruling.doc_id, district=meta.district, title=meta.title, verdict=ruling.verdict,
                       citations=tuple(cites), status=ruling.status, summary=self.district_line(ruling))

    # -- the summary ---------------------------------------------------------------------------
    def district_line(self, ruling: Ruling) -> str:
        """"Iowa Policy 401.15 prohibits “communicate with students using one to one text messages …”"."""
        name = self.name(ruling.doc_id)
        if not ruling.rules or ruling.deciding is None or self.norms is None:
            return f"{name} does not rule on this."
        n = ruling.deciding
        if ruling.verdict == "informational":
            return f"{name} says: “{action_words(self.norms.text(n), 24)}”"
        return f"{name} {_VERB[ruling.verdict][0]} “{action_words(self.norms.action(n))}”"

    def summary(self, asked: Asked, findings: Sequence[Finding], not_addressed: Sequence[str],
                district: str | None) -> str:
        ruled = [f for f in findings if f.rules]
        parts = [f.summary for f in ruled]
        text = f"{lead([f.verdict for f in ruled], asked.kind)} " + "; ".join(parts) + "."
        related = [self.name(f.doc_id) for f in findings if not f.rules]
        if related:
            text += f" {_names(related)} {'has' if len(related) == 1 else 'have'} related passages but no ruling on this."
        if not_addressed:
            text += f" Not addressed by {_names([self.name(d) for d in not_addressed])}."
        return re.sub(r"\s+", " ", text).strip()

    @staticmethod
    def ranking(findings: Sequence[Finding]) -> list[Citation]:
        """Every cited passage, best first: each district's deciding one, then the next ones."""
        out: list[Citation] = []
        depth = max((len(f.citations) for f in findings), default=0)
        for i in range(depth):
            out.extend(f.citations[i] for f in findings if i < len(f.citations))
        return out

    # -- the answer ----------------------------------------------------------------------------
    def counts_line(self, counts: Mapping[str, int], total: int) -> str:
        """"Across the 200 districts in scope: 34 prohibit it, 150 do not address it."."""
        parts = [f"{counts[v]:,} {_COUNTED[v][0 if counts[v] == 1 else 1]}" for v in _ORDER if counts.get(v)]
        if counts.get("related"):
            n = counts["related"]
            parts.append(f"{n:,} {'have' if n != 1 else 'has'} related passages but no ruling")
        if counts.get(NOT_ADDRESSED):
            n = counts[NOT_ADDRESSED]
            parts.append(f"{n:,} {'do' if n != 1 else 'does'} not address it")
        return f"Across the {total:,} districts in scope: {_names(parts)}."

    def answer(self, asked: Asked, retrieval: Retrieval | None = None, district: str | None = None,
               rulings: Sequence[Ruling] = (), scope: str = "all", page: int = 1) -> Answer:
        """``rulings``: one per district in scope (with a filter, the chosen district's first). The
        other districts are listed a page at a time (``page_size``, best rulings first); the counts
        by ruling cover every district in scope."""
        s = self.settings
        ordered = sorted(rulings, key=lambda r: ({"rules": 0, "related": 1}.get(r.status, 2), -r.score))
        mine_r = [r for r in ordered if district is not None and r.doc_id == district]
        rest = [r for r in ordered if district is None or r.doc_id != district]
        pages = max(1, -(-len(rest) // s.page_size))
        if page < 1 or page > pages:
            from .errors import InvalidQuestion

            raise InvalidQuestion(f"Page {page} does not exist: this answer has {pages} page(s) of districts.")
        shown = rest[(page - 1) * s.page_size: page * s.page_size]
        counts: dict[str, int] = {}
        findings: list[Finding] = []
        not_addressed: list[str] = []
        many = len(ordered) > s.summary_max_districts
        for r in mine_r + shown:
            f = self.finding(r)
            if f is not None and many and r not in mine_r:
                # a long list: each district's deciding sentence only; its whole clause is one
                # GET /api/clauses/{clause_id} away (clause_start/clause_end still say where it is)
                f = dataclasses.replace(f, citations=tuple(dataclasses.replace(c, clause_quote="") for c in f.citations[:1]))
            (findings.append(f) if f is not None else not_addressed.append(r.doc_id))
        for r in ordered:
            key = r.verdict if r.rules else r.status
            counts[key] = counts.get(key, 0) + 1
        not_addressed.sort()
        mine = [f for f in findings if district is None or f.doc_id == district]
        others = [f for f in findings if district is not None and f.doc_id != district]
        abstained = not any(f.rules for f in mine)
        info = ScopeSummary(name=scope, districts=len(ordered), counts=tuple(sorted(counts.items())), page=page,
                            pages=pages, page_size=s.page_size)
        common = dict(question=asked.question, district=district, answer_id=uuid.uuid4().hex[:16], asked=asked.action,
                      kind=asked.kind, not_addressed=tuple(not_addressed), other_districts=tuple(others), scope=info)
        if abstained:
            where = self.name(district) if district else "the policies I hold"
            summary = (f"I found nothing in {where} that rules on this, so I cannot answer it from policy. "
                       "Ask your supervisor or HR.")
            if any(r.rules for r in rest):
                summary += " Other districts do rule on it: see below."
            if many and district is not None:
                summary += " " + self.counts_line(counts, len(ordered))
            related = tuple(c for f in mine for c in f.citations)
            return Answer(abstained=True, summary=summary, findings=tuple(mine), related=related,
                          citations=tuple(self.ranking(mine)), **common)  # type: ignore[arg-type]
        if many:  # counts, never a thousand names: the asker's own ruling, then how the scope rules
            own = [f for f in mine if f.rules] if district is not None else []
            verdicts = [f.verdict for f in own] or [r.verdict for r in ordered if r.rules]
            summary = f"{lead(verdicts, asked.kind)} " + "".join(f"{f.summary}. " for f in own)
            summary = re.sub(r"\s+", " ", summary + self.counts_line(counts, len(ordered))).strip()
        else:
            summary = self.summary(asked, mine + others,
                                   [d for d in not_addressed if district is None or d == district], district)
        return Answer(abstained=False, summary=summary, findings=tuple(mine),
                      citations=tuple(self.ranking(mine)), **common)  # type: ignore[arg-type]


__all__ = ["ExtractiveAnswerer", "NOT_ADDRESSED", "lead", "action_words"]
