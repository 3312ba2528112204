"""The clause chunker on the five seed policies and on new text: structure, offsets, ids."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import replace

import pytest
from fixtures_docs import CORPUS, SEED_FILES, SEED_HEADINGS

from assistant.chunk import MAX_CLAUSE_CHARS, chunk_document, heading_rank
from assistant.ingest import load_corpus, load_document, load_manifest, load_text_as_document
from assistant.types import Clause, DocMeta, Document

TRAILER = re.compile(r"^(Adopted|Revised|Approved|DATED)\b")
MARKER = re.compile(r"^(?:-\s*)?(?:\d{1,3}\.|[A-Za-z]\.|•)\s+")


@pytest.fixture(scope="module")
def seeds() -> dict[str, tuple[Document, list[Clause]]]:
    docs, problems = load_corpus(CORPUS)
    assert problems == []
    return {d.doc_id: (d, chunk_document(d)) for d in docs}


def by_section(clauses: list[Clause]) -> dict[str, list[Clause]]:
    out: dict[str, list[Clause]] = {}
    for c in clauses:
        out.setdefault(c.section_path[-1] if c.section_path else "", []).append(c)
    return out


def units(clauses: list[Clause], kind: str) -> list[str]:
    """The distinct items/bullets/paragraphs of a kind (a clause split into parts counts once)."""
    seen: list[str] = []
    for c in clauses:
        if c.kind == kind:
            base = c.clause_id.split("#")[0]
            if base not in seen:
                seen.append(base)
    return seen


# section -> kind -> (min, max) distinct clauses; items are also checked by their numbers below.
EXPECTED: dict[str, dict[str, dict[str, tuple[int, int]]]] = {
    "d207-guidelines": {
        "MOST IMPORTANT INFORMATION": {"bullet": (5, 5), "paragraph": (0, 0)},
        "OVERVIEW": {"paragraph": (6, 7), "bullet": (0, 0)},
    },
    "il-board-social-media": {
        "Section A – Introduction": {"paragraph": (3, 3)},
        "Section C – Parameters for the Use of District-Approved Social Media and Other Online Technologies": {
            "item": (3, 3), "paragraph": (1, 1)},
        "Section D - Staff Member Use of Personal Social Media and Other Online Technologies": {
            "item": (10, 10), "paragraph": (2, 2)},
        "Section E - Implementation": {"item": (8, 8), "paragraph": (1, 1)},
        "Section F – Related Board Policies": {"item": (9, 9), "paragraph": (1, 1)},
    },
    "ia-401-15": {
        "": {"paragraph": (1, 1)},
        "Professional Use of Social Media": {"bullet": (13, 13), "paragraph": (1, 1)},
        "Personal Use of Social Media": {"bullet": (10, 10), "paragraph": (1, 1)},
    },
    "union-1610": {
        "Social Networking Websites": {"item": (4, 4), "paragraph": (3, 3)},
        "Copyright and Fair Use Guidelines": {"paragraph": (2, 2)},
        "Text and Instant Messaging": {"paragraph": (3, 3)},
        "District-Associated Sites and Use of Union Logos": {"item": (10, 10), "paragraph": (2, 2)},
    },
    "chsd230-5125": {
        "Electronic Communication & Social Media": {"paragraph": (4, 4)},
        "Definitions": {"paragraph": (5, 5)},
        "District-Sponsored Electronic Communications/Social Media Use": {"item": (8, 8), "paragraph": (1, 1)},
        "Personal Electronic Communications/Social Media Use": {"item": (8, 8), "paragraph": (4, 5)},
    },
}


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_clause_counts_per_section(seeds, doc_id):
    _, clauses = seeds[doc_id]
    sections = by_section(clauses)
    for section, kinds in EXPECTED[doc_id].items():
        assert section in sections, f"{doc_id}: no clauses under {section!r}; sections: {list(sections)}"
        for kind, (low, high) in kinds.items():
            n = len(units(sections[section], kind))
            assert low <= n <= high, f"{doc_id} / {section!r}: {n} {kind}s, expected {low}-{high}"


@pytest.mark.parametrize(
    ("doc_id", "section", "items"),
    [
        ("chsd230-5125", "Personal Electronic Communications/Social Media Use", [str(i) for i in range(1, 9)]),
        ("chsd230-5125", "District-Sponsored Electronic Communications/Social Media Use", [str(i) for i in range(1, 9)]),
        ("il-board-social-media", "Section D - Staff Member Use of Personal Social Media and Other Online Technologies",
         [str(i) for i in range(1, 11)]),
        ("il-board-social-media", "Section E - Implementation", ["1", "2", "2.a", "2.b", "2.c", "3", "4", "5"]),
        ("union-1610", "District-Associated Sites and Use of Union Logos", list("ABCDEFGHIJ")),
    ],
)
def test_item_numbers_follow_the_text(seeds, doc_id, section, items):
    _, clauses = seeds[doc_id]
    got = []
    for c in by_section(clauses)[section]:
        if c.kind == "item" and c.item not in got:
            got.append(c.item)
    assert got == items


def find(clauses: list[Clause], needle: str) -> Clause:
    hits = [c for c in clauses if needle in c.text]
    assert len(hits) == 1, f"{needle!r}: {len(hits)} clauses"
    return hits[0]


def test_named_clauses_are_present(seeds):
    _, chsd = seeds["chsd230-5125"]
    friends = find(chsd, "“friends”")
    assert "“fans”" in friends.text
    assert friends.item == "8" and friends.kind == "item"
    assert friends.section_path[-1] == "Personal Electronic Communications/Social Media Use"
    assert friends.clause_id == "chsd230-5125/personal-electronic-communications-social-media-use/8"
    assert friends.label == "CHSD 230 Policy 5.125 > Personal Electronic Communications/Social Media Use > item 8"
    assert friends.text == "Employees should refrain from becoming “friends” with or “fans” of students or their parents online."

    _, d207 = seeds["d207-guidelines"]
    follow = find(d207, "Staff should NOT follow/friend/connect with a student on social media")
    assert follow.kind == "bullet" and follow.section_path == ("MOST IMPORTANT INFORMATION",)
    assert follow.label.startswith("D207 Social Media Guidelines > MOST IMPORTANT INFORMATION > bullet ")

    _, iowa = seeds["ia-401-15"]
    texting = find(iowa, "Employees shall not communicate with students using one to one text messages")
    assert texting.kind == "bullet" and texting.section_path == ("Professional Use of Social Media",)

    _, union = seeds["union-1610"]
    necessary = find(union, "Employees may text or instant message an individual student when educationally necessary")
    assert necessary.section_path == ("Text and Instant Messaging",) and necessary.kind == "paragraph"

    _, board = seeds["il-board-social-media"]
    account = find(board, "Use a District-approved social media account")
    assert account.item == "2"
    assert account.section_path[-1].startswith("Section D - Staff Member Use of Personal Social Media")
    # The lead-in of the list is the item's context, and a paragraph clause of its own.
    lead = "All District employees who use personal technology and/or social media shall:"
    assert lead in account.context
    assert find(board, lead).kind == "paragraph"


def test_nested_items_carry_their_parent(seeds):
    _, board = seeds["il-board-social-media"]
    child = find(board, "Provide their building staff with a copy of this policy.")
    assert child.item == "2.a" and child.clause_id.endswith("/section-e-implementation/2.a")
    assert "Direct Building Principals to annually:" in child.context
    assert child.label.endswith("> Section E - Implementation > item 2.a")


@pytest.mark.parametrize("doc_id", sorted(SEED_FILES))
def test_offsets_are_exact(seeds, doc_id):
    doc, clauses = seeds[doc_id]
    assert clauses
    last_end = 0
    for c in clauses:
        assert doc.text[c.start : c.end] == c.text
        assert c.text and c.text == c.text.strip()
        assert not MARKER.match(c.text), f"marker left in the quote: {c.text[:20]!r}"
        assert c.content_hash == hashlib.sha256(c.text.encode()).hexdigest()
        assert c.start >= last_end, "clauses overlap or are out of document order"
        last_end = c.end
        assert c.doc_id == doc_id and c.clause_id.startswith(f"{doc_id}/")
        assert c.context.startswith(doc.meta.title)
        assert c.text not in SEED_HEADINGS, "a lone heading became a clause"


@pytest.mark.parametrize("doc_id", sorted(SEED_FILES))
def test_ids_unique_and_stable(seeds, doc_id):
    doc, clauses = seeds[doc_id]
    ids = [c.clause_id for c in clauses]
    assert len(ids) == len(set(ids))
    meta = load_manifest(CORPUS)[SEED_FILES[doc_id]]
    again = chunk_document(load_document(CORPUS / SEED_FILES[doc_id], meta))
    assert [c.clause_id for c in again] == ids
    assert again == clauses


def test_editing_one_clause_keeps_the_other_ids():
    meta = load_manifest(CORPUS)[SEED_FILES["chsd230-5125"]]
    doc = load_document(CORPUS / SEED_FILES["chsd230-5125"], meta)
    before = {c.clause_id: c for c in chunk_document(doc)}
    old = "Employees should refrain from posting copyrighted information."
    new_text = doc.text.replace(old, "Employees must never post copyrighted information of any kind.")
    edited = replace(doc, text=new_text, content_hash=hashlib.sha256(new_text.encode()).hexdigest())
    after = {c.clause_id: c for c in chunk_document(edited)}
    assert set(after) == set(before)
    changed = [cid for cid in after if after[cid].content_hash != before[cid].content_hash]
    assert changed == ["chsd230-5125/personal-electronic-communications-social-media-use/4"]


@pytest.mark.parametrize("doc_id", sorted(SEED_FILES))
def test_no_sentence_is_lost(seeds, doc_id):
    doc, clauses = seeds[doc_id]
    covered = bytearray(len(doc.text))
    for c in clauses:
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    title = doc.text.split("\n", 1)[0]
    pos = 0
    for line in doc.text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if not line.strip() or line == title or line in SEED_HEADINGS or TRAILER.match(line):
            continue
        marker = MARKER.match(line)
        begin = start + (marker.end() if marker else 0)
        missing = [i for i in range(begin, start + len(line)) if not covered[i] and not doc.text[i].isspace()]
        assert not missing, f"{doc_id}: text outside every clause: {line[:80]!r}"


@pytest.mark.parametrize("doc_id", sorted(SEED_FILES))
def test_long_clauses_split_at_sentences(seeds, doc_id):
    doc, clauses = seeds[doc_id]
    for c in clauses:
        if len(c.text) > MAX_CLAUSE_CHARS:  # allowed only for one long sentence
            assert not re.search(r"[.!?]”?\s+[A-Z“]", c.text[:-1]), c.clause_id
    parts: dict[str, list[Clause]] = {}
    for c in clauses:
        if c.part is not None:
            parts.setdefault(c.clause_id.split("#")[0], []).append(c)
    for base, group in parts.items():
        assert [c.part for c in group] == list(range(1, len(group) + 1))
        assert [c.clause_id for c in group] == [f"{base}#{n}" for n in range(1, len(group) + 1)]
        for c in group:
            assert c.label.endswith(f"(part {c.part})")
            assert c.text.endswith((".", ".”", ":", ";")), c.text[-30:]
        # Together the parts cover the whole unit: only white space between them.
        for a, b in zip(group, group[1:]):
            assert doc.text[a.end : b.start].strip() == ""


def test_a_long_item_is_split_into_labelled_parts(seeds):
    _, chsd = seeds["chsd230-5125"]
    item2 = [c for c in chsd if c.clause_id.startswith("chsd230-5125/district-sponsored-electronic-communications-social-media-use/2#")]
    assert len(item2) >= 2
    assert item2[0].label == (
        "CHSD 230 Policy 5.125 > District-Sponsored Electronic Communications/Social Media Use > item 2 (part 1)"
    )
    assert item2[0].text.startswith("Employees may decide to create a social media website")


def test_sections_nest_when_a_heading_is_followed_by_another(seeds):
    _, chsd = seeds["chsd230-5125"]
    friends = find(chsd, "“friends”")
    assert friends.section_path == (
        "Electronic Communication and Social Media Procedures and Guidelines",
        "Personal Electronic Communications/Social Media Use",
    )
    assert "These communications must comply" not in friends.context  # the other list's lead-in


NEW_POLICY = """Board Policy 7.40 - Staff Texting

ARTICLE I - PURPOSE

This policy sets rules for messages between staff and students. It applies to every school,
including summer programs, and to every
staff member.

Rules for Staff

Staff members shall:
(1) use only district messaging tools;
(2) copy a parent on every message to a student; and
(3) keep messages about school matters.
Staff may not:
a) use personal phone numbers;
b) send messages between 9 p.m. and 6 a.m.

## Enforcement

Violations may lead to discipline.

Adopted: May 1, 2020
"""


def test_a_new_document_gets_sensible_clauses():
    meta = DocMeta(doc_id="new-740", title="Board Policy 7.40 - Staff Texting", district="Test District", short_name="Policy 7.40")
    doc = load_text_as_document(NEW_POLICY, meta)
    clauses = chunk_document(doc)
    for c in clauses:
        assert doc.text[c.start : c.end] == c.text
    texts = [c.text for c in clauses]
    # The hard-wrapped paragraph is one clause; headings and the trailer are not clauses.
    assert texts[0].startswith("This policy sets rules") and texts[0].endswith("and to every\nstaff member.")
    assert not any(t in ("ARTICLE I - PURPOSE", "Rules for Staff", "Enforcement") or t.startswith("Adopted") for t in texts)
    items = {c.item: c for c in clauses if c.kind == "item"}
    assert set(items) == {"1", "2", "3", "a", "b"}
    assert items["2"].text == "copy a parent on every message to a student; and"
    assert "Staff members shall:" in items["2"].context
    assert "Staff may not:" in items["b"].context and "Staff members shall:" not in items["b"].context
    # A title-case heading under an "ARTICLE" heading nests inside it.
    assert items["1"].section_path == ("ARTICLE I - PURPOSE", "Rules for Staff")
    assert items["1"].clause_id == "new-740/rules-for-staff/1"
    enforcement = [c for c in clauses if c.section_path[-1:] == ("Enforcement",)]
    assert [c.text for c in enforcement] == ["Violations may lead to discipline."]
    assert enforcement[0].label == "Policy 7.40 > Enforcement > paragraph 1"
    assert Counter(c.kind for c in clauses)["paragraph"] == 4


@pytest.mark.parametrize(
    ("line", "rank"),
    [
        ("Section D - Staff Member Use of Personal Social Media and Other Online Technologies", 1),
        ("MOST IMPORTANT INFORMATION", 2),
        ("District-Associated Sites and Use of Union Logos", 3),
        ("Definitions", 3),
        ("Text and Instant Messaging", 3),
        ("Staff should inform their supervisor.", None),
        ("All District employees who use personal technology and/or social media shall:", None),
        ("Adopted 12/9/13", None),
        ("8. Employees should refrain", None),
        ("the use of web-based technologies and other tools for learning", None),
    ],
)
def test_heading_shapes(line, rank):
    assert heading_rank(line) == rank
