"""Hostile files on ingest (issue 10: points 1, 2 and 4): only regular files inside the corpus
folder are read, each within its limits, each refusal one clear line naming the file, and nothing
already stored is lost. Pure file logic, no model: ``load_corpus`` directly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.ingest import Limits, load_corpus




def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "good.txt").write_text("Staff Policy\n\nEmployees shall not text students.\n", encoding="utf-8")
    return root


def _outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:secret\n", encoding="utf-8")
    return secret


def test_a_symbolic_link_out_of_the_corpus_is_refused(tmp_path):
    root, secret = _corpus(tmp_path), _outside(tmp_path)
    os.symlink(secret, root / "passwd.txt")
    docs, problems = load_corpus(root)
    assert [d.doc_id for d in docs] == ["good"]
    assert all("secret" not in d.text for d in docs)
    (p,) = problems
    assert p.path.endswith("passwd.txt") and "symbolic link to a file outside the corpus folder" in p.reason


def test_a_symbolic_link_inside_the_corpus_is_read(tmp_path):
    root = _corpus(tmp_path)
    os.symlink(root / "good.txt", root / "alias.txt")
    docs, problems = load_corpus(root)
    assert sorted(d.doc_id for d in docs) == ["alias", "good"] and not problems


@pytest.mark.parametrize("file", ["../outside/secret.txt", "{secret}", "sub/../../outside/secret.txt"])
def test_a_manifest_path_that_leaves_the_corpus_is_refused_in_one_line(tmp_path, file):
    root, secret = _corpus(tmp_path), _outside(tmp_path)
    (root / "sub").mkdir()
    file = file.format(secret=secret)
    (root / "manifest.toml").write_text(f'[[documents]]\nid = "secret"\nfile = "{file}"\n', encoding="utf-8")
    docs, problems = load_corpus(root)
    assert [d.doc_id for d in docs] == ["good"]
    (p,) = problems
    assert "entry 'secret'" in p.reason and "outside the corpus folder" in p.reason
    assert "\n" not in p.reason


def test_an_absolute_system_path_in_the_manifest_is_refused_not_a_traceback(tmp_path):
    root = _corpus(tmp_path)
    (root / "manifest.toml").write_text('[[documents]]\nid = "passwd"\nfile = "/etc/passwd"\n', encoding="utf-8")
    docs, problems = load_corpus(root)
    assert [d.doc_id for d in docs] == ["good"]
    assert len(problems) == 1 and "outside the corpus folder" in problems[0].reason


def test_a_file_over_the_size_limit_is_refused_naming_the_setting(tmp_path):
    root = _corpus(tmp_path)
    (root / "huge.txt").write_text("Employees shall not.\n" * 2_000, encoding="utf-8")
    docs, problems = load_corpus(root, Limits(max_file_bytes=10_000))
    assert [d.doc_id for d in docs] == ["good"]
    (p,) = problems
    assert p.path.endswith("huge.txt") and "POLICY_INGEST_MAX_FILE_BYTES" in p.reason and "42,000 bytes" in p.reason


def test_a_file_that_expands_past_the_text_limit_is_refused(tmp_path):
    root = _corpus(tmp_path)
    (root / "long.txt").write_text("".join(f"{i}. Employees shall not text student number {i}.\n\n" for i in range(500)),
                                   encoding="utf-8")
    docs, problems = load_corpus(root, Limits(max_text_chars=5_000))
    assert [d.doc_id for d in docs] == ["good"]
    assert "POLICY_INGEST_MAX_TEXT_CHARS" in problems[0].reason


def test_deeply_nested_html_is_refused_in_plain_words(tmp_path):
    root = _corpus(tmp_path)
    (root / "deep.html").write_text("<div>" * 50_000 + "Employees shall not." + "</div>" * 50_000, encoding="utf-8")
    docs, problems = load_corpus(root)
    assert [d.doc_id for d in docs] == ["good"]
    (p,) = problems
    assert p.reason.startswith("is nested too deeply to read") and "RecursionError" not in p.reason


@pytest.mark.slow
def test_the_ingest_cli_prints_one_line_per_refused_file_and_no_library_noise(tmp_path):
    import subprocess
    import sys

    root, secret = _corpus(tmp_path), _outside(tmp_path)
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\n")  # no EOF marker
    os.symlink(secret, root / "passwd.txt")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    res = subprocess.run([sys.executable, "-m", "assistant", "ingest", "--corpus", str(root), "--index",
                          str(tmp_path / "idx")], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 1
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 2 and all(ln.startswith("failed: ") for ln in lines), res.stderr
    assert "EOF marker" not in res.stderr and "Traceback" not in res.stderr
    assert "docs=1" in res.stdout


def _slow_docx(path: Path, paragraphs: int) -> Path:
    """A small .docx (tens of KB) of many tiny paragraphs: seconds of parsing for python-docx."""
    import zipfile

    from tests.fixtures_docs import build_docx

    small = build_docx(["Policy", "Employees shall not text students."], path.with_name("small-src.docx"))
    body = "".join(f"<w:p><w:r><w:t>w{i % 10}</w:t></w:r></w:p>" for i in range(paragraphs))
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                at = text.index("<w:body>") + len("<w:body>")
                data = (text[:at] + body + text[at:]).encode("utf-8")
            out.writestr(item, data)
    small.unlink()
    return path


def test_a_file_that_reads_past_its_deadline_is_stopped_and_the_rest_still_read(tmp_path):
    root = _corpus(tmp_path)
    _slow_docx(root / "many-paragraphs.docx", 4_000)
    (root / "zz-after.txt").write_text("Another Policy\n\nEmployees must report bullying.\n", encoding="utf-8")
    docs, problems = load_corpus(root, Limits(max_file_seconds=0.5))
    assert sorted(d.doc_id for d in docs) == ["good", "zz-after"]  # the worker was replaced for the next file
    (p,) = problems
    assert p.path.endswith("many-paragraphs.docx")
    assert p.reason == "took longer than 0.5 s to read (setting POLICY_INGEST_MAX_FILE_SECONDS): not read"
    # with a deadline it can meet, the same file is read (the limit, not the file, refused it)
    docs, problems = load_corpus(root, Limits(max_file_seconds=600))
    assert not problems and "many-paragraphs" in {d.doc_id for d in docs}


def test_files_are_read_the_same_with_and_without_the_reader_process(tmp_path):
    root = _corpus(tmp_path)
    (root / "latin.txt").write_bytes("Caf\xe9 Policy\n\nEmployees shall not text students.\n".encode("latin-1"))
    (root / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (root / "web.html").write_text("<html><body><nav>Home</nav><h1>Web Policy</h1><p>Employees must report "
                                   "bullying.</p><script>x()</script></body></html>", encoding="utf-8")
    timed, timed_problems = load_corpus(root, Limits(max_file_seconds=60))
    inline, inline_problems = load_corpus(root, Limits(max_file_seconds=0))
    assert [(d.doc_id, d.text, d.meta) for d in timed] == [(d.doc_id, d.text, d.meta) for d in inline]
    assert [(p.path, p.reason) for p in timed_problems] == [(p.path, p.reason) for p in inline_problems]
    assert [p.path.endswith("broken.pdf") for p in timed_problems] == [True]
    assert "web" in {d.doc_id for d in timed}  # an HTML file, read by the worker
