"""Policy versions over time: effective dates, each version's stored key, the version in force on a date.

A policy (one manifest ``id``) may have several versions, each its own file and its own
``[[documents]]`` entry marked with ``effective = "YYYY-MM-DD"`` or ``version = "..."``. A version's
effective date is the manifest's ``effective``, else the latest of its ``dates`` (a "reviewed" or
"reaffirmed" date only when there is nothing else), else the latest "Adopted / Revised / Dated ..."
line of its text. A document with no date at all is in force always (only a policy with one
version may be undated).

Stored keys (``Document.doc_id``) depend on the corpus only, never on the day of the ingest: the
latest version keeps the plain policy id, so its clause ids are the ones gold and links use; each
earlier version is stored as ``<id>@<effective>`` (clause ids ``<id>@<effective>/<section>/<item>``).
An ask picks, per policy, the version in force on its date (``in_force``), so one policy is one
district entry at a time, and a new version never leaves the old one answering as current.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from datetime import date

from .errors import InvalidQuestion, NotFound
from .types import Answer, Citation, DocMeta, Document, Finding, IngestProblem

__all__ = ["parse_date", "parse_as_of", "text_dates", "effective_from", "dated", "assign_keys", "in_force",
           "latest", "versions_of", "find_version", "note", "stamp"]

_MONTHS = {m: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")), start=1) for m in names}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE = (rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
         rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}})")
_KINDS = r"adopted|approved|revised|amended|dated|effective|reviewed|reaffirmed|updated"
# a trailer line ("Adopted 12/9/13", "DATED: March 26, 2015", "Date Revised: 2023-08-17"), and in it
# each "<kind> <date>" pair
_TRAILER = re.compile(rf"^\s*(?:(?:date|last|board)\s+)?(?:{_KINDS})\b.*$", re.IGNORECASE | re.MULTILINE)
_PAIR = re.compile(rf"(?P<kind>{_KINDS})(?:\s+(?:on|date|by\s+(?:the\s+)?board(?:\s+of\s+education)?))?"
                   rf"\s*[:\-–]?\s*(?P<date>{_DATE})", re.IGNORECASE)
_NOT_CHANGES = frozenset({"reviewed", "reaffirmed"})  # a review leaves the text as it was


def parse_date(value: str) -> date | None:
    """A date written as 2015-03-26, 3/26/2015, 3/26/15 (US order), March 26, 2015 or 26 March 2015;
    None when ``value`` is none of these (or no real day)."""
    s = str(value).strip().rstrip(".")
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})", s):
            year = int(m[3]) if len(m[3]) == 4 else (2000 if int(m[3]) < 70 else 1900) + int(m[3])
            return date(year, int(m[1]), int(m[2]))
        if m := re.fullmatch(rf"({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", s, re.IGNORECASE):
            return date(int(m[3]), _MONTHS[m[1].lower().rstrip(".")], int(m[2]))
        if m := re.fullmatch(rf"(\d{{1,2}})\s+({_MONTH}),?\s+(\d{{4}})", s, re.IGNORECASE):
            return date(int(m[3]), _MONTHS[m[2].lower().rstrip(".")], int(m[1]))
    except (ValueError, KeyError):
        return None
    return None


def parse_as_of(value: str | date | None) -> date:
    """The date an ask is answered for: ``value`` as YYYY-MM-DD (today when None or empty);
    ``InvalidQuestion`` with one plain line otherwise."""
    if isinstance(value, date):
        return value
    if value is None or not str(value).strip():
        return date.today()
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        pass
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise InvalidQuestion(f"'{shown}' is not a date: give the as-of date as YYYY-MM-DD, e.g. 2023-01-01.")


def text_dates(text: str) -> tuple[tuple[str, str], ...]:
    """The (kind, ISO date) pairs of a policy's "Adopted / Revised / Dated ..." lines, in text order."""
    out: list[tuple[str, str]] = []
    for line in _TRAILER.finditer(text):
        for m in _PAIR.finditer(line.group(0)):
            d = parse_date(m["date"])
            if d is not None:
                out.append((m["kind"].lower(), d.isoformat()))
    return tuple(out)


def effective_from(dates: Iterable[tuple[str, str]]) -> str | None:
    """The ISO date a text took effect: an "effective" date, else its latest adoption or revision
    (a review only when nothing else is dated); None when no date parses."""
    parsed = [(k.lower(), d) for k, v in dates if (d := parse_date(v)) is not None]
    for pick in (lambda k: k == "effective", lambda k: k not in _NOT_CHANGES, lambda k: True):
        chosen = [d for k, d in parsed if pick(k)]
        if chosen:
            return max(chosen).isoformat()
    return None


def dated(doc: Document) -> Document:
    """``doc`` with its policy id and effective date filled in: from the manifest's ``effective`` or
    ``dates``, else from the text's own "Adopted / Revised" lines (which then become its ``dates``)."""
    meta = doc.meta
    changes: dict[str, object] = {}
    if not meta.policy_id:
        changes["policy_id"] = meta.doc_id
    if meta.effective is None:
        dates = meta.dates or text_dates(doc.text)
        if dates and not meta.dates:
            changes["dates"] = dates
        effective = effective_from(dates)
        if effective is not None:
            changes["effective"] = effective
    if not changes:
        return doc
    return dataclasses.replace(doc, meta=dataclasses.replace(meta, **changes))


def assign_keys(docs: list[Document], failed: Mapping[str, list[str]] | None = None,
                where: Mapping[str, str] | None = None) -> tuple[list[Document], list[IngestProblem]]:
    """Each version's stored key: the latest version of a policy keeps the plain id, every earlier
    one becomes ``<id>@<effective>``. ``failed``: effective dates (from the manifest) of versions whose
    file failed to load this time, so the one that did load is not taken for the latest. A version
    without an effective date, or with the same date as another, is a problem (not indexed);
    ``where`` maps a source file to the path a problem names."""
    where = where or {}
    groups: dict[str, list[Document]] = {}
    for d in docs:
        groups.setdefault(d.meta.policy, []).append(d)
    out: list[Document] = []
    problems: list[IngestProblem] = []
    for policy, group in groups.items():
        if len(group) == 1 and not (failed or {}).get(policy):
            out.append(group[0])
            continue
        kept: dict[str, Document] = {}
        for d in sorted(group, key=lambda d: d.meta.source_file):
            path = where.get(d.meta.source_file, d.meta.source_file)
            if d.meta.effective is None:
                problems.append(IngestProblem(path, (
                    f"is one of several versions of '{policy}' but has no effective date (no `effective` in "
                    "manifest.toml, no `dates`, no Adopted/Revised line in the text): not indexed")))
            elif d.meta.effective in kept:
                problems.append(IngestProblem(path, (
                    f"has the same effective date {d.meta.effective} as another version of '{policy}' "
                    f"({kept[d.meta.effective].meta.source_file}): not indexed (give each version its own `effective`)")))
            else:
                kept[d.meta.effective] = d
        newest = max([*kept, *(failed or {}).get(policy, [])], default=None)
        for effective, d in sorted(kept.items()):
            key = policy if effective == newest else f"{policy}@{effective}"
            out.append(d if key == d.doc_id else dataclasses.replace(d, meta=dataclasses.replace(d.meta, doc_id=key)))
    return out, problems


def versions_of(documents: Mapping[str, Document], policy: str) -> list[Document]:
    """Every stored version of ``policy``, oldest first (an undated one first)."""
    found = [d for d in documents.values() if d.meta.policy == policy]
    return sorted(found, key=lambda d: d.meta.effective or "")


def in_force(documents: Mapping[str, Document], on: date) -> dict[str, Document]:
    """Policy id -> the version in force on ``on`` (the latest effective on or before it; an undated
    one always); a policy with no version in force then is left out."""
    day = on.isoformat()
    out: dict[str, Document] = {}
    for d in documents.values():
        eff = d.meta.effective
        if eff is not None and eff > day:
            continue
        held = out.get(d.meta.policy)
        if held is None or (eff or "") > (held.meta.effective or ""):
            out[d.meta.policy] = d
    return out


def latest(documents: Mapping[str, Document]) -> dict[str, Document]:
    """Policy id -> its latest stored version (whether in force yet or not)."""
    out: dict[str, Document] = {}
    for d in documents.values():
        held = out.get(d.meta.policy)
        if held is None or (d.meta.effective or "") > (held.meta.effective or ""):
            out[d.meta.policy] = d
    return out


def find_version(documents: Mapping[str, Document], spec: str) -> Document | None:
    """A stored document by key, or ``<id>@<effective date or version label>``; None when ``spec``
    is neither a key nor names a version (``NotFound`` for a known policy without that version)."""
    if spec in documents:
        return documents[spec]
    if "@" not in spec:
        return None
    policy, wanted = spec.rsplit("@", 1)
    versions = versions_of(documents, policy)
    if not versions:
        return None
    day = parse_date(wanted)
    for d in versions:
        if wanted.strip() in (d.meta.version, d.meta.effective) or (day and d.meta.effective == day.isoformat()):
            return d
    stored = ", ".join(d.meta.effective or "undated" for d in versions)
    raise NotFound(f"No version '{wanted}' of {policy}: its stored versions are effective {stored}.")


def note(meta: DocMeta) -> str:
    """What a citation label adds: " (version 2, effective 2026-01-15)", " (effective 2015-03-26)", ""."""
    parts = [f"version {meta.version}"] if meta.version else []
    if meta.effective:
        parts.append(f"effective {meta.effective}")
    return f" ({', '.join(parts)})" if parts else ""


def _stamp_citation(c: Citation, documents: Mapping[str, Document]) -> Citation:
    doc = documents.get(c.doc_id)
    if doc is None or c.effective or c.version:
        return c
    meta = doc.meta
    extra = note(meta)
    if not extra:
        return c
    return dataclasses.replace(c, label=c.label + extra, version=meta.version, effective=meta.effective or "")


def _stamp_finding(f: Finding, documents: Mapping[str, Document]) -> Finding:
    return dataclasses.replace(f, citations=tuple(_stamp_citation(c, documents) for c in f.citations))


def stamp(answer: Answer, documents: Mapping[str, Document]) -> Answer:
    """Every citation of ``answer`` naming its document's version and effective date (label and fields)."""
    return dataclasses.replace(
        answer,
        citations=tuple(_stamp_citation(c, documents) for c in answer.citations),
        related=tuple(_stamp_citation(c, documents) for c in answer.related),
        findings=tuple(_stamp_finding(f, documents) for f in answer.findings),
        other_districts=tuple(_stamp_finding(f, documents) for f in answer.other_districts),
    )
