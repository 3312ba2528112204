"""What kind of act a span of text is about, in the language of staff social-media policies.

A rule about one act never rules on another that merely shares its words: "inform your supervisor
if a student contacts you" (report) does not rule on "may I follow students on TikTok" (connect);
"must use district e-mail to communicate" (communicate) does not rule on becoming friends
online. Each span gets the set of act classes its words name (staff words and policy words
alike) and the set of people it is about (students, parents); a norm may rule on a question only
when, where both name an act, they share one, and where both name the people, they share them.

The lexicon is the vocabulary of the policies' own subject (personal and professional use of
social media and electronic communication by school employees), not of any question set.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["acts", "agrees", "people", "channels", "compatible"]

_ACT_WORDS: dict[str, tuple[str, ...]] = {
    "connect": (
        r"(?<!the\s)(?<!as\s)follow(?:s|ed|ing)?(?!\s+(?:all|these|this|those|applicable|any|guidelines|requirements|procedures|rules|policies|steps|laws"
        r"|the\s+(?:guidelines|rules|policy|policies|law|laws|procedures|requirements)))",
        r"unfollow\w*", r"friend(?:s|ed|ing)?", r"befriend\w*", r"unfriend\w*", r"connect(?:s|ed|ing)?",
        r"fans?", r"friend\s+requests?", r"follow\s+requests?", r"followers?", r"interact\w*", r"add\s+(?:them|him|her)",
    ),
    "communicate": (
        r"communicat\w*", r"contact(?:s|ed|ing)?", r"messag\w*", r"texts?", r"texting", r"texted", r"txt\w*", r"sms",
        r"dms?", r"direct\s+messag\w*", r"pms?", r"chats?", r"chatting", r"e-?mail\w*", r"gmail", r"snap(?:s|ped|ping)?",
        r"snapchat\w*", r"call(?:s|ed|ing)?", r"phon\w*", r"repl(?:y|ies|ied|ying)", r"respond\w*", r"conversations?",
        r"talk\w*", r"send\w*", r"sent", r"instant\s+messag\w*", r"one[- ]to[- ]one", r"one[- ]on[- ]one", r"1\s*on\s*1",
        r"group\s+(?:text|chat|message)\w*", r"whatsapp", r"discord", r"reach(?:ing)?\s+out",
    ),
    "post": (
        r"post(?:s|ed|ing)?", r"repost\w*", r"re-?shar\w*", r"shar(?:e|es|ed|ing)", r"upload\w*", r"publish\w*",
        r"tweet\w*", r"comment\w*", r"lik(?:e|es|ed|ing)", r"blog\w*", r"put(?:ting)?", r"web\s+posts?",
        r"submit\w*", r"stream\w*", r"statements?", r"opinions?", r"speech", r"express\w*",
    ),
    "disclose": (
        r"disclos\w*", r"confidential\w*", r"reveal\w*", r"privacy\s+laws?", r"student\s+records?",
        r"personally\s+identifiable", r"proprietary", r"protected\s+information", r"leak\w*",
    ),
    "use": (
        r"us(?:e|es|ed|ing)", r"utiliz\w*", r"access\w*", r"participat\w*", r"scroll\w*", r"brows\w*",
        r"social\s+networking", r"networking", r"on\s+duty", r"work\s+(?:hours|day|times?)", r"school\s+day",
        r"lunch", r"break", r"duty[- ]free", r"on\s+the\s+clock", r"during\s+(?:class|school|work)",
    ),
    "create": (
        r"creat\w*", r"make", r"making", r"set\s+up", r"start\w*", r"formation", r"establish\w*", r"launch\w*",
        r"open\s+an?\s+account", r"(?:class|club|team|classroom|sports?)\s+(?:page|account|site|twitter|instagram)",
        r"pages?", r"accounts?", r"websites?", r"platforms?", r"request\s+form",
    ),
    "report": (
        r"report\w*", r"inform\w*", r"notif\w*", r"tell\w*", r"alert\w*", r"supervisor", r"principal",
        r"abuse", r"neglect",
    ),
    "identify": (
        r"identif\w*", r"alias\w*", r"anonym\w*", r"pseudonym\w*", r"fake\s+(?:name|account|profile)", r"finsta\w*",
        r"burner", r"identity", r"impersonat\w*", r"disclaimer\w*", r"own\s+opinions?", r"views?\s+expressed",
        r"bio", r"profiles?",
    ),
    "logo": (r"logos?", r"mascots?", r"crests?", r"insignia\w*", r"symbols?", r"emblem\w*", r"brand\w*", r"graphic\s+representations?"),
    "link": (r"link\w*", r"hyperlink\w*"),
    "privacy": (r"privacy\s+settings?", r"private", r"privacy\s+tools?", r"restrictive", r"lock(?:ed)?\s+down"),
    "copyright": (r"copyright\w*", r"fair\s+use", r"plagiari\w*", r"credit", r"photographers?", r"licens\w*", r"music"),
    "monitor": (r"monitor\w*", r"inspect\w*", r"passwords?", r"request\s+access", r"copies\s+of", r"watch\w*", r"vigilant",
                r"remov\w*", r"delet\w*", r"moderat\w*", r"screen\s*shot\w*"),
    "photo": (r"photo\w*", r"pic(?:s|tures?)?", r"images?", r"videos?", r"selfies?"),
    "discipline": (r"disciplin\w*", r"fired", r"terminat\w*", r"dismiss\w*", r"consequences?", r"trouble", r"suspen\w*",
                   r"violat\w*", r"penalt\w*", r"attorney\s+fees", r"indemnif\w*"),
    "define": (r"defin\w*", r"means?", r"counts?\s+as", r"includes"),
}
# acts that answer one another: posting a photo of a student is disclosing it; creating a class
# page is using social media for school; a photo is posted or disclosed
_COMPATIBLE: dict[str, frozenset[str]] = {
    "post": frozenset({"post", "disclose", "photo", "use"}),
    "disclose": frozenset({"disclose", "post", "photo"}),
    "photo": frozenset({"photo", "post", "disclose", "copyright"}),
    "create": frozenset({"create", "use"}),
    "use": frozenset({"use", "create", "post"}),
    "communicate": frozenset({"communicate", "disclose"}),
    "identify": frozenset({"identify", "post"}),
    "copyright": frozenset({"copyright", "photo", "post"}),
    "privacy": frozenset({"privacy"}),
}

_PEOPLE_WORDS: dict[str, tuple[str, ...]] = {
    "parent": (r"parents?", r"guardians?", r"moms?", r"dads?", r"mothers?", r"fathers?", r"families", r"family"),
    "student": (r"students?", r"kids?", r"pupils?", r"players?", r"athletes?", r"studnets?", r"(?:my\s+)?class",
                r"team", r"niece", r"nephew", r"minors?", r"children", r"child", r"alumni"),
}


# the channel a communication goes through; a rule naming only other channels does not rule on it
_CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    "sms": (r"texts?", r"texting", r"texted", r"txt\w*", r"sms", r"text\s+messag\w*", r"imessag\w*", r"group\s+texts?",
            r"instant\s+messag\w*", r"whatsapp", r"cell(?:\s+phones?)?"),
    "social": (r"social\s+media", r"social\s+network\w*", r"facebook", r"fb", r"instagram", r"insta", r"ig", r"tiktok",
               r"tik\s+tok", r"snap(?:chat)?\w*", r"twitter", r"tweet\w*", r"youtube", r"linkedin", r"dms?",
               r"direct\s+messag\w*", r"private\s+chats?", r"instant\s+messag\w*", r"discord", r"online", r"web\s*posts?",
               r"blogs?", r"websites?", r"web\s+pages?", r"platforms?", r"finsta\w*", r"the\s+wall", r"fan\s+page"),
    "email": (r"e-?mail\w*", r"gmail", r"outlook"),
    "phone": (r"phone\s+calls?", r"call(?:s|ed|ing)?", r"(?:cell\s+)?phone\s+numbers?", r"telephone", r"cell\s*#"),
}


def _compile(words: dict[str, tuple[str, ...]]) -> dict[str, re.Pattern[str]]:
    return {k: re.compile(r"\b(?:" + "|".join(v) + r")\b", re.I) for k, v in words.items()}


_ACTS = _compile(_ACT_WORDS)
_PEOPLE = _compile(_PEOPLE_WORDS)
_CHANNELS = _compile(_CHANNEL_WORDS)
_GENERIC = frozenset({"use", "create", "post"})  # acts too broad to rule a mismatch on their own


@lru_cache(maxsize=8192)
def acts(text: str) -> frozenset[str]:
    """The act classes ``text`` names."""
    return frozenset(k for k, rx in _ACTS.items() if rx.search(text))


@lru_cache(maxsize=8192)
def people(text: str) -> frozenset[str]:
    """Whom ``text`` is about: "parent" wins over "student" in one phrase ("my students' parents")."""
    found = frozenset(k for k, rx in _PEOPLE.items() if rx.search(text))
    if "parent" in found and re.search(r"\bstudents?['’]s?\s+(?:parents?|moms?|dads?|guardians?)", text, re.I):
        return frozenset({"parent"})
    return found


@lru_cache(maxsize=8192)
def channels(text: str) -> frozenset[str]:
    """The channels ``text`` names: "sms", "social", "email", "phone"."""
    return frozenset(k for k, rx in _CHANNELS.items() if rx.search(text))


def compatible(asked_acts: frozenset[str], asked_people: frozenset[str],
               norm_acts: frozenset[str], norm_people: frozenset[str],
               asked_channels: frozenset[str] = frozenset(), norm_channels: frozenset[str] = frozenset()) -> bool:
    """Whether a norm about ``norm_acts`` (of ``norm_people``, through ``norm_channels``) can rule
    on a question about ``asked_acts`` (of ``asked_people``, through ``asked_channels``). Unknown
    on either side: not excluded."""
    if asked_people and norm_people and not asked_people & norm_people:
        return False
    if "communicate" in asked_acts and asked_channels and norm_channels and not asked_channels & norm_channels:
        return False
    if not asked_acts:
        return True
    if not norm_acts:  # a general rule ("conduct themselves professionally"): only for broad questions
        return asked_acts <= _GENERIC
    reach = set(norm_acts)
    for a in norm_acts:
        reach |= _COMPATIBLE.get(a, frozenset())
    if asked_acts & reach:
        return True
    # only broad acts on the question's side ("use", "post") meeting a specific act: not excluded
    return asked_acts <= _GENERIC and not (norm_acts - _GENERIC - {"photo"})


def agrees(asked_acts: frozenset[str], norm_acts: frozenset[str]) -> bool:
    """Whether the two name the same specific act (not only broad ones such as "use" or "post"):
    positive evidence that the norm is about the asked act."""
    specific = asked_acts - _GENERIC
    reach = set(norm_acts)
    for a in norm_acts:
        reach |= _COMPATIBLE.get(a, frozenset())
    return bool(specific & reach)
