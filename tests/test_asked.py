"""The question analysed once: its kind and the asked action (pure logic)."""

from __future__ import annotations

import pytest

from assistant.asked import asked_action, question_kind


@pytest.mark.parametrize("question,kind", [
    ("is it ok if i follow my students on tiktok?", "may"),
    ("Can I send a direct message to a student on Instagram?", "may"),
    ("r we allowed to follow kids on tiktok", "may"),
    ("Is friending a student's mom or dad online discouraged?", "may"),
    ("Do I need approval to create a social media page for my class?", "must"),
    ("Do district social media pages need to list a contact person?", "must"),
    ("What happens if I violate the social media policy?", "consequence"),
    ("can i get fired for a facebook post", "consequence"),
    ("How is social media defined?", "define"),
    ("What counts as personal technology?", "define"),
    ("A student messaged me on my personal Instagram. What should I do?", "do"),
    ("Who has administrator access to district-sponsored social media pages?", "who"),
    ("Are my social media posts about school business public records?", "define"),
])
def test_question_kind(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize("question,action", [
    ("is it ok if i follow my students on tiktok?", "follow my students on tiktok"),
    ("Can I email students from my personal Gmail account?", "email students from my personal Gmail account"),
    ("r we allowed to follow kids on tiktok", "follow kids on tiktok"),
    ("ok to give my cell # to my players for away games?", "give my cell # to my players for away games"),
    ("Do I have to report abuse?", "report abuse"),
    ("Who has access?", "Who has access"),  # no frame: the question itself
])
def test_asked_action_drops_the_frame(question, action):
    assert asked_action(question) == action
