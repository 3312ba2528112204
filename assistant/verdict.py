"""Normative language -> ``Verdict(label, evidence, evidence_start)``; pure regex, no model.

A clause is split into sentences; each sentence gets a label from its trigger phrases (modal
verbs, "is prohibited", conditions such as "without written permission"), with their negation
scope. The clause's verdict is the strongest employee-directed sentence, by ``CLAUSE_PRECEDENCE``:
a condition inside a prohibition > prohibited > discouraged > conditional > required >
recommended > permitted > informational. Consequences ("may be subject to discipline"), duties
of others ("The Superintendent shall ...") and awareness ("should be aware that ...") are
informational. With a ``query``, the sentences sharing the most (stemmed, non-stop) words with it
are preferred, then the same precedence applies among them; a query about the part of a sentence
that a condition does not reach ("shall not post X, including Y without permission") gets the
prohibition, and a permission is read with any condition in its clause that the query touches.
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


def _rx(*parts: str) -> re.Pattern[str]:
    """A lowercase pattern, matched against lowercased text (2-3x faster than IGNORECASE)."""
    pattern = "|".join(f"(?:{p})" for p in parts)
    assert pattern == pattern.lower(), pattern
    return re.compile(pattern)


@dataclass(frozen=True)
class _Family:
    """Trigger patterns of one kind, and words one of which a sentence must hold for them to be tried
    at all (a substring test is far cheaper than the regex). ``rx`` only starts at a word whose
    first letter some pattern can start with (``starts``): 2-5x faster than trying every pattern at
    every character; ``plain`` is the same alternation without that guard (tests compare them)."""

    rx: re.Pattern[str]
    gate: tuple[str, ...]
    plain: re.Pattern[str]

    def scan(self, text: str, low: str) -> list[re.Match[str]]:
        return list(self.rx.finditer(text)) if any(w in low for w in self.gate) else []


def _family(gate: str, *parts: str, starts: str = "") -> _Family:
    plain = _rx(*parts)
    rx = re.compile(rf"\b(?=[{starts}])(?:{plain.pattern})") if starts else plain
    return _Family(rx, tuple(gate.split("|")), plain)


def _lower(text: str) -> str:
    """``text.lower()`` with the same length, so offsets carry over."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


_PARTICIPLE = r"(?:\w+ed|\w+en|made|sent|put|set|kept|held|left|read|shown|done|shared|used)"
_PROHIBITED = _family(
    "not|never|refrain|avoid|prohibit|forbid|banned|no |inappropriate|unacceptable|impermissible",
    r"\b(?:shall|must)\s+(?:never|not)\b",
    rf"\bmay\s+not\s+(?:be\s+{_PARTICIPLE}\b|(?!be\b)\w+)",  # "may not be offensive" is epistemic
    r"\bcan\s*not\b",
    r"\b(?:shall|must)\s+(?:refrain|avoid)\b",
    r"\b(?:is|are|be)\s+(?:strictly\s+)?(?:prohibited|forbidden)(?:\s+from)?\b",
    r"\bstrictly\s+(?:prohibited|forbidden)\b",
    r"\bprohibited\s+from\b",
    r"\b(?:is|are)\s+not\s+(?:permitted|allowed|permissible|acceptable|to\s+(?!be\b)\w+)\b",
    # "... is inappropriate" rules; "content that is inappropriate" describes
    r"(?<!that\s)(?<!which\s)\b(?:is|are)\s+(?:inappropriate|unacceptable|impermissible|not\s+appropriate)\b",
    r"\b(?:is|are)\s+(?:strictly\s+)?(?:banned|not\s+tolerated)\b",
    r"\bwill\s+not\s+be\s+tolerated\b",
    r"\bno\s+(?:employee|staff|staff\s+member|teacher|person|one)s?\s+(?:shall|may|must|will|can)\b",
    r"\bunder\s+no\s+circumstances?\b",
    r"\bwill\s+(?:not|never)\s+(?!be\b)\w+",  # "Staff will not text students" (employee subject)
    r"\bdo\s+not\b(?=\s+[a-z])",  # imperative "Do not plagiarize" (start-of-sentence checked below)
    starts="abcdimnpsuw",
)
_DISCOURAGED = _family(
    "should|discourag|recommend|advis",
    r"\bshould\s+(?:not|never)\b",
    r"\bshould\s+(?:refrain|avoid)\b",
    r"\b(?:is|are)\s+(?:strongly\s+)?discouraged(?:\s+from)?\b",
    r"\bnor\s+should\b",
    r"\b(?:is|are)\s+(?:not\s+(?:recommended|advisable|advised)|inadvisable)\b",
    r"\b(?:is|are)\s+(?:strongly\s+)?advised\s+(?:not\s+to|against)\b",
    r"\bno\s+(?:employee|staff|staff\s+member|teacher)s?\s+should\b",
    starts="ains",
)
_COND_WORDS = r"(?:permission|approval|authorization|consent|(?:media|photo|signed)\s+release)"
_NOT_PROCESS = r"\b(?!\s+(?:process|form|requirements?|procedures?)\b)"
_CONDITION = _family(
    "unless|without|permission|approval|authoriz|consent|provided|when|only|restricted|limited|do so|does so"
    "|except|approved|emergenc|release",
    r"\bunless\s+(?:otherwise\s+)?(?:authorized|approved|permitted)\b",
    r"\bunless\b",
    rf"\bwithout\s+(?:the\s+)?(?:[\w-]+['’]s\s+)?(?:[\w-]+\s+){{0,2}}{_COND_WORDS}{_NOT_PROCESS}",
    rf"\b(?:(?:must|shall)\s+)?(?:may\s+do\s+so\s+)?(?:only\s+)?"
    rf"(?:with|receive|obtain|have|has|get|secure|requires?|need|needs)\s+"
    rf"(?:the\s+|an?\s+)?(?:[\w-]+['’]s\s+)?(?:[\w-]+\s+){{0,2}}{_COND_WORDS}{_NOT_PROCESS}",
    r"\b(?:may\s+do\s+so\s+)?provided(?:\s+that)?\b"
    r"(?!\s+(?:by|to|in|for|with|on|at|from|under|below|above|herein|through|via|as)\b)(?=\s+\w)",
    r"\bonly\s+(?:be\s+)?(?:allowed|permitted|acceptable|allowable)\b",
    r"\bwhen\s+(?:it\s+is\s+)?(?:educationally|instructionally)\s+(?:necessary|appropriate)\b",
    r"\bwhen\s+such\s+\w+\s+meets?\s+the\s+following\s+requirements\b",
    r"\bonly\s+during(?:\s+[\w-]+){0,2}\s+(?:times|hours)\b",
    r"\bonly\s+(?:during|when|if|after|before|while)\b",
    r"\b(?:is|are)\s+(?:restricted|limited)\s+to\b",
    r"\bin\s+(?:an?\s+|case\s+of\s+(?:an?\s+)?)?emergenc(?:y|ies)\b",
    r"\bif\s+(?:an\s+employee|the\s+employee|employees|you|they|he\s+or\s+she|staff)\s+(?:does|do)\s+so\b",
    r"\bexcept\s+(?:as|with|when|where|in|for|if)\b",
    r"(?<!not\s)\bonly\s+(?:through|via|using|by|on|with|to|for)\b",
    r"\b(?:platforms?|accounts?|channels?|purposes?|means|devices?|sites?)\s+only\b(?=\s*(?:[.,;)]|$))",
    r"\b(?:if|when|once)\s+(?:approved|authorized)\b",
    starts="acdeghimnoprsuw",
)
_REQUIRED = _family(
    "must|shall|require|expect|mandat|essential|agree|responsib|be sure|oblig|direct|will|need|have to|has to",
    r"\bmust\b(?!\s+not\b)",
    r"\bshall\b(?!\s+(?:not|never|refrain|avoid)\b)",
    r"\b(?:is|are)\s+required\s+(?:to|that)\b",
    r"\bit\s+is\s+required\b",
    r"\b(?:is|are)\s+expected\s+to\b",
    r"\bexpects?\s+(?:its\s+|all\s+)?(?:employees|staff)\s+to\b",
    r"\bmandates?\s+that\s+(?:employees|staff)\b",
    r"\brequires?\s+(?:all\s+)?(?:employees|staff)\s+to\b",
    r"\bit\s+is\s+essential\s+that\b",
    r"\bagree\s+to\s+abide\b",
    r"\bha(?:ve|s)\s+the\s+responsibility\s+(?:of|to)\b",
    r"\bbe\s+sure\b",
    r"\b(?:is|are)\s+(?:obligated|obliged|mandated|directed|responsible)\s+(?:to|for)\b",
    r"\b(?:is|are)\s+mandatory\b",
    r"\bit\s+is\s+the\s+responsibility\s+of\b",
    r"\b(?:need|needs|have|has)\s+to\b(?=\s+[a-z])",  # "Employees need to ..." (employee subject)
    r"\bwill\b(?!\s+(?:not|never|be|have|receive|reflect|find|need)\b)",  # "Staff will ..." (employee subject)
    starts="abehimnrsw",
)
_RECOMMENDED = _family(
    "should|encourag|recommend|advis|ought",
    r"\bshould\b(?!\s+(?:not|never|refrain|avoid)\b)",
    r"\b(?:is|are)\s+(?:strongly\s+)?encouraged\s+to\b",
    r"\bencourages?\s+(?:its\s+|all\s+)?(?:employees|staff)\s+to\b",
    r"\b(?:is|are)\s+(?:strongly\s+)?recommended\b",
    r"\brecommends?\s+that\b",
    r"\b(?:is|are)\s+(?:strongly\s+)?advised\s+to\b",
    r"\bit\s+is\s+advisable\b",
    r"\bought\s+to\b",
    starts="aeiors",
)
_PERMITTED = _family(
    "may|allow|permi|acceptable|discourage|can|free to",
    rf"\bmay\s+(?:also\s+|only\s+)?be\s+{_PARTICIPLE}\b",  # "may be used ...": a permission, whoever
    r"\bmay\b(?!\s+not\b)",
    r"\bcan\b(?!\s*not\b)(?!\s+(?:be|have|never)\b)",  # "Staff can ..." (employee subject)
    r"\b(?:is|are)\s+(?:permissible|free\s+to)\b",
    r"\b(?:is|are)\s+(?:allowed|permitted)\s+to\b",
    r"\bpermitted\s+to\b",
    r"\b(?:is|are)\s+(?:acceptable|allowable|allowed|permitted)\b",
    r"\bdoes\s+not\s+discourage\b",
    starts="acdimp",
)
_CONSEQUENCE = _family(
    "subject to|result|lead to|impact|possibility|may |disciplined|face",
    r"\b(?:may|will|could|can|shall)\s+(?:still\s+|also\s+)?"
    r"(?:be\s+subject\s+to|result\s+in|lead\s+to|have\s+an\s+impact)\b",
    r"\b(?:is|are|be)\s+(?:also\s+)?subject\s+to\b",
    r"\bface\s+the\s+possibility\s+of\b",
    r"\bcan\s+have\s+an\s+impact\b",
    r"\bmay\s+(?:be\s+considered|impact|affect|bring|protect|be\s+useful)\b",
    r"\b(?:may|will|could|can)\s+(?:also\s+)?(?:be\s+disciplined|face)\b",
    starts="abcfimsw",
)
# "should be aware that ..." and "recognizes that ...": the modal is no rule, and what follows is
# mostly description (positive triggers there are dropped; prohibitions and conditions are kept).
_AWARENESS = _family(
    "aware|mindful|assume|remember|understand|cautioned|warned|reminded|advised|informed",
    r"\b(?:should|shall|must)\s+(?:also\s+)?(?:be\s+(?:aware|mindful)|assume|remember|understand)\b",
    r"^\s*be\s+aware\b",
    r"\b(?:is|are)\s+(?:cautioned|warned|reminded|advised|informed)\s+that\b",
)
_RECOGNIZES = _family(
    "recogniz|acknowledg|understand|presumed", r"\b(?:recognizes?|acknowledges?|understands?|presumed)\s+that\b"
)

_EMPLOYEE = _rx(
    r"\b(?:employees?|staff(?:\s+members?)?|teachers?|you|they|he\s+or\s+she|personnel|coaches|sponsors"
    r"|(?:page|account)\s+administrators?|that\s+person)\b(?!['’]s)"
)
_OTHER_SUBJECT = _rx(
    r"^\s*(?:and\s+|or\s+)?(?:the\s+|this\s+|its\s+)?"
    r"(?:board\b|superintendent\b|district\s+administrat|administration\b|building\s+principals?\b|principals?\b"
    r"|policy\b|district\b(?!\s+(?:employees?|staff|websites?))"
    r"|school\s+district\b(?!\s+employees?)|students?\b(?!\s+(?:and|or)\s+(?:employees|staff)))"
)
# triggers that name the employees themselves, whoever the grammatical subject is
_EMPLOYEE_DIRECTED = _rx(r"encourag", r"mandat", r"requires?\s", r"expects?\s", r"does\s+not\s+disc", r"it\s+is\s+")
# modals that are a rule only with employees as their subject ("Statements that may ...")
_WEAK_MODAL = _rx(
    r"(?:may(?!\s+not)|can(?!\s*not)|will(?!\s+not\s+be\s+tolerated)|need|needs|have|has)\b"
    r"(?!\s+(?:also\s+|only\s+)?be\s)"
)
# a condition that is a rule by itself, even in a sentence with no other trigger
_SELF_CONDITION = _rx(
    r"(?:must|shall|may)\s", r"(?:is|are)\s+(?:restricted|limited)", r"only\s", r"(?:requires?|needs?)\s"
)
_BOUNDARY = re.compile(r"[,;:()]")
_IMPERATIVE = re.compile(
    r"^\s*((?:(?:Promptly|Periodically|Annually|Always|Immediately)\s+)?"
    r"(?i:use|adhere|report|inform|assume|provide|ensure|build|direct|remind|review|give|ask|comply|maintain"
    r"|notify|obtain|keep|follow|respect|set|identify|limit|share|protect|copy|consult|seek|contact|remove"
    r"|monitor|make|exercise|take|treat|submit|post|be|abide|accept|act|conduct)\b)(?!\s+of\b)"
)
_MANAGERIAL = re.compile(
    r"^\s*(?:(?:Promptly|Periodically|Annually)\s+)?(?i:inform|remind|provide|direct|build|review|ensure)\b"
    r"[^.]{0,40}?\b(?:District\s+employees|building\s+staff|Building\s+Principals|this\s+policy"
    r"|neither\s+the\s+District)"
)
_MARKER = re.compile(r"(?:\s*(?:[•▪◦·*-]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)])[ \t\xa0]+(?=\S))+")
_NOT_START = re.compile(r"^\s*(Not\s+[a-z]+)")
_REFRAIN_START = re.compile(r"^\s*((?:Refrain|Avoid)\s+from|Avoid)\b")
_NEVER_START = re.compile(r"^\s*(Never\s+[a-z]+|Do\s+not|Don['’]t)\b")
# the subject of a list's lead-in, e.g. "The Superintendent" in "The Superintendent shall:"
_LEAD_IN = _rx(
    r"([^\n:.;>]*?)\b((?:shall|must|may|should|will)(?:\s+not)?|(?:are|is)\s+(?:encouraged|expected|required)\s+to)\s*:"
)
# how a bare-verb item of a list reads, by the modal of the list's lead-in ("Employees shall not:")
_LEAD_KIND = {
    "shall not": "prohibited",
    "must not": "prohibited",
    "may not": "prohibited",
    "will not": "prohibited",
    "should not": "discouraged",
    "should": "recommended",
    "may": "permitted",
}
_DEFINITION = re.compile(r"^\s*[A-Z][\w/&'’ -]{0,48}?\s[-–—]\s+[A-Z“\"]")
_QUOTE = re.compile(r"[“\"][^”\"]{2,}[”\"]")
_MASK_ALWAYS = _rx(r"\bwithout\s+limitation\b", r"\bbut\s+(?:is\s+|are\s+)?not\s+limited\s+to\b")
# Sentence ends: . ! ? (a closing quote/paren may follow) then space and a capital, but not after
# an abbreviation; a newline always ends one.
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|No|Ill|Admin|Mr|Ms|Mrs|Dr|St|vs|Inc|U\.S)\.|\b[A-Z]\.)[”\"')]*$")
_SENT_END = re.compile(r"[.!?][”\"')]*\s+(?=[A-Z“\"(])|\n+")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    """a about above after again all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each either few for from further had has have having
    he her here hers him his how i if in into is it its itself just let me more most my no nor not of off on
    once only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours may might must shall ok okay allowed allow permitted can cannot
    employee employees staff district school teacher teachers policy am want need use using social media
    online""".split()
)
# a few spellings of one thing, after stemming ("photographs" and "pics" are both photos)
_CANON = {
    "photograph": "photo",
    "pictur": "photo",
    "pic": "photo",
    "imag": "photo",
    "txt": "text",
    "dm": "messag",
    "im": "messag",
    "msg": "messag",
    "mascot": "logo",
}


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
        if best > 0:  # no overlap at all: the query says nothing about the clause's parts
            chosen = _pick([x for sc, x in scored if sc == best])
            if chosen.negative and not q & _terms(text[chosen.scope[0] : chosen.scope[1]]):
                chosen = chosen.negative  # the question is about what is prohibited outright
            elif chosen.kind == "permitted":  # a permission is read with the conditions put on it
                conditions = [x for sc, x in scored if sc > 0 and x.kind == "conditional"]
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
