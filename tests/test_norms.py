"""Norms: each clause sentence read once, at ingest, into modality, action span, condition and act
classes, with exact offsets into the cleaned text. Checked on the real seed clauses."""

from __future__ import annotations

import pytest

from assistant.norms import action_text, extract_norms, norm_text

pytestmark = pytest.mark.slow


def _norms(seed_assistant, clause_id):
    clause = seed_assistant.clause(clause_id)
    return clause, extract_norms(clause)


def test_every_norm_has_exact_offsets_inside_its_clause(seed_assistant):
    store = seed_assistant.store
    assert store.norms and len(store.norms) >= len(store.clauses)
    for n in store.norms:
        clause = store.by_id[n.clause_id]
        text = store.documents[n.doc_id].text
        assert clause.start <= n.start < n.end <= clause.end
        assert text[n.start:n.end] == norm_text(clause, n)
        assert n.start <= n.action_start < n.action_end <= n.end
        if n.trigger:
            assert text[n.trigger_start:n.trigger_start + len(n.trigger)] == n.trigger


def test_a_restriction_names_the_act_it_restricts(seed_assistant):
    clause, (norm,) = _norms(seed_assistant, "d207-guidelines/most-important-information/b4")
    assert norm.verdict == "discouraged" and norm.force == "rule" and norm.trigger == "should NOT"
    assert action_text(clause, norm).startswith("follow/friend/connect with a student on social media")
    assert "connect" in norm.acts and norm.people == ("student",) and "social" in norm.channels


def test_the_verb_inside_a_trigger_starts_the_action(seed_assistant):
    clause, norms = _norms(seed_assistant, "chsd230-5125/district-sponsored-electronic-communications-social-media-use/1")
    text_ban = [n for n in norms if n.verdict == "prohibited"][0]
    assert action_text(clause, text_ban).startswith("communicate with students via text messaging")
    assert {"sms", "email", "social"} <= set(text_ban.channels)


def test_a_list_item_reads_its_lead_in_and_its_condition_is_not_its_act(seed_assistant):
    """Illinois D.4 ("... shall: Promptly inform their immediate supervisor if a student initiates
    contact ...") is a requirement to report; the contact is when it applies, not the act."""
    clause, (norm,) = _norms(
        seed_assistant,
        "il-board-social-media/section-d-staff-member-use-of-personal-social-media-and-other-online-technologies/4")
    assert norm.verdict == "required"
    assert norm.acts == ("report",)


def test_a_condition_inside_a_prohibition_keeps_the_prohibition_and_the_conditions_reach(seed_assistant):
    clause, (norm, _) = _norms(seed_assistant, "ia-401-15/professional-use-of-social-media/b7")
    text = seed_assistant.document("ia-401-15").text
    assert norm.verdict == "conditional" and norm.restriction == "prohibited"
    assert text[norm.scope_start:norm.scope_end].strip() == "including student photos without prior permission"


def test_duties_of_others_definitions_and_consequences_are_facts_not_rules(seed_assistant):
    store = seed_assistant.store
    forces = {n.norm_id: n.force for n in store.norms}
    assert forces["il-board-social-media/section-e-implementation/1#0"] == "others"  # The Superintendent shall: ...
    chsd_def = [n for n in store.norms if n.doc_id == "chsd230-5125" and n.force == "definition"]
    assert len(chsd_def) >= 4
    consequences = [n for n in store.norms if n.force == "consequence"]
    assert {n.doc_id for n in consequences} == {d.doc_id for d in seed_assistant.documents()}
    assert all(n.verdict == "informational" for n in chsd_def + consequences)
