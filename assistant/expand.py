"""Staff words -> policy words. Staff say "snap", "dm", "follow on tiktok", "group chat",
"crest on my banner"; policies say "social media", "direct message", "friend", "text message to
the entire team", "logos, mascots". The map is small and explicit; whether it is kept on is decided
by the eval (``POLICY_EXPAND_QUERIES``; see docs/BENCHMARKS.md)."""

from __future__ import annotations

import re

# Keys are matched as whole words/phrases (lower case); values are appended to the query.
SYNONYMS: dict[str, str] = {
    "snap": "snapchat social media direct message",
    "snapchat": "social media direct message",
    "tiktok": "social media",
    "tik tok": "social media",
    "insta": "instagram social media",
    "instagram": "social media",
    "facebook": "social media",
    "fb": "facebook social media",
    "twitter": "social media",
    "youtube": "social media",
    "discord": "social media instant messaging",
    "whatsapp": "instant messaging text messages",
    "follow": "follow friend connect followers",
    "following": "follow friend connect",
    "follower": "followers friend",
    "followers": "followers friend",
    "friend": "friends connect follow",
    "friending": "friends connect follow",
    "friend request": "friends connect follow",
    "follow request": "follow friend connect",
    "dm": "direct message private one to one communication",
    "dms": "direct message private one to one communication",
    "pm": "private message direct message one to one communication",
    "message": "messages messaging communicate",
    "messaging": "messages communicate",
    "chat": "chats instant messaging communication",
    "group chat": "text instant messages entire team class club group",
    "groupchat": "text instant messages entire team class club group",
    "text": "text messaging messages",
    "texting": "text messaging messages",
    "txt": "text messaging messages",
    "1 on 1": "individual one to one",
    "one on one": "individual one to one",
    "crest": "logos mascots symbols insignias",
    "logo": "logos mascots",
    "mascot": "mascots logos",
    "banner": "profile personal page web posts",
    "profile": "profiles personal page",
    "kids": "students",
    "kid": "student",
    "players": "students team",
    "player": "student team",
    "athletes": "students team",
    "pupils": "students",
    "class": "students class",
    "mom": "parents",
    "dad": "parents",
    "moms": "parents",
    "dads": "parents",
    "families": "parents guardians",
    "phone number": "personal contact information",
    "cell number": "personal contact information",
    "number": "personal contact information",
    "pics": "photographs",
    "pic": "photographs",
    "photos": "photographs images",
    "photo": "photographs images",
    "picture": "photographs images",
    "pictures": "photographs images",
    "post": "posting posts web posts",
    "posting": "post posts",
    "gram": "instagram social media",
    "at work": "during work hours on duty",
    "during school": "during work hours on duty work day",
    "school day": "work day on duty",
    "on the clock": "during work hours on duty",
    "fired": "termination disciplinary action",
    "trouble": "disciplinary action",
    "get in trouble": "disciplinary action",
    "gmail": "personal email private email",
    "personal email": "private email personal email",
    "anonymous": "alias anonymous",
    "fake account": "alias anonymous identity other than their own",
    "burner": "alias anonymous identity other than their own",
}

_PATTERNS = sorted(SYNONYMS, key=len, reverse=True)
_RX = re.compile(r"\b(" + "|".join(re.escape(p) for p in _PATTERNS) + r")\b", re.IGNORECASE)


def expansions(question: str) -> list[str]:
    """The policy words added for the staff words found in ``question`` (no duplicates)."""
    out: list[str] = []
    for m in _RX.finditer(question):
        extra = SYNONYMS.get(m.group(1).lower(), "")
        if extra and extra not in out:
            out.append(extra)
    return out


def expand(question: str) -> str:
    """The question followed by its expansions (the original words always come first)."""
    extra = expansions(question)
    return question if not extra else f"{question} {' '.join(extra)}"
