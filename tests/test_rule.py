"""The ruling step on the real seed index: one ruling per district on the asked action."""

from __future__ import annotations

import pytest

from assistant.types import NOT_ADDRESSED

pytestmark = pytest.mark.slow


def rule(seed_assistant, question, doc_id):
    asked = seed_assistant.retriever.analyse(question)
    return seed_assistant.ruler.rule(asked, doc_id)


def test_a_condition_inside_a_prohibition_rules_on_what_it_reaches(seed_assistant):
    """Iowa: "shall not submit or post confidential information ..., including student photos
    without prior permission" prohibits sharing confidential information outright, and allows
    student photos only with permission."""
    photos = rule(seed_assistant, "Can I post photos of my students on my personal Instagram?", "ia-401-15")
    assert photos.rules and photos.verdict == "conditional"
    info = rule(seed_assistant, "Can I share confidential information about students online?", "ia-401-15")
    assert info.rules and info.verdict == "prohibited"
    assert photos.deciding.norm_id == info.deciding.norm_id


def test_a_restriction_with_an_exception_in_its_clause_rules_conditional(seed_assistant):
    r = rule(seed_assistant, "Can I text a student individually?", "union-1610")
    assert r.rules and r.verdict == "conditional"


def test_a_rule_about_another_channel_does_not_rule(seed_assistant):
    """D207 restricts contacting students over social media; it says nothing about texting."""
    r = rule(seed_assistant, "Am I allowed to text a student one-on-one?", "d207-guidelines")
    assert r.status != "rules" and r.verdict == NOT_ADDRESSED


def test_a_can_i_question_reads_the_restriction_before_the_permission_beside_it(seed_assistant):
    """CHSD 230 item 1: "must use District e-mail" and "may not communicate ... via private email"."""
    r = rule(seed_assistant, "Can I email students from my personal Gmail account?", "chsd230-5125")
    assert r.rules and r.verdict == "prohibited"
    assert "private email" in seed_assistant.norms.text(r.deciding)


def test_a_district_that_says_nothing_is_not_addressed(seed_assistant):
    r = rule(seed_assistant, "How much maternity leave can I take?", "chsd230-5125")
    assert r.status == NOT_ADDRESSED and r.deciding is None and not r.supporting
