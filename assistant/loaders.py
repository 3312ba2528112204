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

# "Legal Reference: ..." / "CROSS REF.:" starting a policy's reference block (a label alone, or
# followed by a colon), and the date lines that end it ("Adopted: ...", "Revised ...").
REFERENCE_RE = re.compile(r"^(?P<label>(?:legal|cross)\s+ref(?:erence)?s?\.?)\s*(?::\s*(?P<rest>.*))?$", re.IGNORECASE)
BLOCK_END_RE = re.compile(r"^(?:adopted|approved|revised|dated|amended|reviewed|effective|reaffirmed)\b", re.IGNORECASE)


def reference_sections(lines: list[str]) -> list[str]:
    """A "Legal Reference" / "Cross Reference" block as its own section: the label becomes a
    heading line ("# Legal Reference") and each reference its own paragraph (blank-line apart),
    up to the next label or a date line ("Adopted: ..."). Other lines are returned unchanged."""
    out: list[str] = []
    inside = False
    for line in lines:
        stripped = line.strip()
        found = REFERENCE_RE.match(stripped)
        if found:
            inside = True
            out += ["", f"# {found.group('label').strip()}", ""]
            rest = (found.group("rest") or "").strip()
            if rest:
                out += [rest, ""]
            continue
        if inside and stripped:
            if BLOCK_END_RE.match(stripped) and stripped[:1].isupper():
                inside = False  # the date lines after the block
            else:
                out += [stripped, ""]
                continue
        out.append(line)
    return out


@dataclass(frozen=True)
class Page:
    """The raw text of one page; ``continues``: its first line goes on the previous page's paragraph."""

    text: str
    continues: bool = False
    note: str = ""  # what a reader should know about this page ("page 3 has no text layer ...")


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
    for tag in [t for t in soup.find_all(True) if _is_chrome(t)]:
        if not tag.decomposed:
            tag.decompose()
    # a policy site's page: the policy is its <main> (or <article>) when it has one
    root = next((t for t in (soup.find("main"), soup.find(attrs={"role": "main"}), soup.find("article"))
                 if t is not None and t.get_text(strip=True)), soup)
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
            if name in _HEADINGS:
                flush()
                walk(child, depth)
                if current:
                    current[:] = [_heading_line("".join(current), _HEADINGS[name])]
                flush()
            elif name in _BLOCK_TAGS:
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

    walk(root, 0)
    flush()
    return [Page("\n".join(reference_sections(lines)))]


_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary", "dialog", "alertdialog"})
_CHROME_WORDS = re.compile(
    r"(?:^|[-_\s])(?:breadcrumbs?|sidebar|side-?nav|menu|navbar|nav|cookies?|consent|skip(?:-?links?)?"
    r"|share-?(?:tools|bar|buttons|links|this)|social-?(?:links|icons|share|bar|buttons)|footer|masthead"
    r"|print-?tools|toolbar|search|pagination|related-links)(?:$|[-_\s])",
    re.IGNORECASE,
)


def _is_chrome(tag) -> bool:  # noqa: ANN001 - a bs4 Tag
    """Site chrome around the policy: navigation roles, hidden parts, and boxes whose class or id
    names a menu, breadcrumb, sidebar, cookie banner, share bar or footer. Never a box holding the
    page's main content or its title ("page-wrapper has-sidebar"), nor one named for a topic
    ("social-media-policy")."""
    if tag.name in ("main", "article", "body", "html") or tag.attrs is None:
        return False
    hidden = tag.get("aria-hidden") == "true" or tag.has_attr("hidden")
    named = " ".join([*(tag.get("class") or []), tag.get("id") or ""])
    if not ((tag.get("role") or "").lower() in _CHROME_ROLES or hidden or (named and _CHROME_WORDS.search(named))):
        return False
    return tag.find(["main", "article", "h1"]) is None and tag.find(attrs={"role": "main"}) is None


def _heading_line(text: str, level: int) -> str:
    """A heading element's line: as written when its shape already reads as a heading, else
    marked "## ..." so the chunker keeps it as one ("Use of personal devices by staff")."""
    from .chunk import heading_rank

    line = re.sub(r"\s+", " ", text).strip()
    if not line or heading_rank(line) is not None:
        return text
    return f"{'#' * min(level, 3)} {line}"


def _list_marker(kind: str, n: int) -> str:
    if kind in ("a", "A") and 1 <= n <= 26:
        letter = chr(ord("a") + n - 1)
        return f"{letter.upper() if kind == 'A' else letter}."
    return f"{n}."


# the Word and PDF loaders live in loaders_docx and loaders_pdf (they build on this module);
# ``ingest`` joins them
LOADERS: dict[str, Callable[[Path], list[Page]]] = {
    ".txt": load_text_file,
    ".md": load_text_file,
    ".html": load_html_file,
    ".htm": load_html_file,
}
PAGED = {".pdf"}  # the PDF loader lives in loaders_pdf; ``ingest`` joins it
