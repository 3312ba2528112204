"""Which districts a question is answered for: the asker's district, its comparison set, or all.

Scope words (the API's ``scope``, the CLI's ``--scope``):
- ``all``: every district the asker may see;
- ``district``: the asker's district only;
- ``peers``: the asker's district and its peers: the configured peer group holding it
  (``POLICY_PEER_GROUPS``), else the districts of the same state;
- ``state:NAME`` / ``group:NAME``: a state's districts / a configured peer group;
- ``a,b,c``: these doc ids.
Empty: ``all`` without a district; with one, ``all`` while the asker may see at most
``compare_all_max`` districts, else ``peers`` (a state association's 1,000 districts are not one
comparison). An API key may be limited to some districts (``POLICY_API_KEY_DISTRICTS``): every
scope is cut to them, and a district outside them is unknown to that key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .errors import InvalidQuestion
from .types import Document

__all__ = ["Scope", "resolve_scope", "expand_names"]


@dataclass(frozen=True)
class Scope:
    name: str  # "all", "district", "peers (Illinois)", "state:Iowa", "group:north", "chosen"
    doc_ids: tuple[str, ...]  # the asker's district first when there is one, then sorted


def expand_names(names: Collection[str], documents: Mapping[str, Document]) -> set[str]:
    """Doc ids for a list of doc ids, district names or ``state:NAME`` entries (unknown ones dropped)."""
    out: set[str] = set()
    for raw in names:
        name = str(raw).strip()
        low = name.lower()
        if low.startswith("state:"):
            state = low.split(":", 1)[1].strip()
            out |= {d for d, doc in documents.items() if (doc.meta.state or "").lower() == state}
        elif name in documents:
            out.add(name)
        else:
            out |= {d for d, doc in documents.items() if low in (doc.meta.district.lower(), doc.meta.short_name.lower())}
    return out


def resolve_scope(documents: Mapping[str, Document], district: str | None, scope: str | None,
                  peer_groups: Mapping[str, Collection[str]], compare_all_max: int,
                  allowed: Collection[str] | None = None) -> Scope:
    """The districts to rule for; ``district`` is a resolved doc id (or None)."""
    visible = set(documents) if allowed is None else set(allowed) & set(documents)
    word = (scope or "").strip()
    low = word.lower()
    if not low:
        low = "all" if district is None or len(visible) <= compare_all_max else "peers"
    if low == "all":
        name, ids = "all", visible
    elif low == "district":
        if district is None:
            raise InvalidQuestion("Scope 'district' needs a district: pick one, or ask with scope 'all'.")
        name, ids = "district", {district}
    elif low == "peers":
        if district is None:
            raise InvalidQuestion("Scope 'peers' needs a district: pick one, or ask with scope 'all'.")
        name, ids = _peers(documents, district, peer_groups)
    elif low.startswith("state:"):
        state = word.split(":", 1)[1].strip()
        ids = expand_names([f"state:{state}"], documents)
        if not ids & visible:
            raise InvalidQuestion(f"No district in state '{state}'.")
        name = f"state:{state}"
    elif low.startswith("group:"):
        group = word.split(":", 1)[1].strip()
        if group not in peer_groups:
            known = ", ".join(sorted(peer_groups)) or "none are configured (POLICY_PEER_GROUPS)"
            raise InvalidQuestion(f"Unknown peer group '{group}'. Known: {known}.")
        name, ids = f"group:{group}", expand_names(peer_groups[group], documents)
    else:
        wanted = [w.strip() for w in word.split(",") if w.strip()]
        unknown = [w for w in wanted if w not in visible]
        if unknown:
            raise InvalidQuestion(f"Unknown district(s) in scope: {', '.join(unknown[:5])}.")
        name, ids = "chosen", set(wanted)
    ids = ids & visible
    if district is not None:
        ids.add(district)
    ordered = ([district] if district is not None else []) + sorted(ids - {district})
    return Scope(name, tuple(ordered))


def _peers(documents: Mapping[str, Document], district: str,
           peer_groups: Mapping[str, Collection[str]]) -> tuple[str, set[str]]:
    for group, members in sorted(peer_groups.items()):
        ids = expand_names(members, documents)
        if district in ids:
            return f"peers (group {group})", ids
    state = documents[district].meta.state
    if state:
        return f"peers ({state})", {d for d, doc in documents.items() if doc.meta.state == state}
    return "peers (all: the district names no state)", set(documents)
