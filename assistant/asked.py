"""The question, analysed once per ask: what is asked (the action, the kind of question), its
words, and its vectors. Retrieval and the ruling step both read this ``Asked``; nothing downstream
re-reads the question text.

Kinds: ``may`` (can I / is it ok / am I allowed), ``must`` (do I have to / do I need), ``do``
(what should I do / what must I do), ``consequence`` (what happens if / can I get fired),
``define`` (what is / what counts as), ``who`` (who ...), ``what`` (any other question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .actions import acts, channels, people
from .embed import Embedder
from .expand import expand
from .lexical import LexicalIndex

__all__ = ["Asked", "analyse", "question_kind", "asked_action"]

_CONSEQUENCE = re.compile(
    r"\b(?:what\s+happens|consequences?|penalt(?:y|ies)|punish\w*|(?:get|be|being)\s+(?:fired|disciplined|terminated"
    r"|in\s+trouble|banned)|lose\s+my\s+job|pay\s+the\s+district|attorney\s+fees|get\s+me\s+in\s+trouble"
    r"|discipline\s+me|disciplined\b)",
    re.I,
)
_DEFINE = re.compile(
    r"^\s*(?:what\s+(?:is|are)\s+(?:a|an|the)?\s*(?!allowed|ok|okay|required)\w+(?:\s+\w+)?\s*\??$"
    r"|how\s+(?:is|are)\b.*\bdefined\b|what\s+counts\s+as\b|what\s+does\s+(?:the\s+word\s+)?\S+\s+mean\b"
    r"|what\s+forms?\s+of\b|are\s+\w+(?:\s+and\s+\w+)?\s+(?:personal\s+technology|social\s+media)\b)",
    re.I,
)
_DO = re.compile(
    r"\bwhat\s+(?:should|must|do|can)\s+(?:i|we|a\s+\w+)\s+do\b|\bwhat\s+(?:else\s+)?(?:must|should)\s+i\b"
    r"|\bwhat\s+should\b|\bhow\s+(?:do|should|can)\s+i\b|\bwho\s+do\s+i\s+(?:give|tell|report|ask|contact)\b"
    r"|\bwho\s+should\s+i\b|\bdo\s+i\s+need\s+to\s+tell\b|\bwhere\s+do\s+i\b",
    re.I,
)
_MUST = re.compile(
    r"\b(?:do|does)\s+(?:i|we|you|teachers|staff|employees|the\s+\w+|\w+)\s+(?:have|need)\s+to\b|\bmust\s+(?:i|we)\b"
    r"|\b(?:am|are)\s+(?:i|we)\s+(?:required|supposed|expected|obligated)\b|\bdo\s+(?:i|we)\s+need\b"
    r"|\bis\s+it\s+required\b|\bhave\s+to\b|\bneed\s+(?:a|an)\b|\brequired\b",
    re.I,
)
_MAY = re.compile(
    r"\b(?:can|may|could)\s+(?:i|we|teachers|staff|employees|a\s+\w+|an\s+\w+|our|my)\b|\bis\s+it\s+(?:ok|okay|alright|fine|allowed|a\s+problem)\b"
    r"|\b(?:am|are|r)\s+(?:i|we|teachers|staff)\s+(?:allowed|permitted|able)\b|\ballowed\b|\bok\b|\bokay\b|\bpermitted\b"
    r"|^\s*(?:should|shall)\s+i\b",
    re.I,
)

# The opening words of a question that say how it is asked, not what is asked.
_FRAME = re.compile(
    r"^\s*(?:(?:hey|so|um|quick\s+question)[,:]?\s+)?(?:"
    r"(?:is|was)\s+it\s+(?:ok(?:ay)?|alright|fine|acceptable|allowed|a\s+problem|legal|permitted)\s*"
    r"(?:(?:if|that|when)\s+(?:i|we|you|a\s+teacher|teachers|staff)(?:\s+(?:can|could|do|should))?|to|for\s+me\s+to)?"
    r"|(?:ok(?:ay)?|alright)\s+to"
    r"|(?:can|could|may|might|should|must|shall|will|would)\s+(?:i|we|you|teachers|staff|employees|coaches|a\s+teacher"
    r"|an\s+employee)(?:\s+(?:still|ever|also))?"
    r"|(?:am\s+i|are\s+we|r\s+we|are\s+teachers|are\s+staff|is\s+staff)\s+(?:allowed|permitted|able|required|supposed"
    r"|expected)\s+to"
    r"|(?:do|does)\s+(?:i|we|teachers|staff)\s+(?:have|need)\s+to|do\s+i\s+need|what\s+happens\s+if\s+(?:i|we|you)"
    r"|i\s+(?:want|would\s+like|wanna)\s+to|what\s+(?:should|must|do)\s+i\s+do\s+(?:if|when|about)"
    r")\s+",
    re.I,
)
_TRAIL = re.compile(r"[\s?!.]+$")


# a yes/no question about a rule: "Is friending ... discouraged?", "Do pages need to ...?"
_YES_NO = re.compile(r"^\s*(?:is|are|do|does|should|can|could|may|must|will|would|am)\b", re.I)
_RULE_WORDS_MUST = re.compile(r"\b(?:need|needs|have\s+to|has\s+to|required|require|must|mandatory|obligated)\b", re.I)
_RULE_WORDS_MAY = re.compile(
    r"\b(?:allowed|ok|okay|permitted|prohibited|discouraged|banned|forbidden|against|fine|can|may|should|appropriate)\b",
    re.I)


def question_kind(question: str) -> str:
    """The kind of question (see the module docstring); the first matching kind wins."""
    q = question.strip()
    if _CONSEQUENCE.search(q):
        return "consequence"
    if _DEFINE.search(q):
        return "define"
    if _DO.search(q):
        return "do"
    if re.match(r"^\s*who\b", q, re.I):
        return "who"
    if _MUST.search(q):
        return "must"
    if _MAY.search(q):
        return "may"
    if _YES_NO.match(q):
        if _RULE_WORDS_MUST.search(q):
            return "must"
        if _RULE_WORDS_MAY.search(q):
            return "may"
    return "what"


def asked_action(question: str) -> str:
    """The question without its frame ("is it ok if i follow my students on tiktok?" -> "follow my
    students on tiktok"); the whole question when no frame is recognised."""
    rest = _TRAIL.sub("", question.strip())
    m = _FRAME.match(rest + " ")
    if m and m.end() < len(rest):
        rest = rest[m.end():]
    return rest.strip() or question.strip()


@dataclass(frozen=True, eq=False)
class Asked:
    question: str  # as typed, stripped
    corrected: str  # misspellings fixed against the corpus words
    query: str  # corrected + staff-word expansions: what retrieval searches with
    kind: str
    action: str  # the asked action, from the corrected question
    terms: tuple[str, ...]  # content stems of the question, in order
    term_expansions: dict[str, set[str]] = field(default_factory=dict)  # stem -> policy-word stems
    vector: np.ndarray | None = None  # of ``query``: retrieval and norm matching both use it
    acts: frozenset[str] = frozenset()  # act classes of the asked action (``actions.acts``)
    people: frozenset[str] = frozenset()  # whom it is about ("student", "parent")
    channels: frozenset[str] = frozenset()  # through what ("sms", "social", "email", "phone")
    candidates: tuple[str, ...] = ()  # the asked action's content stems: the focus words' pool (``Ruler.focus``)


def analyse(question: str, lexical: LexicalIndex, embedder: Embedder, expand_queries: bool = True) -> Asked:
    """Analyse ``question`` once: spelling, expansions, kind, action, terms and its vector (one
    encode, the only model call of an ask)."""
    corrected = lexical.correct(question)
    query = expand(corrected) if expand_queries else corrected
    terms = tuple(lexical.analyzer.content_terms(corrected))
    action = asked_action(corrected)
    expansions = lexical.term_expansions(terms)
    kind = question_kind(corrected)
    return Asked(
        question=question, corrected=corrected, query=query, kind=kind,
        action=action, terms=terms, term_expansions=expansions,
        vector=embedder.encode_query(query), acts=acts(action), people=people(action), channels=channels(action),
        candidates=focus_candidates(terms, lexical, action),
    )


def focus_candidates(terms: tuple[str, ...], lexical: LexicalIndex, action: str) -> tuple[str, ...]:
    """The question's content stems that belong to the asked action, in order; all of them when the
    action has none. Which two of them a district must name is that district's own business
    (``Ruler.focus``): no statistic of the other stored documents enters a ruling."""
    in_action = set(lexical.analyzer.content_terms(action))
    return tuple(t for t in terms if t in in_action) or terms
