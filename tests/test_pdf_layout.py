"""Board-policy-style PDFs of the five seeds (tests/pdf_fixtures.py): the same clauses as the .txt
seeds, pages in every clause and label, running headers and footers gone, two columns read in
order, hyphenation joined, a numbered item over a page break kept whole, a scanned page reported,
and the "Legal Reference" / "Cross Reference" block as its own section."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
from fixtures_docs import CORPUS, SEED_FILES, seed_lines
from pdf_fixtures import CHROME, REFERENCES, build_list_break_pdf, build_policy_pdf

from assistant.chunk import chunk_document
from assistant.ingest import clean_text, load_corpus, load_document, load_manifest
from assistant.types import Citation, page_label

VARIANTS = {  # doc id -> the layout it is printed with
    "d207-guidelines": {},
    "il-board-social-media": {},
    "ia-401-15": {"two_column": True},
    "union-1610": {"scanned": True},
    "chsd230-5125": {"references": True},
}


def _meta(doc_id: str):
    return load_manifest(CORPUS)[SEED_FILES[doc_id]]


def _seed(doc_id: str):
    doc = load_document(CORPUS / SEED_FILES[doc_id], _meta(doc_id))
    return doc, chunk_document(doc)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    return {doc_id: build_policy_pdf(doc_id, folder / f"{doc_id}.pdf", **kw) for doc_id, kw in VARIANTS.items()}


@pytest.mark.parametrize("doc_id", sorted(VARIANTS))
def test_policy_pdf_gives_the_seed_clauses_with_pages(pdfs, doc_id):
    doc = load_document(pdfs[doc_id], _meta(doc_id))
    clauses = chunk_document(doc)
    _, reference = _seed(doc_id)
    seed = [(c.clause_id, c.text) for c in reference]
    got = [(c.clause_id, c.text) for c in clauses]
    if doc_id == "chsd230-5125":  # the stated difference: the added reference block, its own sections
        extra = [(f"chsd230-5125/{slug}/p{n}", value)
                 for (label, values), slug in zip(REFERENCES, ("legal-reference", "cross-reference"), strict=True)
                 for n, value in enumerate(values, start=1)]
        assert got == seed + extra
        assert [c.section_path for c in clauses[len(seed):]] == [("Legal Reference",)] * 2 + [("Cross Reference",)]
    else:
        assert got == seed
    assert len(doc.pages) >= 2
    for c, ref in zip(clauses, reference):
        assert doc.text[c.start:c.end] == c.text
        on = doc.pages_of(c.start, c.end)
        assert on and (c.page, c.page_end) == (on[0], on[-1]) and c.pages == tuple(range(on[0], on[-1] + 1))
        assert c.label == f"{ref.label}, {page_label(c.pages)}"
    assert clauses[0].page == 1 and clauses[-1].page_end >= 2


@pytest.mark.parametrize("doc_id", sorted(VARIANTS))
def test_running_headers_and_footers_are_removed(pdfs, doc_id):
    doc = load_document(pdfs[doc_id], _meta(doc_id))
    seed_text = clean_text((CORPUS / SEED_FILES[doc_id]).read_text(encoding="utf-8"))
    assert not re.search(r"Page \d+ of \d+", doc.text)
    chrome = CHROME[doc_id]
    for running in (chrome.left, chrome.right, chrome.footer):
        assert doc.text.count(running) == seed_text.count(running), running  # as often as the policy says it


def test_two_columns_are_read_in_order_and_hyphenation_is_joined(pdfs):
    """The two-column PDF breaks words at line ends ("info-" / "rmation"): pypdf's own text shows
    them; the loader joins them, and keeps the hyphen of compounds broken after their hyphen."""
    import pypdf

    raw = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(pdfs["ia-401-15"])).pages)
    broken = re.findall(r"([A-Za-z]+)-\n([a-z]+)", raw)
    assert len(broken) >= 5, "the fixture should hyphenate words at line ends"
    doc = load_document(pdfs["ia-401-15"], _meta("ia-401-15"))
    seed_doc, _ = _seed("ia-401-15")
    for left, right in broken:
        word = left + right
        hyphenated = f"{left}-{right}"
        expected = hyphenated if hyphenated in seed_doc.text else word
        assert expected in doc.text, (left, right)
    # column order: the seed's paragraphs come in the seed's order
    seed_paragraphs = [ln for ln in seed_doc.text.split("\n") if len(ln) > 40]
    at = 0
    for paragraph in seed_paragraphs:  # each found after the one before it
        at = doc.text.find(re.sub(r"^[•\s]+", "", paragraph)[:40], at)
        assert at >= 0, paragraph
        at += 1


def test_a_numbered_item_over_a_page_break_is_one_clause_on_two_pages(tmp_path):
    lines = seed_lines("il-board-social-media")
    item = next(ln for ln in lines if ln.startswith("2. Students will use"))[3:]
    path = build_list_break_pdf("il-board-social-media", tmp_path / "list-break.pdf", item)
    doc = load_document(path, _meta("il-board-social-media"))
    clauses = chunk_document(doc)
    assert [(c.clause_id, c.text) for c in clauses] == [(c.clause_id, c.text) for c in _seed("il-board-social-media")[1]]
    (spanning,) = [c for c in clauses if c.text == item]
    assert spanning.item == "2" and spanning.kind == "item"
    first, last = spanning.pages[0], spanning.pages[-1]
    assert last == first + 1 and spanning.label.endswith(f", pp. {first}-{last}")
    assert doc.page_at(spanning.start) == first and doc.page_at(spanning.end - 1) == last
    # the items after it go on numbering on the next page
    following = [c for c in clauses if c.section_path == spanning.section_path and c.start > spanning.end]
    assert following and following[0].item == "3"


def test_a_scanned_page_is_reported_not_skipped_silently(pdfs, tmp_path, caplog):
    doc = load_document(pdfs["union-1610"], _meta("union-1610"))
    import pypdf

    count = len(pypdf.PdfReader(str(pdfs["union-1610"])).pages)
    assert [n for n, _, _ in doc.pages] == list(range(1, count))  # the last page gave no text
    assert doc.notes == (f"page {count} has no text layer (an image only, e.g. a scan): its text is not indexed; "
                         "run OCR on the PDF to include it",)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(pdfs["union-1610"], corpus / "union.pdf")
    with caplog.at_level(logging.WARNING, logger="assistant.ingest"):
        docs, problems = load_corpus(corpus)
    assert problems == [] and len(docs) == 1 and docs[0].notes == doc.notes
    assert f"union.pdf: page {count} has no text layer" in caplog.text


def test_pages_survive_the_reader_process(pdfs, tmp_path):
    """PDFs are read in a worker process (timebox): pages and notes cross it intact."""
    from assistant.timebox import FileReader

    meta = _meta("union-1610")
    inline = load_document(pdfs["union-1610"], meta)
    with FileReader(60, load_document) as reader:
        remote = reader.read(pdfs["union-1610"], meta)
    assert remote == inline and remote.pages and remote.notes


def test_page_labels_and_citation_fields():
    assert page_label(()) == "" and page_label((3,)) == "p. 3" and page_label((3, 4)) == "pp. 3-4"
    c = Citation(clause_id="x/y/1", doc_id="x", label="X > y > item 1, pp. 3-4", quote="q", start=0, end=1,
                 verdict="prohibited", evidence="", score=1.0, pages=(4,))
    d = c.to_dict()
    assert d["pages"] == [4] and d["page_label"] == "p. 4"
    assert Citation(clause_id="a", doc_id="a", label="a", quote="q", start=0, end=1, verdict="permitted",
                    evidence="", score=1.0).to_dict()["pages"] == []


@pytest.mark.parametrize("doc_id", sorted(VARIANTS))
def test_a_second_pdf_generator_gives_the_same_clauses(tmp_path, doc_id):
    """fpdf2 lays text out its own way (justified, one run per line, other header and footer): the
    same clause ids and texts (the seed's through ``LATIN``: fpdf2's core fonts are Latin-1)."""
    from pdf_fixtures import LATIN, build_fpdf2_pdf

    doc = load_document(build_fpdf2_pdf(doc_id, tmp_path / f"{doc_id}.pdf"), _meta(doc_id))
    assert len(doc.pages) >= 2 and not re.search(r"Page \d+ of", doc.text)
    got = [(c.clause_id, c.text) for c in chunk_document(doc)]
    assert got == [(c.clause_id, c.text.translate(LATIN)) for c in _seed(doc_id)[1]]


@pytest.mark.slow
def test_answers_from_pdfs_cite_pages(pdfs, tmp_path, make_assistant):
    """The five PDFs ingested (in the reader process) and asked: every citation names its page in
    its label and its ``pages``, the quote is verbatim, and the chat shows the page."""
    from assistant.web.render import render_citation

    corpus = tmp_path / "pdf-corpus"
    corpus.mkdir()
    manifest = (CORPUS / "manifest.toml").read_text(encoding="utf-8")
    for doc_id, path in pdfs.items():
        shutil.copy(path, corpus / f"{doc_id}.pdf")
        manifest = manifest.replace(f'file = "{SEED_FILES[doc_id]}"', f'file = "{doc_id}.pdf"')
    (corpus / "manifest.toml").write_text(manifest, encoding="utf-8")
    assistant = make_assistant(corpus)
    assert sorted(m.doc_id for m in assistant.documents()) == sorted(VARIANTS)
    assert assistant.document("union-1610").notes  # the scanned page's note is kept in the index records
    answer = assistant.ask("can I follow my students on tiktok?")
    assert answer.citations
    for c in answer.citations:
        doc = assistant.document(c.doc_id)
        clause = assistant.clause(c.clause_id)
        assert doc.text[c.start:c.end] == c.quote
        assert c.pages and c.pages == doc.pages_of(c.start, c.end)
        assert set(c.pages) <= set(clause.pages) and f", {clause.page_label}" in c.label and clause.page_label
        assert c.to_dict()["pages"] == list(c.pages)
        html = render_citation(c)
        assert clause.page_label in html
        if c.page_label != clause.page_label:  # the clause runs over pages: the quote's own page too
            assert f"(quote on {c.page_label})" in html
    # as the gold set reads the policies (eval/gold.jsonl, friend-student-02): D207 and CHSD 230 discourage it
    rulings = {f.doc_id: f for f in answer.findings}
    d207, chsd = rulings["d207-guidelines"], rulings["chsd230-5125"]
    assert d207.verdict == "discouraged" and chsd.verdict == "discouraged"
    assert "Staff should NOT follow/friend/connect with a student on social media" in d207.citations[0].quote
    assert d207.citations[0].label.endswith(", p. 1") and d207.citations[0].pages == (1,)
    assert "refrain from becoming “friends”" in chsd.citations[0].quote


def test_a_one_page_policy_loses_its_header_and_footer(tmp_path, monkeypatch):
    """Nothing repeats in a one-page PDF: the header and footer are known by their place at the
    page's edge and their small print."""
    import pdf_fixtures

    short = seed_lines("union-1610")[:4]
    monkeypatch.setattr(pdf_fixtures, "seed_lines", lambda doc_id: short)
    path = build_policy_pdf("union-1610", tmp_path / "one-page.pdf")
    doc = load_document(path, _meta("union-1610"))
    assert [n for n, _, _ in doc.pages] == [1]
    assert doc.text == "\n\n".join(short)  # no "Union Public Schools", "Policy 1610" or "Page 1 of 1"


def test_the_chat_citation_shows_the_quote_page_when_the_clause_spans_more():
    from assistant.web.render import render_citation

    def cite(pages: tuple[int, ...], label: str) -> Citation:
        return Citation(clause_id="x/s/2", doc_id="x", label=label, quote="Staff shall not.", start=0, end=16,
                        verdict="prohibited", evidence="shall not", score=1.0, pages=pages)

    spanning = render_citation(cite((4,), "X > S > item 2, pp. 3-4"))
    assert "X &gt; S &gt; item 2, pp. 3-4" in spanning and "(quote on p. 4)" in spanning
    same = render_citation(cite((3,), "X > S > item 2, p. 3"))
    assert "p. 3" in same and "quote on" not in same
    assert "quote on" not in render_citation(cite((), "X > S > item 2"))


@pytest.mark.parametrize("doc_id", sorted(VARIANTS))
def test_a_pdf_drawn_word_by_word_gives_the_same_clauses(tmp_path, doc_id):
    """One text run per word (justified by spacing the words): words mid-page are no column edge,
    a typed marker one space from its text is no hanging indent, and the clauses are the seed's."""
    from pdf_fixtures import build_word_by_word_pdf

    doc = load_document(build_word_by_word_pdf(doc_id, tmp_path / f"{doc_id}.pdf"), _meta(doc_id))
    assert not re.search(r"Page \d", doc.text)
    assert [(c.clause_id, c.text) for c in chunk_document(doc)] == [(c.clause_id, c.text) for c in _seed(doc_id)[1]]


@pytest.mark.slow
def test_an_index_built_before_pages_is_read_again(pdfs, tmp_path, make_assistant):
    """Clauses stored before they knew their last page (an index from before this change) are
    chunked again at the next ingest, though the PDF's text is unchanged: their labels gain pages."""
    import json

    corpus = tmp_path / "one-pdf"
    corpus.mkdir()
    shutil.copy(pdfs["union-1610"], corpus / "union.pdf")
    assistant = make_assistant(corpus)
    import sqlite3

    con = sqlite3.connect(assistant.settings.index / "records.sqlite3")
    for doc_id, record in con.execute("SELECT doc_id, record FROM docs").fetchall():
        data = json.loads(record)
        for clause in data["clauses"]:  # as the previous chunker stored them
            clause["page_end"] = None
            clause["label"] = clause["label"].rsplit(", p", 1)[0]
        con.execute("UPDATE docs SET record = ?, stamp = stamp + 1 WHERE doc_id = ?", (json.dumps(data).encode(), doc_id))
    con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
    con.commit()
    con.close()
    report = assistant.ingest(corpus)
    assert report.skipped == 0
    from assistant.pipeline import Assistant

    again = Assistant.open(assistant.settings, embedder=assistant.embedder)
    clauses = again.clauses("union")
    assert clauses and all(c.page_end is not None and re.search(r", pp?\. \d", c.label) for c in clauses)
    assert again.ingest(corpus).skipped == 1  # and then it is reused as before
