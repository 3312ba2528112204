"""Gold set: load and validate JSON Lines, and locate each gold quote in a document's cleaned text.

A quote matches ignoring case, runs of whitespace, and curly versus straight quotes. The match
found in the normalised text is mapped back to exact ``[start, end)`` offsets in the cleaned text.
A quote that occurs more than once keeps every occurrence (``GoldSpan.spans``); the first is "the"
span shown in reports, and a cited clause matches when it covers at least half of any occurrence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import GoldError
from assistant.types import NOT_ADDRESSED, VERDICTS

RULING_LABELS: tuple[str, ...] = (*VERDICTS, NOT_ADDRESSED)

_QUOTE_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
}
_KEYS = {"id", "question", "district", "answerable", "citations", "answer", "tags", "rulings", "ruling_quotes"}


@dataclass(frozen=True)
class GoldCitation:
    doc: str
    quote: str
    verdict: str | None = None


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answerable: bool
    citations: tuple[GoldCitation, ...] = ()
    district: str | None = None  # a doc id: the question is asked with this district filter
    answer: str = ""
    tags: tuple[str, ...] = ()
    line: int = 0
    # how each document rules on the asked action: doc id -> defensible labels, preferred first
    rulings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ruling_quotes: tuple[tuple[str, str], ...] = ()  # doc id -> the deciding sentence (verbatim)

    def gold_ruling(self, doc_id: str) -> tuple[str, ...] | None:
        """The defensible labels for ``doc_id`` (preferred first), None when not labelled."""
        return dict(self.rulings).get(doc_id)

    @property
    def districts(self) -> tuple[str, ...]:
        """Doc ids the question is about: its filter, else the docs its citations come from."""
        if self.district:
            return (self.district,)
        return tuple(dict.fromkeys(c.doc for c in self.citations))


@dataclass(frozen=True)
class GoldSpan:
    """A gold citation resolved against the current text; ``spans`` empty means stale."""

    question_id: str
    index: int  # position of the citation in the question
    citation: GoldCitation
    spans: tuple[tuple[int, int], ...] = ()

    @property
    def stale(self) -> bool:
        return not self.spans

    @property
    def key(self) -> str:
        return f"{self.question_id}#{self.index}"


@dataclass
class GoldProblems:
    """Problems found while reading a gold file, each with its line number."""

    items: list[str] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        self.items.append(f"line {line}: {message}" if line else message)

    def raise_if_any(self, source: str) -> None:
        if self.items:
            shown = "\n  ".join(self.items[:50])
            more = f"\n  ... and {len(self.items) - 50} more" if len(self.items) > 50 else ""
            raise GoldError(f"{source}: {len(self.items)} problem(s) in the gold file:\n  {shown}{more}")


def normalise(text: str) -> tuple[str, list[int]]:
    """Lower-case, straighten quotes, collapse whitespace runs to one space.

    Returns the normalised text and, for each of its characters, the offset in ``text`` it came from.
    """
    out: list[str] = []
    index: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                out.append(" ")
                index.append(i)
            in_space = True
            continue
        in_space = False
        for c in _QUOTE_MAP.get(ch, ch).lower():
            out.append(c)
            index.append(i)
    return "".join(out), index


def normalise_quote(quote: str) -> str:
    return normalise(quote.strip())[0]


def locate(quote: str, text: str, _norm: tuple[str, list[int]] | None = None) -> list[tuple[int, int]]:
    """Every ``[start, end)`` in ``text`` where ``quote`` occurs (normalised match), in order."""
    needle = normalise_quote(quote)
    if not needle:
        return []
    hay, index = _norm if _norm is not None else normalise(text)
    spans: list[tuple[int, int]] = []
    pos = hay.find(needle)
    while pos != -1:
        spans.append((index[pos], index[pos + len(needle) - 1] + 1))
        pos = hay.find(needle, pos + 1)
    return spans


def parse_gold(lines: Iterable[str], problems: GoldProblems) -> list[GoldQuestion]:
    """Parse JSON Lines; every problem is recorded (not raised) so a person sees them all at once."""
    questions: list[GoldQuestion] = []
    seen: set[str] = set()
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            problems.add(n, f"not valid JSON ({e.msg} at column {e.colno})")
            continue
        if not isinstance(obj, dict):
            problems.add(n, "each line must be a JSON object")
            continue
        q = _parse_question(obj, n, problems)
        if q is None:
            continue
        if q.id in seen:
            problems.add(n, f"duplicate id {q.id!r}")
            continue
        seen.add(q.id)
        questions.append(q)
    if not questions and not problems.items:
        problems.add(0, "the gold file holds no questions")
    return questions


def _parse_question(obj: dict[str, Any], n: int, problems: GoldProblems) -> GoldQuestion | None:
    before = len(problems.items)
    for key in ("id", "question", "answerable", "citations"):
        if key not in obj:
            problems.add(n, f"missing key {key!r}")
    if len(problems.items) > before:
        return None
    qid, question, answerable = obj["id"], obj["question"], obj["answerable"]
    label = f"question {qid!r}"
    if not isinstance(qid, str) or not qid.strip():
        problems.add(n, "'id' must be a non-empty string")
    if not isinstance(question, str) or not question.strip():
        problems.add(n, f"{label}: 'question' must be a non-empty string")
    if not isinstance(answerable, bool):
        problems.add(n, f"{label}: 'answerable' must be true or false")
    district = obj.get("district")
    if district is not None and (not isinstance(district, str) or not district.strip()):
        problems.add(n, f"{label}: 'district' must be a doc id string or null")
    tags = obj.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.add(n, f"{label}: 'tags' must be a list of strings")
        tags = []
    answer = obj.get("answer", "")
    if answer is not None and not isinstance(answer, str):
        problems.add(n, f"{label}: 'answer' must be a string")
    citations = _parse_citations(obj["citations"], label, n, problems)
    rulings = _parse_rulings(obj.get("rulings"), label, n, problems)
    quotes = obj.get("ruling_quotes") or {}
    if not isinstance(quotes, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in quotes.items()):
        problems.add(n, f"{label}: 'ruling_quotes' must map doc ids to quote strings")
        quotes = {}
    if isinstance(answerable, bool):
        if answerable and obj["citations"] == []:
            problems.add(n, f"{label}: answerable questions need at least one citation")
        if not answerable and obj["citations"]:
            problems.add(n, f"{label}: unanswerable questions must have empty 'citations'")
    if len(problems.items) > before:
        return None
    return GoldQuestion(
        id=qid, question=question, answerable=answerable, citations=tuple(citations),
        district=district or None, answer=answer or "", tags=tuple(tags), line=n,
        rulings=rulings, ruling_quotes=tuple(sorted(quotes.items())),
    )


def _parse_rulings(raw: Any, label: str, n: int, problems: GoldProblems) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``{"doc": LABEL | [LABEL, ...]}`` -> ((doc, (labels...)), ...); every bad entry is recorded."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        problems.add(n, f"{label}: 'rulings' must map each doc id to a label or a list of labels")
        return ()
    out: list[tuple[str, tuple[str, ...]]] = []
    for doc, value in raw.items():
        labels = value if isinstance(value, list) else [value]
        bad = [x for x in labels if x not in RULING_LABELS]
        if not labels or bad or len(set(labels)) != len(labels):
            shown = ", ".join(map(repr, bad)) if bad else repr(value)
            problems.add(n, f"{label}: ruling for {doc!r}: {shown} is not one label or a list of distinct labels "
                            f"({', '.join(RULING_LABELS)})")
            continue
        out.append((doc, tuple(labels)))
    return tuple(out)


def _parse_citations(raw: Any, label: str, n: int, problems: GoldProblems) -> list[GoldCitation]:
    if not isinstance(raw, list):
        problems.add(n, f"{label}: 'citations' must be a list")
        return []
    out: list[GoldCitation] = []
    for i, c in enumerate(raw, start=1):
        where = f"{label} citation {i}"
        if not isinstance(c, dict):
            problems.add(n, f"{where}: must be an object with 'doc' and 'quote'")
            continue
        missing = [k for k in ("doc", "quote") if k not in c]
        if missing:
            problems.add(n, f"{where}: missing key {missing[0]!r}")
            continue
        doc, quote, verdict = c["doc"], c["quote"], c.get("verdict")
        if not isinstance(doc, str) or not doc.strip():
            problems.add(n, f"{where}: 'doc' must be a doc id string")
            continue
        if not isinstance(quote, str) or not quote.strip():
            problems.add(n, f"{where}: 'quote' must be a non-empty string")
            continue
        if verdict is not None and verdict not in VERDICTS:
            problems.add(n, f"{where}: verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
            continue
        out.append(GoldCitation(doc=doc, quote=quote, verdict=verdict))
    return out


def load_gold(path: Path | str) -> list[GoldQuestion]:
    """Read and validate a gold file's schema; raises ``GoldError`` listing every problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoldError(f"gold file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise GoldError(f"cannot read gold file {p}: {e}") from None
    problems = GoldProblems()
    questions = parse_gold(text.splitlines(), problems)
    problems.raise_if_any(str(p))
    return questions


def resolve(questions: Iterable[GoldQuestion], texts: Mapping[str, str]) -> dict[str, list[GoldSpan]]:
    """Locate every gold quote in ``texts`` (doc id -> cleaned text). Not found: a stale span."""
    norms: dict[str, tuple[str, list[int]]] = {}
    out: dict[str, list[GoldSpan]] = {}
    for q in questions:
        spans: list[GoldSpan] = []
        for i, c in enumerate(q.citations):
            text = texts.get(c.doc)
            found: list[tuple[int, int]] = []
            if text is not None:
                if c.doc not in norms:
                    norms[c.doc] = normalise(text)
                found = locate(c.quote, text, norms[c.doc])
            spans.append(GoldSpan(question_id=q.id, index=i, citation=c, spans=tuple(found)))
        out[q.id] = spans
    return out


def check_against_corpus(questions: list[GoldQuestion], texts: Mapping[str, str]) -> list[str]:
    """Problems of a schema-valid gold set against a corpus: unknown docs, quotes not found."""
    problems = GoldProblems()
    resolved = resolve(questions, texts)
    known = ", ".join(sorted(texts))
    for q in questions:
        if q.district and q.district not in texts:
            problems.add(q.line, f"question {q.id!r}: district {q.district!r} is not a doc id ({known})")
        labelled = dict(q.rulings)
        missing = [d for d in texts if d not in labelled]
        if missing:
            problems.add(q.line, f"question {q.id!r}: no ruling for {', '.join(missing)} (every document needs one: "
                                 f"a label, a list of labels, or \"{NOT_ADDRESSED}\")")
        for d in labelled:
            if d not in texts:
                problems.add(q.line, f"question {q.id!r}: ruling for {d!r}, which is not in the corpus ({known})")
        for d, quote in q.ruling_quotes:
            if d in texts and not locate(quote, texts[d]):
                problems.add(q.line, f"question {q.id!r}: ruling quote not found in {d}: {_short(quote)!r}")
        for span in resolved[q.id]:
            c = span.citation
            if c.doc not in texts:
                problems.add(q.line, f"question {q.id!r}: doc {c.doc!r} is not in the corpus ({known})")
            elif span.stale:
                problems.add(q.line, f"question {q.id!r}: quote not found in {c.doc}: {_short(c.quote)!r}")
    return problems.items


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."
