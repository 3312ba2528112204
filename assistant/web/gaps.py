"""What staff ask that the policies do not answer: abstained or rated-down questions, grouped by
similar wording (MiniLM cosine, or word overlap without a model)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

import numpy as np

from assistant.errors import ConfigError

Encode = Callable[[Sequence[str]], np.ndarray]
THRESHOLD = 0.75


@dataclass
class GapItem:
    question: str
    district: str | None
    created: str
    reason: str  # "abstained" | "rated down" | "answered, out of scope"
    comment: str = ""


@dataclass
class GapGroup:
    items: list[GapItem] = field(default_factory=list)

    @property
    def question(self) -> str:
        """The wording asked most often (ties: the earliest)."""
        texts = [i.question for i in self.items]
        return max(texts, key=lambda t: (texts.count(t), -texts.index(t)))

    @property
    def count(self) -> int:
        return len(self.items)

    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in self.items:
            out[i.reason] = out.get(i.reason, 0) + 1
        return out

    def variants(self) -> list[str]:
        return list(dict.fromkeys(i.question for i in self.items if i.question != self.question))

    def districts(self) -> list[str]:
        return sorted({i.district for i in self.items if i.district})

    def comments(self) -> list[str]:
        return [i.comment for i in self.items if i.comment]

    @property
    def last(self) -> str:
        return max(i.created for i in self.items)


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"--since must be a date like 2025-01-31 (got '{value}').") from None


def collect(store: Any, since: datetime | None = None) -> list[GapItem]:
    """Abstained questions, rated-down answers (one item per answer id) and answers flagged as out of
    scope on the admin page."""
    items: list[GapItem] = []
    seen: set[str] = set()
    for row in store.list(since):
        if row["rating"] < 0:
            items.append(GapItem(row["question"], row["district"], row["created"], "rated down",
                                 row.get("comment") or ""))
            if row["answer_id"]:
                seen.add(row["answer_id"])
    for row in store.flags(since) if hasattr(store, "flags") else []:  # flagged on the admin page
        items.append(GapItem(row["question"], row["district"], row["created"], "answered, out of scope",
                             row.get("note") or ""))
    for row in store.questions(since):
        if row["abstained"] and not (row["answer_id"] and row["answer_id"] in seen):
            items.append(GapItem(row["question"], row["district"], row["created"], "abstained"))
    return sorted(items, key=lambda i: i.created)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def word_vectors(texts: Sequence[str]) -> np.ndarray:
    """Normalised bag-of-words vectors: a model-free stand-in for the embedder."""
    vocab = sorted(set().union(*(_words(t) for t in texts))) if texts else []
    index = {w: n for n, w in enumerate(vocab)}
    out = np.zeros((len(texts), max(1, len(vocab))), dtype=np.float32)
    for row, text in enumerate(texts):
        for w in _words(text):
            out[row, index[w]] = 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def group(items: Sequence[GapItem], encode: Encode | None = None,
          threshold: float = THRESHOLD) -> list[GapGroup]:
    """Average-link agglomeration on cosine similarity; biggest groups first."""
    if not items:
        return []
    texts = [i.question for i in items]
    vecs = np.asarray((encode or word_vectors)(texts), dtype=np.float32)
    sims = vecs @ vecs.T
    clusters: list[list[int]] = [[n] for n in range(len(items))]
    while len(clusters) > 1:
        best, pair = -1.0, (0, 0)
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                s = float(sims[np.ix_(clusters[a], clusters[b])].mean())
                if s > best:
                    best, pair = s, (a, b)
        if best < threshold:
            break
        a, b = pair
        clusters[a] += clusters.pop(b)
    groups = [GapGroup([items[n] for n in sorted(c)]) for c in clusters]
    return sorted(groups, key=lambda g: (-g.count, g.question))


def _reasons_text(g: GapGroup) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(g.reasons().items()))


def format_table(groups: Sequence[GapGroup]) -> str:
    if not groups:
        return "No gaps: no question was abstained on or rated down."
    lines = [f"{'#':>3}  {'asked':>5}  {'why':<28}  question"]
    for n, g in enumerate(groups, 1):
        lines.append(f"{n:>3}  {g.count:>5}  {_reasons_text(g):<28}  {g.question}")
        for v in g.variants():
            lines.append(f"{'':>3}  {'':>5}  {'':<28}    also: {v}")
        for c in g.comments():
            lines.append(f"{'':>3}  {'':>5}  {'':<28}    comment: {c}")
    return "\n".join(lines)


def format_html(groups: Sequence[GapGroup], title: str = "Policy gaps") -> str:
    """A standalone HTML page; every question and comment is escaped."""
    rows = []
    for n, g in enumerate(groups, 1):
        variants = "".join(f"<li>{escape(v)}</li>" for v in g.variants())
        comments = "".join(f"<li>{escape(c)}</li>" for c in g.comments())
        rows.append(
            f"<tr><td>{n}</td><td>{g.count}</td><td>{escape(_reasons_text(g))}</td>"
            f"<td>{escape(g.question)}{f'<ul>{variants}</ul>' if variants else ''}</td>"
            f"<td>{escape(', '.join(g.districts()))}</td>"
            f"<td>{f'<ul>{comments}</ul>' if comments else ''}</td><td>{escape(g.last)}</td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="7">No gaps: nothing was abstained on or rated down.</td></tr>'
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font-family:system-ui,sans-serif;margin:1rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}</style>"
        f"</head><body><h1>{escape(title)}</h1><p>Questions staff asked that the policies did not "
        "answer (abstained) or whose answers were rated down, grouped by similar wording.</p>"
        "<table><thead><tr><th>#</th><th>Asked</th><th>Why</th><th>Question (and variants)</th>"
        f"<th>Districts</th><th>Comments</th><th>Last asked</th></tr></thead><tbody>{body}"
        "</tbody></table></body></html>"
    )
