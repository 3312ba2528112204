"""``policy-assistant``: ingest, inspect, ask. Sub-apps (serve, gaps, eval, diff) register themselves.

Every command takes ``--corpus``, ``--index``, ``--chroma-url`` (also ``POLICY_CORPUS``,
``POLICY_INDEX``, ``POLICY_CHROMA_URL``). A domain error prints one line and exits 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .config import Settings
from .errors import AssistantError

app = typer.Typer(
    name="policy-assistant",
    help="Answers staff questions from district policies, quoting the exact clauses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CorpusOpt = Annotated[Optional[Path], typer.Option("--corpus", help="Policy documents folder (env POLICY_CORPUS; default corpus/).", show_default=False)]
IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="Index folder (env POLICY_INDEX; default index/).", show_default=False)]
ChromaOpt = Annotated[Optional[str], typer.Option("--chroma-url", help="Chroma server URL (env POLICY_CHROMA_URL; default: embedded).", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def make_settings(corpus: Path | None = None, index: Path | None = None, chroma_url: str | None = None,
                  **extra: Any) -> Settings:
    """Settings from the environment, overridden by the options that were given."""
    given = {k: v for k, v in dict(corpus=corpus, index=index, chroma_url=chroma_url, **extra).items() if v is not None}
    return Settings(**given)


def open_assistant(settings: Settings, require_index: bool = True):
    from .pipeline import Assistant

    return Assistant.open(settings, require_index=require_index)


def open_catalog(settings: Settings):
    """The indexed records only (``catalog.Catalog``): for commands that show records, which need
    neither the model nor Chroma."""
    from .catalog import Catalog

    return Catalog.open(settings.index)


def emit_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2))


@app.command()
def ingest(
    corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-embed everything, ignoring stored vectors.")] = False,
) -> None:
    """Load, chunk, embed and index the corpus (only what changed, unless --rebuild)."""
    settings = make_settings(corpus, index, chroma_url)
    assistant = open_assistant(settings, require_index=False)
    report = assistant.ingest(settings.corpus, rebuild=rebuild, progress=sys.stderr.isatty())
    for problem in report.failed:
        typer.echo(f"failed: {problem}", err=True)
    typer.echo(report.summary_line())
    if report.failed:
        raise typer.Exit(1)


@app.command()
def docs(corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None, as_json: JsonOpt = False) -> None:
    """List the indexed documents, their districts and clause counts."""
    catalog = open_catalog(make_settings(corpus, index, chroma_url))
    counts = catalog.clause_counts()
    rows = [{**m.to_dict(), "clauses": counts.get(m.doc_id, 0)} for m in catalog.documents()]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['doc_id']:<24} {r['clauses']:>4} clauses  {r['district']} — {r['title']}")


@app.command()
def doc(doc_id: str, corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None,
        as_json: JsonOpt = False) -> None:
    """Show one document's cleaned text and its clauses with offsets."""
    catalog = open_catalog(make_settings(corpus, index, chroma_url))
    document = catalog.document(doc_id)
    clauses = catalog.clauses(doc_id)
    if as_json:
        emit_json({
            "id": doc_id, "meta": document.meta.to_dict(), "text": document.text,
            "clauses": [{"clause_id": c.clause_id, "label": c.label, "start": c.start, "end": c.end,
                         "text": c.text} for c in clauses],
        })
        return
    typer.echo(f"# {document.meta.title} ({document.meta.district})\n")
    for c in clauses:
        typer.echo(f"[{c.start}:{c.end}] {c.clause_id}\n  {c.label}\n  {c.text}\n")


@app.command()
def clause(clause_id: str, corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None,
           as_json: JsonOpt = False) -> None:
    """Show one clause, its label and its context."""
    c = open_catalog(make_settings(corpus, index, chroma_url)).clause(clause_id)
    if as_json:
        emit_json(c.to_dict())
        return
    typer.echo(f"{c.label}\n{' > '.join(c.section_path)}\n[{c.start}:{c.end}]\n\n{c.text}")


def print_answer(answer) -> None:
    typer.echo(f"Answering: {answer.asked}" if answer.asked and answer.asked != answer.question else "", nl=bool(answer.asked and answer.asked != answer.question))
    typer.echo(answer.summary)
    blocks = [("", answer.findings)]
    if answer.other_districts:
        blocks.append(("Other districts:", answer.other_districts))
    for title, findings in blocks:
        if title:
            typer.echo(f"\n{title}")
        for f in findings:
            if f.rules:
                typer.echo(f"\n{f.district} — {f.verdict.upper()}")
            else:
                typer.echo(f"\n{f.district} — related, not a ruling on this")
            for i, c in enumerate(f.citations):
                if f.rules and i == 1:
                    typer.echo("  also relevant:")
                typer.echo(f"  [{c.label}]\n  “{c.quote}”")
    if answer.not_addressed:
        typer.echo(f"\nNot addressed by: {', '.join(answer.not_addressed)}")
    sc = answer.scope
    if sc is not None and sc.pages > 1:
        typer.echo(f"\nScope {sc.name}: {sc.districts:,} districts; page {sc.page} of {sc.pages} (--page N for more)")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    district: Annotated[Optional[str], typer.Option("--district", help="A doc id (or district name) to answer for.")] = None,
    scope: Annotated[Optional[str], typer.Option(
        "--scope", help="Districts to compare: all | district | peers | state:NAME | group:NAME | doc ids (comma).")] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Page of the other districts' rulings.")] = 1,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", help="Answer from the policy versions in force on this date (YYYY-MM-DD; default today).",
        show_default=False)] = None,
    corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None, as_json: JsonOpt = False,
) -> None:
    """Answer a question with verbatim, cited clauses and each district's verdict."""
    settings = make_settings(corpus, index, chroma_url)
    from .pipeline import check_question
    from .versions import parse_as_of

    check_question(question, settings.max_question_chars)  # fail fast, before the model loads
    parse_as_of(as_of)
    answer = open_assistant(settings).ask(question, district=district, scope=scope, page=page, as_of=as_of)
    if as_json:
        emit_json(answer.to_dict())
    else:
        if as_of:
            typer.echo(f"As of {answer.as_of}: each district's policy version in force on that date.")
        print_answer(answer)


def _register_subapps() -> None:
    for module in ("assistant.web.commands", "assistant.evaluation.commands", "assistant.benchmark.commands"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ImportError as exc:  # a face not installed must not break the others
            if exc.name and exc.name.startswith("assistant"):
                continue
            raise
        mod.register(app)


_register_subapps()


def main() -> None:
    try:
        rv = app(standalone_mode=False)
        if isinstance(rv, int) and rv:  # click returns typer.Exit's code when not standalone
            sys.exit(rv)
    except AssistantError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except Exception as exc:  # click usage errors arrive here with standalone_mode=False
        if isinstance(exc, _usage_errors()) and hasattr(exc, "show"):
            exc.show()
            sys.exit(getattr(exc, "exit_code", 2))
        raise


def _usage_errors() -> tuple[type[BaseException], ...]:
    """click's usage errors, and typer's own copy of them (typer >= 0.20 vendors click as ``typer._click``,
    whose exceptions are not ``click.ClickException``s)."""
    import click

    kinds: list[type[BaseException]] = [click.ClickException]
    vendored = getattr(typer, "TyperException", None)
    if isinstance(vendored, type):
        kinds.append(vendored)
    return tuple(kinds)
