"""Build real PDF, HTML and DOCX files from seed text, for the ingestion tests.

The builders work from the *cleaned* seed text, one paragraph per line, and mark its shape up the
way a real document would: headings as headings, "•" lines as bulleted lists, "1." / "A." lines as
ordered lists (HTML) or literal text (DOCX/PDF). They do not use the chunker.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

SEED_FILES = {
    "d207-guidelines": "000_a9ad98b588ff3f02.txt",
    "il-board-social-media": "001_c52ffa2eb41509fb.txt",
    "ia-401-15": "002_13664bde0d2d7fc8.txt",
    "union-1610": "003_400b8112f0071e74.txt",
    "chsd230-5125": "004_1739076a474c36a0.txt",
}

# The headings of the seeds, as the issue lists them (plus the document sub-titles).
SEED_HEADINGS = frozenset(
    {
        "MOST IMPORTANT INFORMATION",
        "OVERVIEW",
        "Section A – Introduction",
        "Section B – Guidelines for the Use of District-Approved Social Media and Other Online Technologies",
        "Section C – Parameters for the Use of District-Approved Social Media and Other Online Technologies",
        "Section D - Staff Member Use of Personal Social Media and Other Online Technologies",
        "Section E - Implementation",
        "Section F – Related Board Policies",
        "Professional Use of Social Media",
        "Personal Use of Social Media",
        "Social Networking Websites",
        "Copyright and Fair Use Guidelines",
        "Text and Instant Messaging",
        "District-Associated Sites and Use of Union Logos",
        "Electronic Communication & Social Media",
        "Electronic Communication and Social Media Procedures and Guidelines",
        "Definitions",
        "District-Sponsored Electronic Communications/Social Media Use",
        "Personal Electronic Communications/Social Media Use",
    }
)

_NUM = re.compile(r"^(\d{1,3})\.\s+(.*)$")
_UPPER = re.compile(r"^([A-Z])\.\s+(.*)$")
_NESTED = re.compile(r"^-\s*([a-z])\.\s+(.*)$")
_BULLET = re.compile(r"^•\s+(.*)$")


def seed_lines(doc_id: str) -> list[str]:
    """The non-blank lines of a seed's cleaned text."""
    from assistant.ingest import clean_text

    raw = (CORPUS / SEED_FILES[doc_id]).read_text(encoding="utf-8")
    return [ln for ln in clean_text(raw).split("\n") if ln.strip()]


# --------------------------------------------------------------------------- HTML
def build_html(lines: list[str], path: Path) -> Path:
    """An HTML page: h1 title, h2 headings, ul/ol lists (numbers shown by the browser), page chrome."""
    body: list[str] = [f"<h1>{escape(lines[0])}</h1>"]
    open_lists: list[str] = []  # closing tags of open lists, innermost last

    def close_to(depth: int) -> None:
        while len(open_lists) > depth:
            body.append(open_lists.pop())

    for line in lines[1:]:
        if m := _NESTED.match(line):
            if len(open_lists) < 2:
                body[-1] = body[-1].removesuffix("</li>")  # nest inside the open item
                body.append('<ol type="a">')
                open_lists.append("</ol></li>")
            body.append(f"<li>{escape(m.group(2))}</li>")
            continue
        close_to(1)
        if m := _BULLET.match(line):
            if not open_lists:
                body.append("<ul>")
                open_lists.append("</ul>")
            body.append(f"<li>{escape(m.group(1))}</li>")
        elif (m := _NUM.match(line)) or (m := _UPPER.match(line)):
            if not open_lists:
                kind = ' type="A"' if m.re is _UPPER else ""
                body.append(f"<ol{kind}>")
                open_lists.append("</ol>")
            body.append(f"<li>{escape(m.group(2))}</li>")
        else:
            close_to(0)
            tag = "h2" if line in SEED_HEADINGS else "p"
            body.append(f"<{tag}>{escape(line)}</{tag}>")
    close_to(0)
    html = (
        "<!doctype html><html><head><title>Policy</title><style>p{color:#333}</style>"
        "<script>var tracker = 'Skip to main content';</script></head><body>"
        "<header><a href='#main'>Skip to main content</a></header>"
        "<nav><ul><li>Home</li><li>Calendar of Events</li></ul></nav>"
        "<main id='main'>" + "\n".join(body) + "</main>"
        "<footer>Instagram YouTube &copy; 2024</footer>"
        "<script>console.log('analytics');</script></body></html>"
    )
    path.write_text(html, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- DOCX
def build_docx(lines: list[str], path: Path) -> Path:
    """A Word file: Title, Heading 2 headings, "•" lines as List Bullet paragraphs and "1." lines as
    List Number paragraphs (Word numbering, restarted for each list: no number in the text), the
    rest as typed."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    numbering = document.part.numbering_part.element
    list_style = document.styles["List Number"].element.pPr.numPr.numId.val
    abstract_id = next(
        n.find(qn("w:abstractNumId")).get(qn("w:val"))
        for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == str(list_style)
    )
    document.add_paragraph(lines[0], style="Title")
    current_num: str | None = None
    for line in lines[1:]:
        if line in SEED_HEADINGS:
            document.add_paragraph(line, style="Heading 2")
        elif m := _BULLET.match(line):
            document.add_paragraph(m.group(1), style="List Bullet")
        elif m := _NUM.match(line):
            if current_num is None:  # a new list: a new w:num that restarts at 1
                current_num = str(1000 + len(numbering.findall(qn("w:num"))))
                num = OxmlElement("w:num")
                num.set(qn("w:numId"), current_num)
                ref = OxmlElement("w:abstractNumId")
                ref.set(qn("w:val"), abstract_id)
                override = OxmlElement("w:lvlOverride")
                override.set(qn("w:ilvl"), "0")
                start = OxmlElement("w:startOverride")
                start.set(qn("w:val"), m.group(1))
                override.append(start)
                num.append(ref)
                num.append(override)
                numbering.append(num)
            para = document.add_paragraph(m.group(2), style="List Number")
            num_pr = para._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_numId().val = int(current_num)
            num_pr.get_or_add_ilvl().val = 0
            continue
        elif _NESTED.match(line):
            document.add_paragraph(line)
            continue
        else:
            document.add_paragraph(line)
        current_num = None
    document.save(str(path))
    return path


# --------------------------------------------------------------------------- PDF
def build_pdf(
    lines: list[str],
    path: Path,
    page_break_after: int | None = None,
    keep_together: bool = True,
    running: str | None = None,
) -> Path:
    """A text PDF (reportlab, Helvetica, wrapped lines, paragraph spacing), optionally with a forced
    page break and a running header (``running``) and "Page N of M"-style footer on every page."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate
    from xml.sax.saxutils import escape as xml_escape

    style = getSampleStyleSheet()["BodyText"]
    style.spaceAfter = 10
    heading = getSampleStyleSheet()["Heading2"]
    story: list = []
    for i, line in enumerate(lines):
        para = Paragraph(xml_escape(line), heading if (i == 0 or line in SEED_HEADINGS) else style)
        story.append(KeepTogether([para]) if keep_together else para)
        if page_break_after is not None and i == page_break_after:
            story.append(PageBreak())
    def chrome(canvas, doc) -> None:  # noqa: ANN001 - reportlab callback
        if running:
            canvas.setFont("Helvetica", 8)
            canvas.drawString(72, letter[1] - 40, running)
            canvas.drawString(72, 30, f"Page {doc.page}")

    SimpleDocTemplate(str(path), pagesize=letter).build(story, onFirstPage=chrome, onLaterPages=chrome)
    return path


def build_image_only_pdf(path: Path) -> Path:
    """A one-page PDF holding a drawing and no text at all (what a scanned page looks like to pypdf)."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.rect(72, 72, 300, 400, fill=1)
    c.line(72, 500, 400, 700)
    c.showPage()
    c.save()
    return path


def build_encrypted_pdf(lines: list[str], path: Path, password: str = "s3cret") -> Path:
    """A text PDF encrypted with a user password (pypdf writer.encrypt)."""
    import pypdf

    plain = build_pdf(lines, path.with_name(path.stem + "-plain.pdf"))
    writer = pypdf.PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path
