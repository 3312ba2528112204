"""The embedder's batching: longest first across a whole call, bounded chunks, rows in the caller's order.

Real model throughout; the spies only record what the real ``model.encode`` was handed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embed import BACKENDS, Embedder, check_backend
from assistant.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

TEXTS = [
    "Staff shall not follow students on personal social media accounts.",
    "No.",
    "Employees may communicate with students through district-approved platforms about coursework, "
    "activities and school business, and shall keep such communications professional, transparent and "
    "accessible to parents and supervisors on request.",
    "Photos of students need consent.",
    "Texting a student is discouraged.",
    "A staff member who becomes aware of a violation of this policy shall report it to the principal or the "
    "superintendent's designee within one school day.",
    "ok",
    "The district logo may be used only with the approval of the communications office.",
    "Gifts to individual students are prohibited unless given to the whole class.",
] * 3


def _spy(monkeypatch, embedder):
    calls: list[list[str]] = []
    real = embedder.model.encode

    def spy(texts, *args, **kwargs):
        calls.append(list(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(embedder.model, "encode", spy)
    return calls


def test_rows_come_back_in_the_callers_order_and_equal_one_at_a_time(monkeypatch, embedder):
    monkeypatch.setattr(embedder, "chunk_size", 8)
    monkeypatch.setattr(embedder, "batch_size", 4)
    calls = _spy(monkeypatch, embedder)
    ticks: list[int] = []
    got = embedder.encode(TEXTS, on_progress=ticks.append)
    model_calls = list(calls)
    alone = np.stack([embedder.model.encode([t], normalize_embeddings=True, convert_to_numpy=True)[0] for t in TEXTS])
    assert got.shape == (len(TEXTS), embedder.dim) and got.dtype == np.float32
    assert np.abs(got - alone).max() < 1e-5  # row i is TEXTS[i]'s vector, whatever batch it was in
    # bounded: no model call gets more than chunk_size texts; progress adds up to every text
    assert max(len(c) for c in model_calls) <= 8 and sum(ticks) == len(TEXTS) and len(ticks) == 4
    # longest first across the whole call, not only within one chunk
    lengths = [len(t) for c in model_calls for t in c]
    assert lengths == sorted(lengths, reverse=True)


def test_empty_input_gives_an_empty_matrix(embedder):
    out = embedder.encode([])
    assert out.shape == (0, embedder.dim)


@pytest.mark.slow
def test_ingest_embeds_clauses_longest_first_in_bounded_chunks(monkeypatch, tmp_path, embedder):
    from assistant.pipeline import Assistant

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    a = Assistant.open(Settings(corpus=corpus, index=tmp_path / "index", feedback_db=tmp_path / "fb.sqlite3"),
                       embedder=embedder, require_index=False)
    monkeypatch.setattr(embedder, "chunk_size", 64)
    calls = _spy(monkeypatch, embedder)
    report = a.ingest(corpus)
    assert report.ok and report.embedded == len(a.store.clauses)
    clause_texts = sorted(c.embed_text for c in a.store.clauses)
    # the clause calls are the last ones (norms are embedded first): each at most 64 texts, longest first
    # across all of them (corpus-order batches of 32 were 1.9x the padded tokens of sorted ones)
    n = -(-len(clause_texts) // 64)
    clause_calls = calls[-n:]
    assert sorted(t for c in clause_calls for t in c) == clause_texts
    assert all(len(c) <= 64 for c in clause_calls)
    lengths = [len(t) for c in clause_calls for t in c]
    assert lengths == sorted(lengths, reverse=True)
    # and each stored vector is its own clause's
    stored = a.store.stored_vectors([c.clause_id for c in a.store.clauses[:5]])
    for c in a.store.clauses[:5]:
        want = embedder.model.encode([c.embed_text], normalize_embeddings=True, convert_to_numpy=True)[0]
        assert float(np.dot(stored[c.clause_id], want)) > 0.99999


def test_backend_names_are_checked_with_a_clear_message():
    assert [check_backend(b.upper()) for b in BACKENDS] == list(BACKENDS)
    with pytest.raises(ConfigError, match=r"Unknown embedding backend 'onx'.*POLICY_EMBED_BACKEND.*torch, onnx, onnx-int8"):
        Embedder.from_settings(Settings(embed_backend="onx"))


def test_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("POLICY_EMBED_BACKEND", "onnx-int8")
    assert Settings().embed_backend == "onnx-int8"
    assert Settings.model_fields["embed_backend"].description


@pytest.mark.slow
def test_cli_with_a_bad_backend_says_so_in_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "assistant", "ingest", "--corpus", str(ROOT / "corpus"),
                          "--index", str(tmp_path / "index")], capture_output=True, text=True, timeout=300,
                         cwd=ROOT, env={**__import__("os").environ, "POLICY_EMBED_BACKEND": "tensorflow"})
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "error: Unknown embedding backend 'tensorflow' (setting POLICY_EMBED_BACKEND): choose one of torch, onnx, "
        "onnx-int8."]
