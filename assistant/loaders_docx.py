"""The Word (.docx) loader: one line per paragraph (body and table cells, in order), with the
list numbers and bullets Word shows restored from numbering.xml (python-docx does not render them)."""

from __future__ import annotations

import re
from pathlib import Path

from .loaders import MARKER_RE, Page, Unreadable, reference_sections


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
            lines.extend(_table_lines(block))
            continue
        text = block.text
        marker = numbering.marker(block) if text.strip() else None
        if marker and not MARKER_RE.match(text):
            text = f"{marker} {text}"
        elif not marker and text.strip():
            text = _heading(block, text)
        lines.append(text)
    return [Page("\n".join(reference_sections(lines)))]


def _heading(paragraph, text: str) -> str:  # noqa: ANN001 - a python-docx Paragraph
    """A paragraph styled "Heading N" (or "Title") that does not look like a heading by its shape
    ("Use of personal devices by staff") is written "## ..." so the chunker keeps it as one."""
    from .chunk import heading_rank

    style = paragraph.style
    name = (style.name or "") if style is not None else ""
    level = 1 if name == "Title" else int(name.split()[-1]) if re.fullmatch(r"Heading [1-9]", name) else 0
    if not level or heading_rank(text) is not None:
        return text
    return f"{'#' * min(level, 3)} {text.strip()}"


def _table_lines(table) -> list[str]:  # noqa: ANN001 - a python-docx Table
    """One line per table row, its cells joined by " | " (a merged cell once); a one-cell row
    gives its paragraphs as lines."""
    lines: list[str] = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column it spans
                continue
            seen.add(id(cell._tc))
            cells.append([p.text.strip() for p in cell.paragraphs if p.text.strip()])
        filled = [c for c in cells if c]
        if len(filled) == 1:
            lines.extend(filled[0])
        elif filled:
            lines.append(" | ".join(" ".join(c) for c in filled))
    return lines


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
    """The list marker Word displays for a paragraph, from numbering.xml and running counters.

    As in Word, the counters belong to the abstract list definition: two ``w:num`` instances of
    one definition continue one numbering, unless an instance restarts a level (``startOverride``)
    at its first paragraph; a level restarts whenever a higher level is used."""

    def __init__(self, document) -> None:  # noqa: ANN001 - a python-docx Document
        self.levels: dict[str, dict[int, tuple[str, int, str]]] = {}  # numId -> ilvl -> (numFmt, start, lvlText)
        self.abstract_of: dict[str, str] = {}
        self.restarts: dict[str, dict[int, int]] = {}  # numId -> ilvl -> startOverride
        self.counters: dict[str, dict[int, int]] = {}  # abstractNumId -> ilvl -> current value
        self.started: set[str] = set()
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
            num_id, abstract_id = num.get(f"{_W}numId", ""), _w_val(num, "abstractNumId") or ""
            levels = dict(abstract.get(abstract_id, {}))
            for override in num.findall(f"{_W}lvlOverride"):
                ilvl, start = int(override.get(f"{_W}ilvl", "0")), _w_val(override, "startOverride")
                if start is not None and ilvl in levels:
                    levels[ilvl] = (levels[ilvl][0], int(start), levels[ilvl][2])
                    self.restarts.setdefault(num_id, {})[ilvl] = int(start)
            self.levels[num_id] = levels
            self.abstract_of[num_id] = abstract_id

    def _num_pr(self, paragraph) -> tuple[str, int] | None:  # noqa: ANN001
        """(numId, ilvl) from the paragraph, else from its style chain (each part where it is set)."""
        num_id: str | None = None
        ilvl: int | None = None
        p_pr = paragraph._p.pPr
        sources = [p_pr.numPr if p_pr is not None else None]
        style = paragraph.style
        while style is not None:
            style_ppr = style.element.pPr
            sources.append(style_ppr.numPr if style_ppr is not None else None)
            style = style.base_style
        for num_pr in sources:
            if num_pr is None:
                continue
            if num_id is None and num_pr.numId is not None:
                num_id = str(num_pr.numId.val)
            if ilvl is None and num_pr.ilvl is not None:
                ilvl = int(num_pr.ilvl.val)
        return None if num_id is None else (num_id, ilvl or 0)

    def marker(self, paragraph) -> str | None:  # noqa: ANN001
        found = self._num_pr(paragraph)
        if found is None or found[0] == "0":
            return None
        num_id, ilvl = found
        level = self.levels.get(num_id, {}).get(ilvl)
        if level is None:
            return None
        fmt, start, lvl_text = level
        counts = self.counters.setdefault(self.abstract_of.get(num_id, num_id), {})
        if num_id not in self.started:  # a restarting instance begins its levels again
            self.started.add(num_id)
            for restarted, value in self.restarts.get(num_id, {}).items():
                counts[restarted] = value - 1
                for deeper in [k for k in counts if k > restarted]:
                    del counts[deeper]
        counts[ilvl] = counts.get(ilvl, start - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        if fmt == "none":
            return None
        if fmt == "bullet":
            return "•"
        return _marker_text(lvl_text, ilvl, _format_number(fmt, counts[ilvl]))


def _marker_text(lvl_text: str, ilvl: int, value: str) -> str:
    """The level's own number with the punctuation its lvlText puts around it ("%1." -> "1.",
    "(%3)" -> "(i)", "%1.%2." -> "2."), written as the chunker reads list markers: a nested level
    "- a." / "- i)"."""
    own = f"%{ilvl + 1}"
    at = lvl_text.find(own)
    if at < 0:
        mark = f"{value}."
    else:
        opening = "(" if lvl_text[:at].endswith("(") else ""
        closing = ")" if lvl_text[at + len(own):].lstrip().startswith(")") else "."
        mark = f"{opening}{value}{closing}"
    if ilvl > 0:
        return f"- {mark.lstrip('(')}"
    return mark
