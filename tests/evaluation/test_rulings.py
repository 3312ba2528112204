"""Ruling metrics on hand-made pairs (pure logic): accuracy, ruled accuracy, unsafe, invented,
missed, the confusion table, and how an answer's cards become the rulings a person reads."""

from __future__ import annotations

from assistant.evaluation.rulings import RULING_METRICS, confusion, pairs, ruling_metrics
from assistant.evaluation.runner import from_answer
from assistant.types import Answer, Citation, Finding

NA = "not addressed"


def test_metrics_count_what_a_person_reads():
    gold = [("a", ("prohibited",)), ("b", ("discouraged", "conditional")), ("c", (NA,)), ("d", (NA,)),
            ("e", ("informational",)), ("f", ("required",))]
    shown = {"a": "permitted", "b": "conditional", "c": "required", "e": "informational"}  # d, f: not shown
    items = pairs("q1", gold, shown)
    assert [p.shown for p in items] == ["permitted", "conditional", "required", NA, "informational", NA]
    m = ruling_metrics(items)
    assert m["district_ruling_accuracy"] == 3 / 6  # b (second label is defensible), d, e
    assert m["ruled_accuracy"] == 1 / 3  # a, b, f have a rule first; only b is right
    assert m["unsafe_rulings"] == 1  # a: gold only restricts, shown permits
    assert m["invented_rulings"] == 1  # c: nothing to rule on, a rule shown
    assert m["invented_rate"] == 1 / 2  # of the two pairs whose gold is only "not addressed"
    assert m["missed_rulings"] == 1  # f: a rule, shown as not addressed
    table = confusion(items)
    assert table["prohibited"]["permitted"] == 1 and table[NA][NA] == 1 and table["required"][NA] == 1
    assert sum(sum(row.values()) for row in table.values()) == 6


def test_systems_without_rulings_get_none():
    assert ruling_metrics([], gives_rulings=True) == {m: None for m in RULING_METRICS}
    items = pairs("q", [("a", (NA,))], {})
    assert ruling_metrics(items, gives_rulings=False) == {m: None for m in RULING_METRICS}


def _cite(doc, verdict, role):
    return Citation(clause_id=f"{doc}/1", doc_id=doc, label=doc, quote="Staff shall not.", start=10, end=26,
                    verdict=verdict, evidence="", score=1.0, clause_start=0, clause_end=40,
                    clause_quote="x" * 40, role=role)


def test_a_related_card_reads_as_not_addressed_and_shown_clauses_count_for_recall():
    deciding = _cite("a", "prohibited", "deciding")
    answer = Answer(
        question="q", district="a", abstained=False, summary="", citations=(deciding,),
        findings=(Finding("a", "A", "prohibited", (deciding,)),),
        other_districts=(Finding("b", "B", NA, (_cite("b", NA, "related"),), status="related"),),
        not_addressed=("c",),
    )
    sa = from_answer(answer)
    assert dict(sa.rulings_shown) == {"a": "prohibited", "b": NA}
    assert sa.ranked[0].start == 0 and sa.ranked[0].end == 40  # ranked on the clause it belongs to
    shown = {(s.doc_id, s.start, s.end) for s in sa.shown}
    assert ("a", 10, 26) in shown and ("a", 0, 40) in shown  # the sentence and the whole clause
