"""Scoring what a person reads: each district's ruling on the asked action (issue "rulings").

Per (question, district) pair with a gold ruling (``gold.rulings``, labels preferred first):

- the *shown* ruling is the district's verdict when its card rules, else "not addressed" (a
  related card, a district listed as not addressed, absent, or in an abstained answer);
- ``district_ruling_accuracy``: share of pairs whose shown ruling is one of the gold labels;
- ``ruled_accuracy``: the same over pairs whose preferred gold label is a rule (one of the six
  normative labels), so answering "not addressed" everywhere cannot look good;
- ``unsafe_rulings`` (count): gold only restricts (prohibited/discouraged) and the answer shows
  permitted, conditional, recommended or required;
- ``invented_rulings`` (count): gold is only "not addressed"/"informational" and a rule is shown;
  ``invented_rate``: that count over the pairs whose gold is only "not addressed";
- ``missed_rulings`` (count): gold is only rules and "not addressed"/"informational" is shown;
- the confusion table: preferred gold label by shown label.
Systems that give no rulings (the anchors) get ``None``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.types import NOT_ADDRESSED, VERDICTS

RULES = frozenset(VERDICTS) - {"informational"}  # the six normative labels
RESTRICT = frozenset({"prohibited", "discouraged"})
PERMISSIVE = frozenset({"permitted", "conditional", "recommended", "required"})
LABELS = (*VERDICTS, NOT_ADDRESSED)
RULING_METRICS: tuple[str, ...] = (
    "district_ruling_accuracy", "ruled_accuracy", "unsafe_rulings", "invented_rulings", "invented_rate",
    "missed_rulings",
)
LOWER_IS_BETTER = frozenset({"unsafe_rulings", "invented_rulings", "invented_rate", "missed_rulings"})


@dataclass(frozen=True)
class RulingPair:
    question_id: str
    doc_id: str
    gold: tuple[str, ...]  # defensible labels, preferred first
    shown: str

    @property
    def correct(self) -> bool:
        return self.shown in self.gold

    @property
    def unsafe(self) -> bool:
        return set(self.gold) <= RESTRICT and self.shown in PERMISSIVE

    @property
    def invented(self) -> bool:
        return set(self.gold) <= {NOT_ADDRESSED, "informational"} and self.shown in RULES

    @property
    def missed(self) -> bool:
        return set(self.gold) <= RULES and self.shown not in RULES

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc_id, "gold": list(self.gold), "shown": self.shown, "correct": self.correct,
                "unsafe": self.unsafe, "invented": self.invented, "missed": self.missed}


def pairs(question_id: str, gold: Iterable[tuple[str, tuple[str, ...]]], shown: dict[str, str]) -> list[RulingPair]:
    """One pair per gold-labelled district; a district the answer does not rule on is "not addressed"."""
    return [RulingPair(question_id, d, labels, shown.get(d, NOT_ADDRESSED)) for d, labels in gold]


def _mean(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def ruling_metrics(items: Sequence[RulingPair], gives_rulings: bool = True) -> dict[str, float | int | None]:
    if not gives_rulings or not items:
        return {m: None for m in RULING_METRICS}
    ruled = [p for p in items if p.gold[0] in RULES]
    na = [p for p in items if set(p.gold) == {NOT_ADDRESSED}]
    invented = sum(p.invented for p in items)
    return {
        "district_ruling_accuracy": _mean([p.correct for p in items]),
        "ruled_accuracy": _mean([p.correct for p in ruled]),
        "unsafe_rulings": sum(p.unsafe for p in items),
        "invented_rulings": invented,
        "invented_rate": sum(p.invented for p in na) / len(na) if na else None,
        "missed_rulings": sum(p.missed for p in items),
    }


def confusion(items: Sequence[RulingPair]) -> dict[str, dict[str, int]]:
    """Preferred gold label -> shown label -> count (every label present, zeros included)."""
    counts = Counter((p.gold[0], p.shown) for p in items)
    return {g: {s: counts.get((g, s), 0) for s in LABELS} for g in LABELS}


def by_district(items: Sequence[RulingPair]) -> dict[str, dict[str, float | int | None]]:
    groups: dict[str, list[RulingPair]] = {}
    for p in items:
        groups.setdefault(p.doc_id, []).append(p)
    return {d: {"pairs": len(ps), **ruling_metrics(ps)} for d, ps in sorted(groups.items())}
