"""What staff will now see differently (issue 13): this run's shown answers against the baseline's.

For every question in both runs: each district whose ruling or deciding citation changed, and a
summary that changed, before -> after. A change is *touched* when the revision changed the text
of a clause that decides it (before or after: the baseline keeps each clause's content hash);
otherwise it changed without its clause being touched: the unintended ones a policy team must
look at first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["clause_hashes", "what_changed"]


def clause_hashes(assistant: Any) -> dict[str, str]:
    """clause id -> content hash of every stored clause (saved in the report, read as the baseline's)."""
    return {c.clause_id: c.content_hash for c in assistant.store.clauses}


def what_changed(baseline: Mapping[str, Any], report: Mapping[str, Any]) -> dict[str, Any]:
    old_hashes: Mapping[str, str] = baseline.get("clauses") or {}
    new_hashes: Mapping[str, str] = report.get("clauses") or {}
    touched = sorted(cid for cid in set(old_hashes) | set(new_hashes) if old_hashes.get(cid) != new_hashes.get(cid))
    before = {q["id"]: q for q in baseline.get("questions", []) if q.get("shown_answer")}
    items: list[dict[str, Any]] = []
    for q in report.get("questions", []):
        b = before.get(q["id"])
        now = q.get("shown_answer")
        if b is None or not now:
            continue
        old, new = b["shown_answer"], now
        for doc in sorted(set(old.get("districts", {})) | set(new.get("districts", {}))):
            o = old["districts"].get(doc) or {"ruling": "not addressed", "clause_id": "", "quote": ""}
            n = new["districts"].get(doc) or {"ruling": "not addressed", "clause_id": "", "quote": ""}
            if (o["ruling"], o["clause_id"], o["quote"]) == (n["ruling"], n["clause_id"], n["quote"]):
                continue
            kind = "ruling" if o["ruling"] != n["ruling"] else "citation"
            hit = bool({o["clause_id"], n["clause_id"]} & set(touched))
            items.append({"id": q["id"], "question": q.get("question", ""), "doc": doc, "kind": kind,
                          "before": o, "after": n, "touched": hit})
        if old.get("summary") != new.get("summary"):
            items.append({"id": q["id"], "question": q.get("question", ""), "doc": None, "kind": "summary",
                          "before": {"summary": old.get("summary", "")}, "after": {"summary": new.get("summary", "")},
                          "touched": any(i["touched"] for i in items if i["id"] == q["id"])})
    rulings = [i for i in items if i["kind"] != "summary"]
    return {
        "touched_clauses": touched,
        "questions_changed": len({i["id"] for i in items}),
        "rulings_changed": len(rulings),
        "unintended": len([i for i in rulings if not i["touched"]]),
        "items": sorted(items, key=lambda i: (i["doc"] is None, i["doc"] or "", i["touched"], i["id"])),
        "comparable": bool(before),
    }


def _line(i: Mapping[str, Any]) -> tuple[str, str]:
    """(what changed, whether the revision touched it) in words."""
    mark = "revised clause" if i["touched"] else "UNINTENDED: no changed clause decides it"
    if i["kind"] == "summary":
        return f"summary: “{i['before']['summary']}” -> “{i['after']['summary']}”", mark
    b, a = i["before"], i["after"]
    text = f"{b['ruling']} -> {a['ruling']}"
    if b["clause_id"] != a["clause_id"]:
        text += f"; cites {a['clause_id'] or 'nothing'} instead of {b['clause_id'] or 'nothing'}"
    if a.get("quote"):
        text += f"; now quotes “{a['quote']}”"
    return text, mark


def changes_markdown(changes: Mapping[str, Any] | None) -> list[str]:
    if not changes or not changes.get("comparable"):
        return []
    lines = ["## What staff will now see differently", "",
             f"{changes['questions_changed']} question(s); {changes['rulings_changed']} district ruling(s) or "
             f"citation(s), **{changes['unintended']} not tied to a changed clause**; "
             f"{len(changes['touched_clauses'])} clause(s) changed.", ""]
    if changes["items"]:
        lines += ["| district | question | change | why |", "|---|---|---|---|"]
        for i in changes["items"]:
            text, mark = _line(i)
            lines.append(f"| {i['doc'] or '(summary)'} | {i['id']}: {i['question']} | {text} | {mark} |")
    return lines + [""]


def changes_html(changes: Mapping[str, Any] | None) -> str:
    from html import escape

    if not changes or not changes.get("comparable"):
        return ""
    rows = "".join(
        f'<tr class="{"touched" if i["touched"] else "unintended"}"><td>{escape(i["doc"] or "(summary)")}</td>'
        f'<td>{escape(i["id"])}: {escape(i["question"])}</td><td>{escape(_line(i)[0])}</td><td>{escape(_line(i)[1])}</td></tr>'
        for i in changes["items"])
    table = (f"<table><tr><th>district</th><th>question</th><th>change</th><th>why</th></tr>{rows}</table>"
             if rows else "<p>No question's answer changed.</p>")
    return (f'<section id="changes"><h2>What staff will now see differently</h2><p>{changes["questions_changed"]} '
            f'question(s); {changes["rulings_changed"]} district ruling(s) or citation(s), '
            f'<strong>{changes["unintended"]} not tied to a changed clause</strong>; '
            f'{len(changes["touched_clauses"])} clause(s) changed.</p>{table}</section>')
