"""Scopes (assistant/scope.py) and answers over many districts: counts by ruling, pages."""

from __future__ import annotations

import pytest

from assistant.errors import InvalidQuestion
from assistant.scope import resolve_scope
from assistant.types import DocMeta, Document


def _docs() -> dict[str, Document]:
    rows = [("a1", "Iowa"), ("a2", "Iowa"), ("b1", "Ohio"), ("b2", "Ohio"), ("b3", "Ohio"), ("c1", None)]
    return {d: Document(DocMeta(doc_id=d, title=f"Policy {d}", district=f"District {d.upper()}", state=s), "x", "h")
            for d, s in rows}


def test_peers_are_the_group_holding_the_district_else_its_state():
    docs = _docs()
    assert resolve_scope(docs, "a1", "peers", {}, 25).doc_ids == ("a1", "a2")
    groups = {"north": ["a1", "b1"]}
    assert resolve_scope(docs, "a1", "peers", groups, 25).doc_ids == ("a1", "b1")
    assert resolve_scope(docs, "a1", "peers", groups, 25).name == "peers (group north)"
    assert resolve_scope(docs, "b2", "peers", groups, 25).doc_ids == ("b2", "b1", "b3")  # asker first
    assert resolve_scope(docs, "c1", "peers", {}, 25).doc_ids == ("c1", "a1", "a2", "b1", "b2", "b3")


def test_the_default_compares_with_all_until_there_are_too_many_districts():
    docs = _docs()
    assert resolve_scope(docs, None, None, {}, 2).name == "all"  # no district: all
    assert resolve_scope(docs, "b1", None, {}, 25).doc_ids == ("b1", "a1", "a2", "b2", "b3", "c1")
    wide = resolve_scope(docs, "b1", None, {}, 5)  # 6 visible > 5: the district's peers
    assert wide.name == "peers (Ohio)" and wide.doc_ids == ("b1", "b2", "b3")


def test_states_groups_and_lists_and_their_mistakes():
    docs = _docs()
    assert resolve_scope(docs, None, "state:ohio", {}, 25).doc_ids == ("b1", "b2", "b3")
    assert resolve_scope(docs, "a1", "district", {}, 25).doc_ids == ("a1",)
    assert resolve_scope(docs, None, "b3, a2", {}, 25).doc_ids == ("a2", "b3")
    assert resolve_scope(docs, None, "group:g", {"g": ["District B2", "state:Iowa"]}, 25).doc_ids == ("a1", "a2", "b2")
    with pytest.raises(InvalidQuestion, match="Unknown peer group 'x'. Known: g."):
        resolve_scope(docs, None, "group:x", {"g": ["a1"]}, 25)
    with pytest.raises(InvalidQuestion, match="needs a district"):
        resolve_scope(docs, None, "peers", {}, 25)
    with pytest.raises(InvalidQuestion, match="Unknown district\\(s\\) in scope: zz"):
        resolve_scope(docs, None, "a1,zz", {}, 25)
    with pytest.raises(InvalidQuestion, match="No district in state 'Texas'"):
        resolve_scope(docs, None, "state:Texas", {}, 25)


def test_a_tenant_never_gets_a_district_outside_its_list():
    docs = _docs()
    mine = {"a1", "a2"}
    assert resolve_scope(docs, None, "all", {}, 25, allowed=mine).doc_ids == ("a1", "a2")
    assert resolve_scope(docs, "a1", "peers", {"g": ["a1", "b1"]}, 25, allowed=mine).doc_ids == ("a1",)
    with pytest.raises(InvalidQuestion, match="Unknown district"):
        resolve_scope(docs, None, "b1", {}, 25, allowed=mine)
    with pytest.raises(InvalidQuestion, match="No district in state 'Ohio'"):
        resolve_scope(docs, None, "state:Ohio", {}, 25, allowed=mine)


@pytest.mark.slow
def test_a_large_scope_gives_counts_and_pages_and_the_same_rulings(seed_assistant):
    """With a page of 2 and counts above 3 districts, the five seeds read as a large scope: the
    summary counts rulings (never names all five), the pages together list every district once,
    and each district's ruling is the one it gets when asked alone."""
    a = seed_assistant
    small = a.settings
    a.settings = small.model_copy(update={"page_size": 2, "summary_max_districts": 3})
    a.extractive.settings = a.settings
    try:
        q = "Can I text a student individually?"
        first = a.ask(q)
        assert first.scope is not None and first.scope.districts == 5 and first.scope.pages == 3
        counts = dict(first.scope.counts)
        assert sum(counts.values()) == 5
        assert "Across the 5 districts in scope:" in first.summary
        seen: list[str] = []
        for page in (1, 2, 3):
            ans = a.ask(q, page=page)
            seen += [f.doc_id for f in ans.findings] + list(ans.not_addressed)
            assert all(len(f.citations) == 1 and not f.citations[0].clause_quote for f in ans.findings)  # a long list
        assert sorted(seen) == sorted(a.store.documents)
        with pytest.raises(InvalidQuestion, match="Page 4 does not exist: this answer has 3 page"):
            a.ask(q, page=4)
        alone = {d: a.ask(q, district=d, scope="district") for d in a.store.documents}
        shown = {f.doc_id: f.verdict for page in (1, 2, 3) for f in a.ask(q, page=page).findings if f.rules}
        assert shown == {d: ans.findings[0].verdict for d, ans in alone.items() if ans.findings and ans.findings[0].rules}
        assert counts.get("conditional", 0) + counts.get("prohibited", 0) == len(shown)
    finally:
        a.settings = small
        a.extractive.settings = small
