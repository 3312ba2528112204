"""HTML rendering: escaped everywhere, verdict badges carry words, the quote marked in context."""

from __future__ import annotations

import re

import pytest

from assistant.types import (
    VERDICTS,
    Answer,
    Citation,
    Clause,
    DocMeta,
    Document,
    Finding,
)
from assistant.web import render
from tests.web.conftest import parse_html as _parse

EVIL = "<script>alert(1)</script>"
TEXT = f"Heading\n\n1. Staff must not friend students. {EVIL}\n\n2. Staff may post news & events.\n"


def _doc() -> Document:
    meta = DocMeta(doc_id="evil", title="T <img src=x onerror=alert(2)>", district="<i>D</i>",
                   policy_number="9.9", dates=(("revised", "2024-01-02"),))
    return Document(meta=meta, text=TEXT, content_hash="h")


def _clauses() -> list[Clause]:
    out = []
    for n, m in enumerate(re.finditer(r"\d\. [^\n]+", TEXT), 1):
        out.append(Clause(clause_id=f"evil/h/{n}", doc_id="evil", text=m.group(), start=m.start(), end=m.end(),
                          label=f"Evil <b>x</b> > item {n}", section_path=("Heading",)))
    return out


def _answer(**kw) -> Answer:
    c = _clauses()[0]
    cit = Citation(c.clause_id, "evil", c.label, c.text, c.start, c.end, "prohibited", "must not", 1.0, "<i>D</i>")
    base = dict(question=f"q {EVIL}", district=None, abstained=False, summary=f"No. {EVIL}",
                findings=(Finding("evil", "<i>D</i>", "prohibited", (cit,), "T <b>"),),
                not_addressed=("other",), citations=(cit,))
    base.update(kw)
    return Answer(**base)




def test_answer_html_escapes_everything():
    html = render.render_answer(_answer(), {"other": "<u>Other</u> district"})
    parsed = _parse(html)
    assert not {"script", "img", "i", "b", "u"} & set(parsed.tags)
    assert EVIL in parsed.text  # shown as text, verbatim
    assert "<u>Other</u> district" in parsed.text
    assert "Not addressed by:" in parsed.text


@pytest.mark.parametrize("verdict", VERDICTS + ("not addressed",))
def test_badge_has_the_word_not_only_a_colour(verdict):
    html = render.badge(verdict)
    assert verdict.upper() in _parse(html).text
    assert f'data-verdict="{verdict}"' in html
    assert "background:" in html


def test_verdicts_have_distinct_colours():
    colours = [render.VERDICT_STYLE[v][0] for v in VERDICTS]
    assert len(set(colours)) == len(VERDICTS)


def test_abstention_said_plainly_with_related():
    c = _clauses()[1]
    rel = Citation(c.clause_id, "evil", c.label, c.text, c.start, c.end, "permitted", "may", 0.2)
    html = render.render_answer(_answer(abstained=True, findings=(), citations=(), related=(rel,)), {})
    text = _parse(html).text
    assert "No policy in the collection answers this question." in text
    assert "Related" in text and c.text in text


def test_chosen_district_first():
    f1, f2 = Finding("a", "A", "permitted"), Finding("b", "B", "prohibited")
    assert [f.doc_id for f in render.ordered_findings([f1, f2], "b")] == ["b", "a"]
    assert [f.doc_id for f in render.ordered_findings([f1, f2], None)] == ["a", "b"]


def test_context_marks_exactly_the_quoted_span():
    doc, clauses = _doc(), _clauses()
    c = clauses[0]
    html = render.render_context(doc, c, clauses)
    marked = re.search(r"<mark>(.*?)</mark>", html, re.DOTALL).group(1)
    from html import unescape

    assert unescape(marked) == doc.text[c.start:c.end]
    parsed = _parse(html)
    assert not {"script", "img"} & set(parsed.tags)
    assert "T <img src=x onerror=alert(2)>" in parsed.text  # title as text
    assert "9.9" in parsed.text and "2024-01-02" in parsed.text and "<i>D</i>" in parsed.text
    assert clauses[1].text in parsed.text  # the section around it


def test_card_names_its_document_in_a_safe_class():
    html = render.render_finding(Finding('x"><script>/1', "D", "permitted"))
    assert 'class="pa-card pa-doc-x---script--1 pa-status-rules"' in html and "<script>" not in html


def test_compare_table_rows():
    html = render.render_compare(_answer(), {"other": "Other district"})
    parsed = _parse(html)
    assert parsed.tags.count("tr") == 3  # header + finding + not addressed
    assert "PROHIBITED" in parsed.text and "NOT ADDRESSED" in parsed.text
    assert "script" not in parsed.tags


def test_no_blank_lines_in_chat_html():
    """Chat messages are markdown: a blank line would end the HTML block."""
    cit = _answer().citations[0]
    multi = Citation(cit.clause_id, cit.doc_id, cit.label, "a\n\nb", 0, 4, "permitted", "", 1.0)
    assert "\n" not in render.render_citation(multi)


def test_citation_text_for_copy():
    cit = _answer().citations[0]
    assert render.citation_text(cit) == f'"{cit.quote}"\n— {cit.label}'


def test_long_section_trimmed_to_whole_clauses():
    text = "\n".join(f"{n}. " + "word " * 40 for n in range(1, 30))
    doc = Document(meta=DocMeta(doc_id="d", title="T", district="D"), text=text, content_hash="h")
    clauses = [Clause(clause_id=f"d/s/{n}", doc_id="d", text=m.group(), start=m.start(), end=m.end(),
                      label=f"item {n}", section_path=("S",))
               for n, m in enumerate(re.finditer(r"[^\n]+", text), 1)]
    mid = clauses[15]
    start, end = render.section_span(mid, clauses, limit=1000)
    assert start in {c.start for c in clauses} and end in {c.end for c in clauses}
    assert start <= mid.start and end >= mid.end and end - start <= 1000 + len(mid.text)


def test_a_related_card_claims_no_verdict_and_a_ruling_quotes_its_deciding_sentence_first():
    c = _clauses()[0]
    sentence = c.text.split(".")[0] + "."
    start = c.start
    deciding = Citation(c.clause_id, "d", c.label, sentence, start, start + len(sentence), "prohibited", "", 1.0,
                        clause_start=c.start, clause_end=c.end, clause_quote=c.text, role="deciding")
    related = Citation(c.clause_id, "e", c.label, c.text, c.start, c.end, "not addressed", "", 0.5,
                       clause_start=c.start, clause_end=c.end, clause_quote=c.text, role="related")
    ruling = _parse(render.render_finding(Finding("d", "D", "prohibited", (deciding,), summary="D prohibits “x”")))
    assert ruling.text.count("PROHIBITED") == 2  # the card's badge and its deciding quote's
    if sentence != c.text:
        assert "Show the whole clause" in ruling.text and c.text in ruling.text
    near = _parse(render.render_finding(Finding("e", "E", "not addressed", (related,), status="related")))
    assert "Related, not a ruling on this" in near.text
    assert "PROHIBITED" not in near.text and "NOT ADDRESSED" not in near.text  # no verdict claimed
