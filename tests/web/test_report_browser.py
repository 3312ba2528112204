"""Issue 13: the HTML report a policy person reads, opened in Chromium: the changes first, a chart
of the main rates against the baseline, no outside request (a screenshot in test-output/)."""

from __future__ import annotations

import pytest

from assistant.evaluation.baseline import compare
from assistant.evaluation.changes import what_changed
from assistant.evaluation.report import render_html
from tests.conftest import ROOT
from tests.web.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_report_opens_with_the_changes_and_charts_the_baseline(tmp_path, browser, seed_assistant):
    from assistant.evaluation.commands import run_eval

    gold = ROOT / "eval" / "gold.jsonl"
    report = run_eval(seed_assistant, gold, ["ours"], progress=False)
    base = {**report, "questions": [dict(q) for q in report["questions"]]}
    q = base["questions"][0]  # a baseline in which the first question was answered otherwise
    q["shown_answer"] = {"summary": "older words", "districts": {
        d: {**v, "ruling": "permitted"} for d, v in q["shown_answer"]["districts"].items()}}
    report["changes"] = what_changed(base, report)
    report["comparison"] = compare(report, base)
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report), encoding="utf-8")

    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    outside: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (outside.append(route.request.url), route.abort()))
    try:
        page.goto(page_file.as_uri())
        headings = page.locator("h2").all_inner_texts()
        assert headings[0] == "What staff will now see differently"
        assert page.locator("#changes tr.unintended").count() >= 1  # nothing changed in the corpus
        assert page.locator("svg").count() >= 2 and "Against the baseline" in headings
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "eval-report.png"), full_page=False)
    finally:
        context.close()
    assert outside == []
