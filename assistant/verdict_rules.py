"""The verdict patterns: normative phrases by force (prohibited, discouraged, conditions, required,
recommended, permitted), subjects (employees vs others), list lead-ins, sentence boundaries.
Used by ``verdict.classify``; data and tiny helpers only."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    "|except|approved|emergenc|release|choose|elect|wish|decide",
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
    # "Employees who choose to use X ... shall notify ...": a choice allowed on the rule's condition
    r"\bwho\s+(?:choose|chooses|elect|elects|wish|wishes|decide|decides)\s+to\b",
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
    "gmail": "email",
    "mail": "email",
}
