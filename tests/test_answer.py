"""The answerer and the facade on the real seed index: each district's ruling on the asked action
(rules / related / not addressed), the deciding quote first and verbatim, the summary built from
the rulings, abstention, the district filter, and the JSON shape."""

from __future__ import annotations

import pytest

from assistant.answer import _VERB, action_words, lead
from assistant.errors import InvalidQuestion, NotFound
from assistant.types import NOT_ADDRESSED, VERDICTS

pytestmark = pytest.mark.slow

ANSWER_KEYS = {"question", "asked", "kind", "district", "abstained", "summary", "findings", "not_addressed",
               "citations", "latency_ms"}
CITATION_KEYS = {"clause_id", "doc_id", "label", "quote", "start", "end", "verdict", "evidence", "score",
                 "clause_start", "clause_end", "clause_quote", "role"}


def shown_citations(answer):
    out = list(answer.citations) + list(answer.related)
    return out + [c for f in answer.findings + answer.other_districts for c in f.citations]


def assert_verbatim(assistant, answer):
    for c in shown_citations(answer):
        text = assistant.document(c.doc_id).text
        assert text[c.start:c.end] == c.quote
        assert text[c.clause_start:c.clause_end] == c.clause_quote == assistant.clause(c.clause_id).text
        assert c.clause_start <= c.start < c.end <= c.clause_end
        if c.evidence:
            assert c.evidence in c.quote


def rulings(answer):
    """doc id -> what a person reads for it: the verdict of a ruling card, else not addressed."""
    out = {d: NOT_ADDRESSED for d in answer.not_addressed}
    for f in answer.findings + answer.other_districts:
        out[f.doc_id] = f.verdict if f.rules else NOT_ADDRESSED
    return out


def test_following_students_is_ruled_on_by_the_districts_that_rule_on_following(seed_assistant):
    """The README's question: D207 and CHSD 230 rule on following/friending students; a rule about
    reporting a student's contact (Illinois) or one-to-one messaging (Union) is not a ruling on it."""
    answer = seed_assistant.ask("is it ok if i follow my students on tiktok?")
    assert_verbatim(seed_assistant, answer)
    got = rulings(answer)
    assert got["d207-guidelines"] == "discouraged"
    assert got["chsd230-5125"] == "discouraged"  # "refrain from becoming friends with or fans of students"
    assert got["ia-401-15"] in ("discouraged", "recommended")  # "carefully consider whether to interact"
    assert got["il-board-social-media"] == NOT_ADDRESSED
    assert got["union-1610"] == NOT_ADDRESSED
    by_doc = {f.doc_id: f for f in answer.findings}
    assert by_doc["d207-guidelines"].citations[0].quote.startswith("Staff should NOT follow/friend/connect")
    assert "require" not in answer.summary
    assert answer.asked == "follow my students on tiktok" and answer.kind == "may"


def test_each_ruling_card_quotes_its_deciding_sentence_first_with_the_same_verdict(seed_assistant):
    for q in ("Can I send a private direct message to a student?", "Can I use the school logo on my own page?",
              "Can I post photos of my students on Instagram?"):
        answer = seed_assistant.ask(q)
        assert_verbatim(seed_assistant, answer)
        for f in answer.findings:
            if f.rules:
                assert f.citations[0].role == "deciding" and f.citations[0].verdict == f.verdict
                assert len(f.citations) <= 3  # the deciding sentence and up to two supporting ones
            else:
                assert f.verdict == NOT_ADDRESSED and all(c.role == "related" for c in f.citations)


def test_summary_names_each_ruling_in_the_deciding_sentences_own_words(seed_assistant):
    answer = seed_assistant.ask("Can I send a private direct message to a student?")
    names = {m.doc_id: m.label_name for m in seed_assistant.documents()}
    ruled = [f for f in answer.findings if f.rules]
    assert ruled
    assert answer.summary.startswith(lead([f.verdict for f in ruled], "may"))
    for f in ruled:
        assert names[f.doc_id] in answer.summary
        assert f.summary in answer.summary
        assert _VERB[f.verdict][0] in f.summary
        action = seed_assistant.norms.action(next(n for n in seed_assistant.store.norms
                                                   if n.start == f.citations[0].start))
        assert action_words(action) in f.summary  # the norm's own words, verbatim
    for meta in seed_assistant.documents():  # never a district name the text does not give
        if not meta.district_named:
            assert meta.district not in answer.summary


def test_a_consequence_question_gets_the_consequences_not_a_yes(seed_assistant):
    answer = seed_assistant.ask("what happens if I break the social media rules")
    assert answer.kind == "consequence"
    assert not answer.summary.startswith("Yes")
    ruled = [f for f in answer.findings if f.rules]
    assert len(ruled) >= 3
    assert {f.verdict for f in ruled} == {"informational"}
    assert any("disciplin" in f.citations[0].quote for f in ruled)


@pytest.mark.parametrize("question", [
    "How do I get a parking permit for the staff lot?",
    "What is the salary schedule for second-year teachers?",
    "can i use the copier for personal stuff?",
    "who do i email about my paycheck",
])
def test_out_of_scope_questions_abstain(seed_assistant, question):
    answer = seed_assistant.ask(question)
    assert answer.abstained
    assert not [f for f in answer.findings if f.rules]
    assert "nothing" in answer.summary.lower()
    assert_verbatim(seed_assistant, answer)


@pytest.mark.parametrize("question", [
    "Can I text a student individually?",
    "Can I be Facebook friends with my students' parents?",
    "Can I post photos of my students on my personal Instagram?",
])
def test_a_district_rules_the_same_with_and_without_the_filter(seed_assistant, question):
    everyone = rulings(seed_assistant.ask(question))
    for doc_id in everyone:
        alone = seed_assistant.ask(question, district=doc_id)
        assert rulings(alone)[doc_id] == everyone[doc_id], doc_id


def test_district_filter_answers_that_district_first(seed_assistant):
    answer = seed_assistant.ask("Can I text a student individually?", district="union-1610")
    assert answer.district == "union-1610"
    assert {f.doc_id for f in answer.findings} == {"union-1610"}
    union = answer.findings[0]
    assert union.rules and union.verdict == "conditional"  # discouraged, but "when educationally necessary"
    assert any("educationally necessary" in c.quote for c in union.citations)
    assert all(c.doc_id == "union-1610" for c in answer.citations)
    assert answer.other_districts and all(f.doc_id != "union-1610" for f in answer.other_districts)
    assert_verbatim(seed_assistant, answer)


def test_district_can_be_named_by_display_name(seed_assistant):
    answer = seed_assistant.ask("Can I text a student?", district="Union Public Schools")
    assert answer.district == "union-1610"


@pytest.mark.parametrize("bad", ["", "   ", "\n\t"])
def test_empty_question_is_refused_clearly(seed_assistant, bad):
    with pytest.raises(InvalidQuestion, match="Please type a question"):
        seed_assistant.ask(bad)


def test_too_long_question_is_refused(seed_assistant):
    with pytest.raises(InvalidQuestion, match="limit is 2,000"):
        seed_assistant.ask("a" * 2001)


def test_unknown_district_lists_the_known_ones(seed_assistant):
    with pytest.raises(NotFound, match="chsd230-5125"):
        seed_assistant.ask("Can I text a student?", district="nowhere-1")


def test_answer_json_has_the_documented_shape(seed_assistant):
    d = seed_assistant.ask("is it ok if i follow my students on tiktok?").to_dict()
    assert ANSWER_KEYS <= set(d)
    assert d["citations"] and all(CITATION_KEYS <= set(c) for c in d["citations"])
    statuses = set()
    for f in d["findings"] + d["other_districts"]:
        assert {"doc_id", "district", "status", "verdict", "summary", "citations"} <= set(f)
        statuses.add(f["status"])
        if f["status"] == "rules":
            assert f["verdict"] in VERDICTS and f["citations"][0]["verdict"] == f["verdict"]
        else:
            assert f["status"] == "related" and f["verdict"] == NOT_ADDRESSED
    assert "rules" in statuses
    known = {f["doc_id"] for f in d["findings"] + d["other_districts"]} | set(d["not_addressed"])
    assert len(known) == 5  # every district is accounted for
    assert isinstance(d["latency_ms"], float) and d["latency_ms"] > 0


def test_unnamed_districts_are_never_given_a_name(seed_assistant):
    answer = seed_assistant.ask("Can I give students my personal phone number?")
    for f in answer.findings:
        meta = seed_assistant.document(f.doc_id).meta
        if not meta.district_named:
            assert "not named" in f.district


@pytest.mark.parametrize("verdicts,kind,expected", [
    (["prohibited"], "may", "No."),
    (["prohibited", "discouraged"], "may", "Generally no."),
    (["permitted"], "may", "Yes."),
    (["conditional"], "may", "Only under conditions."),
    (["prohibited", "conditional"], "may", "It depends on the district."),
    (["informational"], "may", "The policies speak to this but set no rule on it."),
    (["required"], "must", "Yes, it is required."),
    (["recommended"], "must", "It is recommended, not required."),
    (["required", "informational"], "consequence", "Here is what the policies say happens."),
    (["required"], "who", "Here is what the policies say."),
])
def test_lead_sentence_follows_the_verdicts_and_the_kind_of_question(verdicts, kind, expected):
    assert lead(verdicts, kind) == expected


def test_action_words_are_cut_at_a_word_with_an_ellipsis():
    assert action_words("post photos of students.") == "post photos of students"
    long = " ".join(f"w{i}" for i in range(30))
    assert action_words(long, 5) == "w0 w1 w2 w3 w4 …"
