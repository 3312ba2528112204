"""HTML for answers, citations and clauses in context. Every string that comes from a policy
document, a question or a setting passes through ``html.escape``; nothing here trusts its input."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from assistant.types import NOT_ADDRESSED, Answer, Citation, Clause, Document, Finding
from assistant.web import markers
from assistant.web.docpage import clause_href

# Colour + an icon + the word: the verdict is never carried by colour alone.
VERDICT_STYLE: dict[str, tuple[str, str, str]] = {  # label -> (background, text colour, icon)
    "prohibited": ("#b3261e", "#ffffff", "✖"),
    "discouraged": ("#b54708", "#ffffff", "⚠"),
    "conditional": ("#7a5d00", "#ffffff", "◐"),
    "required": ("#1f4fa8", "#ffffff", "!"),
    "recommended": ("#00665f", "#ffffff", "+"),
    "permitted": ("#2e7d32", "#ffffff", "✔"),
    "informational": ("#55606e", "#ffffff", "i"),
    NOT_ADDRESSED: ("#e3e6ea", "#2b2f33", "–"),
}

CSS = """
.pa-answer{font-size:0.95rem;line-height:1.45}
.pa-summary{margin:0 0 .6rem 0;font-weight:500}
.pa-card{border:1px solid #d0d5db;border-radius:10px;padding:.6rem .75rem;margin:.5rem 0;
  background:#fff;color:#1c1f23;max-width:100%;overflow-wrap:anywhere}
.pa-card h4{margin:0 0 .35rem 0;font-size:1rem}
.pa-badge{display:inline-block;border-radius:999px;padding:.1rem .55rem;font-size:.8rem;
  font-weight:700;letter-spacing:.02em;margin-right:.4rem;vertical-align:middle;white-space:nowrap}
.pa-quote{margin:.4rem 0;padding:.35rem .6rem;border-left:4px solid #8895a7;background:#f4f6f8;
  white-space:pre-wrap;font-style:normal}
.pa-answer .pa-quote,.pa-card .pa-quote,.pa-answer .pa-card h4,.pa-answer .pa-card p,.pa-answer .pa-card li,
.pa-answer .pa-card strong,.pa-answer .pa-card em,.pa-answer .pa-card q,.pa-answer .pa-card span{color:#1c1f23}
.pa-answer .pa-card cite,.pa-answer .pa-card details summary{color:#44505c}
.pa-answer .pa-card .pa-cite,.pa-answer .pa-card .pa-muted{color:#44505c}
.pa-cite{font-size:.8rem;color:#44505c}
.pa-muted{color:#5b6570;font-size:.85rem}
.pa-ruling{margin:.1rem 0 .3rem 0}
.pa-whole summary{cursor:pointer;font-size:.8rem;color:#1f4fa8}
.pa-more summary{cursor:pointer;font-size:.85rem;color:#1f4fa8;margin:.3rem 0}
.pa-answer .pa-card details.pa-more summary,.pa-answer .pa-card details.pa-whole summary{color:#1f4fa8}
.pa-related-card{border-style:dashed}
.pa-context{white-space:pre-wrap;background:#fafbfc;border:1px solid #d0d5db;border-radius:8px;
  padding:.6rem;max-height:26rem;overflow:auto;color:#1c1f23}
.pa-context mark{background:#ffe066;color:#000;padding:0 .1rem}
.pa-facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.2rem 0 .5rem 0}
.pa-facts dt{font-weight:600}.pa-facts dd{margin:0}
.pa-clause{background:#fff;color:#1c1f23;border-radius:8px;padding:.5rem .6rem}
.pa-clause h3,.pa-clause dt,.pa-clause dd{margin:.2rem 0;color:#1c1f23}
.pa-clause .pa-cite{color:#44505c}
.pa-table{border-collapse:collapse;width:100%;font-size:.88rem}
.pa-table th,.pa-table td{border:1px solid #d0d5db;padding:.3rem .45rem;vertical-align:top;
  text-align:left;color:#1c1f23;background:#fff}
.pa-table-wrap{overflow-x:auto}
.pa-marker a,.pa-card a.pa-open,.pa-card a.pa-open cite{color:#1f4fa8}
.dark .pa-marker a{color:#9cc3ff}
.dark .gradio-container{--color-accent:#fb923c}
.pa-marker{font-size:.75em;font-weight:700;margin-left:.1rem}
.pa-marker a{text-decoration:none;padding:0 .1rem}
.pa-num{font-weight:700}
/* the dark scheme's blockquote colour (rgb(244,244,245)) is unreadable on the quote's light grey */
.pa-th{display:none}
@media (max-width:640px){.pa-card{padding:.5rem}.pa-table{font-size:.85rem;border:0}
  .pa-table,.pa-table tbody,.pa-table tr,.pa-table td,.pa-table caption{display:block;width:100%;box-sizing:border-box}
  .pa-table thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  .pa-table tr{margin:0 0 .6rem 0;border:1px solid #d0d5db;border-radius:8px;overflow:hidden}
  .pa-table th,.pa-table td{border:0;border-bottom:1px solid #e3e6ea;overflow-wrap:anywhere}
  .pa-th{display:block;font-weight:700;font-size:.75rem;color:#44505c}}
"""


def text_html(text: str) -> str:
    """Escaped text with line breaks as <br> (so chat markdown never sees a blank line)."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def badge(verdict: str) -> str:
    bg, fg, icon = VERDICT_STYLE.get(verdict, VERDICT_STYLE["informational"])
    return (
        f'<span class="pa-badge" style="background:{bg};color:{fg}" '
        f'data-verdict="{escape(verdict)}"><span aria-hidden="true" style="color:{fg}">{icon}</span> '
        f"{escape(verdict.upper())}</span>"
    )


def render_citation(c: Citation, with_badge: bool = True, number: int | None = None) -> str:
    """The quoted sentence(s), the citation label, and the whole clause behind a toggle when the
    quote is only part of it. Only the deciding quote of a ruling carries a verdict badge."""
    whole = ""
    if c.clause_quote and c.clause_quote != c.quote:
        whole = (f'<details class="pa-whole"><summary>Show the whole clause</summary>'
                 f'<blockquote class="pa-quote pa-clause-text">{text_html(c.clause_quote)}</blockquote></details>')
    mark = badge(c.verdict) if with_badge else ""
    num = f'<span class="pa-num" aria-label="Source {number}">[{number}]</span> ' if number else ""
    link = (f'<a class="pa-open" href="{escape(clause_href(c.doc_id, c.clause_id))}" target="_blank" rel="noopener" '
            f'title="Open this clause in the whole policy"><cite>{escape(c.label)}</cite></a>')
    return (
        f'<blockquote class="pa-quote" data-clause-id="{escape(c.clause_id)}" data-role="{escape(c.role)}">'
        f'{text_html(c.quote)}</blockquote><div class="pa-cite">{mark}{num}{link}{render_page(c)}</div>{whole}'
    )


def render_page(c: Citation) -> str:
    """The quote's page of a PDF when the label (the clause's pages, "pp. 3-4") does not already
    end with it: "quote on p. 4". Nothing for a document without pages."""
    if not c.pages or c.label.endswith(c.page_label):
        return ""
    return f' <span class="pa-page">(quote on {escape(c.page_label)})</span>'


def css_token(value: str) -> str:
    """A value safe inside a class name (the chat's sanitizer keeps classes, drops data-*)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", value)


def render_finding(f: Finding, number: int | None = None) -> str:
    """One district's card. A ruling: its badge, the deciding quote first (same verdict), then up
    to two supporting quotes under "Also relevant". Related: no verdict claimed."""
    title = f" — {escape(f.title)}" if f.title else ""
    status = css_token(f.status)
    if not f.rules:
        quotes = "".join(render_citation(c, with_badge=False) for c in f.citations)
        return (
            f'<div class="pa-card pa-related-card pa-doc-{css_token(f.doc_id)} pa-status-{status}" '
            f'data-doc-id="{escape(f.doc_id)}" data-status="{escape(f.status)}">'
            f"<h4>{escape(f.district)}{title}</h4>"
            f'<p class="pa-muted"><strong>Related, not a ruling on this:</strong> this policy does not rule on '
            f"what you asked; the nearest passages are below.</p>{quotes}</div>"
        )
    if not f.citations:
        return (f'<div class="pa-card pa-doc-{css_token(f.doc_id)} pa-status-{status}" data-doc-id="{escape(f.doc_id)}" '
                f'data-status="{escape(f.status)}"><h4>{badge(f.verdict)}{escape(f.district)}{title}</h4></div>')
    first, rest = f.citations[0], f.citations[1:]
    more = ""
    if rest:  # behind a toggle: the card shows the district's ruling first (issue 12)
        n = len(rest)
        more = (f'<details class="pa-more"><summary class="pa-also">Also relevant: {n} more '
                f'passage{"s" if n > 1 else ""}</summary>'
                + "".join(render_citation(c, with_badge=False) for c in rest) + "</details>")
    line = f'<p class="pa-ruling">{text_html(f.summary)}</p>' if f.summary else ""
    return (
        f'<div class="pa-card pa-doc-{css_token(f.doc_id)} pa-status-{status}" data-doc-id="{escape(f.doc_id)}" '
        f'data-status="{escape(f.status)}"><h4>{badge(f.verdict)}{escape(f.district)}{title}</h4>{line}'
        f"{render_citation(first, number=number)}{more}</div>"
    )


def render_answering(answer: Answer) -> str:
    """"Answering: can i follow my students on tiktok, for coaches?" for a follow-up."""
    if not answer.answered or answer.answered == answer.question:
        return ""
    return f'<p class="pa-muted pa-answering"><strong>Answering:</strong> {escape(answer.answered)}</p>'


def render_summary(answer: Answer) -> str:
    if answer.abstained:
        head = "<strong>No policy in the collection answers this question.</strong> "
        return f'{render_answering(answer)}<p class="pa-summary">{head}{text_html(answer.summary)}</p>'
    return f'{render_answering(answer)}<p class="pa-summary">{markers.summary_html(answer)}</p>'


def render_not_addressed(doc_ids: Sequence[str], names: dict[str, str]) -> str:
    if not doc_ids:
        return ""
    listed = ", ".join(escape(names.get(d, d)) for d in doc_ids)
    return f'<p class="pa-muted"><strong>Not addressed by:</strong> {listed}</p>'


def render_related(related: Sequence[Citation]) -> str:
    if not related:
        return ""
    items = "".join(
        f'<li><cite>{escape(c.label)}</cite>: <q>{text_html(c.quote)}</q></li>' for c in related
    )
    return f'<div class="pa-related"><h4>Related</h4><ul>{items}</ul></div>'


def ordered_findings(findings: Iterable[Finding], district: str | None) -> list[Finding]:
    """The chosen district first, the rest in their given order."""
    items = list(findings)
    if not district:
        return items
    return [f for f in items if f.doc_id == district] + [f for f in items if f.doc_id != district]


def render_cards(answer: Answer, names: dict[str, str]) -> str:
    """The district cards (rulings first, then related), the not-addressed list and other districts."""
    nums = markers.numbers(answer)
    parts = [render_finding(f, nums.get(f.doc_id)) for f in ordered_findings(answer.findings, answer.district)]
    if answer.abstained and not answer.findings:
        parts.append(render_related(answer.related))
    parts.append(render_not_addressed(answer.not_addressed, names))
    if answer.other_districts:
        parts.append('<h4 class="pa-muted">Other districts</h4>')
        parts.extend(render_finding(f, nums.get(f.doc_id)) for f in answer.other_districts)
    return "".join(parts)


def render_answer(answer: Answer, names: dict[str, str]) -> str:
    """The whole answer: short answer, then one card per district."""
    return f'<div class="pa-answer">{render_summary(answer)}{render_cards(answer, names)}</div>'


def render_question(text: str) -> str:
    return f"<div>{text_html(text)}</div>"


def all_citations(answer: Answer) -> list[Citation]:
    """Every citation shown for an answer (cited, other districts, related), no repeats."""
    seen: set[str] = set()
    out: list[Citation] = []
    groups: list[Iterable[Citation]] = [answer.citations]
    groups += [f.citations for f in answer.findings]
    groups += [f.citations for f in answer.other_districts]
    groups.append(answer.related)
    for group in groups:
        for c in group:
            if c.clause_id not in seen:
                seen.add(c.clause_id)
                out.append(c)
    return out


def section_span(clause: Clause, clauses: Sequence[Clause], limit: int = 2400) -> tuple[int, int]:
    """Offsets of the section holding ``clause`` (its siblings), trimmed to ``limit`` chars."""
    same = [c for c in clauses if c.section_path == clause.section_path] or [clause]
    start = min(c.start for c in same)
    end = max(c.end for c in same)
    if end - start > limit:  # keep whole sibling clauses around the quoted one
        half = max(0, (limit - (clause.end - clause.start)) // 2)
        start = min((c.start for c in same if c.start >= clause.start - half), default=clause.start)
        end = max((c.end for c in same if c.end <= clause.end + half), default=clause.end)
    return min(start, clause.start), max(end, clause.end)


def render_context(
    doc: Document, clause: Clause, clauses: Sequence[Clause], start: int | None = None,
    end: int | None = None,
) -> str:
    """The section around a clause, the quoted span (``start:end``, default the clause) in <mark>,
    with the document's title, district, policy number and dates."""
    q_start = clause.start if start is None else start
    q_end = clause.end if end is None else end
    s, e = section_span(clause, clauses)
    s, e = min(s, q_start), max(e, q_end)
    text = doc.text
    body = (
        ("…" if s > 0 else "") + escape(text[s:q_start]) + f"<mark>{escape(text[q_start:q_end])}</mark>"
        + escape(text[q_end:e]) + ("…" if e < len(text) else "")
    )
    m = doc.meta
    facts = [("District", m.district), ("Policy", m.policy_number or "—")]
    facts += [(kind.capitalize(), date) for kind, date in m.dates]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    section = " > ".join(clause.section_path)
    return (
        f'<div class="pa-clause" data-clause-id="{escape(clause.clause_id)}">'
        f"<h3>{escape(m.title)}</h3><dl class=\"pa-facts\">{dl}</dl>"
        f'<p class="pa-cite">{escape(clause.label)}'
        + (f" — section: {escape(section)}" if section else "")
        + f'</p><div class="pa-context">{body}</div></div>'
    )


def render_compare(answer: Answer, names: dict[str, str]) -> str:
    """A table: district x verdict x quote, for every district (not addressed ones too)."""
    rows: list[tuple[str, str, str, str]] = []
    findings = ordered_findings(list(answer.findings) + list(answer.other_districts), answer.district)
    for f in findings:
        quote = f.citations[0].quote if f.citations and f.rules else ""
        label = f.citations[0].label if f.citations and f.rules else ""
        rows.append((f.district or names.get(f.doc_id, f.doc_id), f.verdict, quote, label))
    for d in answer.not_addressed:
        rows.append((names.get(d, d), NOT_ADDRESSED, "", ""))
    if not rows:
        return '<p class="pa-muted">Ask a question to compare districts.</p>'
    def cell(head: str, value: str) -> str:  # the column's name shows in the cell when the table stacks (phones)
        return f'<td><span class="pa-th">{head}</span>{value}</td>'

    body = "".join(
        f"<tr>{cell('District', escape(d))}{cell('Verdict', badge(v))}{cell('Quote', escape(q))}"
        f"{cell('Citation', escape(lbl))}</tr>"
        for d, v, q, lbl in rows
    )
    return (
        f'<div class="pa-table-wrap"><table class="pa-table"><caption>{escape(answer.question)}'
        "</caption><thead><tr><th scope=\"col\">District</th><th scope=\"col\">Verdict</th>"
        f"<th scope=\"col\">Quote</th><th scope=\"col\">Citation</th></tr></thead><tbody>{body}"
        "</tbody></table></div>"
    )


def citation_text(c: Citation) -> str:
    """Plain text to copy: the quote and its label."""
    return f'"{c.quote}"\n— {c.label}'
