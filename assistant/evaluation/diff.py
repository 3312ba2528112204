"""Clause-level diff between two versions of one policy.

Clauses are aligned by ``clause_id`` first (read without the document key, so two stored versions
``chsd230-5125@2015-03-26/...`` and ``chsd230-5125/...`` pair item by item) (a pair whose texts share less than half
their words by difflib ratio is unpaired again: a renumbered list should not read as every item rewritten), then the
remaining ones by text similarity (difflib ratio >= ``SIMILAR``, best pairs first). Paired clauses
with different text are *modified* (with their word-level changes); the rest are *added* or
*removed*. Each changed clause carries its verdict before and after (``assistant.verdict.classify``),
and the gold questions whose citations touch a changed or removed clause (or whose quote is no longer
in the new text) are listed.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.evaluation.gold import GoldQuestion, locate
from assistant.types import Clause, Document

SIMILAR = 0.6
ID_PAIR_MIN = 0.5
UNRELATED_BELOW = 0.5  # under this share of clauses matched, the two files are not two versions of one policy


@dataclass
class ClauseChange:
    kind: str  # "added" | "removed" | "modified"
    old: Clause | None
    new: Clause | None
    old_verdict: str | None = None
    new_verdict: str | None = None
    words: list[dict[str, str]] = field(default_factory=list)
    similarity: float | None = None

    @property
    def name(self) -> str:
        """Short name of the clause, e.g. "item 8" (the last part of its label)."""
        c = self.new or self.old
        assert c is not None
        return c.label.rsplit(" > ", 1)[-1] if c.label else c.clause_id

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "old_clause_id": self.old.clause_id if self.old else None,
            "new_clause_id": self.new.clause_id if self.new else None,
            "label": (self.new or self.old).label if (self.new or self.old) else "",
            "old_text": self.old.text if self.old else None,
            "new_text": self.new.text if self.new else None,
            "old_verdict": self.old_verdict,
            "new_verdict": self.new_verdict,
            "words": self.words,
            "similarity": None if self.similarity is None else round(self.similarity, 4),
        }


@dataclass
class PolicyDiff:
    doc_id: str
    changes: list[ClauseChange]
    unchanged: int
    gold_touched: list[dict[str, Any]] = field(default_factory=list)
    old: dict[str, Any] = field(default_factory=dict)  # which version each side is: doc_id, version, effective
    new: dict[str, Any] = field(default_factory=dict)

    @property
    def warning(self) -> str | None:
        """Said when most clauses changed: two different policies, not two versions of one."""
        matched = self.unchanged + len(self.of("modified"))
        larger = matched + max(len(self.of("removed")), len(self.of("added")))
        if larger and matched / larger < UNRELATED_BELOW:
            return (f"these look like two different policies, not two versions of one: only {matched} of {larger} "
                    "clauses match a clause of the other (most were added or removed).")
        return None

    def of(self, kind: str) -> list[ClauseChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def verdict_changes(self) -> list[str]:
        return [f"{c.name}: {c.old_verdict} -> {c.new_verdict}" for c in self.of("modified")
                if c.old_verdict != c.new_verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "warning": self.warning,
            "unchanged": self.unchanged,
            "added": [c.to_dict() for c in self.of("added")],
            "removed": [c.to_dict() for c in self.of("removed")],
            "modified": [c.to_dict() for c in self.of("modified")],
            "verdict_changes": self.verdict_changes,
            "gold_touched": self.gold_touched,
            "old": self.old,
            "new": self.new,
        }


def word_changes(old: str, new: str) -> list[dict[str, str]]:
    """Word-level edits: ``{"op": "replace"|"delete"|"insert", "old": ..., "new": ...}``."""
    a, b = old.split(), new.split()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return [{"op": tag, "old": " ".join(a[i1:i2]), "new": " ".join(b[j1:j2])} for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def local_id(c: Clause) -> str:
    """The clause id without its document key ("personal-...-use/8"): the same item in two versions."""
    prefix = f"{c.doc_id}/"
    return c.clause_id[len(prefix):] if c.clause_id.startswith(prefix) else c.clause_id


def align(old: Sequence[Clause], new: Sequence[Clause]) -> tuple[list[tuple[Clause, Clause, float]], list[Clause], list[Clause]]:
    """(pairs with similarity, removed old clauses, added new clauses)."""
    new_by_id = {local_id(c): c for c in new}
    pairs: list[tuple[Clause, Clause, float]] = []
    used_old: set[str] = set()
    used_new: set[str] = set()
    for o in old:
        n = new_by_id.get(local_id(o))
        if n is None:
            continue
        r = 1.0 if o.text == n.text else _ratio(o.text, n.text)
        if r >= ID_PAIR_MIN:
            pairs.append((o, n, r))
            used_old.add(o.clause_id)
            used_new.add(n.clause_id)
    rest_old = [o for o in old if o.clause_id not in used_old]
    rest_new = [n for n in new if n.clause_id not in used_new]
    candidates = sorted(
        ((_ratio(o.text, n.text), i, j) for i, o in enumerate(rest_old) for j, n in enumerate(rest_new)),
        key=lambda t: -t[0],
    )
    taken_o: set[int] = set()
    taken_n: set[int] = set()
    for r, i, j in candidates:
        if r < SIMILAR:
            break
        if i in taken_o or j in taken_n:
            continue
        taken_o.add(i)
        taken_n.add(j)
        pairs.append((rest_old[i], rest_new[j], r))
    removed = [o for i, o in enumerate(rest_old) if i not in taken_o]
    added = [n for j, n in enumerate(rest_new) if j not in taken_n]
    return pairs, removed, added


def diff_documents(
    old_doc: Document,
    old_clauses: Sequence[Clause],
    new_doc: Document,
    new_clauses: Sequence[Clause],
    classify: Callable[[str], Any],
    gold: Sequence[GoldQuestion] = (),
) -> PolicyDiff:
    """The clause-level diff; ``classify(text).label`` gives a clause's verdict."""
    pairs, removed, added = align(old_clauses, new_clauses)
    changes: list[ClauseChange] = []
    unchanged = 0
    for o, n, r in sorted(pairs, key=lambda p: p[1].start):
        if o.text == n.text:
            unchanged += 1
            continue
        changes.append(ClauseChange("modified", o, n, classify(o.text).label, classify(n.text).label,
                                    word_changes(o.text, n.text), r))
    changes += [ClauseChange("removed", o, None, old_verdict=classify(o.text).label) for o in removed]
    changes += [ClauseChange("added", None, n, new_verdict=classify(n.text).label) for n in added]
    result = PolicyDiff(doc_id=new_doc.meta.policy, changes=changes, unchanged=unchanged,
                        old=_side(old_doc), new=_side(new_doc))
    result.gold_touched = touched_gold(gold, old_doc, new_doc, changes)
    return result


def _side(doc: Document) -> dict[str, Any]:
    return {"doc_id": doc.doc_id, "version": doc.meta.version, "effective": doc.meta.effective,
            "source_file": doc.meta.source_file}


def touched_gold(
    gold: Sequence[GoldQuestion], old_doc: Document, new_doc: Document, changes: Sequence[ClauseChange]
) -> list[dict[str, Any]]:
    """Gold questions with a citation of this policy overlapping a changed or removed old clause,
    or whose quote is not in the new text any more."""
    doc_ids = {old_doc.doc_id, new_doc.doc_id, old_doc.meta.policy, new_doc.meta.policy}
    changed = [c for c in changes if c.old is not None]
    out: list[dict[str, Any]] = []
    for q in gold:
        for i, cit in enumerate(q.citations):
            if cit.doc not in doc_ids:
                continue
            spans = locate(cit.quote, old_doc.text)
            hit = [c for c in changed if any(c.old.start < e and s < c.old.end for s, e in spans)]  # type: ignore[union-attr]
            gone = not locate(cit.quote, new_doc.text)
            if hit or gone:
                out.append({
                    "id": q.id, "question": q.question, "citation": i, "quote": cit.quote,
                    "gold_verdict": cit.verdict, "clauses": [c.name for c in hit],
                    "quote_still_in_new": not gone,
                })
    return out
