"""Reports: JSON/Markdown/HTML written; the HTML parsed for charts, failure rows and escaping."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from assistant.evaluation.gold import GoldCitation, GoldQuestion, GoldSpan
from assistant.evaluation.metrics import Shown, SystemAnswer, Unit, score_question
from assistant.evaluation.report import (
    COLOURS,
    build_report,
    render_html,
    write_reports,
)
from assistant.evaluation.runner import score_run

EVIL = '<script>alert("x")</script> & <b>'
TEXT = "Employees should refrain from becoming friends with students. " + EVIL + " Other text here."


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.data: list[str] = []
        self.rows: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "tr" and "question" in (a.get("class") or ""):
            self.rows.append(a["class"])

    def handle_data(self, data):
        self.data.append(data)


def _report():
    good = GoldQuestion("pass-1", "Can I friend students?", True, (GoldCitation("d", "should refrain from becoming", "discouraged"),), tags=("friending",))
    bad = GoldQuestion("fail-1", f"What about {EVIL}?", True, (GoldCitation("d", EVIL, "prohibited"),), tags=(EVIL,))
    unit_ok = Unit("d/1", "d", 0, 61, "discouraged", "Policy > item 1", TEXT[0:61])
    unit_other = Unit("d/3", "d", len(TEXT) - 16, len(TEXT), "informational", f"Policy > {EVIL}", TEXT[-16:])
    results = []
    for question, unit, lat in ((good, unit_ok, 12.0), (bad, unit_other, 80.0)):
        s = TEXT.index(question.citations[0].quote)
        spans = [GoldSpan(question.id, 0, question.citations[0], ((s, s + len(question.citations[0].quote)),))]
        ans = SystemAnswer((unit,), False, (Shown("d", unit.start, unit.end, unit.quote),), lat)
        results.append(score_question(question, spans, ans, {"d": [unit_ok, unit_other]}, {"d": TEXT}))
    run = score_run("ours", True, results, 1.0)
    stale = [{"id": "s-1", "doc": "d", "quote": EVIL, "nearest": {"clause_id": "d/1", "label": EVIL, "text": EVIL}}]
    return build_report(run, stale, gold_path="gold.jsonl")


def test_report_keys_and_files(tmp_path):
    report = _report()
    assert {"n_questions", "metrics", "by_tag", "by_district", "stale_gold", "questions"} <= set(report)
    assert report["n_questions"] == 2 and report["metrics"]["citation_recall@1"] == 0.5
    paths = write_reports(report, tmp_path / "out")
    assert [p.name for p in paths] == ["report.json", "report.md", "report.html"]
    assert json.loads(paths[0].read_text())["questions"][1]["id"] == "fail-1"
    md = paths[1].read_text()
    assert "| citation_recall@5 | 0.500 |" in md and "## Failures (1)" in md and "`fail-1`" in md


def test_html_has_charts_failures_first_and_escapes_everything():
    page = render_html(_report())
    assert "<script>" not in page and "<b>" not in page
    p = Collector()
    p.feed(page)
    svgs = [a for t, a in p.tags if t == "svg"]
    assert len(svgs) == 2 and {a["aria-label"] for a in svgs} == {"citation_recall@5 per tag", "latency per question (ms)"}
    bars = [a for t, a in p.tags if t == "rect" and a.get("class") == "bar"]
    assert len(bars) >= 2 + 1  # a bar per tag, histogram bins
    assert p.rows == ["question fail", "question pass"]  # failures first
    text = "".join(p.data)
    assert EVIL in text  # shown as text, escaped in the markup
    assert "missed" in text and "Policy > item 1" in text
    assert not any(t == "script" for t, _ in p.tags)


def test_html_recall_chart_has_one_series_per_system():
    report = _report()
    report["systems"] = {"ours": report["metrics"], "bm25": report["metrics"]}
    report["systems_by_tag"] = {"ours": report["by_tag"], "bm25": report["by_tag"]}
    p = Collector()
    p.feed(render_html(report))
    texts = "".join(p.data)
    assert "friending (n=1)" in texts and "bm25" in texts
    bars = [a for t, a in p.tags if t == "rect" and a.get("class") == "bar"]
    n_tags = len(report["by_tag"])
    assert sum(1 for a in bars if a["fill"] == COLOURS[0]) == n_tags  # one bar per tag for ours
    assert sum(1 for a in bars if a["fill"] == COLOURS[1]) >= n_tags  # and for bm25 (orange, like the histogram)
    legend = [a for t, a in p.tags if t == "rect" and "class" not in a and a.get("fill") in COLOURS[:2]]
    assert len(legend) == 2
