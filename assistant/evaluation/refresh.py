"""``policy-assistant gold refresh``: bring a gold file up to date after a policy revision.

For each gold quote the revision made stale (no longer verbatim in its document), the nearest
current clause of that document (by embedding) is proposed, with that clause's verdict; a person
accepts or skips each on a terminal, or ``--accept-all`` takes a reviewed batch. Deciding quotes
of the per-district ``rulings`` (``ruling_quotes``) that went stale are refreshed the same way, but
the ruling *labels* are never changed: those questions are listed for review with the ruling the
assistant now shows. The result is written to a new file with a summary; the gold file itself is
never edited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError

__all__ = ["Proposal", "RefreshResult", "propose", "refresh_gold"]


@dataclass(frozen=True)
class Proposal:
    qid: str
    doc: str
    where: str  # "citation" | "ruling_quote"
    index: int  # position in the question's citations (-1 for a ruling quote)
    old_quote: str
    new_quote: str
    clause_id: str
    label: str
    similarity: float
    old_verdict: str | None = None
    new_verdict: str | None = None


@dataclass
class RefreshResult:
    accepted: list[Proposal] = field(default_factory=list)
    skipped: list[Proposal] = field(default_factory=list)
    review: list[dict[str, Any]] = field(default_factory=list)  # rulings whose deciding quote changed

    def summary(self) -> str:
        lines = [f"{len(self.accepted)} stale quote(s) refreshed, {len(self.skipped)} skipped; "
                 f"{len(self.review)} ruling(s) to review (labels are never changed here)."]
        for p in self.accepted:
            verdict = f"; verdict {p.old_verdict} -> {p.new_verdict}" if p.old_verdict != p.new_verdict else ""
            lines.append(f"  {p.qid} {p.doc} ({p.where}): now {p.label}{verdict}")
        for r in self.review:
            lines.append(f"  review {r['id']} {r['doc']}: gold ruling {r['gold']}, the assistant now shows {r['shown']}")
        return "\n".join(lines)


def propose(rows: list[dict[str, Any]], assistant: Any) -> list[Proposal]:
    """Every stale quote of ``rows`` (parsed gold lines) with the nearest current clause."""
    from assistant.evaluation.gold import locate
    from assistant.evaluation.runner import nearest_clause
    from assistant.verdict import classify

    texts = {m.doc_id: assistant.document(m.doc_id).text for m in assistant.documents()}
    encode = assistant.embedder.encode
    out: list[Proposal] = []

    def near(doc: str, quote: str) -> dict[str, Any] | None:
        return nearest_clause(quote, assistant.clauses(doc), encode) if doc in texts else None

    for row in rows:
        for i, c in enumerate(row.get("citations", [])):
            doc, quote = c.get("doc", ""), c.get("quote", "")
            if doc in texts and locate(quote, texts[doc]):  # the gold's own (normalised) match
                continue
            n = near(doc, quote)
            if n:
                out.append(Proposal(row["id"], doc, "citation", i, quote, n["text"], n["clause_id"], n["label"],
                                    n["similarity"], c.get("verdict"), classify(n["text"]).label if c.get("verdict") else None))
        for doc, quote in sorted((row.get("ruling_quotes") or {}).items()):
            if not quote or (doc in texts and locate(quote, texts[doc])):
                continue
            n = near(doc, quote)
            if n:
                out.append(Proposal(row["id"], doc, "ruling_quote", -1, quote, n["text"], n["clause_id"], n["label"],
                                    n["similarity"]))
    return out


def refresh_gold(gold: Path, out: Path, assistant: Any, decide: Callable[[Proposal], bool]) -> RefreshResult:
    """Write ``out``: ``gold`` with each accepted proposal applied (``decide`` says yes or no)."""
    if out.resolve() == gold.resolve():
        raise ConfigError(f"--out must be a new file, not the gold file itself ({gold}): the gold is never edited "
                          "in place.")
    try:
        lines = gold.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read gold file {gold}: {exc}") from None
    rows = [json.loads(line) for line in lines if line.strip()]
    result = RefreshResult()
    by_id = {r["id"]: r for r in rows}
    for p in propose(rows, assistant):
        if not decide(p):
            result.skipped.append(p)
            continue
        row = by_id[p.qid]
        if p.where == "citation":
            row["citations"][p.index]["quote"] = p.new_quote
            if p.new_verdict:
                row["citations"][p.index]["verdict"] = p.new_verdict
        else:
            row["ruling_quotes"][p.doc] = p.new_quote
            shown = assistant.ask(row["question"], district=row.get("district"))
            now = next((f.verdict if f.rules else "not addressed" for f in (*shown.findings, *shown.other_districts)
                        if f.doc_id == p.doc), "not addressed")
            result.review.append({"id": p.qid, "doc": p.doc, "gold": (row.get("rulings") or {}).get(p.doc),
                                  "shown": now, "clause_id": p.clause_id})
        result.accepted.append(p)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return result
