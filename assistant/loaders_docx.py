"""The Word (.docx) loader: one line per paragraph (body and table cells, in order), with the
list numbers and bullets Word shows restored from numbering.xml (python-docx does not render them)."""

from __future__ import annotations

from pathlib import Path

from .loaders import MARKER_RE, Page, Unreadable

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
