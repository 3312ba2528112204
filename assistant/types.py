"""Frozen, typed records that flow one way: Document -> Clause -> Hit -> Citation/Finding -> Answer.

Every module and every face (cli, api, ui, eval) shares these types. ``clause_id`` is identity.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from collections.abc import Mapping
from typing import Any

# The seven verdict labels, strongest restriction first. "not addressed" is not a verdict of a
# clause: it is what a district gets when none of its clauses is cited.
VERDICTS: tuple[str, ...] = (
    "prohibited",
    "discouraged",
    "conditional",
    "required",
    "recommended",
    "permitted",
    "informational",
)
NOT_ADDRESSED = "not addressed"


def page_label(pages: tuple[int, ...]) -> str:
    """"p. 3" for one page, "pp. 3-4" for a run of pages, "" for none (a document without pages)."""
    if not pages:
        return ""
    first, last = min(pages), max(pages)
    return f"p. {first}" if first == last else f"pp. {first}-{last}"


@dataclass(frozen=True)
class DocMeta:
    """What the manifest (or, without an entry, the file itself) says about one document."""

    doc_id: str
    title: str
    district: str  # display name; where the text names no district it says so, never invents one
    district_named: bool = True  # False when the text does not name the district
    state: str | None = None
    policy_number: str | None = None
    short_name: str = ""  # used in citation labels, e.g. "CHSD 230 Policy 5.125"
    dates: tuple[tuple[str, str], ...] = ()  # (kind, ISO date), e.g. ("revised", "2023-08-17")
    source_file: str = ""  # path relative to the corpus folder
    # versions (``versions.py``): the policy id all versions share (the manifest ``id``; "" = doc_id),
    # the manifest's version label, and the ISO date this version took effect (None: undated, in force always)
    policy_id: str = ""
    version: str = ""
    effective: str | None = None

    @property
    def label_name(self) -> str:
        return self.short_name or self.title or self.doc_id

    @property
    def policy(self) -> str:
        """The policy id this document is a version of (the stored key of its latest version)."""
        return self.policy_id or self.doc_id

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["dates"] = [{"kind": k, "date": v} for k, v in self.dates]
        return d


@dataclass(frozen=True)
class Document:
    """A loaded, cleaned document. ``text`` is the single source of truth for every offset."""

    meta: DocMeta
    text: str
    content_hash: str  # sha256 of ``text``
    pages: tuple[tuple[int, int, int], ...] = ()  # (page number from 1, start, end) for PDFs
    notes: tuple[str, ...] = ()  # what the loader could not read, e.g. "page 3 has no text layer ..."

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    def page_at(self, offset: int) -> int | None:
        for number, start, end in self.pages:
            if start <= offset < end:
                return number
        return None

    def pages_of(self, start: int, end: int) -> tuple[int, ...]:
        """The page numbers the text ``[start, end)`` lies on (``()`` for a document without pages)."""
        return tuple(number for number, s, e in self.pages if s < max(end, start + 1) and start < e)


@dataclass(frozen=True)
class Clause:
    """One unit of a policy (a numbered/lettered item, a bullet, a paragraph, or a sentence run of
    a long one), with exact offsets: ``document.text[start:end] == text``."""

    clause_id: str  # stable: doc id + structural path, e.g. "chsd230-5125/personal-electronic-communications-social-media-use/8"
    doc_id: str
    text: str  # the clause alone: what is quoted
    start: int
    end: int
    label: str  # human citation label, e.g. "CHSD 230 Policy 5.125 > Personal ... Use > item 8"
    section_path: tuple[str, ...] = ()  # headings above the clause, outermost first
    item: str | None = None  # "8", "A", "b", "bullet 3", None for a plain paragraph
    part: int | None = None  # 1, 2, ... when a long clause was split at sentence boundaries
    page: int | None = None  # PDF page number (from 1) where the clause starts
    kind: str = "paragraph"  # "item" | "bullet" | "paragraph"
    context: str = ""  # heading context (and the lead-in sentence of a list) prepended for embedding
    content_hash: str = ""  # sha256 of ``text``
    page_end: int | None = None  # PDF page number where the clause ends (> ``page`` across a page break)

    @property
    def pages(self) -> tuple[int, ...]:
        """Every page the clause lies on, e.g. (3, 4); () for a document without pages."""
        if self.page is None:
            return ()
        return tuple(range(self.page, (self.page_end or self.page) + 1))

    @property
    def embed_text(self) -> str:
        """What is embedded and keyword-indexed: the clause with its heading context."""
        return f"{self.context}\n{self.text}" if self.context else self.text

    @property
    def page_label(self) -> str:
        """"p. 3" / "pp. 3-4", "" without pages."""
        return page_label(self.pages)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["section_path"] = list(self.section_path)
        d["pages"] = list(self.pages)
        d["page_label"] = self.page_label
        return d


@dataclass(frozen=True)
class Norm:
    """One sentence of a clause read as a rule (or as a fact), computed once at ingest.

    Offsets are absolute in ``Document.text`` (``text[start:end]`` is the sentence); the action
    span is what the rule regulates ("follow/friend/connect with a student on social media"), the
    condition span what it depends on ("without written permission ..."), -1 when none."""

    norm_id: str  # "<clause_id>#<n>", n from 0 in sentence order
    clause_id: str
    doc_id: str
    start: int
    end: int
    verdict: str  # one of VERDICTS: what the sentence rules on the action it names
    force: str  # "rule" | "consequence" | "definition" | "others" (duties/rights of others) | "fact"
    trigger: str = ""  # the phrase that decides ``verdict``, verbatim ("should refrain")
    trigger_start: int = -1
    action_start: int = -1
    action_end: int = -1
    condition_start: int = -1
    condition_end: int = -1
    # a condition inside a prohibition ("shall not post ..., including photos without permission"):
    # the outright restriction and the reach of the condition
    restriction: str | None = None
    scope_start: int = -1
    scope_end: int = -1
    acts: tuple[str, ...] = ()  # act classes the action names (``actions.acts``): "connect", "post", ...
    people: tuple[str, ...] = ()  # whom the sentence is about: "student", "parent"
    channels: tuple[str, ...] = ()  # through what: "sms", "social", "email", "phone"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """How one clause rules, with the phrase that triggered it (verbatim from the clause text)."""

    label: str  # one of VERDICTS
    evidence: str = ""  # the triggering phrase, e.g. "should not"
    evidence_start: int = -1  # offset of ``evidence`` inside the clause text, -1 if none


@dataclass(frozen=True)
class Hit:
    """A retrieved clause and its scores. Fusion and de-duplication key on ``clause.clause_id``."""

    clause: Clause
    score: float  # fused score (reciprocal-rank fusion)
    dense_rank: int | None = None  # 1-based, None if the dense retriever did not return it
    lexical_rank: int | None = None
    similarity: float = 0.0  # cosine similarity of the query and the clause's embedded text
    coverage: float = 0.0  # share (idf-weighted) of the question's words the clause + its headings use
    focus: float = 0.0  # the same share counted in the clause's own text only


@dataclass(frozen=True)
class Citation:
    """A quoted passage. ``quote`` is the governing sentence(s) of a clause (``document.text[start:end]``,
    checked at answer time); ``clause_quote`` is the whole clause (``document.text[clause_start:clause_end]``),
    shown on request. ``verdict`` is what the quoted sentence rules ("not addressed" for a related one)."""

    clause_id: str
    doc_id: str
    label: str
    quote: str
    start: int
    end: int
    verdict: str
    evidence: str
    score: float
    district: str = ""
    clause_start: int = -1
    clause_end: int = -1
    clause_quote: str = ""
    role: str = "deciding"  # "deciding" | "supporting" | "related"
    pages: tuple[int, ...] = ()  # the PDF page(s) the quote lies on; () for a document without pages
    version: str = ""  # the cited document's version label (manifest ``version``), "" when none
    effective: str = ""  # the ISO date the cited version took effect, "" when undated

    @property
    def page_label(self) -> str:
        """"p. 3" / "pp. 3-4" for the quote, "" without pages."""
        return page_label(self.pages)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["pages"] = list(self.pages)
        d["page_label"] = self.page_label
        return d


@dataclass(frozen=True)
class Finding:
    """How one district (one document) rules on the asked action.

    ``status`` "rules": ``verdict`` is the deciding sentence's ruling, quoted first; "related": the
    district has sentences near the question but none rules on the asked action, ``verdict`` is
    "not addressed" and the citations are shown as related, with no verdict claimed."""

    doc_id: str
    district: str
    verdict: str
    citations: tuple[Citation, ...] = ()
    title: str = ""
    status: str = "rules"
    summary: str = ""  # one line: the district's ruling in the deciding sentence's own words

    @property
    def rules(self) -> bool:
        return self.status == "rules"

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "district": self.district,
            "title": self.title,
            "status": self.status,
            "verdict": self.verdict,
            "summary": self.summary,
            "citations": [c.to_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class ScopeSummary:
    """Which districts an answer covers, how they rule (counts over all of them), and the page shown."""

    name: str  # "all", "district", "peers (Illinois)", "state:Iowa", "group:north", "chosen"
    districts: int
    counts: tuple[tuple[str, int], ...] = ()  # verdict | "related" | "not addressed" -> districts
    page: int = 1
    pages: int = 1
    page_size: int = 20

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "districts": self.districts, "counts": dict(self.counts), "page": self.page,
                "pages": self.pages, "page_size": self.page_size}


def _without_clause_text(c: "Citation") -> dict[str, Any]:
    d = c.to_dict()
    d["clause_quote"] = ""
    return d


@dataclass(frozen=True)
class Answer:
    """The one answer type every face renders. ``citations`` is the ranking the eval scores."""

    question: str
    district: str | None  # the district filter (a doc id), or None
    abstained: bool
    summary: str
    findings: tuple[Finding, ...] = ()
    not_addressed: tuple[str, ...] = ()  # doc ids
    citations: tuple[Citation, ...] = ()  # every cited clause, best first
    related: tuple[Citation, ...] = ()  # nearest clauses shown under "related" when abstaining
    other_districts: tuple[Finding, ...] = ()  # with a filter: the other districts' findings
    latency_ms: float = 0.0
    answer_id: str = ""
    backend: str = "extractive"  # "extractive" or the LLM backend that wrote the summary
    asked: str = ""  # the asked action as read from the question ("follow my students on tiktok")
    kind: str = ""  # the kind of question: may | must | do | consequence | define | who | what
    scope: ScopeSummary | None = None  # the districts in scope, their counts by ruling, the page shown
    answered: str = ""  # a follow-up read against the conversation: the question actually answered
    as_of: str = ""  # the ISO date answered for: each district's version in force on it (``versions.py``)
    not_in_force: tuple[str, ...] = ()  # policy ids in scope with no version in force on ``as_of``

    def to_dict(self) -> dict[str, Any]:
        in_findings = {c.clause_id for f in (*self.findings, *self.other_districts) for c in f.citations if c.clause_quote}
        return {
            "question": self.question,
            "asked": self.asked,
            "kind": self.kind,
            "district": self.district,
            "abstained": self.abstained,
            "summary": self.summary,
            "findings": [f.to_dict() for f in self.findings],
            "not_addressed": list(self.not_addressed),
            # the whole clause text once: in the finding that cites it, not again in this list
            "citations": [_without_clause_text(c) if c.clause_id in in_findings else c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
            "other_districts": [f.to_dict() for f in self.other_districts],
            "latency_ms": self.latency_ms,
            "answer_id": self.answer_id,
            "backend": self.backend,
            "scope": self.scope.to_dict() if self.scope else None,
            "answered": self.answered or self.question,
            "as_of": self.as_of,
            "not_in_force": list(self.not_in_force),
        }


@dataclass(frozen=True)
class IngestProblem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class IngestReport:
    docs: int = 0
    clauses: int = 0
    embedded: int = 0  # clauses whose embeddings were computed this run
    skipped: int = 0  # documents unchanged since the last ingest
    removed: int = 0  # documents deleted from the index
    failed: tuple[IngestProblem, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary_line(self) -> str:
        return (
            f"docs={self.docs} clauses={self.clauses} embedded={self.embedded} "
            f"skipped={self.skipped} removed={self.removed} failed={len(self.failed)} "
            f"seconds={self.seconds:.1f}"
        )


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
