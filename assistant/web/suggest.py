"""Suggested follow-up questions under an answer (issue 12), made only from the answer's own data:
"And in <policy>?" for another district that rules on the question (read by ``followup`` as the
same question for that district), and "What does <policy> say about <section>?" for the section
of a related passage the answer quoted. Nothing is invented: every name and heading is the
policy's own."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.types import Answer, Finding

_SECTION_NO = re.compile(r"^\s*(?:section|article|part)\s+[\w.]+\s*[-–—:.]\s*", re.I)  # "Section C – "
MAX_HEADING = 60  # a longer heading makes a question nobody would type

Sections = Callable[[str], Sequence[str]]  # clause id -> its section headings, outermost first


def policy_name(label: str) -> str:
    """"CHSD 230 Policy 5.125" from "CHSD 230 Policy 5.125 > Personal ... > item 8"."""
    return label.split(" > ", 1)[0].strip()


def _other_districts(answer: Answer) -> list[Finding]:
    """Rulings of districts other than the first one shown (the chosen district, if any)."""
    findings = [f for f in list(answer.findings) + list(answer.other_districts) if f.rules and f.citations]
    first = answer.district or (findings[0].doc_id if findings else None)
    return [f for f in findings if f.doc_id != first]


def suggestions(answer: Answer, sections: Sections, limit: int = 3) -> list[str]:
    """Up to ``limit`` follow-up questions, districts first, then related sections; no repeats and
    never the question just answered."""
    if not answer.findings and not answer.other_districts and not answer.related:
        return []
    asked = {(answer.question or "").strip().lower(), (answer.answered or "").strip().lower()}
    out: list[str] = []
    places = [f"And in {policy_name(f.citations[0].label)}?" for f in _other_districts(answer)]
    topics: list[str] = []
    cites = [c for f in list(answer.findings) + list(answer.other_districts) for c in f.citations[1:]]
    cites += [c for f in answer.findings if not f.rules for c in f.citations] + list(answer.related)
    shown = {tuple(sections(f.citations[0].clause_id)) for f in answer.findings if f.rules and f.citations}
    for c in cites:
        try:
            path = tuple(sections(c.clause_id))
        except Exception:  # noqa: BLE001 - a clause gone from the index: no suggestion from it
            continue
        if not path or path in shown:
            continue
        heading = _SECTION_NO.sub("", path[-1]).strip().rstrip(".:")
        if 3 <= len(heading) <= MAX_HEADING:
            topics.append(f"What does {policy_name(c.label)} say about {heading.lower()}?")
    for q in places[:2] + topics + places[2:]:  # two districts at most, then the related sections
        if q.lower() not in asked and q not in out:
            out.append(q)
    return out[:limit]
