"""The conversation kept in the browser across a reload (issue 12): the turns (question and
Answer JSON) go to the browser's localStorage through ``gr.BrowserState``; nothing is kept on the
server. On load the chat is rebuilt from the stored answers, rendered (and escaped) afresh."""

from __future__ import annotations

import hashlib
from typing import Any

from assistant.types import Answer, Citation, Finding, ScopeSummary
from assistant.web import render

STORAGE_KEY = "policy-assistant-conversation"
MAX_TURNS = 20


def storage_secret(settings: Any) -> str:
    """The key Gradio's BrowserState encrypts the kept conversation with. Gradio draws a random one
    per process, so a server restart made every kept conversation unreadable (dropped with a console
    error); this one is stable per index. The browser holds it anyway (it decrypts in the page), so
    it protects nothing a random one would: the conversation is the person's own."""
    return hashlib.sha256(f"policy-assistant-conversation:{settings.index}".encode()).hexdigest()[:32]


def _citation(d: dict[str, Any], whole: dict[str, str] | None = None) -> Citation:
    """A citation back from its JSON; ``whole``: clause id -> the whole clause text, which the
    answer's JSON gives once, in the finding that cites it."""
    fields = Citation.__dataclass_fields__
    kw = {k: v for k, v in d.items() if k in fields}
    kw["pages"] = tuple(kw.get("pages", ()))
    if not kw.get("clause_quote") and whole:
        kw["clause_quote"] = whole.get(kw.get("clause_id", ""), "")
    return Citation(**kw)


def _finding(d: dict[str, Any]) -> Finding:
    return Finding(doc_id=d["doc_id"], district=d.get("district", ""), verdict=d["verdict"],
                   citations=tuple(_citation(c) for c in d.get("citations", [])), title=d.get("title", ""),
                   status=d.get("status", "rules"), summary=d.get("summary", ""))


def answer_from_dict(d: dict[str, Any]) -> Answer:
    """The inverse of ``Answer.to_dict`` (for answers the browser kept)."""
    scope = d.get("scope")
    whole = {c["clause_id"]: c["clause_quote"] for f in (*d.get("findings", []), *d.get("other_districts", []))
             for c in f.get("citations", []) if c.get("clause_quote")}
    return Answer(
        question=d["question"], district=d.get("district"), abstained=bool(d.get("abstained")),
        summary=d.get("summary", ""), findings=tuple(_finding(f) for f in d.get("findings", [])),
        not_addressed=tuple(d.get("not_addressed", [])), citations=tuple(_citation(c, whole) for c in d.get("citations", [])),
        related=tuple(_citation(c) for c in d.get("related", [])),
        other_districts=tuple(_finding(f) for f in d.get("other_districts", [])),
        latency_ms=float(d.get("latency_ms", 0.0)), answer_id=d.get("answer_id", ""),
        backend=d.get("backend", "extractive"), asked=d.get("asked", ""), kind=d.get("kind", ""),
        scope=ScopeSummary(name=scope["name"], districts=scope["districts"], counts=tuple(sorted(scope["counts"].items())),
                           page=scope["page"], pages=scope["pages"], page_size=scope["page_size"]) if scope else None,
        answered="" if d.get("answered", "") == d["question"] else d.get("answered", ""),  # to_dict fills it in
        as_of=d.get("as_of", ""), not_in_force=tuple(d.get("not_in_force", [])),
    )


def save(answers: dict[int, Answer]) -> list[dict[str, Any]]:
    """The turns to keep: each answer's JSON, oldest first, the last MAX_TURNS."""
    return [a.to_dict() for _, a in sorted(answers.items())][-MAX_TURNS:]


def restore(saved: Any, names: dict[str, str]) -> tuple[list[dict[str, Any]], dict[int, Answer]]:
    """(chat messages, answers by message index) from what the browser kept; anything unreadable is
    dropped (a stale or edited entry must not break the page)."""
    history: list[dict[str, Any]] = []
    answers: dict[int, Answer] = {}
    for item in saved if isinstance(saved, list) else []:
        try:
            answer = answer_from_dict(item)
            html = render.render_answer(answer, names)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        history.append({"role": "user", "content": render.render_question(answer.question)})
        history.append({"role": "assistant", "content": html})
        answers[len(history) - 1] = answer
    return history, answers
