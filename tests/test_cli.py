"""The CLI as a user runs it: a real subprocess of `policy-assistant`, one-line errors, exit codes,
JSON shapes, and the README's promises kept true."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import app

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(*args: str, env: dict | None = None, timeout: int = 300, python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *python_flags, "-m", "assistant", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=ROOT)


def index_args(settings) -> list[str]:
    return ["--corpus", str(settings.corpus), "--index", str(settings.index)]


def test_ask_json_quotes_are_exact_substrings_at_their_offsets(seed_settings):
    out = run("ask", "Can I friend a student on Facebook?", "--json", *index_args(seed_settings))
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["citations"]
    doc = run("doc", answer["citations"][0]["doc_id"], "--json", *index_args(seed_settings))
    text = json.loads(doc.stdout)["text"]
    for c in answer["citations"]:
        if c["doc_id"] == answer["citations"][0]["doc_id"]:
            assert text[c["start"]:c["end"]] == c["quote"]


def test_doc_json_has_the_documented_keys_and_exact_offsets(seed_settings):
    out = run("doc", "chsd230-5125", "--json", *index_args(seed_settings))
    d = json.loads(out.stdout)
    assert {"id", "text", "clauses"} <= set(d) and d["id"] == "chsd230-5125"
    for c in d["clauses"]:
        assert {"clause_id", "label", "start", "end", "text"} <= set(c)
        assert d["text"][c["start"]:c["end"]] == c["text"]
    assert any(c["clause_id"].endswith("/8") and "friends" in c["text"] for c in d["clauses"])


def test_docs_lists_districts_without_inventing_names(seed_settings):
    out = run("docs", "--json", *index_args(seed_settings))
    rows = {r["doc_id"]: r for r in json.loads(out.stdout)}
    assert set(rows) == {"d207-guidelines", "il-board-social-media", "ia-401-15", "union-1610", "chsd230-5125"}
    assert "not named" in rows["ia-401-15"]["district"] and rows["ia-401-15"]["district_named"] is False
    assert rows["union-1610"]["district"] == "Union Public Schools"
    assert all(r["clauses"] > 5 for r in rows.values())


def test_clause_command_shows_label_and_text(seed_settings):
    out = run("clause", "chsd230-5125/personal-electronic-communications-social-media-use/8", *index_args(seed_settings))
    assert out.returncode == 0
    assert "item 8" in out.stdout and "friends" in out.stdout


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_one_line_and_exit_1(question, tmp_path):
    out = run("ask", question, "--index", str(tmp_path / "none"))
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "Please type a question" in out.stderr
    assert "Traceback" not in out.stderr


def test_unknown_ids_and_missing_index_are_one_line_errors(seed_settings, tmp_path):
    out = run("doc", "nope", *index_args(seed_settings))
    assert out.returncode == 1 and out.stderr.startswith("error: No document 'nope'")
    out = run("ask", "Can I text a student?", "--index", str(tmp_path / "none"))
    assert out.returncode == 1 and "policy-assistant ingest" in out.stderr and "Traceback" not in out.stderr


def test_ingest_reports_bad_files_and_exits_nonzero_but_keeps_the_rest(seed_corpus_copy, tmp_path):
    (seed_corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf \x00\x01")
    (seed_corpus_copy / "binary.txt").write_bytes(bytes(range(256)) * 4)
    out = run("ingest", "--corpus", str(seed_corpus_copy), "--index", str(tmp_path / "idx"))
    assert out.returncode == 1
    failed = [line for line in out.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 2
    assert any("broken.pdf" in line for line in failed) and any("binary.txt" in line for line in failed)
    assert re.search(r"docs=5 clauses=\d+ embedded=\d+ skipped=0 removed=0 failed=2", out.stdout)
    docs = run("docs", "--json", "--index", str(tmp_path / "idx"))
    assert len(json.loads(docs.stdout)) == 5


def test_environment_variables_configure_every_command(seed_settings):
    out = run("docs", "--json", env={"POLICY_INDEX": str(seed_settings.index)})
    assert out.returncode == 0 and len(json.loads(out.stdout)) == 5


def test_help_lists_every_command_the_readme_names():
    out = run("--help")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = set(re.findall(r"policy-assistant (\w+)", readme))
    assert {"ingest", "docs", "doc", "clause", "ask"} <= commands
    for cmd in commands:
        assert cmd in out.stdout, f"README names `policy-assistant {cmd}` but --help does not list it"
    for cmd in ("ingest", "ask", "docs", "doc", "clause"):
        sub = run(cmd, "--help")
        assert sub.returncode == 0
        for opt in ("--corpus", "--index", "--chroma-url"):
            assert opt in sub.stdout


def test_readme_opens_with_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:600]
    assert "make run" in head and "make test" in head
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "torch==2.13.0" in makefile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_typer_app_registers_the_core_commands():
    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert {"ingest", "docs", "doc", "clause", "ask"} <= names
