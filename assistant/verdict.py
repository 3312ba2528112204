"""Normative language -> ``Verdict(label, evidence, evidence_start)``; pure regex, no model.

A clause is split into sentences; each sentence gets a label from its trigger phrases (modal
verbs, "is prohibited", conditions such as "without written permission"), with their negation
scope. The clause's verdict is the strongest employee-directed sentence, by ``CLAUSE_PRECEDENCE``:
a condition inside a prohibition > prohibited > discouraged > conditional > required >
recommended > permitted > informational. Consequences ("may be subject to discipline"), duties
of others ("The Superintendent shall ...") and awareness ("should be aware that ...") are
informational. With a ``query``, the sentences sharing the most (stemmed, non-stop) words with it
are preferred, then the same precedence applies among them (when those words fall only on a plain
description, the clause's rules about it are read instead; a question about consequences, "what
happens if ...", gets the consequence sentence); a query about the part of a sentence
that a condition does not reach ("shall not post X, including Y without permission") gets the
prohibition, and a permission is read with any condition in its clause that the query touches or
that the next sentence puts on it ("However, if an employee does so, ...").
``context`` (the chunk's headings/lead-in) lets "The Superintendent shall:" items read as duties
of others. ``strongest`` picks a district's verdict from its clauses' (order: ``VERDICT_PRIORITY``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.types import NOT_ADDRESSED, VERDICTS, Verdict

__all__ = ["CLAUSE_PRECEDENCE", "VERDICT_PRIORITY", "classify", "strongest"]

# District-level order (``strongest``): the most restrictive answer a district gives, first.
VERDICT_PRIORITY: dict[str, int] = {
    label: rank
    for rank, label in enumerate(
        ("prohibited", "conditional", "discouraged", "required", "recommended", "permitted", "informational")
    )
}
# Sentence order inside one clause; "conditional" here is a condition on a positive rule, while a
# condition inside a prohibition ranks first (it is what the clause really rules).
CLAUSE_PRECEDENCE: tuple[str, ...] = (
    "conditional-in-prohibition",
    "prohibited",
    "discouraged",
    "conditional",
    "required",
    "recommended",
    "permitted",
    "informational",
)
_RANK = {name: i for i, name in enumerate(CLAUSE_PRECEDENCE)}
assert set(VERDICT_PRIORITY) == set(VERDICTS)


from .verdict_rules import (  # noqa: F401
    _rx,
    _Family,
    _family,
    _lower,
    _PARTICIPLE,
    _PROHIBITED,
    _DISCOURAGED,
    _COND_WORDS,
    _NOT_PROCESS,
    _CONDITION,
    _REQUIRED,
    _RECOMMENDED,
    _PERMITTED,
    _CONSEQUENCE,
    _AWARENESS,
    _RECOGNIZES,
    _EMPLOYEE,
    _OTHER_SUBJECT,
    _EMPLOYEE_DIRECTED,
    _WEAK_MODAL,
    _SELF_CONDITION,
    _BOUNDARY,
    _IMPERATIVE,
    _MANAGERIAL,
    _MARKER,
    _NOT_START,
    _REFRAIN_START,
    _NEVER_START,
    _LEAD_IN,
    _LEAD_KIND,
    _DEFINITION,
    _QUOTE,
    _MASK_ALWAYS,
    _ABBREV,
    _SENT_END,
    _WORD,
    _STOP,
    _CANON,
)

@dataclass(frozen=True)
class _Sent:
    start: int
    end: int
    kind: str  # a CLAUSE_PRECEDENCE name
    evidence: str
    evidence_start: int  # offset in the clause text
    # for a condition inside a prohibition: the prohibition itself and the condition's reach, so
    # a query about another part of the sentence gets the prohibition
    negative: _Sent | None = None
    scope: tuple[int, int] = (0, 0)


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ally", "al"), ("ly", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us")):
            word = word[: len(word) - len(suffix)] + repl
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _terms(text: str) -> set[str]:
    stems = (_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)
    return {_CANON.get(w, w) for w in stems}


def _sentences(text: str, begin: int = 0) -> list[tuple[int, int]]:
    spans, start = [], begin
    for m in _SENT_END.finditer(text, begin):
        if m.group().strip() and _ABBREV.search(text[start : m.start() + 1]):
            continue
        end = m.start() + len(m.group().rstrip())
        if text[start:end].strip():
            spans.append((start, end))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    # trim leading whitespace so starts point at the first character
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans]


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _mask(text: str) -> str:
    """Lowercased same-length copy with quoted material, 'without limitation' etc. blanked out."""
    low = _lower(text)
    chars = list(low)
    for m in _MASK_ALWAYS.finditer(low):
        _blank(chars, m.start(), m.end())
    for m in _QUOTE.finditer(text):
        # a quotation inside the clause (a disclaimer to post, a phrase), not a clause that is all quote
        introduced = ":" in text[max(0, m.start() - 3) : m.start()]
        if introduced or m.end() - m.start() < 0.6 * len(text.strip()):
            _blank(chars, m.start(), m.end())
    return "".join(chars)


def _subject_window(sent: str, pos: int) -> str:
    """The words before a trigger, back to the last comma/semicolon/paren (or the sentence start)."""
    head = sent[:pos]
    cut = max((m.end() for m in _BOUNDARY.finditer(head)), default=0)
    window = head[cut:]
    return window if window.strip() else head


def _employee_subject(window: str) -> bool:
    """Do employees do what the modal after ``window`` says? ("the liability that can ..." : no)"""
    words = window.split()
    if words and words[-1] in ("that", "which"):
        return len(words) >= 2 and bool(_EMPLOYEE.fullmatch(words[-2]))
    return bool(_EMPLOYEE.search(window))


def _is_other(sent: str, pos: int) -> bool:
    return bool(_OTHER_SUBJECT.match(_subject_window(sent, pos)))


def _classify_sentence(text: str, masked: str, s: int, e: int, first: bool, list_kind: str) -> _Sent:
    raw, sent = text[s:e], masked[s:e]
    info = _Sent(s, e, "informational", "", -1)
    if first and _DEFINITION.match(raw):
        return info

    def hit(m: re.Match[str] | None, kind: str, group: int = 0) -> _Sent:
        assert m is not None
        return _Sent(s, e, kind, raw[m.start(group) : m.end(group)], s + m.start(group))

    # duties of others and consequences: blank them out, remember a consequence as evidence
    work = list(sent)
    consequence = None
    low = sent  # already lowercased by _mask
    for m in _CONSEQUENCE.scan(sent, low):
        consequence = consequence or m
        _blank(work, m.start(), m.end())
    aware_from = len(sent)  # after "should be aware that", positive triggers are description
    for m in _AWARENESS.scan(sent, low):
        _blank(work, m.start(), m.end())
        aware_from = min(aware_from, m.end())
    for m in _RECOGNIZES.scan(sent, low):  # "recognizes that ...": no trigger after it at all
        _blank(work, m.start(), len(sent))
    cur = "".join(work)

    def found(family: _Family, positive: bool) -> list[re.Match[str]]:
        out = []
        for m in family.scan(cur, low):
            if positive and m.start() >= aware_from:
                continue
            if _is_other(cur, m.start()) and not _EMPLOYEE_DIRECTED.match(m.group()):
                continue
            if _WEAK_MODAL.match(m.group()) and not _employee_subject(_subject_window(cur, m.start())):
                continue  # "may", "can", "will", "need to" say little unless employees are the subject
            out.append(m)
        return out

    def as_sent(ms: list[re.Match[str]], kind: str) -> list[_Sent]:
        return [hit(m, kind) for m in ms]

    # "do not" only as an imperative at the sentence start
    neg = [m for m in found(_PROHIBITED, False) if not m.group().startswith("do") or not cur[: m.start()].strip()]
    prohibited = as_sent(neg, "prohibited")
    discouraged = as_sent(found(_DISCOURAGED, False), "discouraged")
    cond = as_sent(_CONDITION.scan(cur, low), "conditional")  # a condition binds whoever rules
    req = as_sent(found(_REQUIRED, True), "required")
    rec = as_sent(found(_RECOMMENDED, True), "recommended")
    per = as_sent(found(_PERMITTED, True), "permitted")
    # clause-start forms of a "shall:" list ("Not disclose ...", "Refrain from ...", "Use ...")
    m = (_NOT_START.match(raw) if first else None) or _NEVER_START.match(raw)
    if m:
        prohibited.insert(0, hit(m, "prohibited", 1))
    elif first and (m := _REFRAIN_START.match(raw)):
        discouraged.insert(0, hit(m, "discouraged", 1))
    elif first and (m := _IMPERATIVE.match(raw)) and list_kind != "informational" and not _MANAGERIAL.match(raw):
        if not (consequence and consequence.start() < 25) and not _AWARENESS.rx.match(sent):
            item = hit(m, list_kind, 1)  # an item of "... shall:" (or "shall not:", "should:", ...)
            {"prohibited": prohibited, "discouraged": discouraged, "recommended": rec, "permitted": per}.get(
                list_kind, req
            ).append(item)

    if not (prohibited or discouraged or req or rec or per):
        cond = [c for c in cond if _SELF_CONDITION.match(c.evidence.lower())]

    if (prohibited or discouraged) and cond:
        negative = (prohibited or discouraged)[0]
        c = cond[0]
        scope = (s, e)  # "Unless authorized ..., X shall not ...": the whole sentence
        if c.evidence_start > min(x.evidence_start for x in prohibited + discouraged):
            # "shall not X, including Y without permission": the condition reaches Y only
            scope = (s + _segment_start(sent, c.evidence_start - s), c.evidence_start + len(c.evidence))
        return _Sent(s, e, "conditional-in-prohibition", c.evidence, c.evidence_start, negative, scope)
    for group in (prohibited, discouraged, cond, req, rec, per):
        if group:
            return min(group, key=lambda x: x.evidence_start)
    if consequence:
        return hit(consequence, "informational")
    return info


_CONSEQUENCE_QUESTION = re.compile(
    r"\b(?:what\s+happens|consequences?|penalt(?:y|ies)|punish\w*|(?:get|be|being)\s+(?:fired|disciplined|in\s+trouble))\b",
    re.IGNORECASE,
)
_JOINED_RULE = re.compile(r"\b(?:and|or)\s+(?:shall|should|must|may)\b")


def _segment_start(sent: str, pos: int) -> int:
    """Start of the list item a condition at ``pos`` belongs to: after the last comma or semicolon
    outside parentheses (or the sentence start)."""
    depth, cuts = 0, [0]
    for i, ch in enumerate(sent[:pos]):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch in ",;" and depth == 0:
            cuts.append(i + 1)
    if len(cuts) > 1 and sent[cuts[-1] :].lstrip().startswith("such as"):  # "comments, such as ..."
        cuts.pop()
    # "... and shall avoid Y unless ...": a second rule joined by "and" starts a new segment
    joins = [m.start() for m in _JOINED_RULE.finditer(sent, 0, pos)]
    return max([cuts[-1], *joins])


def _pick(cands: list[_Sent]) -> _Sent:
    return min(cands, key=lambda c: (_RANK[c.kind], c.start))


@functools.lru_cache(maxsize=4096)
def _analyse(text: str, context: str) -> tuple[list[_Sent], list[set[str]]]:
    """The query-independent part of ``classify`` (each sentence's force and words), cached per
    clause: a clause is classified again for every question that cites it."""
    masked = _mask(text)
    list_kind = "required"  # a bare verb opening a clause: an item of an employees' "shall:" list
    if leads := _LEAD_IN.findall(_lower(context)):
        subject, modal = leads[-1]
        modal = " ".join(modal.split())
        list_kind = "informational" if _OTHER_SUBJECT.match(subject) else _LEAD_KIND.get(modal, "required")
    marker = _MARKER.match(text)  # "8.", "•", "A." where a clause kept its list marker
    spans = _sentences(text, marker.end() if marker else 0)
    sents = [_classify_sentence(text, masked, s, e, i == 0, list_kind) for i, (s, e) in enumerate(spans)]
    return sents, [_terms(text[x.start : x.end]) for x in sents]


def _describes(text: str, x: _Sent) -> bool:
    """A plain description: no rule, no consequence, and not a duty of others ("The Superintendent
    shall designate ..." answers a question about who does it)."""
    return x.kind == "informational" and not x.evidence and not _OTHER_SUBJECT.match(_lower(text[x.start : x.end]))


def classify(text: str, query: str | None = None, *, context: str | None = None) -> Verdict:
    """The verdict of one clause. ``query`` focuses mixed clauses on the sentences it is about;
    ``context`` (the clause's heading/lead-in, e.g. "The Superintendent shall:") marks a list of
    duties of others."""
    if not text or not text.strip():
        return Verdict("informational", "", -1)
    sents, sent_terms = _analyse(text, context or "")
    chosen = _pick(sents)
    if query:
        q = _terms(query)
        scored = [(len(q & terms), x) for terms, x in zip(sent_terms, sents)]
        best = max(sc for sc, _ in scored)
        if _CONSEQUENCE_QUESTION.search(query):
            # "What happens if I violate it?": the sentence that states the consequence answers it,
            # unless another sentence speaks to the question's own words more
            cons = [(sc, x) for sc, x in scored if x.kind == "informational" and x.evidence]
            rule_best = max((sc for sc, x in scored if x.kind != "informational"), default=0)
            if cons and (max(sc for sc, _ in cons) > rule_best or rule_best == 0):
                x = max(cons, key=lambda c: c[0])[1]
                return Verdict("informational", x.evidence, x.evidence_start)
        if best > 0 and all(_describes(text, x) for sc, x in scored if sc == best):
            # the question's words fall on a description ("Messages are never truly private."); the
            # clause's rule about it ("... should set privacy settings") is what governs
            rules = [(sc, x) for sc, x in scored if x.kind != "informational"]
            if rules:
                scored, best = rules, max(sc for sc, _ in rules)
                chosen = _pick([x for sc, x in rules if sc == best])
        if best > 0:  # no overlap at all: the query says nothing about the clause's parts
            chosen = _pick([x for sc, x in scored if sc == best])
            if chosen.negative and not q & _terms(text[chosen.scope[0] : chosen.scope[1]]):
                chosen = chosen.negative  # the question is about what is prohibited outright
            elif chosen.kind == "permitted":  # a permission is read with the conditions put on it
                after = sents.index(chosen) + 1
                attached = sents[after : after + 1] if after < len(sents) else []
                conditions = [x for sc, x in scored if sc > 0 and x.kind == "conditional"] + [
                    x for x in attached  # "... may identify themselves. However, if an employee does so, ..."
                    if x.kind == "conditional" and re.search(r"\bd(?:o|oes)\s+so\b", x.evidence.lower())]
                chosen = _pick(conditions) if conditions else chosen
            elif chosen.kind in ("prohibited", "discouraged"):
                # "discouraged from texting a student individually ... may text an individual student
                # when educationally necessary": a restriction with a conditional exception, on the
                # same subject, rules "conditional".
                exceptions = [x for sc, x in scored if sc > 0 and x.kind == "conditional" and x is not chosen]
                chosen = _pick(exceptions) if exceptions else chosen
    label = "conditional" if chosen.kind == "conditional-in-prohibition" else chosen.kind
    return Verdict(label, chosen.evidence, chosen.evidence_start)


def strongest(labels: Iterable[str]) -> str:
    """A district's overall verdict from its clauses' verdicts: the most restrictive by
    ``VERDICT_PRIORITY`` (prohibited > conditional > discouraged > required > recommended >
    permitted > informational); informational only when nothing else is there; ``NOT_ADDRESSED``
    for no labels at all."""
    seen = list(labels)
    unknown = [x for x in seen if x not in VERDICT_PRIORITY]
    if unknown:
        raise ValueError(f"unknown verdict label(s): {', '.join(map(repr, unknown))}")
    if not seen:
        return NOT_ADDRESSED
    return min(seen, key=VERDICT_PRIORITY.__getitem__)
