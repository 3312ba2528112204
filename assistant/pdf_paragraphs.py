"""PDF lines -> paragraphs -> page texts: the second half of the PDF loader (``loaders_pdf``).

A line continues the paragraph above when it is in the same font at the usual line spacing, is not
a list marker, and the line above was wrapped (it ends mid-sentence or reaches the column's width);
across a column or page break, when the line above reaches the width (or the line is at a list
item's text indent). Words hyphenated at a line end are joined unless the document writes them
with a hyphen elsewhere (or both halves are words of it: "school-based"). "Legal Reference" /
"Cross Reference" labels become a heading line ("# Legal Reference") with one paragraph a
reference. ``write_pages`` gives each page its paragraphs and whether it ``continues`` the last.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from .loaders import BLOCK_END_RE as _BLOCK_END_RE
from .loaders import MARKER_RE, Page
from .loaders import REFERENCE_RE as _REFERENCE_RE

_CLOSED = tuple(".!?:;\"”’)")
_WORD_RE = re.compile(r"[A-Za-z]+(?:[-'’][A-Za-z]+)*")
_SPLIT_END_RE = re.compile(r"([A-Za-z]+)-$")
_SPLIT_START_RE = re.compile(r"^([a-z]+)")


@dataclass
class Line:
    """One line of a PDF page as ``loaders_pdf`` read it from the positioned runs."""

    page: int  # from 1
    column: int  # 0 left / only, 1 right
    x: float  # left edge of the line, relative to its column's left edge
    y: float
    size: float
    bold: bool
    text: str
    text_x: float  # where the text after a hanging list marker starts (relative)
    hanging: bool = False  # the line starts with a list marker set apart (its own run)


@dataclass
class _Paragraph:
    pieces: list[tuple[int, str]] = field(default_factory=list)  # (page, text) in order


def _leading(lines: list[Line]) -> dict[float, float]:
    """The usual line spacing of each font size (the median gap between consecutive lines)."""
    gaps: dict[float, list[float]] = {}
    for a, b in zip(lines, lines[1:]):
        if a.page == b.page and a.column == b.column and a.size == b.size and 0 < a.y - b.y < 3 * a.size:
            gaps.setdefault(a.size, []).append(a.y - b.y)
    return {size: statistics.median(g) for size, g in gaps.items() if len(g) >= 5 and statistics.median(g) <= 1.6 * size}


def _vocabulary(lines: list[Line]) -> tuple[set[str], set[str]]:
    """Words and hyphenated words seen whole in the document (not at a hyphenated line end)."""
    words: set[str] = set()
    for i, line in enumerate(lines):
        tokens = _WORD_RE.findall(line.text)
        if line.text.endswith("-") and tokens:
            tokens = tokens[:-1]
        if i and lines[i - 1].text.endswith("-") and tokens:
            tokens = tokens[1:]
        words.update(t.lower() for t in tokens)
    return {w for w in words if "-" not in w}, {w for w in words if "-" in w}


def _dehyphen(left: str, right: str, vocab: tuple[set[str], set[str]]) -> str:
    """"commu-" + "nication" -> "communication"; "school-" + "based" -> "school-based"."""
    words, hyphenated = vocab
    joined = (left + right).lower()
    if joined in words:
        return left + right
    if f"{left}-{right}".lower() in hyphenated or len(left) <= 2:
        return f"{left}-{right}"
    if left.lower() in words and right.lower() in words:
        return f"{left}-{right}"
    return left + right


def _full(line: Line, widest: dict[int, int], share: float = 0.75) -> bool:
    """A line about as long as the column's body lines get (it was wrapped, not ended)."""
    return len(line.text) >= share * widest.get(line.column, 0)


def paragraphs(lines: list[Line]) -> list[_Paragraph]:
    leading = _leading(lines)
    vocab = _vocabulary(lines)
    widest: dict[int, int] = {}  # the longest body line of each column, over the document
    for ln in lines:
        if not ln.bold:
            widest[ln.column] = max(widest.get(ln.column, 0), len(ln.text))
    paragraphs: list[_Paragraph] = []
    in_references = False
    list_base: float | None = None  # the indent of the current list's top-level markers
    prev: Line | None = None
    for ln in lines:
        text = ln.text
        reference = _REFERENCE_RE.match(text)
        marker = MARKER_RE.match(text)
        if marker and _inline_enumeration(prev, ln, leading, widest):
            marker = None
        if reference:
            in_references = True
            paragraphs.append(_Paragraph([(ln.page, "# " + reference.group("label").strip())]))
            prev = None
            text = (reference.group("rest") or "").strip()
            if not text:
                continue
            paragraphs.append(_Paragraph([(ln.page, text)]))
            prev = ln
            continue
        if in_references and (ln.bold or _BLOCK_END_RE.match(text)):
            in_references = False
        if marker:
            if list_base is None or ln.x < list_base - 3:
                list_base = ln.x
            if ln.x > list_base + 8 and not text.startswith("-"):
                text = "- " + text
        in_item = bool(paragraphs) and bool(MARKER_RE.match(paragraphs[-1].pieces[0][1]))
        new = _starts_paragraph(prev, ln, text, marker is not None, in_references, in_item, leading, widest)
        if new:
            paragraphs.append(_Paragraph([(ln.page, text)]))
            if not marker:
                list_base = None  # a heading or a body paragraph ends the list
        else:
            _append(paragraphs[-1], ln, text, vocab)
        prev = ln
    return paragraphs


def _inline_enumeration(prev: Line | None, ln: Line, leading: dict[float, float], widest: dict[int, int]) -> bool:
    """A "(1)" / "(a)" that a wrapped sentence happens to bring to the start of a line ("... use
    and: / (1) transmits sounds"): not set apart, right under a full line, at the usual spacing."""
    if prev is None or not ln.text.startswith("(") or ln.hanging:
        return False
    if (prev.page, prev.column) != (ln.page, ln.column) or abs(prev.size - ln.size) > 0.5 or prev.bold != ln.bold:
        return False
    gap = prev.y - ln.y
    usual = leading.get(ln.size, 1.2 * ln.size)
    return 0 < gap <= 1.3 * usual and _full(prev, widest) and abs(ln.x - prev.text_x) <= 3


def _starts_paragraph(prev: Line | None, ln: Line, text: str, marker: bool, in_references: bool, in_item: bool,
                      leading: dict[float, float], widest: dict[int, int]) -> bool:
    if prev is None or marker or prev.bold != ln.bold or abs(prev.size - ln.size) > 0.5:
        return True
    if _BLOCK_END_RE.match(text) and text[:1].isupper() and len(text) <= 80:  # "Adopted: ...", "DATED: ..."
        return True
    open_end = not prev.text.endswith(_CLOSED)
    if in_references:  # one reference a line; a wrapped one goes on in lower case or after "and"
        close = 0 <= prev.y - ln.y <= 1.3 * leading.get(ln.size, 1.2 * ln.size)
        return not (close and not text[:1].isdigit() and not text.startswith("§") and open_end)
    if (prev.page, prev.column) != (ln.page, ln.column):  # a new column or page: continue a cut paragraph
        item_text = in_item and prev.text_x > 3 and abs(ln.x - prev.text_x) <= 5  # at the item's text indent
        return not (item_text or (open_end and (_full(prev, widest) or text[:1].islower()))
                    or _full(prev, widest, 0.9))
    gap = prev.y - ln.y
    usual = leading.get(ln.size, 1.2 * ln.size)
    if gap > 1.3 * usual or gap < 0:
        return True
    if ln.x < prev.text_x - 3 and not prev.bold:  # back out of a hanging indent: a new paragraph
        return True
    if ln.bold:  # a heading wrapped on two lines
        return False
    return not (open_end or _full(prev, widest))  # a short line ending a sentence ends its paragraph


def _append(par: _Paragraph, ln: Line, text: str, vocab: tuple[set[str], set[str]]) -> None:
    page, last = par.pieces[-1]
    split = _SPLIT_END_RE.search(last)
    start = _SPLIT_START_RE.match(text)
    if split and start:
        word = _dehyphen(split.group(1), start.group(1), vocab)
        last = last[: split.start()] + word
        rest = text[start.end():]
        text, glue = rest.lstrip(), (" " if rest[:1].isspace() else "")
    else:
        glue = "" if last.endswith("-") and text[:1].isalpha() and last[-2:-1].isalpha() else " "
    if ln.page == page:
        par.pieces[-1] = (page, f"{last}{glue}{text}" if text else last)
    else:
        if not glue and text:  # the rest of a word cut by the page break stays with its start
            head, _, text = text.partition(" ")
            last += head
        par.pieces[-1] = (page, last)
        if text:
            par.pieces.append((ln.page, text))


def write_pages(paragraphs: list[_Paragraph], count: int) -> list[Page]:
    """Each page's paragraphs, blank-line separated; a page whose first paragraph began overleaf
    ``continues`` (``ingest`` joins it to the previous page's last line with a space)."""
    texts: list[list[str]] = [[] for _ in range(count)]
    continues = [False] * count
    for par in paragraphs:
        for n, (page, text) in enumerate(par.pieces):
            if n and not texts[page - 1]:
                continues[page - 1] = True
            texts[page - 1].append(text)
    return [Page("\n\n".join(t), continues[i]) for i, t in enumerate(texts)]
