"""Act classes, people and channels of the policies' language (pure logic)."""

from __future__ import annotations

import pytest

from assistant.actions import acts, agrees, channels, compatible, people


@pytest.mark.parametrize("text,expected", [
    ("follow kids on tiktok", {"connect"}),
    ("becoming “friends” with or “fans” of students", {"connect"}),
    ("use district-approved Social Medias under the following guidelines", {"use"}),  # not "follow"
    ("inform their immediate supervisor", {"report"}),
    ("use the school district’s school logos or mascots", {"use", "logo"}),
    ("set and maintain social networking privacy settings", {"use", "privacy"}),
])
def test_acts(text, expected):
    assert acts(text) == frozenset(expected)


def test_people_prefers_the_parents_of_students():
    assert people("be Facebook friends with my students' parents") == {"parent"}
    assert people("communicate with students and parents") == {"parent", "student"}
    assert people("snap my players") == {"student"}


def test_channels():
    assert channels("txt a student 1 on 1") == {"sms"}
    assert channels("direct message or otherwise contact students over social media") == {"social"}
    assert channels("use my own gmail") == {"email"}


def test_a_rule_about_another_act_is_not_compatible():
    follow = acts("follow my students on tiktok")
    assert not compatible(follow, frozenset(), acts("inform their immediate supervisor"), frozenset())
    assert not compatible(follow, frozenset(), acts("communicate with students via text messaging"), frozenset())
    assert compatible(follow, frozenset(), acts("follow/friend/connect with a student"), frozenset())
    # posting a photo of a student is disclosing it
    assert compatible(acts("post photos of my class"), frozenset(), acts("not disclose student records"), frozenset())


def test_people_and_channels_must_agree_when_both_are_named():
    dm = acts("dm a parent")
    assert not compatible(dm, frozenset({"parent"}), acts("direct message students"), frozenset({"student"}))
    text = acts("text a student")
    assert not compatible(text, frozenset({"student"}), acts("contact students over social media"),
                          frozenset({"student"}), frozenset({"sms"}), frozenset({"social"}))
    assert compatible(text, frozenset({"student"}), acts("communicate with students via text messaging"),
                      frozenset({"student"}), frozenset({"sms"}), frozenset({"sms", "social", "email"}))


def test_a_general_rule_only_answers_a_broad_question():
    assert not compatible(acts("follow students"), frozenset(), frozenset(), frozenset())
    assert compatible(acts("post on my personal page"), frozenset(), frozenset(), frozenset())
    assert agrees(acts("follow students"), acts("friend students")) and not agrees(acts("post"), acts("post"))
