"""Follow-up questions read against the conversation (assistant/followup.py)."""

from __future__ import annotations

import pytest

from assistant.followup import district_aliases, resolve

TIKTOK = "can i follow my students on tiktok?"


@pytest.fixture(scope="module")
def aliases(seed_assistant):
    return district_aliases(seed_assistant.store.documents)


@pytest.mark.parametrize("followup, answered, district", [
    ("what about for coaches?", "can i follow my students on tiktok, for coaches?", None),
    ("and in Union?", TIKTOK, "union-1610"),
    ("what about Iowa", TIKTOK, "ia-401-15"),
    ("ok and for CHSD 230?", TIKTOK, "chsd230-5125"),
    ("how about parents?", "can i follow my students on tiktok, parents?", None),
])
def test_a_follow_up_inherits_the_previous_action(aliases, followup, answered, district):
    r = resolve(followup, ["Can I text a student?", TIKTOK], aliases)
    assert r.followup and r.question == answered and r.district == district


@pytest.mark.parametrize("question", [
    "Can I text a student individually?", "What happens if I violate the social media policy?", "thanks!",
    "Do I need approval to create a social media page for my class?",
])
def test_a_question_of_its_own_is_left_alone(aliases, question):
    r = resolve(question, [TIKTOK], aliases)
    assert not r.followup and r.question == question and r.district is None


def test_no_conversation_no_follow_up(aliases):
    assert not resolve("what about for coaches?", [], aliases).followup


@pytest.mark.slow
def test_the_assistant_answers_the_follow_up(seed_assistant):
    first = seed_assistant.ask(TIKTOK)
    coaches = seed_assistant.ask("what about for coaches?", history=[first.answered or first.question])
    assert coaches.question == "what about for coaches?" and coaches.answered.endswith("for coaches?")
    assert not coaches.abstained
    assert {f.doc_id: f.verdict for f in coaches.findings if f.rules} == \
        {f.doc_id: f.verdict for f in first.findings if f.rules}  # the same action, the same rulings
    union = seed_assistant.ask("and in Union?", history=[TIKTOK])
    assert union.district == "union-1610" and union.answered == TIKTOK
    alone = seed_assistant.ask("what about for coaches?")  # without the conversation: nothing to inherit
    assert alone.answered == "" and alone.to_dict()["answered"] == "what about for coaches?"


@pytest.mark.slow
def test_an_unusable_history_entry_is_skipped_not_an_error(seed_assistant):
    r = seed_assistant.ask("what about for coaches?", history=[TIKTOK, "\u200b", "x" * 5000])
    assert r.answered == "can i follow my students on tiktok, for coaches?"  # the junk after it is skipped
