"""``Document`` -> ``Clause``s: the policy's own units, with exact offsets and stable ids.

A clause is a numbered/lettered item, a bullet, or a paragraph under a heading. Headings (found by
shape) and list lead-ins ("... shall:") are context. The quote excludes the item marker
("8.", "•", "A.") and keeps everything else; ``doc.text[start:end] == clause.text`` always.
A clause of a paged document (PDF) knows the pages its ``[start, end)`` lies on; its label ends
with them (", p. 3" / ", pp. 3-4").
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field

from .types import Clause, Document, page_label

MAX_CLAUSE_CHARS = 700

_SMALL_WORDS = frozenset(
    "a an and as at by for from in into of on or the to vs via with without per & nor but".split()
)
_SECTION_RE = re.compile(
    r"^(?:section|article|part|chapter)\s+(?:[A-Z]|\d{1,3}|[IVX]{1,5})\b(?:\s*[-–—:.]\s*|\s*$)", re.IGNORECASE
)
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*)$")
_TRAILER_RE = re.compile(
    r"^(?:adopted|approved|revised|dated|amended|reviewed|effective|reaffirmed"
    r"|legal\s+ref(?:erence)?s?|cross\s+ref(?:erence)?s?)\b",
    re.IGNORECASE,
)
_DATE_HINT_RE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}|\b(?:19|20)\d{2}\b|^\S+:?$")
_TERMINAL = tuple(".!?;,\"”’)]")  # a heading never ends with one of these
_CLOSED = tuple(".!?:;\"”’")  # a line ending with one of these ends its paragraph

# (marker regex, kind) in priority order; group "m" is the marker value, "dash" a nesting dash.
_ITEM_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<dash>[-–—])\s*(?P<m>[a-z]|\d{1,3}|[ivx]{2,4})[.)](?:\s+|$)"), "nested"),
    (re.compile(r"^(?P<m>\d{1,3})[.)](?:\s+|$)"), "num"),
    (re.compile(r"^\((?P<m>\d{1,3})\)(?:\s+|$)"), "pnum"),
    (re.compile(r"^(?P<m>[IVX]{2,5})\.(?:\s+|$)"), "roman"),
    (re.compile(r"^(?P<m>[A-Z])[.)](?:\s+|$)"), "upper"),
    (re.compile(r"^(?P<m>[a-z])[.)](?:\s+|$)"), "lower"),
    (re.compile(r"^\((?P<m>[a-z])\)(?:\s+|$)"), "plower"),
    (re.compile(r"^(?P<m>[•·▪◦●○■□➢►✓*-])(?:\s+|$)"), "bullet"),
)
# Sentence ends: ". " / "? " / '." ' before an upper-case letter, digit or opening quote.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"”’)]?(?P<ws>\s+)(?=[\"“(‘]?[A-Z0-9])")
_ABBREVIATIONS = (
    "e.g.", "i.e.", "etc.", "Ill.", "No.", "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "U.S.", "vs.", "Inc.", "Co.",
    "Admin.", "Stat.", "Sec.", "art.", "Art.",
)


def slugify(value: str) -> str:
    """Lower-case ASCII slug: "Personal Use/Social Media" -> "personal-use-social-media"."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "doc"


@dataclass
class _Block:
    kind: str  # "title" | "heading" | "item" | "bullet" | "paragraph" | "trailer"
    start: int  # of the quoted text (after the marker)
    end: int
    marker: str | None = None
    marker_kind: str | None = None
    heading_rank: int = 0
    heading_text: str = ""


@dataclass
class _Heading:
    text: str
    rank: int
    container: bool


@dataclass
class _ListEntry:
    kind: str
    value: str
    text: str


@dataclass
class _Section:
    slug: str
    paragraphs: int = 0
    bullets: int = 0
    used: set[str] = field(default_factory=set)


def heading_rank(line: str) -> int | None:
    """1 for "Section X -" headings, 2 for upper-case ones, 3 for title-case ones; None: not a heading."""
    s = line.strip()
    md = _MD_HEADING_RE.match(s)
    if md:
        return min(len(md.group(1)), 3)
    if not s or len(s) > 160 or s.endswith(_TERMINAL) or s.endswith(":"):
        return None
    if _SECTION_RE.match(s):
        return 1
    if len(s) > 100 or _TRAILER_RE.match(s) or _marker(s):
        return None
    words = re.findall(r"[A-Za-z][\w'’&/.-]*", s)
    if not words or len(words) > 12:
        return None
    letters = [c for c in s if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return 2
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    if not significant or not words[0][0].isupper():
        return None
    capitalised = sum(1 for w in significant if w[0].isupper())
    return 3 if capitalised / len(significant) >= 0.75 else None


def _marker(line: str) -> tuple[re.Match[str], str] | None:
    for pattern, kind in _ITEM_PATTERNS:
        m = pattern.match(line)
        if m:
            return m, kind
    return None


def _is_trailer(line: str) -> bool:
    return len(line) <= 80 and bool(_TRAILER_RE.match(line)) and bool(_DATE_HINT_RE.search(line))


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))
        else:
            spans.append((start, start))  # blank
    return spans


def _blocks(text: str) -> list[_Block]:
    """Classify the lines of a cleaned text into blocks (joining hard-wrapped continuation lines)."""
    blocks: list[_Block] = []
    pending: tuple[str, str] | None = None  # a marker alone on its line: (value, kind)
    prev_blank = True
    for start, end in _lines(text):
        if start == end:
            prev_blank = True
            continue
        line = text[start:end]
        found = _marker(line)
        last = blocks[-1] if blocks else None
        if pending is not None and found is None:
            value, kind = pending
            pending = None
            blocks.append(_Block("bullet" if kind == "bullet" else "item", start, end, value, kind))
        elif found is not None:
            m, kind = found
            content_start = start + m.end()
            if content_start >= end:
                pending = (m.group("m"), kind)
            else:
                blocks.append(_Block("bullet" if kind == "bullet" else "item", content_start, end, m.group("m"), kind))
        elif not blocks and len(line) <= 150 and not line.endswith((*_TERMINAL, ":")):
            md = _MD_HEADING_RE.match(line)
            blocks.append(_Block("title", start, end, heading_text=md.group(2).strip() if md else line))
        elif (
            not prev_blank
            and last is not None
            and last.kind in ("item", "bullet", "paragraph")
            and not text[last.start : last.end].endswith(_CLOSED)
            and (heading_rank(line) is None or line[:1].islower())
            and not _is_trailer(line)
        ):
            last.end = end  # a hard-wrapped line continues the block above
        elif _is_trailer(line):
            blocks.append(_Block("trailer", start, end))
        elif (rank := heading_rank(line)) is not None:
            md = _MD_HEADING_RE.match(line)
            name = md.group(2).strip() if md else line
            blocks.append(_Block("heading", start, end, heading_rank=rank, heading_text=name))
        else:
            blocks.append(_Block("paragraph", start, end))
        prev_blank = False
    return blocks


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` (abbreviations such as "e.g." and "Ill." kept)."""
    cuts = [0]
    for m in _SENTENCE_END_RE.finditer(text):
        before = text[: m.start()]
        if before.endswith(_ABBREVIATIONS) or re.search(r"\b[A-Z]\.$", before):
            continue
        cuts.append(m.start("ws"))
        cuts.append(m.end())
    cuts.append(len(text))
    return [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]


def _sentence_parts(text: str, offset: int) -> list[tuple[int, int]]:
    """Split a long clause at sentence ends into parts of about equal size, each <= the limit when it can."""
    sentences = _sentences(text)
    if len(sentences) < 2:
        return [(offset, offset + len(text))]
    target = len(text) / math.ceil(len(text) / MAX_CLAUSE_CHARS)
    parts: list[tuple[int, int]] = []
    cur_start, cur_end = sentences[0]
    for s, e in sentences[1:]:
        if e - cur_start > MAX_CLAUSE_CHARS or cur_end - cur_start >= target:
            parts.append((cur_start, cur_end))
            cur_start = s
        cur_end = e
    parts.append((cur_start, cur_end))
    return [(offset + s, offset + e) for s, e in parts]


def _last_sentence(text: str, limit: int = 240) -> str:
    """The sentence that introduces a list (the last one of a lead-in), at most ``limit`` chars."""
    start, _ = _sentences(text)[-1]
    tail = text[start:]
    return tail if len(tail) <= limit else "..." + tail[-limit:]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chunk_document(doc: Document) -> list[Clause]:
    """The clauses of ``doc`` in document order; the same text always gives the same ids."""
    text = doc.text
    blocks = _blocks(text)
    title = doc.meta.title or next((b.heading_text for b in blocks if b.kind == "title"), "")
    headings: list[_Heading] = []
    sections: dict[str, _Section] = {}
    list_stack: list[_ListEntry] = []
    lead_in = ""
    clauses: list[Clause] = []
    used_ids: set[str] = set()

    for index, block in enumerate(blocks):
        if block.kind in ("title", "trailer"):
            continue
        if block.kind == "heading":
            nxt = blocks[index + 1] if index + 1 < len(blocks) else None
            container = nxt is not None and nxt.kind == "heading"
            while headings and headings[-1].rank >= block.heading_rank and not (
                headings[-1].container and headings[-1].rank == block.heading_rank and not container
            ):
                headings.pop()
            headings.append(_Heading(block.heading_text, block.heading_rank, container))
            list_stack, lead_in = [], ""
            continue

        section_path = tuple(h.text for h in headings)
        slug = slugify(section_path[-1]) if section_path else "top"
        section = sections.setdefault(" > ".join(section_path), _Section(slug))
        body = text[block.start : block.end]
        parents: list[str] = []
        if block.kind == "paragraph":
            section.paragraphs += 1
            item, kind, label_item = None, "paragraph", f"paragraph {section.paragraphs}"
            local = f"p{section.paragraphs}"
            list_stack = []
            lead_in = _last_sentence(body) if body.endswith(":") else ""
            context_lead = ""
        elif block.kind == "bullet":
            section.bullets += 1
            item, kind, label_item = f"bullet {section.bullets}", "bullet", f"bullet {section.bullets}"
            local = f"b{section.bullets}"
            parents = [_last_sentence(e.text) for e in list_stack if e.text.endswith(":")]
            context_lead = lead_in
        else:
            path = _push_item(list_stack, block)
            item, kind = path, "item"
            label_item, local = f"item {path}", path
            parents = [_last_sentence(e.text) for e in list_stack[:-1] if e.text.endswith(":")]
            context_lead = lead_in
            list_stack[-1].text = body

        base_id = f"{doc.doc_id}/{slug}/{local}"
        if base_id in used_ids:
            n = 2
            while f"{base_id}-{n}" in used_ids:
                n += 1
            base_id = f"{base_id}-{n}"
        used_ids.add(base_id)
        context_lines = [title] if title else []
        if section_path:
            context_lines.append(" > ".join(section_path))
        context_lines += [c for c in (context_lead, *parents) if c and c != body]
        context = "\n".join(context_lines)
        where = " > ".join(x for x in (doc.meta.label_name, section_path[-1] if section_path else "") if x)

        spans = _sentence_parts(body, block.start) if len(body) > MAX_CLAUSE_CHARS else [(block.start, block.end)]
        for number, (s, e) in enumerate(spans, start=1):
            part = number if len(spans) > 1 else None
            quote = text[s:e]
            pages = doc.pages_of(s, e)  # a clause across a page break stays one clause on "pp. 3-4"
            where_pages = f", {page_label(pages)}" if pages else ""
            clauses.append(
                Clause(
                    clause_id=f"{base_id}#{part}" if part else base_id,
                    doc_id=doc.doc_id,
                    text=quote,
                    start=s,
                    end=e,
                    label=f"{where} > {label_item}" + (f" (part {part})" if part else "") + where_pages,
                    section_path=section_path,
                    item=item,
                    part=part,
                    page=pages[0] if pages else None,
                    page_end=pages[-1] if pages else None,
                    kind=kind,
                    context=context,
                    content_hash=_sha(quote),
                )
            )
    return clauses


def _push_item(stack: list[_ListEntry], block: _Block) -> str:
    """Place an item in the list nesting; returns its path ("8", "2.a")."""
    kind = block.marker_kind or "num"
    value = block.marker or "?"
    nested = kind == "nested"
    if nested:
        kind = "lower" if value.isalpha() and len(value) == 1 else ("roman-lower" if value.isalpha() else "num")
        kind = f"nested-{kind}"
    kinds = [e.kind for e in stack]
    if kind in kinds:
        del stack[kinds.index(kind) :]
    elif not (nested or (stack and stack[-1].text.endswith(":"))):
        stack.clear()
    stack.append(_ListEntry(kind, value, ""))
    return ".".join(e.value for e in stack)
