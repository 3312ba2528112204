"""The answerer and the facade on the real seed index: verbatim citations, district verdicts,
abstention, district filter, and the JSON shape of issue 3."""

from __future__ import annotations

import pytest

from assistant.answer import _VERB, lead
from assistant.errors import InvalidQuestion, NotFound
from assistant.types import VERDICTS

pytestmark = pytest.mark.slow

ANSWER_KEYS = {"question", "district", "abstained", "summary", "findings", "not_addressed", "citations",
               "latency_ms"}
CITATION_KEYS = {"clause_id", "doc_id", "label", "quote", "start", "end", "verdict", "evidence", "score"}


def assert_verbatim(assistant, answer):
    shown = list(answer.citations) + list(answer.related)
    shown += [c for f in answer.findings + answer.other_districts for c in f.citations]
    for c in shown:
        assert assistant.document(c.doc_id).text[c.start:c.end] == c.quote
        assert assistant.clause(c.clause_id).text == c.quote
        if c.evidence:
            assert c.evidence in c.quote


def test_friend_a_student_cites_each_district_verbatim(seed_assistant):
    answer = seed_assistant.ask("Can I friend a student on Facebook?")
    assert not answer.abstained
    assert_verbatim(seed_assistant, answer)
    by_doc = {f.doc_id: f for f in answer.findings}
    assert by_doc["d207-guidelines"].citations[0].quote.startswith("Staff should NOT follow/friend/connect")
    assert by_doc["d207-guidelines"].verdict == "discouraged"
    assert any("“friends”" in c.quote for c in by_doc["chsd230-5125"].citations)
    assert by_doc["chsd230-5125"].verdict == "discouraged"
    assert len(answer.findings) >= 3
    ids = [c.clause_id for c in answer.citations]
    assert len(ids) == len(set(ids)), "citations are de-duplicated by clause_id"
    assert set(answer.not_addressed).isdisjoint(by_doc)
    assert set(answer.not_addressed) | set(by_doc) == {d.doc_id for d in seed_assistant.documents()}


def test_summary_is_composed_from_verdicts_and_document_names(seed_assistant):
    answer = seed_assistant.ask("Can I send a private direct message to a student?")
    names = {m.doc_id: m.label_name for m in seed_assistant.documents()}
    for f in answer.findings:
        assert names[f.doc_id] in answer.summary
    for f in answer.findings:  # each district's verdict is said in the summary, in words
        assert any(phrase in answer.summary for phrase in _VERB[f.verdict]), (f.verdict, answer.summary)
    assert answer.summary.startswith(lead([f.verdict for f in answer.findings]))
    # no district name the documents do not give: the summary names documents by their short names only
    for meta in seed_assistant.documents():
        if not meta.district_named:
            assert meta.district not in answer.summary


@pytest.mark.parametrize("question", [
    "How do I get a parking permit for the staff lot?",
    "What is the salary schedule for second-year teachers?",
    "How much is substitute pay per day?",
])
def test_out_of_scope_questions_abstain(seed_assistant, question):
    answer = seed_assistant.ask(question)
    assert answer.abstained
    assert not answer.findings and not answer.citations
    assert "nothing" in answer.summary.lower()
    assert_verbatim(seed_assistant, answer)


def test_district_filter_answers_that_district_first(seed_assistant):
    answer = seed_assistant.ask("Can I text a student individually?", district="union-1610")
    assert answer.district == "union-1610"
    assert answer.findings and {f.doc_id for f in answer.findings} == {"union-1610"}
    assert all(c.doc_id == "union-1610" for c in answer.citations)
    assert any("educationally necessary" in c.quote for c in answer.citations)
    assert all(f.doc_id != "union-1610" for f in answer.other_districts)
    assert answer.other_districts, "other districts come under 'other districts'"
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
    for f in d["findings"]:
        assert {"doc_id", "district", "verdict", "citations"} <= set(f)
        assert f["verdict"] in VERDICTS
    assert isinstance(d["latency_ms"], float) and d["latency_ms"] > 0


def test_unnamed_districts_are_never_given_a_name(seed_assistant):
    answer = seed_assistant.ask("Can I give students my personal phone number?")
    for f in answer.findings:
        meta = seed_assistant.document(f.doc_id).meta
        if not meta.district_named:
            assert "not named" in f.district


@pytest.mark.parametrize("verdicts,expected", [
    (["prohibited"], "No."),
    (["prohibited", "discouraged"], "Generally no."),
    (["permitted"], "Yes."),
    (["conditional"], "Only under conditions."),
    (["prohibited", "conditional"], "It depends on the district."),
    (["informational"], "The policies speak to this but set no rule."),
])
def test_lead_sentence_follows_the_verdicts(verdicts, expected):
    assert lead(verdicts) == expected
