"""``policy-assistant eval`` and ``policy-assistant diff``; ``register(app)`` adds them to the CLI.

Exit codes are raised as ``SystemExit`` (not ``typer.Exit``): click in ``standalone_mode=False``
returns a ``typer.Exit`` code instead of exiting, which would lose it.

Exit codes of ``eval``: 0 all good; 1 a metric dropped by more than the tolerance against
``--baseline``, fell under a ``--fail-under``, or the gold file / a setting is wrong; 2 stale gold
(a gold quote no longer in the corpus) unless ``--allow-stale``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.errors import AssistantError, ConfigError, NotFound

DEFAULT_GOLD = Path("eval/gold.jsonl")
SYSTEM_NAMES = ("ours", "llamaindex-default", "bm25")

CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Policy documents folder (env POLICY_CORPUS; default corpus/).", show_default=False)]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (env POLICY_INDEX; default index/).", show_default=False)]
ChromaOpt = Annotated[str | None, typer.Option("--chroma-url", help="Chroma server URL (env POLICY_CHROMA_URL; default: embedded).", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object to stdout.")]
GoldOpt = Annotated[Path, typer.Option("--gold", help="Gold questions (JSON Lines).")]


def _fail(exc: AssistantError) -> SystemExit:
    typer.echo(f"error: {exc.message}", err=True)
    return SystemExit(1)


def _settings(corpus: Path | None, index: Path | None, chroma_url: str | None) -> Any:
    from assistant.cli import make_settings

    return make_settings(corpus, index, chroma_url)


def _open(settings: Any) -> Any:
    from assistant.cli import open_assistant

    return open_assistant(settings)


def _parse_systems(value: str) -> list[str]:
    names = [s.strip() for s in value.split(",") if s.strip()]
    bad = [s for s in names if s not in SYSTEM_NAMES]
    if bad or not names:
        raise ConfigError(f"--systems takes a comma-separated list of {', '.join(SYSTEM_NAMES)}; got {value!r}")
    return list(dict.fromkeys(names))


def check_gold_file(path: Path, corpus: Path) -> list[str]:
    """Every problem of a gold file: schema first, then quotes and doc ids against the corpus files."""
    from assistant.evaluation.gold import GoldProblems, check_against_corpus, parse_gold
    from assistant.ingest import load_corpus

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return [f"gold file not found: {path}"]
    except (OSError, UnicodeDecodeError) as e:
        return [f"cannot read gold file {path}: {e}"]
    problems = GoldProblems()
    questions = parse_gold(lines, problems)
    documents, failed = load_corpus(corpus)
    problems.items += [f"corpus: {p}" for p in failed]
    problems.items += check_against_corpus(questions, {d.doc_id: d.text for d in documents})
    return problems.items


def run_eval(assistant: Any, gold_path: Path, systems: list[str], progress: bool = True) -> dict[str, Any]:
    """Load the gold, run every system, and build the report (without a baseline comparison)."""
    from assistant.errors import GoldError
    from assistant.evaluation.anchors import build_anchors
    from assistant.evaluation.gold import load_gold, resolve
    from assistant.evaluation.report import build_report
    from assistant.evaluation.runner import (
        OursSystem,
        corpus_texts,
        run_system,
        stale_entries,
    )

    questions = load_gold(gold_path)
    texts = corpus_texts(assistant)
    unknown = sorted({f"{q.id}: {q.district}" for q in questions if q.district and q.district not in texts})
    if unknown:
        raise GoldError(f"{gold_path}: district filters that are not indexed doc ids: {'; '.join(unknown)}")
    gold = resolve(questions, texts)
    stale = stale_entries(assistant, gold)
    runs = []
    if "ours" in systems:
        assistant.ask(questions[0].question, district=questions[0].district)  # warm-up, not timed
        runs.append(run_system(OursSystem(assistant), questions, gold, texts, progress))
    anchor_names = [s for s in systems if s != "ours"]
    if anchor_names:
        docs = [assistant.document(d) for d in texts]
        embed = assistant.embedder.as_llama_embedding() if "llamaindex-default" in anchor_names else None
        for system in build_anchors(docs, embed, anchor_names):
            runs.append(run_system(system, questions, gold, texts, progress))
    from assistant.evaluation.changes import clause_hashes

    report = build_report(runs[0], stale, runs[1:], gold_path=str(gold_path))
    report["clauses"] = clause_hashes(assistant)  # what a later run compares its answers' clauses with
    report["fingerprint"] = fingerprint(assistant, gold_path)
    return report


def fingerprint(assistant: Any, gold_path: Path) -> dict[str, str]:
    """What a run depends on: the gold file, the corpus texts, the settings, the package version."""
    import hashlib

    from assistant import __version__

    def sha(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()[:16]

    corpus = "\n".join(f"{d}:{doc.content_hash}" for d, doc in sorted(assistant.store.documents.items()))
    settings = assistant.settings.model_dump(mode="json", exclude={"corpus", "index", "feedback_db", "chroma_url",
                                                                   "api_keys", "api_key_districts", "llm_api_key"})
    return {"gold_sha256": sha(gold_path.read_bytes()), "corpus_sha256": sha(corpus.encode()),
            "settings_sha256": sha(json.dumps(settings, sort_keys=True).encode()), "version": __version__}


def _print_changes(console: Any, changes: dict[str, Any] | None) -> None:
    """First of all: what staff will now be told differently, by district, unintended ones first."""
    if not changes:
        return
    if not changes["comparable"]:
        console.print("what staff will now see differently: the baseline has no shown answers (save it again "
                      "with --save-baseline)", highlight=False)
        return
    console.print(f"[bold]What staff will now see differently[/]: {changes['questions_changed']} question(s), "
                  f"{changes['rulings_changed']} district ruling(s) or citation(s), "
                  f"[red]{changes['unintended']} not tied to a changed clause[/]; "
                  f"{len(changes['touched_clauses'])} clause(s) changed", highlight=False)
    for i in changes["items"]:
        mark = "(revised clause)" if i["touched"] else "[red](UNINTENDED: no changed clause decides it)[/]"
        if i["kind"] == "summary":
            console.print(f"  {i['id']}: summary changed {mark}", highlight=False)
            continue
        b, a = i["before"], i["after"]
        cite = "" if b["clause_id"] == a["clause_id"] else f" (cites {a['clause_id'] or '-'} instead of {b['clause_id'] or '-'})"
        console.print(f"  {i['doc']}: {i['id']} \"{i['question']}\": {b['ruling']} -> {a['ruling']}{cite} {mark}",
                      highlight=False)


def _print_summary(report: dict[str, Any], paths: list[Path]) -> None:
    from rich.console import Console
    from rich.table import Table

    from assistant.evaluation.metrics import METRIC_NAMES
    from assistant.evaluation.report import fmt

    console = Console()
    _print_changes(console, report.get("changes"))
    systems = report.get("systems") or {report["system"]: report["metrics"]}
    comp = report.get("comparison")
    table = Table(title=f"eval: {report['n_questions']} questions")
    table.add_column("metric")
    if comp:
        table.add_column("baseline", justify="right")
    for name in systems:
        table.add_column(name if not comp else f"{name} now", justify="right")
    if comp:
        table.add_column("delta", justify="right")
    for m in METRIC_NAMES:
        row = [m]
        if comp:
            row.append(fmt(comp["deltas"][m]["baseline"]))
        row += [fmt(systems[n].get(m)) for n in systems]
        if comp:
            d = comp["deltas"][m]["delta"]
            row.append("" if d is None else f"{d:+.3f}" if isinstance(d, float) else f"{d:+}")
        table.add_row(*row)
    console.print(table)
    for note in (comp or {}).get("notes", []):
        console.print(f"[yellow]note[/] {note}", highlight=False)
    for s in report["stale_gold"]:
        near = s.get("nearest") or {}
        console.print(f"[yellow]stale gold[/] {s['id']} ({s['doc']}): {s['quote']!r} -> nearest {near.get('clause_id')}",
                      markup=True, highlight=False)
    if comp:
        f = comp["flips"]
        console.print(f"newly failing: {', '.join(f['newly_failing']) or 'none'}; "
                      f"newly passing: {', '.join(f['newly_passing']) or 'none'}; "
                      f"p = {fmt(comp['significance'].get('p_value'))}", highlight=False)
        for msg in comp["failures"]:
            console.print(f"[red]regression[/] {msg}", highlight=False)
    console.print(f"reports: {', '.join(str(p) for p in paths)}", highlight=False)


def eval_command(
    gold: GoldOpt = DEFAULT_GOLD,
    out: Annotated[Path | None, typer.Option("--out", help="Report folder (default: eval/reports/<timestamp>/).", show_default=False)] = None,
    as_json: JsonOpt = False,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Saved report JSON to compare with.")] = None,
    save_baseline: Annotated[Path | None, typer.Option("--save-baseline", help="Write this run's report JSON here.")] = None,
    tolerance: Annotated[float, typer.Option("--tolerance", help="Largest allowed drop of a metric against --baseline.")] = 0.02,
    latency_tolerance: Annotated[float, typer.Option(
        "--latency-tolerance", min=0.0,
        help="Largest allowed relative rise of latency_ms_p95 against --baseline (1.0: it may double).")] = 1.0,
    fail_under: Annotated[list[str] | None, typer.Option("--fail-under", help="METRIC=VALUE: fail when the metric is worse than VALUE (repeatable).")] = None,
    systems: Annotated[str, typer.Option("--systems", help="Comma-separated: ours, llamaindex-default, bm25.")] = "ours",
    allow_stale: Annotated[bool, typer.Option("--allow-stale", help="Do not exit 2 on stale gold quotes.")] = False,
    check_gold: Annotated[Path | None, typer.Option("--check-gold", help="Only validate this gold file against the corpus, then exit.")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")] = True,
    corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None,
) -> None:
    """Score the assistant (and anchors) on a gold set; reports, baseline gate, stale gold."""
    from assistant.evaluation.baseline import (
        check_fail_under,
        compare,
        exit_code,
        load_baseline,
        parse_fail_under,
    )
    from assistant.evaluation.report import write_reports

    try:
        settings = _settings(corpus, index, chroma_url)
        if check_gold is not None:
            problems = check_gold_file(check_gold, settings.corpus)
            for p in problems:
                typer.echo(p, err=True)
            if problems:
                typer.echo(f"{check_gold}: {len(problems)} problem(s)", err=True)
                raise SystemExit(1)
            typer.echo(f"{check_gold}: ok")
            return
        names = _parse_systems(systems)
        thresholds = parse_fail_under(fail_under or [])
        base = load_baseline(baseline) if baseline else None
        report = run_eval(_open(settings), gold, names, progress=progress)
    except AssistantError as exc:
        raise _fail(exc) from None
    if base is not None:
        from assistant.evaluation.changes import what_changed

        report["changes"] = what_changed(base, report)
        report["comparison"] = compare(report, base, tolerance, thresholds, latency_tolerance)
        failures = report["comparison"]["failures"]
    else:
        failures = check_fail_under(report["metrics"], thresholds)
    out_dir = out or Path("eval/reports") / datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = write_reports(report, out_dir)
    if save_baseline is not None:
        save_baseline.parent.mkdir(parents=True, exist_ok=True)
        saved = {k: v for k, v in report.items() if k != "comparison"}
        save_baseline.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_summary(report, paths)
    for msg in failures:
        typer.echo(f"fail: {msg}", err=True)
    code = exit_code(failures, len(report["stale_gold"]), allow_stale)
    if code == 2:
        typer.echo(f"{len(report['stale_gold'])} stale gold quote(s): fix the gold or pass --allow-stale", err=True)
    if code:
        raise SystemExit(code)


def _load_side(spec: str, settings: Any, meta: Any = None) -> tuple[Any, list[Any], Any]:
    """(document, clauses, the catalog or None) for a file path, or for a stored version (read from
    the records): a doc id or ``<id>@<effective date or version label>``."""
    from assistant.chunk import chunk_document
    from assistant.ingest import SUPPORTED_SUFFIXES, load_document, load_manifest

    path = Path(spec)
    if path.is_file():
        if meta is None:
            try:
                entries = load_manifest(settings.corpus)
            except AssistantError:
                entries = {}
            meta = next((m for k, m in entries.items() if Path(k).name == path.name), None)
        doc = load_document(path, meta)
        return doc, chunk_document(doc), None
    if "/" in spec or "\\" in spec or path.suffix.lower() in SUPPORTED_SUFFIXES:  # a path, not a doc id
        raise NotFound(f"File not found: {spec}" + (f" ({spec} is a folder)" if path.is_dir() else ""))
    from assistant.cli import open_catalog  # the records only: no model, no Chroma
    from assistant.versions import find_version

    catalog = open_catalog(settings)
    doc = find_version(catalog.documents_by_id, spec)  # raises NotFound naming the stored versions of a policy
    if doc is None:
        known = ", ".join(sorted(catalog.documents_by_id)[:20])
        raise NotFound(f"No document '{spec}': it is neither a file nor an indexed document id (indexed: {known}; "
                       "a stored version is ID@YYYY-MM-DD).")
    return doc, catalog.clauses(doc.doc_id), catalog


def diff_command(
    old: Annotated[str, typer.Argument(help="Old version: a file, a doc id, or a stored version as ID@YYYY-MM-DD "
                                            "(its effective date) or ID@LABEL (its manifest version).")],
    new: Annotated[str, typer.Argument(help="New version: a file, a doc id, or a stored version (ID@YYYY-MM-DD).")],
    gold: Annotated[Path | None, typer.Option("--gold", help="Gold questions to check (default: eval/gold.jsonl if present).", show_default=False)] = None,
    as_json: JsonOpt = False,
    corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None,
) -> None:
    """Clause-level diff of two versions of one policy: added, removed, modified, verdict changes."""
    from assistant.evaluation.diff import diff_documents
    from assistant.evaluation.gold import load_gold
    from assistant.verdict import classify

    try:
        settings = _settings(corpus, index, chroma_url)
        old_doc, old_clauses, opened = _load_side(old, settings)
        new_doc, new_clauses, opened_new = _load_side(str(new), settings, meta=old_doc.meta)
        if (opened or opened_new) is not None and old_doc.meta.policy != new_doc.meta.policy:
            raise ConfigError(f"{old} and {new} are versions of different policies "
                              f"({old_doc.meta.policy}, {new_doc.meta.policy}): diff compares two versions of one policy")
        gold_path = gold if gold is not None else (DEFAULT_GOLD if DEFAULT_GOLD.is_file() else None)
        questions = load_gold(gold_path) if gold_path else []
    except AssistantError as exc:
        raise _fail(exc) from None
    result = diff_documents(old_doc, old_clauses, new_doc, new_clauses, classify, questions)
    if result.warning:
        typer.echo(f"warning: {result.warning}", err=True)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    if result.old.get("effective") or result.new.get("effective"):
        def side(v: dict[str, Any]) -> str:
            label = f"version {v['version']}, " if v.get("version") else ""
            return f"{label}effective {v.get('effective') or 'undated'}"

        typer.echo(f"{result.doc_id}: {side(result.old)} -> {side(result.new)}")
    typer.echo(f"{result.doc_id}: {len(result.of('modified'))} modified, {len(result.of('added'))} added, "
          f"{len(result.of('removed'))} removed, {result.unchanged} unchanged")
    if result.verdict_changes:
        typer.echo("verdict changes:")
        for line in result.verdict_changes:
            typer.echo(f"  {line}")
    for c in result.changes:
        ids = c.new.clause_id if c.new else c.old.clause_id  # type: ignore[union-attr]
        typer.echo(f"{c.kind}: {c.name} ({ids}) [{c.old_verdict or '-'} -> {c.new_verdict or '-'}]")
        if c.kind == "modified":
            for w in c.words:
                typer.echo(f"    - {w['old']!r} + {w['new']!r}" if w["op"] == "replace" else
                      f"    - {w['old']!r}" if w["op"] == "delete" else f"    + {w['new']!r}")
        else:
            typer.echo(f"    {(c.new or c.old).text}")  # type: ignore[union-attr]
    if result.gold_touched:
        typer.echo("gold questions touching changed clauses:")
        for g in result.gold_touched:
            where = ", ".join(g["clauses"]) or "quote gone"
            typer.echo(f"  {g['id']} ({where}): {g['quote']!r}")


gold_app = typer.Typer(help="Keep the gold set current.", no_args_is_help=True)


@gold_app.command("refresh")
def gold_refresh_command(
    gold: Annotated[Path, typer.Option("--gold", help="The gold file to bring up to date (never edited).")] = Path("eval/gold.jsonl"),
    out: Annotated[Path, typer.Option("--out", help="Where to write the refreshed gold (a new file).")] = Path("eval/gold.refreshed.jsonl"),
    accept_all: Annotated[bool, typer.Option("--accept-all", help="Take every proposal (a reviewed batch).")] = False,
    corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None,
) -> None:
    """Propose the nearest current clause for each stale gold quote; accept or skip each; write a new file."""
    import sys

    from assistant.evaluation.refresh import refresh_gold

    settings = _settings(corpus, index, chroma_url)
    interactive = sys.stdin.isatty() and not accept_all

    def decide(p: Any) -> bool:
        if accept_all:
            return True
        if not interactive:
            return False  # no terminal and no --accept-all: list the proposals, change nothing
        typer.echo(f"\n{p.qid} {p.doc} ({p.where}), similarity {p.similarity:.2f}\n  old: {p.old_quote}\n"
                   f"  new: {p.new_quote}\n  [{p.label}]" + (f"  verdict {p.old_verdict} -> {p.new_verdict}"
                                                            if p.old_verdict != p.new_verdict else ""))
        return typer.confirm("  accept?", default=True)

    try:
        result = refresh_gold(gold, out, _open(settings), decide)
    except AssistantError as exc:
        raise _fail(exc) from None
    typer.echo(result.summary())
    if result.skipped and not interactive and not accept_all:
        typer.echo("(no terminal: nothing was accepted; review the proposals and pass --accept-all)")
    typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(gold_app, name="gold")
    app.command("eval")(eval_command)
    app.command("diff")(diff_command)
