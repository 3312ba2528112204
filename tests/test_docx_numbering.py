"""Word files with real automatic numbering (numbering.xml definitions, numPr on paragraphs): the
numbers Word shows are restored ("1.", "a.", "(i)"), counters restart and continue as in Word,
items become separate clauses; tables give one line per row; "Heading N" styles stay headings.
Also an HTML export from a policy site: chrome removed, headings kept."""

from __future__ import annotations

from pathlib import Path

from assistant.chunk import chunk_document
from assistant.ingest import load_document
from assistant.types import DocMeta

META = DocMeta(doc_id="conduct", title="Staff Conduct Online", district="Test District", short_name="Conduct")
ABSTRACT_ID = "90"
LEVELS = (("decimal", "%1."), ("lowerLetter", "%2."), ("lowerRoman", "(%3)"))


def _numbering(document) -> None:  # noqa: ANN001
    """A three-level list definition and three instances of it: 501 (first list), 502 (restarts
    at 1: startOverride), 503 (no override: continues the definition's numbering, as Word does)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    root = document.part.numbering_part.element

    def el(tag: str, **attrs: str):  # noqa: ANN202
        e = OxmlElement(tag)
        for k, v in attrs.items():
            e.set(qn(f"w:{k}"), v)
        return e

    abstract = el("w:abstractNum", abstractNumId=ABSTRACT_ID)
    for ilvl, (fmt, text) in enumerate(LEVELS):
        lvl = el("w:lvl", ilvl=str(ilvl))
        for child in (el("w:start", val="1"), el("w:numFmt", val=fmt), el("w:lvlText", val=text)):
            lvl.append(child)
        abstract.append(lvl)
    first_num = root.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)  # abstractNum elements come before num elements
    else:
        root.append(abstract)
    for num_id, restart in (("501", False), ("502", True), ("503", False)):
        num = el("w:num", numId=num_id)
        num.append(el("w:abstractNumId", val=ABSTRACT_ID))
        if restart:
            override = el("w:lvlOverride", ilvl="0")
            override.append(el("w:startOverride", val="1"))
            num.append(override)
        root.append(num)


def _item(document, text: str, num_id: int, ilvl: int = 0):  # noqa: ANN001, ANN202
    para = document.add_paragraph(text, style="List Paragraph")
    num_pr = para._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_numId().val = num_id
    num_pr.get_or_add_ilvl().val = ilvl
    return para


def build_numbered_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    _numbering(document)
    document.add_paragraph("Staff Conduct Online", style="Title")
    document.add_paragraph("Use of personal social media by staff", style="Heading 2")
    document.add_paragraph("Staff members shall follow these rules:")
    _item(document, "Staff shall not follow students on personal accounts.", 501)
    _item(document, "Staff shall report contact initiated by a student:", 501)
    _item(document, "to their supervisor, and", 501, 1)
    _item(document, "within two school days, in one of these ways:", 501, 1)
    _item(document, "by e-mail;", 501, 2)
    _item(document, "Staff may use district accounts for class pages.", 501)
    document.add_paragraph("Records kept by the district", style="Heading 2")
    document.add_paragraph("The district keeps these records:")
    _item(document, "Logs of district social media accounts.", 502)
    _item(document, "Copies of written approvals.", 502)
    document.add_paragraph("It also keeps the following records.")
    _item(document, "Reports of contact initiated by students.", 503)
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Term", "Meaning"
    table.cell(1, 0).text, table.cell(1, 1).text = "Student", "Any person enrolled in the district."
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "Staff shall keep records for three years."
    document.save(str(path))
    return path


def test_word_automatic_numbers_are_kept_and_items_are_clauses(tmp_path):
    import docx

    path = build_numbered_docx(tmp_path / "conduct.docx")
    assert not any(p.text[:2] in ("1.", "2.", "a.") for p in docx.Document(str(path)).paragraphs)  # not typed
    doc = load_document(path, META)
    # the numbers Word shows, read from the definitions above
    for line in ("1. Staff shall not follow students", "2. Staff shall report contact", "- a. to their supervisor",
                 "- b. within two school days", "- i) by e-mail;", "3. Staff may use district accounts",
                 "1. Logs of district", "2. Copies of written approvals", "3. Reports of contact initiated"):
        assert f"\n{line}" in doc.text, line
    clauses = chunk_document(doc)
    items = {c.text: c.item for c in clauses if c.kind == "item"}
    assert items["Staff shall not follow students on personal accounts."] == "1"
    assert items["to their supervisor, and"] == "2.a"
    assert items["within two school days, in one of these ways:"] == "2.b"
    assert items["Staff may use district accounts for class pages."] == "3"
    assert items["Logs of district social media accounts."] == "1"  # 502 restarts
    assert items["Copies of written approvals."] == "2"
    assert items["Reports of contact initiated by students."] == "3"  # 503 continues the definition
    for c in clauses:
        assert doc.text[c.start:c.end] == c.text


def test_word_headings_by_style_and_tables(tmp_path):
    doc = load_document(build_numbered_docx(tmp_path / "conduct.docx"), META)
    clauses = chunk_document(doc)
    by_text = {c.text: c for c in clauses}
    # a sentence-case "Heading 2" is a heading by its style, not a paragraph
    assert "Use of personal social media by staff" not in by_text
    assert by_text["Staff shall not follow students on personal accounts."].section_path == (
        "Use of personal social media by staff",)
    assert by_text["Logs of district social media accounts."].section_path == ("Records kept by the district",)
    # one line per table row, a merged cell once
    assert "Student | Any person enrolled in the district." in by_text
    assert doc.text.count("Staff shall keep records for three years.") == 1


def test_marker_text_follows_lvl_text():
    from assistant.loaders_docx import _marker_text

    assert _marker_text("%1.", 0, "1") == "1."
    assert _marker_text("%1)", 0, "4") == "4)"
    assert _marker_text("(%1)", 0, "a") == "(a)"
    assert _marker_text("%1.%2.", 1, "b") == "- b."
    assert _marker_text("(%3)", 2, "ii") == "- ii)"
    assert _marker_text("%1", 0, "7") == "7."


def test_html_from_a_policy_site_keeps_the_policy_and_its_headings(tmp_path):
    page = tmp_path / "policy.html"
    page.write_text(
        "<!doctype html><html><head><title>Policy 4.12</title><script>track('x')</script></head><body>"
        "<div class='cookie-banner'>We use cookies. Accept all</div>"
        "<header><a href='#main'>Skip to main content</a><ul><li>Board</li><li>Policies</li></ul></header>"
        "<nav class='breadcrumb'><a>Home</a> &gt; <a>Board Policies</a></nav>"
        "<div class='sidebar'><h3>Quick links</h3><ul><li>Lunch menu</li></ul></div>"
        "<main id='main'><h1>Staff Use of Social Media</h1>"
        "<h2>Contact with students</h2><p>Staff shall not follow students on personal accounts.</p>"
        "<ol><li>Staff shall use district accounts.</li><li>Staff shall keep records.</li></ol>"
        "<h2>Use of personal devices by staff</h2><p>Staff may carry personal phones.</p>"
        "<div class='share-tools'>Share this page: Facebook Twitter</div></main>"
        "<footer>© 2024 District · Contact us</footer><script>analytics()</script></body></html>",
        encoding="utf-8",
    )
    doc = load_document(page, META)
    for noise in ("cookies", "Skip to main content", "Board Policies", "Quick links", "Lunch menu", "Share this page",
                  "Contact us", "track(", "analytics"):
        assert noise not in doc.text, noise
    clauses = chunk_document(doc)
    by_text = {c.text: c for c in clauses}
    assert by_text["Staff shall not follow students on personal accounts."].section_path == ("Contact with students",)
    assert by_text["Staff shall use district accounts."].item == "1"
    assert by_text["Staff shall keep records."].item == "2"
    assert by_text["Staff may carry personal phones."].section_path == ("Use of personal devices by staff",)


def test_reference_blocks_are_their_own_section_in_word_and_html(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Staff Conduct Online", style="Title")
    document.add_paragraph("Staff shall not follow students on personal accounts.")
    document.add_paragraph("Legal Reference:\tIowa Code § 279.8.")
    document.add_paragraph("281 I.A.C. 12.3(6).")
    document.add_paragraph("Cross Reference:\t5:120 (Employee Ethics; Code of Professional Conduct)")
    document.add_paragraph("6:235 (Access to Electronic Networks)")
    document.add_paragraph("Approved: 2014-06-09")
    document.save(str(tmp_path / "refs.docx"))
    html = tmp_path / "refs.html"
    html.write_text("<main><h1>Staff Conduct Online</h1><p>Staff shall not follow students on personal accounts.</p>"
                    "<p>Legal Reference: Iowa Code § 279.8.<br>281 I.A.C. 12.3(6).</p>"
                    "<p>Cross Reference: 5:120 (Employee Ethics; Code of Professional Conduct)<br>"
                    "6:235 (Access to Electronic Networks)</p>"
                    "<p>Approved: 2014-06-09</p></main>", encoding="utf-8")
    for path in (tmp_path / "refs.docx", html):
        clauses = chunk_document(load_document(path, META))
        got = [(c.section_path, c.text) for c in clauses]
        assert got == [
            ((), "Staff shall not follow students on personal accounts."),
            (("Legal Reference",), "Iowa Code § 279.8."),
            (("Legal Reference",), "281 I.A.C. 12.3(6)."),
            (("Cross Reference",), "5:120 (Employee Ethics; Code of Professional Conduct)"),
            (("Cross Reference",), "6:235 (Access to Electronic Networks)"),
        ], path.name


def test_html_chrome_rules_spare_the_policy_itself(tmp_path):
    """A wrapper named for a sidebar layout or a box named for the topic ("social-media-policy")
    is not chrome: the policy inside it is kept."""
    page = tmp_path / "wrapped.html"
    page.write_text(
        "<html><body><div id='page-wrapper' class='layout has-sidebar'>"
        "<aside class='sidebar'><p>Lunch menu</p></aside>"
        "<div class='content social-media-policy'><h1>Staff Use of Social Media</h1>"
        "<p>Staff shall not follow students on personal accounts.</p></div>"
        "<div class='social-links'>Facebook Instagram</div></div></body></html>", encoding="utf-8")
    doc = load_document(page, META)
    assert "Staff shall not follow students on personal accounts." in doc.text
    assert "Lunch menu" not in doc.text and "Facebook" not in doc.text
