"""A frozen reference of policy language: how many clauses of a reference set of policies use each
word (stems), shipped with the package (``reference_df.json``).

The ruling step picks a question's *focus words* (the words a ruling norm must name) by their
rarity in policy language. Counted over the stored documents, that rarity moves when an unrelated
policy is added, and with it a district's ruling (issue 10, point 9). Counted over this frozen
reference it cannot: a district's ruling reads its own text, the question, and this fixed table.
The reference is the five sample policies in ``corpus/`` (140 clauses); rebuild it with
``python -m assistant.reference INDEX_DIR`` after changing the sample corpus on purpose.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

__all__ = ["Reference", "load_reference", "build_reference"]

_PATH = Path(__file__).with_name("reference_df.json")


@dataclass(frozen=True)
class Reference:
    clauses: int
    df: dict[str, int]

    def idf(self, stem: str) -> float | None:
        """The stem's idf over the reference; None for a word the reference never uses."""
        d = self.df.get(stem)
        if d is None:
            return None
        return math.log(1 + (self.clauses - d + 0.5) / (d + 0.5))

    @property
    def unseen_idf(self) -> float:
        return math.log(1 + (self.clauses + 0.5) / 0.5)


def build_reference(stem_sets: Iterable[set[str]]) -> Reference:
    df: dict[str, int] = {}
    n = 0
    for stems in stem_sets:
        n += 1
        for t in stems:
            df[t] = df.get(t, 0) + 1
    return Reference(n, dict(sorted(df.items())))


@lru_cache(maxsize=1)
def load_reference(path: Path = _PATH) -> Reference:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Reference(int(data["clauses"]), {str(k): int(v) for k, v in data["df"].items()})


def main(argv: list[str]) -> int:  # pragma: no cover - a maintainer's tool
    from .lexical import LexicalIndex
    from .store import ClauseStore

    if len(argv) != 1:
        print("usage: python -m assistant.reference INDEX_DIR", file=sys.stderr)
        return 2
    store = ClauseStore(Path(argv[0]))
    store.load()
    ref = build_reference(LexicalIndex(store.clauses).stems)
    _PATH.write_text(json.dumps({"clauses": ref.clauses, "df": ref.df}, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {_PATH}: {ref.clauses} clauses, {len(ref.df)} stems")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
