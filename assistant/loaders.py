"""File loaders: one function per file type, each turning a file into raw text pages.

A loader raises ``Unreadable(reason)`` with a reason meant for people ("is encrypted", ...);
``ingest`` adds the file name. Cleaning and offsets are ``ingest``'s job, not the loaders'.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# An item or bullet marker at the start of a line (shared with the PDF paragraph rebuilder).
MARKER_RE = re.compile(
    r"^(?:[-–—]\s*)?(?:\d{1,3}[.)]|[A-Za-z][.)]|\((?:\d{1,3}|[A-Za-z]|[ivx]{1,4})\)|[IVXL]{2,6}\.)\s+"
    r"|^[•·▪◦●○■□➢►✓*-]\s+"
)
_TERMINAL = tuple(".!?:;\"”’)]")


@dataclass(frozen=True)
class Page:
    """The raw text of one page; ``continues``: its first line goes on the previous page's paragraph."""

    text: str
    continues: bool = False


class Unreadable(Exception):
    """A file that cannot be turned into text; ``reason`` completes "<file> ..."."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- plain text
def load_text_file(path: Path) -> list[Page]:
    """.txt / .md: UTF-8 (with or without BOM; UTF-16 with a BOM), never binary."""
    data = path.read_bytes()
    if not data.strip():
        raise Unreadable("is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise Unreadable("cannot be decoded as UTF-8 text") from None
    else:
        if b"\x00" in data:
            raise Unreadable("looks like a binary file, not text")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            if _control_ratio(data.decode("latin-1")) > 0.05:
                raise Unreadable("looks like a binary file, not text") from None
            text = _detected(path, data)
    if _control_ratio(text) > 0.05:
        raise Unreadable("looks like a binary file, not text")
    return [Page(text)]


_WESTERN = ("cp1252", "latin_1", "iso8859_15")


def _detected(path: Path, data: bytes) -> str:
    """Text that is not UTF-8 (a Latin-1 / Windows-1252 export): decoded with the encoding
    charset-normalizer detects, which is logged; refused when none fits."""
    import logging

    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise Unreadable("cannot be decoded as UTF-8 text, and no other text encoding fits it")
    # among equally good fits, the Western encodings policy exports use (Windows-1252 / Latin-1)
    top = min(m.chaos for m in matches)
    tied = [m for m in matches if m.chaos == top]
    best = next((m for m in tied if m.encoding in _WESTERN), tied[0])
    logging.getLogger(__name__).warning("%s is not UTF-8: read as %s", path, best.encoding)
    return str(best)


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    return bad / len(text)


# --------------------------------------------------------------------------- HTML
_DROP_TAGS = (
    "script", "style", "nav", "header", "footer", "noscript", "template", "iframe", "svg", "head", "form", "button",
)
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
    "li", "table", "tr", "blockquote", "pre", "dl", "dt", "dd", "figure", "figcaption", "address",
    "hr", "br", "body", "html", "td", "th", "caption",
}


def load_html_file(path: Path) -> list[Page]:
    """.html / .htm: page chrome dropped, one line per block element, list markers as shown."""
    try:
        from bs4 import BeautifulSoup, NavigableString, Tag
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise Unreadable("needs beautifulsoup4 to be read (pip install beautifulsoup4)") from exc
    data = path.read_bytes()
    if not data.strip():
        raise Unreadable("is empty")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise Unreadable("looks like a binary file, not HTML")
    soup = BeautifulSoup(data, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = re.sub(r"\s+", " ", "".join(current)).strip()
        current.clear()
        if line:
            lines.append(line)

    def walk(node: Tag, depth: int) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child).__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                    continue
                current.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in ("ol", "ul"):
                flush()
                _walk_list(child, depth)
                continue
            if name in _BLOCK_TAGS:
                flush()
                walk(child, depth)
                flush()
            else:
                walk(child, depth)

    def _walk_list(lst: Tag, depth: int) -> None:
        ordered = lst.name.lower() == "ol"
        kind = (lst.get("type") or "1") if ordered else ""
        try:
            n = int(lst.get("start") or 1)
        except ValueError:
            n = 1
        for li in lst.find_all("li", recursive=False):
            marker = _list_marker(kind, n) if ordered else "•"
            prefix = "- " if depth > 0 else ""
            flush()
            current.append(f"{prefix}{marker} ")
            walk(li, depth + 1)
            flush()
            n += 1

    walk(soup, 0)
    flush()
    return [Page("\n".join(lines))]


def _list_marker(kind: str, n: int) -> str:
    if kind in ("a", "A") and 1 <= n <= 26:
        letter = chr(ord("a") + n - 1)
        return f"{letter.upper() if kind == 'A' else letter}."
    return f"{n}."


# --------------------------------------------------------------------------- PDF
def load_pdf_file(path: Path) -> list[Page]:
    """.pdf: text per page (pypdf), wrapped lines re-joined into one line per paragraph."""
    import logging

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
    raws: list[str] = []
    for number, page in enumerate(pages, start=1):
        try:
            raw = page.extract_text(extraction_mode="layout")
        except Exception:  # noqa: BLE001 - fall back to the plain extractor
            try:
                raw = page.extract_text()
            except Exception as exc:  # noqa: BLE001
                raise Unreadable(f"is not a readable PDF (page {number}: {type(exc).__name__})") from exc
        raws.append(raw or "")
    if not any(r.strip() for r in raws):
        raise Unreadable("has no extractable text (image-only or empty PDF)")
    texts: list[Page] = []
    wrapped = False  # the previous page's last line was cut by the page end
    last_open = False  # ... or at least does not end a sentence
    for raw in drop_running_lines(raws):
        text, ends_full = rebuild_paragraphs(raw)
        first = text.lstrip().split("\n", 1)[0]
        continues = (
            bool(first)
            and not MARKER_RE.match(first)
            and (wrapped and not _looks_like_heading_line(first) or last_open and first[:1].islower())
        )
        texts.append(Page(text, continues))
        if text.strip():
            wrapped = ends_full
            last_open = ends_open(text.rstrip().rsplit("\n", 1)[-1])
    return texts


def drop_running_lines(pages: list[str], edge: int = 2, share: float = 0.6) -> list[str]:
    """Remove running headers/footers: a line among the first or last ``edge`` lines of at least
    ``share`` of the pages (digits ignored, so "Page 2 of 5" matches "Page 3 of 5"). Needs 3+ pages."""
    if len(pages) < 3:
        return pages

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line).strip().lower())

    def edges(page: str) -> set[str]:
        lines = [ln for ln in page.splitlines() if ln.strip()]
        return {key(ln) for ln in lines[:edge] + lines[-edge:]}

    counts: dict[str, int] = {}
    for page in pages:
        for k in edges(page):
            counts[k] = counts.get(k, 0) + 1
    running = {k for k, n in counts.items() if n >= share * len(pages)}
    if not running:
        return pages
    out = []
    for page in pages:
        lines = page.splitlines()
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        at_edge = set(idx[:edge] + idx[-edge:])
        out.append("\n".join(ln for i, ln in enumerate(lines) if not (i in at_edge and key(ln) in running)))
    return out


_PAGE_NUMBER_RE = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?$", re.IGNORECASE)


def rebuild_paragraphs(raw: str) -> tuple[str, bool]:
    """Join lines a PDF wrapped back into one line per paragraph.

    A line is joined to the next when no blank line lies between them, the next line does not
    start an item or bullet, and the line is "full" (at least 70% of the page's longest line), i.e.
    it was wrapped rather than ended, or it ends mid-sentence and the next line starts lower-case.
    Bare page numbers are dropped. Also returns whether the page's last line was wrapped (full and
    not ending a sentence), i.e. its paragraph goes on overleaf.
    """
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in raw.splitlines()]
    lines = ["" if _PAGE_NUMBER_RE.match(ln) else ln for ln in lines]
    widest = max((len(ln) for ln in lines), default=0)
    out: list[str] = []
    joinable = False
    for ln in lines:
        if not ln:
            out.append("")
            joinable = False
            continue
        lower_after_open = bool(out and out[-1]) and ends_open(out[-1]) and ln[:1].islower()
        if (joinable or lower_after_open) and out and not MARKER_RE.match(ln):
            out[-1] = f"{out[-1]} {ln}"
        else:
            out.append(ln)
        joinable = len(ln) >= 0.7 * widest and not _looks_like_heading_line(ln)
    last = next((ln for ln in reversed(lines) if ln), "")
    full = len(last) >= 0.7 * widest and not _looks_like_heading_line(last)
    return "\n".join(out), full and ends_open(last)


def _looks_like_heading_line(line: str) -> bool:
    return len(line) < 60 and not line.endswith(_TERMINAL)


def ends_open(line: str) -> bool:
    """True when a line does not end a sentence (a wrapped line, not a paragraph's last)."""
    return bool(line) and not line.rstrip().endswith(_TERMINAL)


# --------------------------------------------------------------------------- DOCX
def load_docx_file(path: Path) -> list[Page]:
    """.docx: one line per paragraph (body paragraphs and table cells, in order), with the list
    numbers and bullets Word shows (from numbering.xml) written in front, as a reader sees them."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    if path.stat().st_size == 0:
        raise Unreadable("is empty")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Unreadable("is not a readable Word (.docx) file") from exc
    numbering = _WordNumbering(document)
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    lines.extend(p.text for p in cell.paragraphs)
            continue
        text = block.text
        marker = numbering.marker(block) if text.strip() else None
        lines.append(f"{marker} {text}" if marker and not MARKER_RE.match(text) else text)
    return [Page("\n".join(lines))]


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _w_val(element, tag: str) -> str | None:
    child = element.find(f"{_W}{tag}")
    return None if child is None else child.get(f"{_W}val")


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        count, n = divmod(n, value)
        out += numeral * count
    return out


def _format_number(fmt: str, n: int) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    return str(n)


class _WordNumbering:
    """Computes the list marker Word displays for a paragraph (numbering.xml + running counters)."""

    def __init__(self, document) -> None:  # noqa: ANN001 - a python-docx Document
        self.levels: dict[str, dict[int, tuple[str, int, str]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str | None, dict[int, tuple[str, int, str]]] = {}
        for definition in root.findall(f"{_W}abstractNum"):
            levels = {}
            for lvl in definition.findall(f"{_W}lvl"):
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                    _w_val(lvl, "numFmt") or "decimal", int(_w_val(lvl, "start") or 1), _w_val(lvl, "lvlText") or "")
            abstract[definition.get(f"{_W}abstractNumId")] = levels
        for num in root.findall(f"{_W}num"):
            levels = dict(abstract.get(_w_val(num, "abstractNumId"), {}))
            for override in num.findall(f"{_W}lvlOverride"):
                ilvl, start = int(override.get(f"{_W}ilvl", "0")), _w_val(override, "startOverride")
                if start is not None and ilvl in levels:
                    levels[ilvl] = (levels[ilvl][0], int(start), levels[ilvl][2])
            self.levels[num.get(f"{_W}numId", "")] = levels

    def _num_pr(self, paragraph) -> tuple[str, int] | None:  # noqa: ANN001
        p_pr = paragraph._p.pPr
        num_pr = p_pr.numPr if p_pr is not None else None
        style = paragraph.style
        while num_pr is None and style is not None:
            style_ppr = style.element.pPr
            num_pr = style_ppr.numPr if style_ppr is not None else None
            style = style.base_style
        if num_pr is None or num_pr.numId is None:
            return None
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        return str(num_pr.numId.val), int(ilvl)

    def marker(self, paragraph) -> str | None:  # noqa: ANN001
        found = self._num_pr(paragraph)
        if found is None or found[0] == "0":
            return None
        num_id, ilvl = found
        level = self.levels.get(num_id, {}).get(ilvl)
        if level is None:
            return None
        fmt, start, lvl_text = level
        counts = self.counters.setdefault(num_id, {})
        counts[ilvl] = counts.get(ilvl, start - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        if fmt == "none":
            return None
        if fmt == "bullet":
            return "•"
        value = _format_number(fmt, counts[ilvl])
        if lvl_text.startswith("("):
            mark = f"({value})"
        else:
            mark = f"{value}{')' if lvl_text.rstrip().endswith(')') else '.'}"
        return f"- {mark}" if ilvl > 0 else mark


LOADERS: dict[str, Callable[[Path], list[Page]]] = {
    ".txt": load_text_file,
    ".md": load_text_file,
    ".html": load_html_file,
    ".htm": load_html_file,
    ".pdf": load_pdf_file,
    ".docx": load_docx_file,
}
PAGED = {".pdf"}
