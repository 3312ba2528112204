"""An answer as Markdown to copy or download (issue 12): the question, the short answer with its
[n] markers, and for each district its ruling with the verbatim quotes and their labels."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.types import Answer, Citation
from assistant.web.markers import marker_places, numbers, shown_findings


def _quote(c: Citation, number: int | None = None) -> str:
    lines = "\n".join(f"> {line}" if line.strip() else ">" for line in c.quote.splitlines() or [""])
    mark = f"[{number}] " if number else ""
    return f"{lines}\n>\n> — {mark}{c.label}"


def _summary(answer: Answer) -> str:
    """The summary with "[n]" after each district's ruling line (as the chat shows it)."""
    text, out, last = answer.summary, [], 0
    for end, n, _ in marker_places(answer):
        out.append(f"{text[last:end]} [{n}]")
        last = end
    return "".join(out) + text[last:]


def answer_markdown(answer: Answer, names: Mapping[str, str]) -> str:
    """The whole answer as Markdown: every quote verbatim, each with its citation label."""
    nums = numbers(answer)
    parts = [f"**Question:** {answer.question}"]
    if answer.answered and answer.answered != answer.question:
        parts.append(f"**Answering:** {answer.answered}")
    parts.append(f"**Short answer:** {_summary(answer)}")
    for f in shown_findings(answer):
        if f.rules:
            head = f"### {f.district} — {f.verdict.upper()}"
            body = [_quote(f.citations[0], nums.get(f.doc_id))] if f.citations else []
            if len(f.citations) > 1:
                body.append("Also relevant:")
                body += [_quote(c) for c in f.citations[1:]]
        else:
            head = f"### {f.district} — related, not a ruling on this"
            body = [_quote(c) for c in f.citations]
        parts.append("\n\n".join([head, *body]))
    if answer.abstained and not answer.findings and answer.related:
        parts.append("\n\n".join(["### Related", *(_quote(c) for c in answer.related)]))
    if answer.not_addressed:
        parts.append("**Not addressed by:** " + ", ".join(names.get(d, d) for d in answer.not_addressed))
    parts.append("_Quoted word for word from the district policies. Not legal advice: check with HR when in doubt._")
    return "\n\n".join(parts) + "\n"
