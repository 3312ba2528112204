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


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # Unicode category Cc, less \t \n \v \f \r


def _control_ratio(text: str) -> float:
    """Share of control characters (one regex pass: a per-character ``unicodedata.category`` was most
    of reading a plain-text corpus)."""
    if not text:
        return 0.0
    return len(_CONTROL.findall(text)) / len(text)


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


# the Word loader lives in loaders_docx (it builds on this module); ``ingest`` joins the two
LOADERS: dict[str, Callable[[Path], list[Page]]] = {
    ".txt": load_text_file,
    ".md": load_text_file,
    ".html": load_html_file,
    ".htm": load_html_file,
    ".pdf": load_pdf_file,
}
PAGED = {".pdf"}
