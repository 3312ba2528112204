"""Gold file parsing, validation and quote location (pure logic)."""

from __future__ import annotations

import json

import pytest

from assistant.errors import GoldError
from assistant.evaluation.gold import (
    GoldProblems,
    check_against_corpus,
    load_gold,
    locate,
    normalise,
    parse_gold,
    resolve,
)

TEXT = "Intro.\n\n8.    Employees should refrain from becoming \u201cfriends\u201d with  students.\n\nEnd. Employees should refrain."


def test_normalise_maps_every_char_back():
    norm, index = normalise("A\u2019b  \n C")
    assert norm == "a'b c"
    assert index == [0, 1, 2, 3, 7]


def test_locate_ignores_case_whitespace_and_curly_quotes_and_returns_exact_offsets():
    quote = 'EMPLOYEES should refrain from becoming "friends" with students.'
    spans = locate(quote, TEXT)
    assert len(spans) == 1
    s, e = spans[0]
    assert TEXT[s:e] == "Employees should refrain from becoming \u201cfriends\u201d with  students."


def test_locate_straight_text_curly_quote_and_multiple_occurrences():
    assert locate("\u201cfriends\u201d", 'be "friends" or "friends"') == [(3, 12), (16, 25)]
    spans = locate("employees should refrain", TEXT)
    assert [TEXT[s:e] for s, e in spans] == ["Employees should refrain"] * 2


def test_locate_not_found_and_empty():
    assert locate("shall not become", TEXT) == []
    assert locate("   ", TEXT) == []


def _line(**over):
    base = {"id": "q1", "question": "Can I friend students?", "answerable": True,
            "citations": [{"doc": "d1", "quote": "should refrain from becoming", "verdict": "discouraged"}],
            "tags": ["friending"], "rulings": {"d1": "discouraged"}}
    base.update(over)
    return json.dumps(base)


def test_parse_gold_reports_every_problem_with_line_numbers():
    lines = [
        _line(),
        "{not json",
        json.dumps({"id": "q3", "question": "x", "citations": []}),  # no answerable
        _line(id="q1"),  # duplicate
        _line(id="q5", citations=[{"doc": "d1", "quote": "x", "verdict": "forbidden"}]),
        _line(id="q6", answerable=False),  # unanswerable with citations
        _line(id="q7", citations=[]),  # answerable without citations
        _line(id="q8", citations=[{"quote": "x"}]),
        "",
    ]
    problems = GoldProblems()
    questions = parse_gold(lines, problems)
    assert [q.id for q in questions] == ["q1"]
    text = "\n".join(problems.items)
    assert "line 2: not valid JSON" in text
    assert "line 3: missing key 'answerable'" in text
    assert "line 4: duplicate id 'q1'" in text
    assert "line 5:" in text and "'forbidden' is not one of" in text
    assert "line 6:" in text and "unanswerable questions must have empty 'citations'" in text
    assert "line 7:" in text and "need at least one citation" in text
    assert "line 8:" in text and "missing key 'doc'" in text
    assert len(problems.items) == 7


def test_load_gold_raises_gold_error_listing_problems(tmp_path):
    p = tmp_path / "gold.jsonl"
    p.write_text(_line() + "\n" + "[1, 2]\n", encoding="utf-8")
    with pytest.raises(GoldError) as err:
        load_gold(p)
    assert "line 2: each line must be a JSON object" in err.value.message
    with pytest.raises(GoldError, match="not found"):
        load_gold(tmp_path / "missing.jsonl")


def test_load_gold_reads_fields(tmp_path):
    p = tmp_path / "gold.jsonl"
    p.write_text(_line(district="d1", answer="no") + "\n\n" + _line(id="q2", answerable=False, citations=[]) + "\n")
    q1, q2 = load_gold(p)
    assert q1.district == "d1" and q1.answer == "no" and q1.tags == ("friending",)
    assert q1.citations[0].verdict == "discouraged" and q1.line == 1
    assert q1.districts == ("d1",)
    assert not q2.answerable and q2.citations == () and q2.line == 3


def test_resolve_and_check_against_corpus(tmp_path):
    p = tmp_path / "gold.jsonl"
    p.write_text("\n".join([
        _line(),
        _line(id="q2", citations=[{"doc": "d1", "quote": "shall not become"}]),
        _line(id="q3", citations=[{"doc": "nope", "quote": "x"}], district="zzz"),
    ]))
    questions = load_gold(p)
    resolved = resolve(questions, {"d1": TEXT})
    (s1,), (s2,), (s3,) = resolved["q1"], resolved["q2"], resolved["q3"]
    assert not s1.stale and TEXT[s1.spans[0][0]:s1.spans[0][1]] == "should refrain from becoming"
    assert s2.stale and s3.stale
    problems = check_against_corpus(questions, {"d1": TEXT})
    assert problems == [
        "line 2: question 'q2': quote not found in d1: 'shall not become'",
        "line 3: question 'q3': district 'zzz' is not a doc id (d1)",
        "line 3: question 'q3': doc 'nope' is not in the corpus (d1)",
    ]


def test_rulings_parse_preferred_first_and_reject_unknown_labels():
    lines = [
        _line(rulings={"d1": ["discouraged", "not addressed"], "d2": "not addressed"}),
        _line(id="q2", rulings={"d1": "forbidden"}),
        _line(id="q3", rulings={"d1": []}),
        _line(id="q4", rulings={"d1": ["required", "required"]}),
        _line(id="q5", rulings=["d1"]),
    ]
    problems = GoldProblems()
    questions = parse_gold(lines, problems)
    assert questions[0].gold_ruling("d1") == ("discouraged", "not addressed")
    assert questions[0].gold_ruling("d2") == ("not addressed",) and questions[0].gold_ruling("d3") is None
    text = "\n".join(problems.items)
    assert "line 2: question 'q2': ruling for 'd1': 'forbidden' is not one label" in text
    assert "line 3:" in text and "line 4:" in text
    assert "line 5: question 'q5': 'rulings' must map each doc id" in text
    assert len(problems.items) == 4


def test_check_against_corpus_wants_a_ruling_for_every_document_and_verbatim_ruling_quotes():
    texts = {"d1": TEXT, "d2": "Other policy. Staff shall report abuse."}
    questions = parse_gold([
        _line(rulings={"d1": "discouraged", "d2": "not addressed"}),
        _line(id="q2", rulings={"d1": "discouraged"}),  # d2 missing
        _line(id="q3", rulings={"d1": "discouraged", "d2": "required", "d9": "required"}),
        _line(id="q4", rulings={"d1": "discouraged", "d2": "required"},
              ruling_quotes={"d2": "Staff shall report abuse", "d1": "not in the text"}),
    ], GoldProblems())
    problems = check_against_corpus(questions, texts)
    assert problems == [
        "line 2: question 'q2': no ruling for d2 (every document needs one: a label, a list of labels, or \"not addressed\")",
        "line 3: question 'q3': ruling for 'd9', which is not in the corpus (d1, d2)",
        "line 4: question 'q4': ruling quote not found in d1: 'not in the text'",
    ]
