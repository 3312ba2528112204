"""Board-policy-style PDFs of the five seeds, built with reportlab for the PDF layout tests.

What each PDF contains: the seed's *cleaned* text (``clean_text``: the web-capture debris such as
"Skip to main content" or "close (X)" is gone, as it would be from a policy exported to PDF), one
seed line per typeset paragraph, laid out the way board-policy services print a policy:

- a running header on every page (the district where the manifest names one, else "Board Policy
  Manual", and the policy number or short title), and a footer "Page N of M" (two-pass canvas);
- the first line as the title, the seed's headings in bold, "•" / "1." / "A." / "- a." lines as
  list items with the marker hanging in the margin (the marker and the text are separate runs, as
  in Word and policy-service exports), nested items further in;
- variants: ``two_column`` (justified, two columns, words hyphenated at line ends through soft
  hyphens, and compounds broken after their own hyphen), ``build_list_break_pdf`` (a numbered item runs over a
  page break), ``scanned`` (an extra signed-adoption page that is an image only: no text layer),
  ``references`` (a "Legal Reference" / "Cross Reference" block before the date line, label and
  values in two columns: this block is *added*, it is not in the seed, and gives its own section).

The builders never use the loader or the chunker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from fixtures_docs import SEED_HEADINGS, seed_lines

_ITEM = re.compile(r"^(?P<dash>-\s*)?(?P<m>\d{1,3}\.|[A-Za-z]\.|•)\s+(?P<text>.*)$")

# The extra block of the ``references`` variant (not in the seed).
REFERENCES = (
    ("Legal Reference:", ("105 ILCS 5/21B-75.", "23 Ill.Admin.Code §22.20.")),
    ("Cross Reference:", ("5:120 (Employee Ethics; Code of Professional Conduct and Conflict of Interest)",)),
)


@dataclass(frozen=True)
class Chrome:
    """The running header (left, right) and footer (left) printed on every page."""

    left: str
    right: str
    footer: str = ""


CHROME = {
    "d207-guidelines": Chrome("District 207", "Personal Social Media Guidelines", "Staff Guidelines"),
    "il-board-social-media": Chrome("Board Policy Manual", "Social Media", "Social Media"),
    "ia-401-15": Chrome("Board Policy Manual", "Policy 401.15", "401.15 Employee Use of Social Media"),
    "union-1610": Chrome("Union Public Schools", "Policy 1610", "Social Media Guidelines and Requirements"),
    "chsd230-5125": Chrome("Community High School District 230", "Board Policy 5.125",
                           "5.125 Electronic Communication and Social Media"),
}


def _soft_hyphens(text: str) -> str:
    """A soft hyphen after the 4th letter of every word of 9+ letters: reportlab may break there."""
    return re.sub(r"\b([a-z]{4})([a-z]{5,})\b", lambda m: m.group(1) + "\xad" + m.group(2), text)


def _styles(justify: bool, hyphenate: bool):  # noqa: ANN202 - reportlab styles
    from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName="Times-Roman", fontSize=10.5, leading=13, spaceAfter=7,
                          alignment=TA_JUSTIFY if justify else TA_LEFT, embeddedHyphenation=1 if hyphenate else 0)
    return {
        "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=14, leading=18, spaceAfter=10),
        "heading": ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=6,
                                  spaceAfter=6),
        "body": body,
        "item": ParagraphStyle("item", parent=body, leftIndent=22, bulletIndent=4, bulletFontName="Times-Roman"),
        "nested": ParagraphStyle("nested", parent=body, leftIndent=44, bulletIndent=26, bulletFontName="Times-Roman"),
    }


def _story(lines: list[str], styles, hyphenate: bool, references: bool):  # noqa: ANN001, ANN202
    from reportlab.platypus import Paragraph

    story = []
    for i, line in enumerate(lines):
        if references and line.upper().startswith("DATED:"):
            story.append(_references_table(styles))
        if i == 0:
            story.append(Paragraph(escape(line), styles["title"]))
            continue
        if line in SEED_HEADINGS:
            story.append(Paragraph(escape(line), styles["heading"]))
            continue
        text = _soft_hyphens(line) if hyphenate else line
        m = _ITEM.match(text)
        if m:
            style = styles["nested"] if m.group("dash") else styles["item"]
            story.append(Paragraph(escape(m.group("text")), style, bulletText=m.group("m")))
        else:
            story.append(Paragraph(escape(text), styles["body"]))
    if references and not any(ln.upper().startswith("DATED:") for ln in lines):
        story.append(_references_table(styles))
    return story


def _references_table(styles):  # noqa: ANN001, ANN202
    from reportlab.platypus import Paragraph, Table, TableStyle

    rows = []
    for label, values in REFERENCES:
        for n, value in enumerate(values):
            rows.append([Paragraph(escape(label) if n == 0 else "", styles["body"]), Paragraph(escape(value), styles["body"])])
    table = Table(rows, colWidths=[110, 358])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _numbered_canvas(chrome: Chrome):  # noqa: ANN202 - a reportlab Canvas subclass
    """A canvas that draws the header and the "Page N of M" footer once the page count is known."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    width, height = letter

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            self._saved: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8.5)
                self.drawString(72, height - 42, chrome.left)
                self.drawRightString(width - 72, height - 42, chrome.right)
                self.line(72, height - 47, width - 72, height - 47)
                self.setFont("Helvetica", 8)
                if chrome.footer:
                    self.drawString(72, 36, chrome.footer)
                self.drawRightString(width - 72, 36, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def _scan_image(path: Path, lines: list[str]) -> Path:
    """A grey "scanned" page: text drawn into pixels (PIL), a signature scrawl, speckle."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(7)
    image = Image.new("L", (850, 1100), 236)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((90, 120 + 34 * n), line, fill=40)
    draw.line([(120, 700), (200, 660), (260, 720), (330, 650), (420, 700)], fill=30, width=3)
    for _ in range(3000):
        draw.point((rng.randrange(850), rng.randrange(1100)), fill=rng.randrange(120, 220))
    image.save(path)
    return path


def build_policy_pdf(doc_id: str, path: Path, *, two_column: bool = False, scanned: bool = False, references: bool = False, spacer: float = 0.0) -> Path:
    """The seed ``doc_id`` as a board-policy PDF (see the module docstring for the variants)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.platypus import BaseDocTemplate, Frame, Image, PageBreak, PageTemplate, Spacer

    lines = seed_lines(doc_id)
    width, height = letter
    styles = _styles(justify=two_column, hyphenate=two_column)
    story = _story(lines, styles, hyphenate=two_column, references=references)
    if spacer:
        story.insert(1, Spacer(1, spacer))
    if scanned:
        scan = _scan_image(path.with_suffix(".scan.png"), [
            "BOARD OF EDUCATION - RECORD OF ADOPTION", "", f"Policy: {CHROME[doc_id].right}",
            "Adopted by the Board of Education at its regular meeting.", "", "Signed: ____________________"])
        story += [PageBreak(), Image(str(scan), width=width - 144, height=(width - 144) * 1100 / 850)]
    doc = BaseDocTemplate(str(path), pagesize=letter, leftMargin=72, rightMargin=72, topMargin=72, bottomMargin=72,
                          title=lines[0], author=CHROME[doc_id].left)
    body_h = height - 144
    if two_column:
        col = (width - 144 - 18) / 2
        frames = [Frame(72, 72, col, body_h, id="left", leftPadding=0, rightPadding=0),
                  Frame(72 + col + 18, 72, col, body_h, id="right", leftPadding=0, rightPadding=0)]
    else:
        frames = [Frame(72, 72, width - 144, body_h, id="body", leftPadding=0, rightPadding=0)]
    doc.addPageTemplates([PageTemplate(id="policy", frames=frames)])
    doc.build(story, canvasmaker=_numbered_canvas(CHROME[doc_id]))
    return path


def item_over_page_break(path: Path, item_text: str) -> bool:
    """Whether the first words of ``item_text`` end one page and its last words start the next
    (read with pypdf's plain extractor, independent of the loader under test)."""
    import pypdf

    words = item_text.split()
    head, tail = " ".join(words[:5]), " ".join(words[-5:])
    pages = [re.sub(r"\s+", " ", p.extract_text() or "") for p in pypdf.PdfReader(str(path)).pages]
    return any(head in pages[i] and " ".join(words) not in pages[i] and tail in pages[i + 1]
               for i in range(len(pages) - 1))


def build_list_break_pdf(doc_id: str, path: Path, item_text: str) -> Path:
    """The seed as a PDF where the numbered item ``item_text`` runs over a page break: a spacer
    after the title is grown until the layout puts the break inside that item."""
    for spacer in range(0, 600, 9):
        build_policy_pdf(doc_id, path, spacer=float(spacer))
        if item_over_page_break(path, item_text):
            return path
    raise AssertionError(f"no layout puts a page break inside {item_text[:40]!r}")


# --------------------------------------------------------------------------- a second generator
LATIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                       "\u2022": "-"})
"""fpdf2's core fonts are Latin-1: the typographic characters outside it are printed as ASCII."""


def build_fpdf2_pdf(doc_id: str, path: Path) -> Path:
    """The seed as a PDF from a second, independent generator (fpdf2: justified text, its own
    header and "Page N of {nb}" footer, markers in their own cell), to check the loader is not
    tuned to reportlab. The text is the seed's cleaned text through ``LATIN``."""
    from fpdf import FPDF

    lines = [ln.translate(LATIN) for ln in seed_lines(doc_id)]
    chrome = CHROME[doc_id]
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(True, 20)

    def header() -> None:
        pdf.set_font("helvetica", size=8)
        pdf.cell(0, 6, f"{chrome.left} - {chrome.right}".translate(LATIN), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)

    def footer() -> None:
        pdf.set_y(-15)
        pdf.set_font("helvetica", size=8)
        pdf.cell(0, 10, f"Page {pdf.page_no()} of {{nb}}", align="C")

    pdf.header, pdf.footer = header, footer
    pdf.add_page()
    for i, line in enumerate(lines):
        if i == 0 or line in {h.translate(LATIN) for h in SEED_HEADINGS}:
            pdf.set_font("helvetica", style="B", size=12)
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("times", size=11)
            m = re.match(r"^(-?\s*(?:\d{1,3}\.|[A-Za-z]\.)|-)\s+(.*)$", line)
            if m:
                pdf.cell(8, 5.5, m.group(1))
                pdf.multi_cell(0, 5.5, m.group(2), align="J", new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.multi_cell(0, 5.5, line, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.output(str(path))
    return path


def build_word_by_word_pdf(doc_id: str, path: Path) -> Path:
    """The seed drawn one word at a time (each word its own text run at its own x, lines
    justified by spreading the words), as some print-to-PDF engines write pages; typed markers
    ("1.", "•") one space from their text; a "Page N" footer. No layout engine: the wrapping is
    done here, with reportlab's font metrics."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    font, size, width = "Times-Roman", 10, letter[0] - 144
    pdf = canvas.Canvas(str(path), pagesize=letter)
    state = {"y": 720.0, "page": 1}

    def new_page() -> None:
        pdf.setFont("Helvetica", 8)
        pdf.drawString(72, 40, f"Page {state['page']}")
        pdf.showPage()
        state["y"], state["page"] = 720.0, state["page"] + 1

    for line in seed_lines(doc_id):
        rows: list[list[str]] = [[]]
        for word in line.split():
            if rows[-1] and stringWidth(" ".join([*rows[-1], word]), font, size) > width:
                rows.append([])
            rows[-1].append(word)
        for n, words in enumerate(rows):
            if state["y"] < 80:
                new_page()
            total = sum(stringWidth(w, font, size) for w in words)
            last = n == len(rows) - 1
            gap = (width - total) / (len(words) - 1) if len(words) > 1 and not last else stringWidth(" ", font, size)
            x = 72.0
            pdf.setFont(font, size)
            for word in words:
                pdf.drawString(x, state["y"], word)
                x += stringWidth(word, font, size) + gap
            state["y"] -= 12
        state["y"] -= 6
    new_page()
    pdf.save()
    return path
