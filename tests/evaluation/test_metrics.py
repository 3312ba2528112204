"""Metric values on small hand-computed cases; pytrec_eval semantics (pure logic, synthetic answers)."""

from __future__ import annotations

import math

import pytest
import pytrec_eval

from assistant.evaluation.gold import GoldCitation, GoldQuestion, GoldSpan
from assistant.evaluation.metrics import (
    METRIC_NAMES,
    Shown,
    SystemAnswer,
    Unit,
    aggregate,
    breakdown,
    covers,
    score_question,
    trec_scores,
)

TEXT = "".join(chr(ord("a") + i % 26) for i in range(100))
TEXTS = {"d": TEXT}
U1 = Unit("d/1", "d", 0, 10, verdict="prohibited")
U2 = Unit("d/2", "d", 10, 20, verdict="informational")
U3 = Unit("d/3", "d", 18, 26, verdict="permitted")
UX = Unit("d/x", "d", 40, 50, verdict="required")
UNITS = {"d": [U1, U2, U3, UX]}


def q(qid, answerable=True, cits=(), tags=("t",), district=None):
    return GoldQuestion(id=qid, question=qid, answerable=answerable, tags=tuple(tags), district=district,
                        citations=tuple(GoldCitation("d", TEXT[s:e], v) for s, e, v in cits))


def spans(question, stale=()):
    return [GoldSpan(question.id, i, c, () if i in stale else ((TEXT.index(c.quote), TEXT.index(c.quote) + len(c.quote)),))
            for i, c in enumerate(question.citations)]


def shown(*units, wrong=False):
    return tuple(Shown(u.doc_id, u.start, u.end, "X" if wrong else TEXT[u.start:u.end]) for u in units)


def run(cases):
    return [score_question(question, spans(question, stale), ans, UNITS, TEXTS) for question, ans, stale in cases]


def test_covers_at_least_half_boundary():
    assert covers(18, 26, (20, 30))  # 6 of 10
    assert covers(25, 40, (20, 30))  # exactly 5 of 10: a tie counts as covered
    assert not covers(26, 40, (20, 30))  # 4 of 10
    assert not covers(0, 10, (10, 20))  # touching is not covering


@pytest.fixture()
def results():
    q1 = q("q1", cits=[(0, 10, "discouraged"), (20, 30, "permitted")], tags=("a", "b"))
    q2 = q("q2", cits=[(60, 70, "required")])  # nothing cited: no hits
    q3 = q("q3", answerable=False)
    q4 = q("q4", answerable=False, tags=("b",))
    q5 = q("q5", cits=[(0, 10, "prohibited")])
    q6 = q("q6", cits=[(0, 10, "prohibited"), (90, 100, "required")])  # second citation stale
    return run([
        (q1, SystemAnswer((UX, U1, U3), False, shown(UX, U1, U3) + shown(U1), 10.0), ()),
        (q2, SystemAnswer((), False, (), 20.0), ()),
        (q3, SystemAnswer((), True, shown(UX), 30.0), ()),
        (q4, SystemAnswer((UX,), False, shown(UX, wrong=True), 40.0), ()),
        (q5, SystemAnswer((), True, (), 50.0), ()),
        (q6, SystemAnswer((U1, U1), False, shown(U1), 60.0), (1,)),
    ])


def test_per_question_ranks_and_trec_scores(results):
    r1, r2, r3, r4, r5, r6 = results
    assert [c.rank for c in r1.citations] == [2, 3]
    assert [c.unit_id for c in r1.citations] == ["d/1", "d/3"]
    # qrels {d/1, d/3}; run d/x, d/1, d/3: RR 1/2; DCG 1/log2(3)+1/log2(4), IDCG 1+1/log2(3)
    assert r1.rr == pytest.approx(0.5)
    assert r1.ndcg == pytest.approx((1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3)))
    assert (r2.rr, r2.ndcg) == (0.0, 0.0)  # no hits
    assert r3.rr is None and r4.rr is None  # unanswerable: no qrels, not scored
    assert (r5.rr, r5.ndcg) == (0.0, 0.0)  # abstained
    assert r6.citations[1].stale and r6.citations[1].rank is None
    assert r6.rr == 1.0 and r6.ndcg == 1.0  # a duplicated unit counts once; the stale citation is gone
    assert [r.passed for r in results] == [False, False, True, False, False, True]
    assert [r.reasons() for r in results] == [
        ["d verdict prohibited, gold discouraged"], ["missed d"], [], ["answered an out-of-scope question"],
        ["abstained", "missed d"], [],
    ]
    cited = r1.to_dict()["cited"]
    assert [(c["rank"], c["id"], c["matches_gold"]) for c in cited] == [(1, "d/x", False), (2, "d/1", True), (3, "d/3", True)]


def test_aggregate_hand_computed(results):
    m = aggregate(results)
    assert list(m) == list(METRIC_NAMES)
    # live gold citations: q1 x2 (ranks 2, 3), q2 (miss), q5 (miss, abstained), q6 first (rank 1)
    assert m["citation_recall@1"] == pytest.approx(1 / 5)
    assert m["citation_recall@3"] == pytest.approx(3 / 5)
    assert m["citation_recall@5"] == pytest.approx(3 / 5)
    ndcg1 = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert m["mrr@10"] == pytest.approx((0.5 + 0 + 0 + 1) / 4)
    assert m["ndcg@10"] == pytest.approx((ndcg1 + 0 + 0 + 1) / 4)
    # found with verdicts: q1 (discouraged vs prohibited: wrong, same polarity), (permitted ok), q6 (prohibited ok)
    assert m["verdict_accuracy"] == pytest.approx(2 / 3)
    assert m["verdict_polarity_accuracy"] == pytest.approx(1.0)
    assert m["abstention_accuracy"] == pytest.approx(4 / 6)
    assert (m["false_abstain"], m["false_answer"]) == (1, 1)
    assert m["faithfulness"] == pytest.approx(6 / 7)
    # chars per answerable answer: q1 30 (d/1 shown twice counts once), q2 0, q5 0, q6 10 -> median 5
    assert m["chars_to_read_median"] == 5.0
    assert m["latency_ms_p50"] == pytest.approx(35.0)
    assert m["latency_ms_p95"] == pytest.approx(57.5)


def test_aggregate_without_verdicts_and_empty():
    question = q("q", cits=[(0, 10, "prohibited")])
    res = [score_question(question, spans(question), SystemAnswer((U1,), False), UNITS, TEXTS, gives_verdicts=False)]
    m = aggregate(res, gives_verdicts=False)
    assert m["verdict_accuracy"] is None and m["verdict_polarity_accuracy"] is None
    assert res[0].passed is True  # anchors pass on retrieval alone
    empty = aggregate([])
    assert empty["citation_recall@1"] is None and empty["false_answer"] == 0 and empty["latency_ms_p50"] is None


def test_breakdown_by_tag_and_district(results):
    by_tag = breakdown(results, "tags")
    assert set(by_tag) == {"a", "b", "t"}
    assert by_tag["a"]["n"] == 1 and by_tag["a"]["citation_recall@3"] == 1.0
    assert by_tag["b"]["n"] == 2 and by_tag["b"]["false_answer"] == 1
    by_district = breakdown(results, "districts")
    assert set(by_district) == {"d", "(none)"}
    assert by_district["(none)"]["n"] == 2 and by_district["(none)"]["abstention_accuracy"] == 0.5


def test_trec_scores_equal_pytrec_eval_on_a_toy_run():
    qrels = {"a", "c", "f"}
    ranking = ["b", "a", "d", "c", "e", "g", "h", "i", "j", "k", "f"]
    rr, ndcg = trec_scores(qrels, ranking)
    ev = pytrec_eval.RelevanceEvaluator({"q": {d: 1 for d in qrels}}, {"recip_rank", "ndcg_cut.10"})
    direct = ev.evaluate({"q": {d: 100.0 - i for i, d in enumerate(ranking)}})["q"]
    assert rr == pytest.approx(direct["recip_rank"]) == pytest.approx(0.5)
    assert ndcg == pytest.approx(direct["ndcg_cut_10"])


def test_trec_scores_cut_at_ten_and_keep_system_order_on_ties():
    ranking = [f"n{i}" for i in range(10)] + ["rel"]
    assert trec_scores({"rel"}, ranking) == (0.0, 0.0)  # plain trec recip_rank would give 1/11
    # ids that trec_eval would reorder on equal scores keep the system's order
    assert trec_scores({"a"}, ["z", "a"])[0] == pytest.approx(0.5)
    assert trec_scores({"a"}, []) == (0.0, 0.0)
    assert trec_scores(set(), ["a"]) == (0.0, 0.0)
