"""Reports: one JSON object (also what ``eval --json`` prints), Markdown, and self-contained HTML
with inline SVG charts (recall@5 per tag, latency histogram) and a per-question table, failures
first, each showing the gold quote beside what was cited. Every text in the HTML is escaped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from assistant.evaluation.metrics import LOWER_IS_BETTER, METRIC_NAMES
from assistant.evaluation.runner import SystemRun

NOTES = {
    "match": "a ranked unit matches a gold citation when it covers >= half of the quote's span in the same document",
    "mrr_ndcg": "pytrec_eval per question over answerable questions with a live gold citation; no run or abstention = 0; "
    "unanswerable questions are excluded (scored by abstention)",
    "stale": "stale gold citations (quote no longer in the corpus) are left out of every metric",
    "passed": "answerable: not abstained, every live gold citation in the top 5, gold verdicts given; "
    "unanswerable: abstained",
    "by_district": "a question counts for its district filter, else for every doc its gold citations cite; "
    "'(none)' holds unfiltered out-of-scope questions",
    "latency": "wall time of one answer, measured the same way for every system; not gated against the "
    "baseline (machine-dependent); anchors share the embedder's query cache, so theirs is indicative",
}


def build_report(
    ours: SystemRun,
    stale: Sequence[dict[str, Any]],
    anchors: Sequence[SystemRun] = (),
    gold_path: str = "",
    comparison: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report object; keys as ``eval --json`` documents them."""
    report: dict[str, Any] = {
        "n_questions": len(ours.results),
        "system": ours.name,
        "gold": gold_path,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(ours.seconds, 2),
        "metrics": ours.metrics,
        "by_tag": ours.by_tag,
        "by_district": ours.by_district,
        "rulings_by_district": ours.rulings_by_district,
        "ruling_confusion": ours.ruling_confusion,
        "stale_gold": list(stale),
        "questions": [r.to_dict() for r in ours.results],
        "notes": NOTES,
    }
    if anchors:
        report["systems"] = {run.name: run.metrics for run in (ours, *anchors)}
        report["systems_by_tag"] = {run.name: run.by_tag for run in (ours, *anchors)}
    if comparison is not None:
        report["comparison"] = comparison
    return report


def write_reports(report: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md", out / "report.html"]
    paths[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    paths[2].write_text(render_html(report), encoding="utf-8")
    return paths


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def _systems(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return report.get("systems") or {report.get("system", "ours"): report["metrics"]}


def _failures_first(report: dict[str, Any]) -> list[dict[str, Any]]:
    order = {False: 0, None: 1, True: 2}
    return sorted(report["questions"], key=lambda q: order[q["passed"]])


# --- Markdown -------------------------------------------------------------------------------


def render_markdown(report: dict[str, Any]) -> str:
    systems = _systems(report)
    names = list(systems)
    from assistant.evaluation.changes import changes_markdown

    lines = [f"# Eval report ({report.get('generated_at', '')})", "",
             f"{report['n_questions']} questions, gold `{report.get('gold', '')}`.", "",
             *changes_markdown(report.get("changes")),
             "| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for m in METRIC_NAMES:
        lines.append(f"| {m} | " + " | ".join(fmt(systems[n].get(m)) for n in names) + " |")
    lines += _rulings_markdown(report)
    comp = report.get("comparison")
    if comp:
        lines += ["", "## Against the baseline", "", "| metric | baseline | now | delta |", "|---|---|---|---|"]
        for m, d in comp["deltas"].items():
            lines.append(f"| {m} | {fmt(d['baseline'])} | {fmt(d['current'])} | {fmt(d['delta'])} |")
        lines += ["", f"Newly failing: {', '.join(comp['flips']['newly_failing']) or 'none'}",
                  f"Newly passing: {', '.join(comp['flips']['newly_passing']) or 'none'}",
                  f"Regressions: {'; '.join(comp['failures']) or 'none'}"]
        sig = comp.get("significance") or {}
        if sig:
            lines.append(f"Paired test ({sig.get('test')}, {sig.get('metric')}, n={sig.get('n')}): p={fmt(sig.get('p_value'))}")
    if report["stale_gold"]:
        lines += ["", "## Stale gold", ""]
        for s in report["stale_gold"]:
            near = s.get("nearest") or {}
            lines.append(f"- `{s['id']}` ({s['doc']}): \"{s['quote']}\" -> nearest `{near.get('clause_id')}`: {near.get('text', '')}")
    fails = [q for q in report["questions"] if q["passed"] is False]
    lines += ["", f"## Failures ({len(fails)})", ""]
    for q in fails:
        missed = "; ".join(f"\"{c['quote']}\" ({c['doc']})" for c in q["missed"]) or "–"
        cited = "; ".join(c["label"] or c["id"] for c in q["cited"]) or "nothing"
        why = "; ".join(q.get("why") or []) or "–"
        lines.append(f"- `{q['id']}` {q['question']}  \n  why: {why}  \n  missed: {missed}  \n  cited: {cited}")
    return "\n".join(lines) + "\n"


def _rulings_markdown(report: dict[str, Any]) -> list[str]:
    by_doc = report.get("rulings_by_district") or {}
    conf = report.get("ruling_confusion") or {}
    if not by_doc:
        return []
    cols = ("pairs", "district_ruling_accuracy", "ruled_accuracy", "unsafe_rulings", "invented_rulings",
            "missed_rulings")
    lines = ["", "## Rulings by district", "", "| district | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for doc, m in by_doc.items():
        lines.append(f"| {doc} | " + " | ".join(fmt(m.get(c)) for c in cols) + " |")
    if conf:
        labels = list(conf)
        lines += ["", "## Rulings: gold (rows, preferred label) by shown (columns)", "",
                  "| gold \\ shown | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        for g in labels:
            lines.append(f"| {g} | " + " | ".join(str(conf[g].get(x, 0)) for x in labels) + " |")
    return lines


def _rulings_html(report: dict[str, Any]) -> str:
    by_doc = report.get("rulings_by_district") or {}
    conf = report.get("ruling_confusion") or {}
    if not by_doc:
        return ""
    cols = ("pairs", "district_ruling_accuracy", "ruled_accuracy", "unsafe_rulings", "invented_rulings",
            "missed_rulings")
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    rows = "".join(f"<tr><th>{escape(d)}</th>" + "".join(f"<td>{escape(fmt(m.get(c)))}</td>" for c in cols) + "</tr>"
                   for d, m in by_doc.items())
    out = f'<h2>Rulings by district</h2><table class="rulings"><tr><th>district</th>{head}</tr>{rows}</table>'
    if conf:
        labels = list(conf)
        head = "".join(f"<th>{escape(x)}</th>" for x in labels)
        body = "".join(
            f"<tr><th>{escape(g)}</th>" + "".join(
                f'<td class="{"diag" if g == x else ""}">{conf[g].get(x, 0)}</td>' for x in labels) + "</tr>"
            for g in labels)
        out += (f'<h2>Rulings: gold (rows) by shown (columns)</h2><table class="confusion">'
                f"<tr><th>gold \\ shown</th>{head}</tr>{body}</table>")
    return out


# --- HTML -----------------------------------------------------------------------------------


def _svg_open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
            f'height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>')


COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#e45756")


def svg_bars(series: dict[str, dict[str, float | None]], title: str, width: int = 640) -> str:
    """Horizontal bars for values in [0, 1]: one group per label, one bar per series (system)."""
    names = list(series)
    labels = list(dict.fromkeys(label for values in series.values() for label in values))
    bar, left, gap = 14, 190, 8
    group = bar * len(names) + gap
    top = 24 + (16 if len(names) > 1 else 0)
    height = top + group * max(len(labels), 1)
    parts = [_svg_open(width, height, title)]
    if len(names) > 1:
        x = left
        for k, name in enumerate(names):
            parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{COLOURS[k % len(COLOURS)]}"/>'
                         f'<text x="{x + 14}" y="15" font-size="11">{escape(name)}</text>')
            x += 30 + 7 * len(name)
    scale = width - left - 60
    for i, label in enumerate(labels):
        y0 = top + i * group
        parts.append(f'<text x="{left - 6}" y="{y0 + group / 2 + 2:.1f}" text-anchor="end" font-size="12">{escape(label)}</text>')
        for k, name in enumerate(names):
            v = series[name].get(label)
            w = 0 if v is None else max(0.0, min(1.0, v)) * scale
            y = y0 + k * bar
            parts.append(f'<rect class="bar" x="{left}" y="{y}" width="{w:.1f}" height="{bar - 2}" '
                         f'fill="{COLOURS[k % len(COLOURS)]}"><title>{escape(name)}: {escape(fmt(v))}</title></rect>'
                         f'<text x="{left + w + 4:.1f}" y="{y + bar - 4}" font-size="10">{escape(fmt(v))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_histogram(samples: Sequence[float], title: str, bins: int = 12, width: int = 560) -> str:
    height, pad = 180, 30
    parts = [_svg_open(width, height + 2 * pad, title)]
    if samples:
        counts, edges = np.histogram(np.asarray(samples, dtype=float), bins=bins)
        top = max(int(counts.max()), 1)
        bw = (width - 2 * pad) / len(counts)
        for i, c in enumerate(counts):
            h = height * int(c) / top
            parts.append(f'<rect class="bar" x="{pad + i * bw:.1f}" y="{pad + height - h:.1f}" width="{bw - 2:.1f}" '
                         f'height="{h:.1f}" fill="#f58518"><title>{edges[i]:.0f}-{edges[i + 1]:.0f} ms: {int(c)}</title></rect>')
        parts.append(f'<text x="{pad}" y="{height + pad + 18}" font-size="12">{edges[0]:.0f} ms</text>'
                     f'<text x="{width - pad}" y="{height + pad + 18}" text-anchor="end" font-size="12">{edges[-1]:.0f} ms</text>')
    parts.append("</svg>")
    return "".join(parts)


def _metrics_table(report: dict[str, Any]) -> str:
    systems = _systems(report)
    head = "".join(f"<th>{escape(n)}</th>" for n in systems)
    rows = []
    for m in METRIC_NAMES:
        arrow = "↓" if m in LOWER_IS_BETTER else "↑"
        cells = "".join(f"<td>{escape(fmt(systems[n].get(m)))}</td>" for n in systems)
        rows.append(f"<tr><th>{escape(m)} {arrow}</th>{cells}</tr>")
    return f'<table class="metrics"><tr><th>metric</th>{head}</tr>{"".join(rows)}</table>'


_CHARTED = ("district_ruling_accuracy", "ruled_accuracy", "invented_rate", "citation_recall@shown",
            "citation_recall@5", "abstention_accuracy", "faithfulness")


def _comparison(comp: dict[str, Any] | None) -> str:
    if not comp:
        return ""
    rows = "".join(
        f"<tr><td>{escape(m)}</td><td>{escape(fmt(d['baseline']))}</td><td>{escape(fmt(d['current']))}</td>"
        f"<td>{escape(fmt(d['delta']))}</td></tr>" for m, d in comp["deltas"].items()
    )
    flips = comp["flips"]
    sig = comp.get("significance") or {}
    rates = {m: d for m, d in comp["deltas"].items() if m in _CHARTED}
    chart = svg_bars({"baseline": {m: d["baseline"] for m, d in rates.items()},
                      "now": {m: d["current"] for m, d in rates.items()}}, "the main rates, baseline and now")
    notes = "".join(f"<p class=\"note\">{escape(n)}</p>" for n in comp.get("notes", []))
    return (
        f"<h2>Against the baseline</h2>{notes}{chart}"
        f"<table><tr><th>metric</th><th>baseline</th><th>now</th><th>delta</th></tr>{rows}</table>"
        f"<p>Newly failing: {escape(', '.join(flips['newly_failing']) or 'none')}<br>"
        f"Newly passing: {escape(', '.join(flips['newly_passing']) or 'none')}<br>"
        f"Regressions: {escape('; '.join(comp['failures']) or 'none')}<br>"
        f"Paired test: {escape(str(sig.get('test', '')))} on {escape(str(sig.get('metric', '')))}, "
        f"p = {escape(fmt(sig.get('p_value')))}</p>"
    )


def _stale(report: dict[str, Any]) -> str:
    if not report["stale_gold"]:
        return ""
    rows = []
    for s in report["stale_gold"]:
        near = s.get("nearest") or {}
        rows.append(f"<tr><td>{escape(s['id'])}</td><td>{escape(s['doc'])}</td><td><q>{escape(s['quote'])}</q></td>"
                    f"<td>{escape(str(near.get('label') or near.get('clause_id') or ''))}<br>"
                    f"<q>{escape(str(near.get('text', '')))}</q></td></tr>")
    return ("<h2>Stale gold</h2><table class=\"stale\"><tr><th>question</th><th>doc</th><th>gold quote</th>"
            f"<th>nearest current clause</th></tr>{''.join(rows)}</table>")


def _question_rows(report: dict[str, Any]) -> str:
    rows = []
    for q in _failures_first(report):
        status = {True: "pass", False: "fail", None: "stale"}[q["passed"]]
        gold = "".join(
            f'<li class="{"hit" if c.get("rank") else "miss"}">{escape(c["doc"])} '
            f'{"#" + str(c["rank"]) if c.get("rank") else "missed"} [{escape(c.get("gold_verdict") or "-")}]: '
            f'<q>{escape(c["quote"])}</q></li>'
            for c in q["matched"] + q["missed"]
        ) or "<li>(unanswerable)</li>"
        cited = "".join(
            f'<li class="{"hit" if c.get("matches_gold") else "other"}">{escape(c["label"] or c["id"])} '
            f"[{escape(c['verdict'] or '-')}]: <q>{escape(c['quote'])}</q></li>"
            for c in q["cited"]
        )
        cited = f"<ol>{cited}</ol>" if cited else "(nothing cited)"
        shown = (q.get("shown_answer") or {}).get("districts", {})
        verdicts = "".join(
            f'<tr class="{"ok" if r["correct"] else "wrong"}"><td>{escape(r["doc"])}</td>'
            f'<td>{escape(" or ".join(r["gold"]))}</td><td>{escape(r["shown"])}</td>'
            f'<td><q>{escape((shown.get(r["doc"]) or {}).get("quote", ""))}</q></td></tr>'
            for r in q.get("rulings", [])) or "".join(
            f"<tr><td>{escape(d)}</td><td></td><td>{escape(v)}</td><td></td></tr>" for d, v in q["verdicts_given"].items())
        verdicts = f'<table class="rulings"><tr><th>district</th><th>gold</th><th>shown</th><th>deciding quote</th></tr>{verdicts}</table>'

        why = "; ".join(q.get("why") or [])
        rows.append(
            f'<tr class="question {status}" id="q-{escape(q["id"])}"><td>{escape(q["id"])}<br><strong>{status}</strong>'
            f'<br><small>{escape(why)}</small></td><td>{escape(q["question"])}</td><td><ul>{gold}</ul></td>'
            f'<td>{cited}</td><td>{verdicts}{"abstained" if q["abstained"] else ""}</td>'
            f'<td>{q["latency_ms"]:.0f}</td></tr>'
        )
    return ('<h2>Questions (failures first)</h2><table class="questions"><tr><th>id</th><th>question</th>'
            f'<th>gold quote</th><th>cited (top 5)</th><th>rulings: gold vs shown</th><th>ms</th></tr>{"".join(rows)}</table>')


def render_html(report: dict[str, Any]) -> str:
    by_tag = report.get("systems_by_tag") or {report.get("system", "ours"): report["by_tag"]}
    recall = {name: {f"{t} (n={v['n']})": v.get("citation_recall@5") for t, v in tags.items()}
              for name, tags in by_tag.items()}
    latency = [q["latency_ms"] for q in report["questions"]]
    style = ("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#1c1f23;"
             "line-height:1.45}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2em;border-bottom:2px solid #d0d5db}"
             "p.note{background:#fff6d6;padding:.4em .6em;border-radius:6px}#changes{background:#f7f9fb;padding:.2em 1em "
             "1em;border:1px solid #d0d5db;border-radius:10px}"
             "table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}"
             "tr.fail{background:#fde8e8}tr.stale{background:#fff6d6}li.miss{color:#a00}li.hit{color:#175e1c}"
             "q{font-style:italic}ul,ol{margin:0;padding-left:1.2em}td.diag{background:#e6f4ea;font-weight:600}"
             "tr.unintended{background:#fde8e8}tr.touched{background:#eef6ee}"
             "table.rulings{margin:0;font-size:.85em}table.rulings tr.wrong td{color:#a00;font-weight:600}")
    from assistant.evaluation.changes import changes_html

    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Eval report</title>'
        f"<style>{style}</style></head><body>"
        f"<h1>Eval report</h1><p>{report['n_questions']} questions · gold {escape(str(report.get('gold', '')))} · "
        f"{escape(str(report.get('generated_at', '')))}</p>"
        f"{changes_html(report.get('changes'))}{_metrics_table(report)}{_rulings_html(report)}{_comparison(report.get('comparison'))}"
        f"<h2>Recall@5 per tag</h2>{svg_bars(recall, 'citation_recall@5 per tag')}"
        f"<h2>Latency</h2>{svg_histogram(latency, 'latency per question (ms)')}"
        f"{_stale(report)}{_question_rows(report)}</body></html>\n"
    )
