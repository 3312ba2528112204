"""Inline citation markers (issue 12): "[1]" after each district's ruling in the short answer, the
same number on that district's deciding quote, each a link to the clause in its policy
(``/doc/<doc_id>#<clause_id>``, see ``docpage``). Built only from the answer's own findings: a
marker is placed after a district's ruling line only where that exact line is in the summary."""

from __future__ import annotations

from html import escape

from assistant.types import Answer, Citation, Finding
from assistant.web.docpage import clause_href


def _text_html(text: str) -> str:
    return escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def shown_findings(answer: Answer) -> list[Finding]:
    """The findings in the order the chat shows them: the chosen district first, then the rest,
    then the other districts."""
    items = list(answer.findings)
    if answer.district:
        items = [f for f in items if f.doc_id == answer.district] + [f for f in items if f.doc_id != answer.district]
    return items + list(answer.other_districts)


def numbers(answer: Answer) -> dict[str, int]:
    """doc id -> marker number, for each ruling (with a deciding quote) in the order shown."""
    out: dict[str, int] = {}
    for f in shown_findings(answer):
        if f.rules and f.citations and f.doc_id not in out:
            out[f.doc_id] = len(out) + 1
    return out


def marker(n: int, c: Citation) -> str:
    """``[n]``, a link to the clause in its policy (a new tab), named for screen readers."""
    return (f'<sup class="pa-marker"><a href="{escape(clause_href(c.doc_id, c.clause_id))}" target="_blank" '
            f'rel="noopener" aria-label="Source {n}: {escape(c.label)}" title="{escape(c.label)}">[{n}]</a></sup>')


def marker_places(answer: Answer) -> list[tuple[int, int, Finding]]:
    """(offset just after a district's ruling line in the summary, its number, the finding), in
    summary order: only where that exact line is in the summary."""
    text, found = answer.summary, numbers(answer)
    places: list[tuple[int, int, Finding]] = []
    cursor = 0
    for f in shown_findings(answer):
        n = found.get(f.doc_id)
        if n is None or not f.summary:
            continue
        at = text.find(f.summary, cursor)
        if at < 0:
            continue
        cursor = at + len(f.summary)
        places.append((cursor, n, f))
    return places


def summary_html(answer: Answer) -> str:
    """The summary, escaped, with a marker after each district's ruling line it contains."""
    text = answer.summary
    out, last = [], 0
    for end, n, f in marker_places(answer):
        out.append(_text_html(text[last:end]) + marker(n, f.citations[0]))
        last = end
    out.append(_text_html(text[last:]))
    return "".join(out)
