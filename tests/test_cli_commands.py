"""The CLI's rough edges from issue 12, run as a user runs them (a real `python -m assistant`
subprocess): usage errors, the records-only commands, `diff` messages and `gaps` end to end."""

from __future__ import annotations

import json
import re

import pytest

from tests.test_cli import ROOT, index_args, run

pytestmark = pytest.mark.slow

HEAVY = ("torch", "sentence_transformers", "transformers", "chromadb", "llama_index")
CHSD_FILE = ROOT / "corpus" / "004_1739076a474c36a0.txt"
DRONE_FILE = ROOT / "tests" / "data" / "unrelated_drone_policy.txt"


# -- usage errors: click's usage message and exit 2, never a traceback ------------------------------

@pytest.mark.parametrize("args, says", [
    (["ask"], "Missing argument 'question'"),
    (["clause"], "Missing argument 'clause_id'"),
    (["doc"], "Missing argument 'doc_id'"),
    (["ask", "x", "--bogus"], "No such option: --bogus"),
    (["eval", "--tolerance", "abc"], "Invalid value for '--tolerance'"),
    (["ask", "x", "--page", "0"], "Invalid value for '--page'"),
    (["frobnicate"], "No such command 'frobnicate'"),
])
def test_usage_errors_are_one_error_line_and_exit_2(args, says, tmp_path):
    out = run(*args, "--index", str(tmp_path / "none")) if args[0] != "frobnicate" else run(*args)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    errors = [line for line in out.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and says in errors[0], out.stderr
    assert len(out.stderr.strip().splitlines()) <= 4  # Usage, Try '--help', blank, Error


# -- records-only commands: neither the model nor Chroma ---------------------------------------------

def _imported(stderr: str) -> set[str]:
    """Top-level packages a `python -X importtime` run imported (its 'import time:' lines)."""
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)\s*$", stderr, re.M)
    return {n.split(".")[0] for n in names} | set(names)


@pytest.mark.parametrize("command", [
    ["docs", "--json"],
    ["doc", "chsd230-5125", "--json"],
    ["clause", "chsd230-5125/personal-electronic-communications-social-media-use/8", "--json"],
    ["diff", "chsd230-5125", str(CHSD_FILE), "--json"],
])
def test_record_commands_load_neither_the_model_nor_chroma(command, seed_settings):
    out = run(*command, *index_args(seed_settings), python_flags=("-X", "importtime"))
    assert out.returncode == 0, out.stderr[-2000:]
    imported = _imported(out.stderr)
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    assert {"assistant.cli", "typer", "json"} <= imported  # the import log was read at all
    json.loads(out.stdout)  # and the command still answered


def test_record_commands_answer_while_the_chroma_server_is_down(seed_settings):
    """They read the records only: a configured but dead Chroma server is never asked."""
    dead = "http://127.0.0.1:9"
    out = run("docs", "--json", *index_args(seed_settings), "--chroma-url", dead)
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 5


def test_records_only_commands_say_how_to_build_a_missing_or_broken_index(tmp_path):
    out = run("docs", "--index", str(tmp_path / "none"))
    assert out.returncode == 1 and "policy-assistant ingest" in out.stderr and "Traceback" not in out.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "clauses.json").write_text("{not json", encoding="utf-8")
    out = run("clause", "x/y/1", "--index", str(broken))
    assert out.returncode == 1 and "ingest --rebuild" in out.stderr and out.stderr.count("\n") == 1


# -- diff: a missing file is a missing file; two unrelated policies get a warning ---------------------

def test_diff_of_a_missing_file_says_file_not_found(seed_settings):
    out = run("diff", "corpus/nope.txt", str(CHSD_FILE), *index_args(seed_settings))
    assert out.returncode == 1 and out.stderr.strip() == "error: File not found: corpus/nope.txt"
    out = run("diff", "chsd230-5125", "corpus/nope.txt", *index_args(seed_settings))
    assert out.returncode == 1 and out.stderr.startswith("error: File not found: corpus/nope.txt")
    out = run("diff", "nope", str(CHSD_FILE), *index_args(seed_settings))
    assert out.returncode == 1 and "neither a file nor an indexed document id" in out.stderr
    assert "chsd230-5125" in out.stderr  # the ids it does know


def test_diff_warns_when_the_two_files_are_different_policies(seed_settings):
    out = run("diff", str(CHSD_FILE), str(DRONE_FILE), "--json", *index_args(seed_settings))
    assert out.returncode == 0, out.stderr
    assert out.stderr.startswith("warning: these look like two different policies")
    assert json.loads(out.stdout)["warning"].startswith("these look like two different policies")


def test_diff_of_a_revision_has_no_warning(seed_settings, tmp_path):
    revised = tmp_path / CHSD_FILE.name
    revised.write_text(CHSD_FILE.read_text(encoding="utf-8").replace("should refrain from becoming",
                                                                        "shall not become"), encoding="utf-8")
    out = run("diff", "chsd230-5125", str(revised), "--json", *index_args(seed_settings))
    assert out.returncode == 0 and "warning" not in out.stderr, out.stderr
    d = json.loads(out.stdout)
    assert d["warning"] is None and len(d["modified"]) == 1 and d["verdict_changes"] == ["item 8: discouraged -> prohibited"]


# -- gaps: reads the feedback the server writes, at the same default path ----------------------------

def test_gaps_reports_the_feedback_the_server_recorded(embedder, tmp_path):
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    index = tmp_path / "index"
    server_side = Assistant.open(Settings(index=index), embedder=embedder, require_index=False)
    fb = server_side.feedback  # what the API and the chat write to (no POLICY_FEEDBACK_DB set)
    fb.log_question("Can I follow a student on TikTok?", None, "a1")
    fb.log_question("may i follow students on tiktok", "union-1610", "a2")
    fb.add("Can I use the district credit card for gas?", None, "a3", [], -1, comment="nothing about gas")
    fb.add("Can I friend a student on Facebook?", None, "a4", ["discouraged"], 1)  # liked: not a gap

    out = run("gaps", "--index", str(index), "--html", str(tmp_path / "gaps.html"))
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stdout.splitlines()
    tiktok = next(i for i, line in enumerate(lines) if "tiktok" in line.lower())
    assert re.match(r"\s*1\s+2\s+abstained 2\s", lines[tiktok]), out.stdout  # the two wordings, one group
    assert "also:" in lines[tiktok + 1] and "tiktok" in lines[tiktok + 1].lower()
    assert any("credit card" in line and "rated down" in line for line in lines)
    assert "comment: nothing about gas" in out.stdout and "Facebook" not in out.stdout
    assert "credit card" in (tmp_path / "gaps.html").read_text(encoding="utf-8")


def test_gaps_without_any_feedback_says_so_and_creates_nothing(tmp_path):
    out = run("gaps", "--index", str(tmp_path / "index"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("No feedback recorded yet") and str(tmp_path / "index" / "feedback.sqlite3") in out.stdout
    assert not (tmp_path / "index").exists()


def test_feedback_has_one_default_for_every_face(tmp_path):
    from assistant.config import Settings

    assert Settings(index=tmp_path).feedback_path == tmp_path / "feedback.sqlite3"
    assert Settings(index=tmp_path, feedback_db=tmp_path / "fb.db").feedback_path == tmp_path / "fb.db"
    moved = Settings(index=tmp_path).model_copy(update={"index": tmp_path / "other"})
    assert moved.feedback_path == tmp_path / "other" / "feedback.sqlite3"


def test_catalog_reads_the_same_records_as_the_assistant(seed_settings, seed_assistant):
    from assistant.catalog import Catalog

    cat = Catalog.open(seed_settings.index)
    assert cat.documents() == seed_assistant.documents()
    assert cat.clause_counts() == seed_assistant.clause_counts()
    for meta in cat.documents():
        assert cat.document(meta.doc_id) == seed_assistant.document(meta.doc_id)
        assert cat.clauses(meta.doc_id) == seed_assistant.clauses(meta.doc_id)
    some = seed_assistant.clauses("union-1610")[3]
    assert cat.clause(some.clause_id) == some
    for ask in (lambda x: x.document("nope"), lambda x: x.clause("nope/x/1"), lambda x: x.clauses("nope")):
        assert _not_found(ask, cat) == _not_found(ask, seed_assistant)


def _not_found(ask, reader) -> str:
    from assistant.errors import NotFound

    try:
        ask(reader)
    except NotFound as exc:
        return exc.message
    raise AssertionError("no NotFound raised")
