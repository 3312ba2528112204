"""Clause -> ``Norm``s, once, at ingest: each sentence read as a rule (modality, the regulated
action span, its condition span) or as a fact (definition, consequence, duty of others).

The sentence reading (trigger phrases, negation, lead-ins such as "The Superintendent shall:",
conditions inside prohibitions) is ``verdict._analyse``; this module turns it into records with
absolute offsets, so ``document.text[norm.start:norm.end]`` is the sentence and
``document.text[norm.action_start:norm.action_end]`` what it regulates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .actions import acts, channels, people
from .types import Clause, Norm
from .verdict import _analyse, _describes  # the sentence reader (shared with ``classify``)
from .verdict_rules import _DEFINITION, _LEAD_IN, _lower, _OTHER_SUBJECT

__all__ = ["extract_norms", "norm_text", "action_text", "norm_embed_text"]

# words that open an action span and say nothing of the action ("from", "to", "be sure to")
_ACTION_LEAD = re.compile(r"(?:\s|,|from\b|to\b|that\b|be\s+sure\s+to\b|also\b|only\b|not\b|never\b|ever\b)+", re.I)
# a bare employee subject: what follows the modal is the whole action ("Employees shall not X");
# any other opening ("During the work day, employees should ...", "Inappropriate contact ... is
# prohibited") belongs to the action, so the whole sentence is kept
_BARE_SUBJECT = re.compile(
    r"\s*(?:all\s+)?(?:district\s+|school\s+)?(?:employees?|staff(?:\s+members?)?|teachers?|you|they|he\s+or\s+she"
    r"|(?:the\s+)?(?:page|account)\s+administrators?|(?:employees|staff)\s+and\s+students|the\s+employee)\s*",
    re.I,
)
# the first word of a trigger phrase that is the regulated verb, not a modal ("may not communicate")
_TRIGGER_VERB = re.compile(
    r"\b(?!(?:may|must|shall|should|not|never|be|is|are|strictly|also|only|will|can|cannot|do|does|refrain|avoid"
    r"|from|to|that|required|expected|encouraged|strongly|discouraged|prohibited|allowed|permitted|sure|agree"
    r"|it|essential|mandates?|employees|staff|its|all|expects?|requires?|have|has|need|needs|the|responsibility"
    r"|of|obligated|responsible)\b)[a-z]+\b", re.I)
_CONDITION_END = re.compile(r"[;.]|,\s+(?:and|but|or)\b")


# a trailing clause that says when a rule applies, not what it regulates ("... if a student
# initiates contact with them"): its words do not name the act
_TRAILING_CONDITION = re.compile(
    r"(?:,\s*|\s+)(?:if|when|whenever|unless|while|where|because|since|regardless|even\s+if|in\s+the\s+event)\b.*$",
    re.I | re.S,
)


def _without_condition(action: str) -> str:
    cut = _TRAILING_CONDITION.sub("", action)
    return cut if len(cut.split()) >= 2 else action


def _force(text: str, kind: str, evidence: str, s: int, e: int, first: bool) -> str:
    sent = text[s:e]
    if kind == "informational":
        if first and _DEFINITION.match(sent):
            return "definition"
        if evidence:
            return "consequence"
        if _OTHER_SUBJECT.match(_lower(sent)):
            return "others"
        return "fact"
    return "rule"


def extract_norms(clause: Clause) -> tuple[Norm, ...]:
    """Every sentence of ``clause`` as a ``Norm`` (absolute offsets), in text order."""
    text = clause.text
    if not text.strip():
        return ()
    sents, _ = _analyse(text, clause.context or "")
    leads = _LEAD_IN.findall(_lower(clause.context or ""))
    others_list = bool(leads) and bool(_OTHER_SUBJECT.match(leads[-1][0]))  # "The Superintendent shall:"
    base = clause.start
    out: list[Norm] = []
    for i, x in enumerate(sents):
        kind = "conditional" if x.kind == "conditional-in-prohibition" else x.kind
        force = _force(text, kind, x.evidence, x.start, x.end, i == 0)
        if force == "fact" and (others_list or not _describes(text, x)):
            force = "others"
        # the action: after the trigger (a modal) to the sentence end; a bare-verb list item
        # ("Promptly inform ...", "Not disclose ...") or a fact is the whole sentence
        a_start, a_end = x.start, x.end
        ev_start, ev_end = x.evidence_start, x.evidence_start + len(x.evidence)
        restriction = None
        scope = (-1, -1)
        trigger, trigger_start = x.evidence, x.evidence_start
        if x.kind == "conditional-in-prohibition" and x.negative is not None:
            neg = x.negative
            restriction = neg.kind
            trigger, trigger_start = neg.evidence, neg.evidence_start
            ev_start, ev_end = neg.evidence_start, neg.evidence_start + len(neg.evidence)
            scope = (base + x.scope[0], base + x.scope[1])
        if force == "rule" and ev_start > x.start and _BARE_SUBJECT.fullmatch(text, x.start, ev_start):
            a_start = ev_end
            verb = _TRIGGER_VERB.search(text, ev_start, ev_end)  # "may not communicate": the verb is the action
            if verb:
                a_start = verb.start()
        lead = _ACTION_LEAD.match(text, a_start, a_end)
        if lead:
            a_start = lead.end()
        a_end = len(text[:a_end].rstrip(" .;:"))
        if a_end <= a_start:
            a_start, a_end = x.start, x.end
        c_start = c_end = -1
        if kind == "conditional" and x.evidence:
            c_start = x.evidence_start
            m = _CONDITION_END.search(text, c_start + len(x.evidence), x.end)
            c_end = m.start() if m else len(text[: x.end].rstrip(" .;:"))
        out.append(Norm(
            norm_id=f"{clause.clause_id}#{i}", clause_id=clause.clause_id, doc_id=clause.doc_id,
            start=base + x.start, end=base + x.end, verdict=kind, force=force,
            trigger=trigger, trigger_start=base + trigger_start if trigger_start >= 0 else -1,
            action_start=base + a_start, action_end=base + a_end,
            condition_start=base + c_start if c_start >= 0 else -1,
            condition_end=base + c_end if c_end >= 0 else -1,
            restriction=restriction, scope_start=scope[0], scope_end=scope[1],
            acts=tuple(sorted(acts(_without_condition(text[a_start:a_end]) if force == "rule" else text[x.start:x.end]))),
            people=tuple(sorted(people(text[x.start:x.end]))),
            channels=tuple(sorted(channels(text[x.start:x.end]))),
        ))
    return tuple(out)


def _local(clause: Clause, start: int, end: int) -> str:
    return clause.text[start - clause.start : end - clause.start]


def norm_text(clause: Clause, norm: Norm) -> str:
    """The sentence of ``norm`` (verbatim)."""
    return _local(clause, norm.start, norm.end)


def action_text(clause: Clause, norm: Norm) -> str:
    """What the norm regulates, verbatim ("follow/friend/connect with a student on social media")."""
    return _local(clause, norm.action_start, norm.action_end)


def norm_embed_text(clause: Clause, norm: Norm) -> str:
    """What is embedded for matching a question: the sentence itself (measured on the dev gold:
    the sentence matches as well as its action span alone, and needs no second query vector)."""
    return norm_text(clause, norm)


def all_norms(clauses: Iterable[Clause]) -> dict[str, tuple[Norm, ...]]:
    return {c.clause_id: extract_norms(c) for c in clauses}
