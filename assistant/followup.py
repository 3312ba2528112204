"""A follow-up question read against the conversation (issue 12).

"what about for coaches?" after "can i follow my students on tiktok?" asks the same thing for
coaches; "and in Union?" asks it for another district. A question is a follow-up when it opens
like one ("what about", "and", "how about", "same for", ...) or is short and names no action of its
own. It then inherits the previous question's action: the question answered is the previous one
with the follow-up's own words added ("can i follow my students on tiktok, for coaches?"), and a
district it names becomes the district asked about. Anything else is a new question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .actions import acts
from .types import Document

__all__ = ["Resolved", "resolve", "district_aliases"]

_OPENER = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|so|and|but|also)[,\s]+)*(?:what\s+about|how\s+about|what\s+if\s+it'?s|same\s+(?:for|with|in)"
    r"|and\s+(?:for|in|at|with)|what\s+(?:for|in)|is\s+it\s+(?:any\s+)?(?:different|the\s+same)|and|also|even)\b[\s,]*",
    re.I)
_FILLER = re.compile(r"^\s*(?:for|in|at|with|the|a|an|about)\b\s*", re.I)
_WORD = re.compile(r"[A-Za-z0-9']+")
_THANKS = re.compile(r"^\s*(?:thanks?(?:\s+you)?|thx|ty|ok(?:ay)?|great|cool|got\s+it|perfect)\W*$", re.I)
_MAX_SHORT = 5  # words: a question this short with no action of its own is a follow-up


@dataclass(frozen=True)
class Resolved:
    question: str  # the question answered
    district: str | None  # a doc id the follow-up names, else None
    followup: bool  # whether it was read against the previous question


def district_aliases(documents: Mapping[str, Document]) -> dict[str, str]:
    """Lower-case names a person may use for each document: its id, district and short name, and
    the first word of its short name or its state where only one document has it ("union", "iowa")."""
    aliases: dict[str, str] = {}
    counts: dict[str, set[str]] = {}
    for d, doc in documents.items():
        m = doc.meta
        short = m.short_name or ""
        prefix = re.split(r"\s+(?:policy|board|guidelines|social)\b", short, maxsplit=1, flags=re.I)[0]
        for name in (d, m.district, short, m.title, prefix):
            if name and len(name) >= 3:
                aliases[name.lower()] = d
        for word in {(m.short_name or "").split(" ")[0].lower(), (m.state or "").lower()} - {""}:
            if len(word) >= 3:
                counts.setdefault(word, set()).add(d)
    for word, ids in counts.items():
        if len(ids) == 1:
            aliases.setdefault(word, next(iter(ids)))
    return aliases


def _named_district(text: str, aliases: Mapping[str, str]) -> tuple[str | None, str]:
    """(doc id, the text without the name) for the longest alias ``text`` names as whole words."""
    low = text.lower()
    for alias in sorted(aliases, key=len, reverse=True):
        m = re.search(r"(?<![A-Za-z0-9])" + re.escape(alias) + r"(?![A-Za-z0-9])", low)
        if m:
            return aliases[alias], (text[:m.start()] + text[m.end():]).strip()
    return None, text


def resolve(question: str, history: Sequence[str], aliases: Mapping[str, str]) -> Resolved:
    """``question`` read against ``history`` (earlier questions as answered, oldest first)."""
    q = question.strip()
    previous = next((h.strip() for h in reversed(history) if h and h.strip()), "")
    if not previous:
        return Resolved(q, None, False)
    opener = _OPENER.match(q)
    rest = q[opener.end():] if opener else q
    rest = rest.strip().rstrip("?.! ").strip()
    if _THANKS.match(q):
        return Resolved(q, None, False)
    district, rest = _named_district(rest, aliases)
    if district is not None:  # "and for CHSD 230?": the name and its preposition are the whole point
        rest = re.sub(r"(?:^|\s)(?:for|in|at|with|about|the)\s*$", "", rest, flags=re.I).strip()
        rest = "" if _FILLER.fullmatch(rest + " ") or not _WORD.search(rest) else rest
    rest = re.sub(r"\s+(?:then|too|instead|though)$", "", rest, flags=re.I).strip(" ,")
    words = _WORD.findall(rest)
    short = len(_WORD.findall(q)) <= _MAX_SHORT and not acts(rest)
    if not (opener or short or district) or acts(rest) and len(words) > 3:
        return Resolved(q, None, False)  # a question of its own
    core = previous.rstrip().rstrip("?.! ")
    answered = f"{core}, {rest}?" if rest else f"{core}?"
    return Resolved(answered, district, True)
