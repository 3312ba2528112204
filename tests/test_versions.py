"""Policy versions over time (issue 14 item 5): effective dates, stored keys, the version in force.

The versioned corpus is the seed corpus with a revised CHSD 230 Policy 5.125 added as version 2:
item 8 "Employees should refrain from becoming “friends” ..." (discouraged) becomes "Employees must
not become “friends” ..." (prohibited) and the DATED line reads January 15, 2026. The manifest gives
version 2 no date: it is read from the text. The expected rulings are read from those two sentences.
The index first holds version 1 only, then version 2 is ingested into it (the real model and Chroma).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from assistant.errors import InvalidQuestion, ManifestError, NotFound
from assistant.ingest import load_corpus, load_manifest
from assistant.types import Answer, Citation, DocMeta, Document
from assistant.versions import (assign_keys, effective_from, find_version, in_force, note, parse_as_of, parse_date,
                                text_dates)

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus"
CHSD_FILE = "004_1739076a474c36a0.txt"
V2_FILE = "chsd230-5125-2026.txt"
OLD_8 = "should refrain from becoming"
NEW_8 = "must not become"
ITEM_8 = "personal-electronic-communications-social-media-use/8"
OLD_KEY = "chsd230-5125@2015-03-26"
FRIEND = "Can I friend my students on Facebook?"

V2_ENTRY = """
[[documents]]
id = "chsd230-5125"
file = "chsd230-5125-2026.txt"
title = "5.125 - Electronic Communication and Social Media"
district = "Community High School District 230"
district_named = true
state = "Illinois"
policy_number = "5.125"
short_name = "CHSD 230 Policy 5.125"
version = "2"
"""


def add_version_2(corpus: Path) -> None:
    """The revised copy as version 2 (its date read from its text); version 1 marked as such."""
    text = (corpus / CHSD_FILE).read_text(encoding="utf-8")
    assert text.count(OLD_8) == 1
    revised = re.sub(r"^DATED:.*$", "DATED: January 15, 2026", text.replace(OLD_8, NEW_8), flags=re.M)
    (corpus / V2_FILE).write_text(revised, encoding="utf-8")
    manifest = (corpus / "manifest.toml").read_text(encoding="utf-8")
    marked = manifest.replace('dates = [{kind = "dated", date = "2015-03-26"}]',
                              'dates = [{kind = "dated", date = "2015-03-26"}]\nversion = "1"')
    assert marked != manifest
    (corpus / "manifest.toml").write_text(marked + V2_ENTRY, encoding="utf-8")


def _doc(key: str, effective: str | None, policy: str = "p", version: str = "") -> Document:
    meta = DocMeta(doc_id=key, title=key, district="D", policy_id=policy, effective=effective, version=version,
                   source_file=f"{key}.txt")
    return Document(meta=meta, text="x", content_hash=key)


# ---------------------------------------------------------------- dates (pure)
def test_text_dates_read_the_adopted_and_revised_lines():
    union = (SEED / "003_400b8112f0071e74.txt").read_text(encoding="utf-8")
    dates = text_dates(union)
    assert dates[0] == ("adopted", "2013-12-09") and dates[-1] == ("revised", "2024-12-09") and len(dates) == 6
    assert effective_from(dates) == "2024-12-09"
    chsd = (SEED / CHSD_FILE).read_text(encoding="utf-8")
    assert text_dates(chsd) == (("dated", "2015-03-26"),)
    trailer = "Policy text.\nAdopted: 6/12/2001; Revised: Jan. 5, 2020\nDate Reviewed: 14 March 2022\n"
    assert text_dates(trailer) == (("adopted", "2001-06-12"), ("revised", "2020-01-05"), ("reviewed", "2022-03-14"))
    assert text_dates("Approved by the Board of Education: May 5, 2020\nLast revised - 2024-02-01") == (
        ("approved", "2020-05-05"), ("revised", "2024-02-01"))
    # a date inside a sentence is not a trailer line
    assert text_dates("Employees hired after 1/1/2020 must complete training.") == ()


def test_effective_date_prefers_effective_then_changes_then_reviews():
    assert effective_from([("adopted", "2011-07-11"), ("effective", "2012-01-01"), ("revised", "2023-08-17")]) == "2012-01-01"
    assert effective_from([("adopted", "2011-07-11"), ("reviewed", "2025-01-01"), ("revised", "2023-08-17")]) == "2023-08-17"
    assert effective_from([("reviewed", "2025-01-01")]) == "2025-01-01"
    assert effective_from([("revised", "not a date")]) is None
    assert parse_date("2/30/2020") is None and parse_date("3/26/15") == date(2015, 3, 26)


def test_as_of_takes_iso_dates_and_says_plainly_what_is_wrong():
    assert parse_as_of("2023-01-01") == date(2023, 1, 1)
    assert parse_as_of(None) == parse_as_of("") == date.today()
    for bad in ("banana", "2023-02-30", "01/01/2023", "2023-1-1"):
        with pytest.raises(InvalidQuestion) as err:
            parse_as_of(bad)
        assert "YYYY-MM-DD" in err.value.message and "\n" not in err.value.message


# ---------------------------------------------------------------- keys and the version in force (pure)
def test_in_force_is_the_latest_effective_on_or_before_the_day():
    docs = {d.doc_id: d for d in (_doc("p@2015-03-26", "2015-03-26"), _doc("p", "2026-01-15"),
                                  _doc("q", None, policy="q"), _doc("r", "2030-01-01", policy="r"))}
    assert {p: d.doc_id for p, d in in_force(docs, date(2023, 1, 1)).items()} == {"p": "p@2015-03-26", "q": "q"}
    assert in_force(docs, date(2026, 1, 15))["p"].doc_id == "p"  # the effective day itself
    assert in_force(docs, date(2026, 1, 14))["p"].doc_id == "p@2015-03-26"
    assert set(in_force(docs, date(2000, 1, 1))) == {"q"}  # before any version: absent; undated: always
    assert find_version(docs, "p@2026-01-15").doc_id == "p" and find_version(docs, "p@2015-03-26").doc_id == "p@2015-03-26"
    with pytest.raises(NotFound, match="No version '2020-01-01' of p: its stored versions are effective 2015-03-26, 2026-01-15"):
        find_version(docs, "p@2020-01-01")
    assert find_version(docs, "zz@2020-01-01") is None and find_version(docs, "zz") is None
    labelled = {d.doc_id: d for d in (_doc("p@2015-03-26", "2015-03-26", version="1"), _doc("p", "2026-01-15", version="2"))}
    assert find_version(labelled, "p@1").doc_id == "p@2015-03-26" and find_version(labelled, "p@3/26/2015").doc_id == "p@2015-03-26"


def test_keys_latest_keeps_the_plain_id_and_problems_are_named():
    a, b = _doc("p", "2015-03-26"), _doc("p", "2026-01-15")
    a = Document(meta=DocMeta(**{**a.meta.__dict__, "source_file": "a.txt"}), text="a", content_hash="a")
    b = Document(meta=DocMeta(**{**b.meta.__dict__, "source_file": "b.txt"}), text="b", content_hash="b")
    keyed, problems = assign_keys([b, a])
    assert problems == [] and {d.meta.source_file: d.doc_id for d in keyed} == {"a.txt": "p@2015-03-26", "b.txt": "p"}
    # the newest version failed to load this time: the one that loaded is not taken for the latest
    keyed, _ = assign_keys([a], failed={"p": ["2026-01-15"]})
    assert [d.doc_id for d in keyed] == ["p@2015-03-26"]
    undated = Document(meta=DocMeta(**{**a.meta.__dict__, "source_file": "c.txt", "effective": None}), text="c",
                       content_hash="c")
    same = Document(meta=DocMeta(**{**a.meta.__dict__, "source_file": "d.txt"}), text="d", content_hash="d")
    keyed, problems = assign_keys([a, b, undated, same])
    assert sorted(d.meta.source_file for d in keyed) == ["a.txt", "b.txt"]
    reasons = {p.path: p.reason for p in problems}
    assert "no effective date" in reasons["c.txt"] and "same effective date 2015-03-26" in reasons["d.txt"]


def test_citation_label_names_version_and_effective_date():
    assert note(DocMeta("p", "t", "D", version="2", effective="2026-01-15")) == " (version 2, effective 2026-01-15)"
    assert note(DocMeta("p", "t", "D", effective="2015-03-26")) == " (effective 2015-03-26)"
    assert note(DocMeta("p", "t", "D")) == ""


# ---------------------------------------------------------------- the manifest and the loader
def test_versioned_manifest_loads_two_keys_with_the_text_date(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED, corpus)
    add_version_2(corpus)
    entries = load_manifest(corpus)  # two entries share the id: no problem when each is marked
    assert entries[V2_FILE].doc_id == entries[CHSD_FILE].doc_id == "chsd230-5125"
    docs, problems = load_corpus(corpus)
    assert problems == []
    chsd = {d.doc_id: d for d in docs if d.meta.policy == "chsd230-5125"}
    assert set(chsd) == {"chsd230-5125", OLD_KEY}
    assert (chsd["chsd230-5125"].meta.source_file, chsd["chsd230-5125"].meta.effective) == (V2_FILE, "2026-01-15")
    assert chsd["chsd230-5125"].meta.dates == (("dated", "2026-01-15"),)  # read from "DATED: January 15, 2026"
    assert (chsd[OLD_KEY].meta.source_file, chsd[OLD_KEY].meta.version) == (CHSD_FILE, "1")
    assert NEW_8 in chsd["chsd230-5125"].text and OLD_8 in chsd[OLD_KEY].text


def test_manifest_effective_date_and_bad_versions(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED, corpus)
    add_version_2(corpus)
    manifest = corpus / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    # an explicit effective date wins over the text's DATED line (a bare TOML date is taken too)
    manifest.write_text(text.replace('version = "2"', 'version = "2"\neffective = 2025-07-01'), encoding="utf-8")
    docs, problems = load_corpus(corpus)
    assert problems == [] and next(d for d in docs if d.doc_id == "chsd230-5125").meta.effective == "2025-07-01"
    manifest.write_text(text.replace('version = "2"', 'version = "2"\neffective = "soon"'), encoding="utf-8")
    with pytest.raises(ManifestError, match="invalid 'effective' date 'soon': use YYYY-MM-DD"):
        load_manifest(corpus)
    # version 1 not marked as a version: the id is still a duplicate, and the message says how to mark it
    manifest.write_text(text.replace('version = "1"\n', ''), encoding="utf-8")
    with pytest.raises(ManifestError, match="duplicate doc id 'chsd230-5125'.*give every entry of the id a `version`"):
        load_manifest(corpus)
    # the same date for both versions: the second is not indexed, and says why
    manifest.write_text(text.replace('version = "2"', 'version = "2"\neffective = "2015-03-26"'), encoding="utf-8")
    docs, problems = load_corpus(corpus)
    [problem] = problems
    assert problem.path == str(corpus / V2_FILE) and "same effective date 2015-03-26" in problem.reason
    assert [d.doc_id for d in docs if d.meta.policy == "chsd230-5125"] == ["chsd230-5125"]


def test_a_newer_version_that_fails_to_load_is_still_the_latest(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED, corpus)
    add_version_2(corpus)
    (corpus / V2_FILE).unlink()
    (corpus / "v2.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    manifest = corpus / "manifest.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        f'file = "{V2_FILE}"', 'file = "v2.pdf"\neffective = "2026-01-15"'), encoding="utf-8")
    docs, problems = load_corpus(corpus)
    assert [p.path for p in problems] == [str(corpus / "v2.pdf")]
    # version 1 is stored under its dated key: the plain id stays with the (previously stored) version 2
    assert [d.doc_id for d in docs if d.meta.policy == "chsd230-5125"] == [OLD_KEY]


# ---------------------------------------------------------------- through the model, the store and the faces
def _chsd(answer: Answer):
    return next(f for f in answer.findings + answer.other_districts if f.doc_id.startswith("chsd230-5125"))


def _all_citations(answer: Answer) -> list[Citation]:
    return [c for f in answer.findings + answer.other_districts for c in f.citations] + list(answer.citations) + list(
        answer.related)


@pytest.fixture(scope="module")
def versioned(tmp_path_factory, embedder):
    """(assistant, settings, the answer before version 2): the seed index, then version 2 ingested into it."""
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    base = tmp_path_factory.mktemp("versions")
    corpus = base / "corpus"
    shutil.copytree(SEED, corpus)
    settings = Settings(corpus=corpus, index=base / "index", feedback_db=base / "feedback.sqlite3")
    assistant = Assistant.open(settings, embedder=embedder, require_index=False)
    assert assistant.ingest(corpus).ok
    before = assistant.ask(FRIEND, district="chsd230-5125")
    add_version_2(corpus)
    report = assistant.ingest(corpus)
    assert report.ok, report.failed
    return assistant, settings, before


@pytest.mark.slow
def test_a_new_version_replaces_the_old_one_as_current(versioned):
    assistant, _, before = versioned
    old = _chsd(before)
    assert old.verdict == "discouraged" and OLD_8 in old.citations[0].quote
    assert old.citations[0].clause_id == f"chsd230-5125/{ITEM_8}"
    assert old.citations[0].label.endswith("> item 8 (effective 2015-03-26)")

    now = assistant.ask(FRIEND, district="chsd230-5125")
    new = _chsd(now)
    assert (new.doc_id, new.verdict) == ("chsd230-5125", "prohibited")
    deciding = new.citations[0]
    assert NEW_8 in deciding.quote and deciding.clause_id == f"chsd230-5125/{ITEM_8}"  # the current keeps the ids
    assert (deciding.version, deciding.effective) == ("2", "2026-01-15")
    assert deciding.label.endswith("> item 8 (version 2, effective 2026-01-15)")
    assert now.as_of == date.today().isoformat() and now.not_in_force == ()
    everywhere = [c for c in _all_citations(now) + _all_citations(assistant.ask(FRIEND)) if c.doc_id.startswith("chsd")]
    assert everywhere and all(c.doc_id == "chsd230-5125" and OLD_8 not in c.quote for c in everywhere)
    # one district entry per policy; the old version stays stored and readable by its key
    listed = [m for m in assistant.documents() if m.policy == "chsd230-5125"]
    assert [(m.doc_id, m.effective) for m in listed] == [("chsd230-5125", "2026-01-15")]
    assert [(m.doc_id, m.version) for m in assistant.versions("chsd230-5125")] == [(OLD_KEY, "1"), ("chsd230-5125", "2")]
    assert OLD_8 in assistant.clause(f"{OLD_KEY}/{ITEM_8}").text
    assert assistant.document("chsd230-5125@2026-01-15").doc_id == "chsd230-5125"
    # a tenant's key naming the policy (by id or district name) sees every version of it, and only it
    for named in (["chsd230-5125"], ["Community High School District 230"]):
        assert assistant.visible(named) == {"chsd230-5125", OLD_KEY}
    tenant = assistant.ask(FRIEND, allowed=["chsd230-5125"], as_of="2023-01-01")
    assert [f.doc_id for f in tenant.findings] == [OLD_KEY] and tenant.not_in_force == ()


@pytest.mark.slow
def test_ask_as_of_answers_from_the_version_then_in_force(versioned):
    assistant = versioned[0]
    then = assistant.ask(FRIEND, as_of="2023-01-01")
    chsd = _chsd(then)
    assert (chsd.doc_id, chsd.verdict) == (OLD_KEY, "discouraged")
    c = chsd.citations[0]
    assert c.clause_id == f"{OLD_KEY}/{ITEM_8}" and OLD_8 in c.quote
    assert (c.version, c.effective) == ("1", "2015-03-26") and c.label.endswith("(version 1, effective 2015-03-26)")
    assert assistant.document(c.doc_id).text[c.start:c.end] == c.quote  # verbatim from that version
    # Illinois (revised 2023-08-17) and Union (revised 2024-12-09) had no stored version in force yet
    assert then.as_of == "2023-01-01" and then.not_in_force == ("il-board-social-media", "union-1610")
    assert "Not in force on 2023-01-01" in then.summary and "Union Policy 1610" in then.summary
    assert not [f for f in then.findings + then.other_districts if f.doc_id in then.not_in_force]
    # the effective day is inclusive
    assert _chsd(assistant.ask(FRIEND, district="chsd230-5125", as_of="2026-01-15")).verdict == "prohibited"
    assert _chsd(assistant.ask(FRIEND, district="chsd230-5125", as_of="2026-01-14")).verdict == "discouraged"


@pytest.mark.slow
def test_a_date_before_any_version_is_said_plainly(versioned):
    assistant = versioned[0]
    with pytest.raises(NotFound) as err:
        assistant.ask(FRIEND, district="chsd230-5125", as_of="2010-01-01")
    assert err.value.message == ("CHSD 230 Policy 5.125 had no version in force on 2010-01-01: its earliest stored "
                                 "version is effective 2015-03-26.")
    with pytest.raises(InvalidQuestion, match="'banana' is not a date"):
        assistant.ask(FRIEND, as_of="banana")
    early = assistant.ask(FRIEND, as_of="2010-01-01")
    assert early.not_in_force == ("chsd230-5125", "il-board-social-media", "union-1610")
    assert {f.doc_id for f in early.findings} <= {"d207-guidelines", "ia-401-15"}  # undated: in force always
    none = assistant.ask(FRIEND, scope="chsd230-5125,union-1610", as_of="2010-01-01")
    assert none.abstained and none.findings == () and none.citations == ()
    assert none.not_in_force == ("chsd230-5125", "union-1610")
    assert none.summary.startswith("No policy in scope was in force on 2010-01-01. Not in force on 2010-01-01")


@pytest.mark.slow
def test_diff_between_two_stored_versions(versioned, monkeypatch):
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.evaluation import commands

    assistant, settings, _ = versioned
    monkeypatch.setattr(commands, "_open", lambda s: assistant)
    runner = CliRunner()
    args = ["--corpus", str(settings.corpus), "--index", str(settings.index), "--json"]
    res = runner.invoke(app, ["diff", "chsd230-5125@2015-03-26", "chsd230-5125@2026-01-15", *args])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["verdict_changes"] == ["item 8: discouraged -> prohibited"]
    [m] = d["modified"]
    assert (m["old_clause_id"], m["new_clause_id"]) == (f"{OLD_KEY}/{ITEM_8}", f"chsd230-5125/{ITEM_8}")
    assert m["words"] == [{"op": "replace", "old": OLD_8, "new": NEW_8}] and d["added"] == d["removed"] == []
    assert (d["old"]["effective"], d["new"]["effective"]) == ("2015-03-26", "2026-01-15")
    text = runner.invoke(app, ["diff", "chsd230-5125@1", "chsd230-5125", *args[:-1]])  # version label, plain id
    assert text.exit_code == 0 and text.stdout.splitlines()[:2] == [
        "chsd230-5125: version 1, effective 2015-03-26 -> version 2, effective 2026-01-15",
        f"chsd230-5125: 1 modified, 0 added, 0 removed, {len(assistant.clauses(OLD_KEY)) - 1} unchanged"]
    # a stored version against a file still works
    res = runner.invoke(app, ["diff", OLD_KEY, str(settings.corpus / V2_FILE), *args])
    assert res.exit_code == 0 and json.loads(res.stdout)["verdict_changes"] == ["item 8: discouraged -> prohibited"]
    for bad, says in ((["chsd230-5125@2020-01-01", "chsd230-5125"], "No version '2020-01-01' of chsd230-5125"),
                      (["chsd230-5125@2015-03-26", "union-1610"], "versions of different policies"),
                      (["nosuch@2015-03-26", "chsd230-5125"], "No document 'nosuch@2015-03-26'")):
        res = runner.invoke(app, ["diff", *bad, *args])
        assert res.exit_code == 1 and says in res.output and "Traceback" not in res.output


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600)


@pytest.mark.slow
def test_cli_ask_as_of(versioned):
    _, settings, _ = versioned
    where = ["--corpus", str(settings.corpus), "--index", str(settings.index)]
    res = _cli("ask", FRIEND, "--district", "chsd230-5125", "--as-of", "2023-01-01", "--json", *where)
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    [chsd] = d["findings"]
    assert (chsd["doc_id"], chsd["verdict"]) == (OLD_KEY, "discouraged")
    cit = chsd["citations"][0]
    assert (cit["version"], cit["effective"]) == ("1", "2015-03-26") and OLD_8 in cit["quote"]
    assert d["as_of"] == "2023-01-01" and d["not_in_force"] == ["il-board-social-media", "union-1610"]
    text = _cli("ask", FRIEND, "--district", "chsd230-5125", *where)
    assert text.returncode == 0, text.stderr
    assert "PROHIBITED" in text.stdout and "item 8 (version 2, effective 2026-01-15)]" in text.stdout
    bad = _cli("ask", FRIEND, "--as-of", "banana", *where)
    assert bad.returncode == 1
    assert bad.stderr.strip() == "error: 'banana' is not a date: give the as-of date as YYYY-MM-DD, e.g. 2023-01-01."


@pytest.mark.slow
def test_api_as_of_over_real_http(versioned):
    from assistant.web.server import create_app
    from tests.web.conftest import LiveServer

    assistant, settings, _ = versioned

    def post(body: dict) -> tuple[int, dict]:
        req = urllib.request.Request(f"{server.url}/api/ask", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    with LiveServer(create_app(assistant, settings)) as server:
        status, then = post({"question": FRIEND, "district": "chsd230-5125", "as_of": "2023-01-01"})
        assert status == 200
        [chsd] = then["findings"]
        assert (chsd["doc_id"], chsd["verdict"]) == (OLD_KEY, "discouraged")
        assert chsd["citations"][0]["effective"] == "2015-03-26" and then["as_of"] == "2023-01-01"
        status, now = post({"question": FRIEND, "district": "chsd230-5125"})
        assert status == 200 and now["findings"][0]["verdict"] == "prohibited"
        assert now["findings"][0]["citations"][0]["version"] == "2" and now["not_in_force"] == []
        status, err = post({"question": FRIEND, "as_of": "banana"})
        assert status == 422 and err == {"error": "'banana' is not a date: give the as-of date as YYYY-MM-DD, e.g. 2023-01-01."}
        status, err = post({"question": FRIEND, "district": "chsd230-5125", "as_of": "2010-01-01"})
        assert status == 404 and "had no version in force on 2010-01-01" in err["error"]
        with urllib.request.urlopen(f"{server.url}/api/documents", timeout=60) as resp:
            listed = [d for d in json.loads(resp.read()) if d["policy_id"] == "chsd230-5125"]
        assert [(d["doc_id"], d["effective"]) for d in listed] == [("chsd230-5125", "2026-01-15")]
        with urllib.request.urlopen(f"{server.url}/api/documents/{OLD_KEY}", timeout=60) as resp:
            old = json.loads(resp.read())
        assert OLD_8 in old["text"] and old["meta"]["effective"] == "2015-03-26"
