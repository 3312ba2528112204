"""The PDF loader: pages of positioned text (pypdf) -> one line per paragraph, in reading order.

pypdf's ``extract_text(visitor_text=...)`` gives every text run with its position, font and size
(its width from the font's glyph widths). From those, per page: rows (runs on one baseline);
running headers and footers dropped (a row repeated at the same height on most pages, "Page 3 of
7", a bare page number); two columns found by a recurring left edge mid-page with a gutter no run
crosses, read left column first; then (``pdf_paragraphs``) lines joined into paragraphs by their
spacing, indent, font and list markers; words hyphenated at a line end joined ("commu-" +
"nication"), compounds kept ("school-" + "based"); nested list markers written "- a." as the
chunker reads them; "Legal Reference" / "Cross Reference" blocks made their own section
("# Legal Reference", one paragraph per reference). A page with no text but an image (a scan) is
reported in ``Page.note``; ``ingest`` turns the pages into one text with exact page spans.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .loaders import MARKER_RE, Page, Unreadable
from .pdf_paragraphs import Line, paragraphs, write_pages

_BOLD = ("bold", "black", "heavy", "semibold", "demi")
_PAGE_NUMBER_RE = re.compile(
    r"^(?:page\s+\d{1,4}(?:\s+of\s+\d{1,4})?|\d{1,4}\s+of\s+\d{1,4}|[-–—]?\s*\d{1,4}\s*[-–—]?|\d{1,4}\s*\|\s*page)$",
    re.IGNORECASE,
)


@dataclass
class _Run:
    x: float
    y: float
    size: float
    bold: bool
    text: str
    end: float = 0.0  # where the run ends (its width from the font's glyph widths)


def load_pdf_file(path: Path) -> list[Page]:
    """.pdf: one ``Page`` per PDF page, one line per paragraph (see the module docstring)."""
    import pypdf
    from pypdf.errors import PdfReadError

    # pypdf logs its repairs ("EOF marker not found") as warnings: the one-line refusal below says
    # what matters, and a CLI must not print a library's log lines
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if path.stat().st_size == 0:
        raise Unreadable("is empty")
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:  # noqa: BLE001 - missing crypto backend, bad key...
                ok = 0
            if not ok:
                raise Unreadable("is encrypted (a password is needed to read it)")
        pages = list(reader.pages)
    except Unreadable:
        raise
    except (PdfReadError, Exception) as exc:  # noqa: BLE001 - pypdf raises many kinds
        raise Unreadable(f"is not a readable PDF ({type(exc).__name__})") from exc
    runs: list[list[_Run]] = []
    sizes: list[tuple[float, float]] = []
    for number, page in enumerate(pages, start=1):
        try:
            runs.append(_page_runs(page))
        except Exception as exc:  # noqa: BLE001 - a broken content stream
            raise Unreadable(f"is not a readable PDF (page {number}: {type(exc).__name__})") from exc
        box = page.mediabox
        sizes.append((float(box.width), float(box.height)))
    if not any(runs):
        raise Unreadable("has no extractable text (image-only or empty PDF)")
    rows = _drop_running_rows([_rows(r) for r in runs], [h for _, h in sizes])
    lines: list[Line] = []
    for number, (page_rows, (width, _)) in enumerate(zip(rows, sizes, strict=True), start=1):
        lines += _page_lines(number, page_rows, width)
    pages_out = write_pages(paragraphs(_relative(lines)), len(pages))
    for i, page in enumerate(pages):
        if not rows[i] and _has_image(page):  # no text but running headers: a scan the export stamped
            pages_out[i] = Page("", note=f"page {i + 1} has no text layer (an image only, e.g. a scan): its text "
                                         "is not indexed; run OCR on the PDF to include it")
    return pages_out


def _glyph_widths(font, cache: dict[int, dict[str, float] | None]) -> dict[str, float] | None:  # noqa: ANN001
    """The font's glyph widths (thousandths of the size), from pypdf's font reader (``/Widths`` or
    the 14 standard fonts' metrics); None where this pypdf has none (widths are then estimated)."""
    key = id(font)
    if key not in cache:
        try:
            from pypdf.generic._font import Font  # pypdf >= 6: not re-exported, hence guarded

            cache[key] = dict(Font.from_font_resource(font).character_widths)
        except Exception:  # noqa: BLE001 - an older pypdf, a broken font dictionary
            cache[key] = None
    return cache[key]


def _width(text: str, widths: dict[str, float] | None) -> float:
    """Width of ``text`` in units of the font size."""
    if not widths:
        return 0.5 * len(text)
    default = widths.get("default", 500.0)
    return sum(widths.get(ch, default) for ch in text) / 1000


def _page_runs(page) -> list[_Run]:  # noqa: ANN001 - a pypdf PageObject
    runs: list[_Run] = []
    cache: dict[int, dict[str, float] | None] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: dict | None, size: float) -> None:
        # WinAnsiEncoding draws codes it leaves undefined (0x7F, ...) as a bullet (PDF 32000, D.2)
        clean = text.replace("\n", " ").replace("\r", " ").replace("\x7f", "•")
        if not clean.strip():
            return
        a, b, c, d, e, f = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                            tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3],
                            tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
        scale = abs(a * d - b * c) ** 0.5 or 1.0
        name = str((font or {}).get("/BaseFont", "")).lower()
        widths = _glyph_widths(font, cache) if font is not None else None
        width = _width(clean, widths) * float(size) * (abs(a) or scale)
        runs.append(_Run(e, f, round(float(size) * scale, 2), any(w in name for w in _BOLD), clean, e + width))

    page.extract_text(visitor_text=visit)
    return runs


def _has_image(page) -> bool:  # noqa: ANN001
    try:
        return len(page.images) > 0  # images drawn on the page, also inside form XObjects
    except Exception:  # noqa: BLE001 - odd resources: no image known
        return False


def _rows(runs: list[_Run]) -> list[list[_Run]]:
    """Runs grouped by baseline (within a third of the font size), top of the page first."""
    rows: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (-r.y, r.x)):
        if rows and abs(rows[-1][0].y - run.y) <= max(2.0, run.size / 3):
            rows[-1].append(run)
        else:
            rows.append([run])
    return [sorted(row, key=lambda r: r.x) for row in rows]


def _row_text(row: list[_Run]) -> str:
    """The row's runs left to right; a space between two runs unless one ends where the next
    starts (a word drawn in two pieces)."""
    parts: list[str] = []
    for i, run in enumerate(row):
        if i and run.x - row[i - 1].end > 0.12 * run.size:
            parts.append(" ")
        parts.append(run.text)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _drop_running_rows(pages: list[list[list[_Run]]], heights: list[float], share: float = 0.6) -> list[list[list[_Run]]]:
    """Remove running headers and footers: in the top or bottom 15% of a page, a page number
    ("Page 3 of 7", "3") and a row found at the same height (digits ignored) on most pages; in a
    one-page PDF (nothing repeats), a row at the very edge in a smaller font than the body's."""
    text_pages = [p for p in pages if p]
    counts: dict[tuple[str, int], int] = {}
    sizes: dict[float, int] = {}
    for rows in text_pages:
        for k in {(_key(_row_text(r)), round(r[0].y / 4)) for r in rows}:
            counts[k] = counts.get(k, 0) + 1
        for run in (run for row in rows for run in row):
            sizes[run.size] = sizes.get(run.size, 0) + len(run.text)
    need = max(2, share * len(text_pages))
    body = max(sizes, key=sizes.__getitem__) if sizes else 0.0

    def running(row: list[_Run], height: float) -> bool:
        y = row[0].y
        if not (y > 0.85 * height or y < 0.15 * height):
            return False
        text = _row_text(row)
        if _PAGE_NUMBER_RE.match(text):
            return True
        if len(text_pages) == 1 and (y > 0.93 * height or y < 0.07 * height):
            return max(r.size for r in row) < body - 0.5
        key = _key(text)
        return any(counts.get((key, round(y / 4) + d), 0) >= need for d in (-1, 0, 1))

    return [[r for r in rows if not running(r, h)] for rows, h in zip(pages, heights, strict=True)]


def _column_split(rows: list[list[_Run]], width: float) -> float | None:
    """The x where a right column starts: a left edge mid-page shared by 4+ rows that also hold
    text further left. None for a one-column page."""
    starts: dict[int, int] = {}
    for row in rows:
        left = [r for r in row if r.x < 0.3 * width]
        for r in row:
            if left and 0.3 * width <= r.x <= 0.7 * width and r is not row[0]:
                starts[round(r.x / 3)] = starts.get(round(r.x / 3), 0) + 1
    if not starts:
        return None
    best, n = max(starts.items(), key=lambda kv: kv[1])
    near = n + starts.get(best - 1, 0) + starts.get(best + 1, 0)
    if near < 4:
        return None
    # list markers hang left of the column's text edge: the column starts at the leftmost of them
    split = min(k for k in starts if best - 10 <= k <= best) * 3 - 3
    # a gutter: (almost) no run crosses it; a one-column page whose words are placed one by one
    # has words starting mid-page too, but its other words run across any such line
    reaching = [row for row in rows if any(r.end > split for r in row)]
    spanning = [row for row in reaching if any(r.x < split - 2 and r.end > split + 2 for r in row)]
    return split if len(spanning) <= 0.1 * len(reaching) else None


def _page_lines(number: int, rows: list[list[_Run]], width: float) -> list[Line]:
    split = _column_split(rows, width)
    columns: list[list[list[_Run]]] = [[], []]
    for row in rows:
        left = [r for r in row if split is None or r.x < split]
        right = [r for r in row if split is not None and r.x >= split]
        if left:
            columns[0].append(left)
        if right:
            columns[1].append(right)
    lines: list[Line] = []
    for column, col_rows in enumerate(columns):
        if not col_rows:
            continue
        for row in col_rows:
            text = _row_text(row)
            if not text:
                continue
            marker = MARKER_RE.match(text)
            hanging = (bool(marker) and len(row) > 1 and bool(MARKER_RE.match(row[0].text.strip() + " "))
                       and row[1].x - row[0].end > 0.6 * row[1].size)  # set apart by more than a space
            body = [r for r in row if r.text.strip()]
            lines.append(Line(number, column, row[0].x, row[0].y, max(r.size for r in body),
                               all(r.bold for r in body[1 if marker and len(body) > 1 else 0:]), text,
                               row[1].x if hanging else row[0].x, hanging))
    return lines


def _relative(lines: list[Line]) -> list[Line]:
    """x made relative to the column's left edge, the leftmost line of that column in the document."""
    edges: dict[int, float] = {}
    for ln in lines:
        edges[ln.column] = min(edges.get(ln.column, ln.x), ln.x)
    for ln in lines:
        ln.x -= edges[ln.column]
        ln.text_x -= edges[ln.column]
    return lines
