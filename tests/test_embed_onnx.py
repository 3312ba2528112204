"""The ONNX Runtime backends: exported here from the bundled weights (no network), close to torch's vectors."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embed import ONNX_CACHE, Embedder
from assistant.embed_onnx import FP32_FILE, INT8_FILE, OnnxSentenceEncoder, export_dir
from assistant.errors import ConfigError

pytestmark = pytest.mark.slow
pytest.importorskip("onnx", reason="the onnx extra: pip install policy-assistant[onnx]")

TEXTS = [
    "Staff shall not follow students on personal social media accounts.",
    "ok",
    "Employees may communicate with students through district-approved platforms about coursework.",
    "A staff member who becomes aware of a violation of this policy shall report it to the principal.",
    "Photos of students may be posted only with written parental consent. " * 40,  # over 256 tokens: truncated
    "Is it ok if i follow my students on tiktok?",
]


@pytest.fixture(scope="module")
def onnx_index(tmp_path_factory):
    """One index folder whose ONNX exports (fp32 and int8) are made once for this module."""
    return tmp_path_factory.mktemp("onnx") / "index"


@pytest.fixture(scope="module")
def onnx_fp32(onnx_index):
    return Embedder.from_settings(Settings(index=onnx_index, embed_backend="onnx"))


@pytest.fixture(scope="module")
def onnx_int8(onnx_index, onnx_fp32):
    return Embedder.from_settings(Settings(index=onnx_index, embed_backend="onnx-int8"))


def test_quantizing_leaves_a_clis_logging_alone(tmp_path, onnx_fp32):
    # onnxruntime.quantization calls logging.basicConfig(level=INFO) on import and warns on the root
    # logger: in a fresh process (no pytest handlers), the root logger must be as it was
    folder = export_dir(onnx_fp32.model_path, tmp_path / "cache")
    folder.mkdir(parents=True)
    shutil.copy(onnx_fp32.model.onnx_file, folder / FP32_FILE)  # only the quantization runs below
    code = ("import logging, sys; from assistant.embed import Embedder; "
            f"e = Embedder(backend='onnx-int8', onnx_cache={str(tmp_path / 'cache')!r}); r = logging.getLogger(); "
            "print(e.model.onnx_file.name, r.level, len(r.handlers))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [INT8_FILE, str(logging.WARNING), "0"]
    assert "pre-processing" not in out.stderr


def test_the_setting_selects_the_backend_and_exports_under_the_index(onnx_index, onnx_fp32, onnx_int8, embedder):
    assert embedder.backend == "torch" and not isinstance(embedder.model, OnnxSentenceEncoder)
    folder = export_dir(onnx_fp32.model_path, onnx_index / ONNX_CACHE)
    assert onnx_fp32.backend == "onnx" and onnx_fp32.model.onnx_file == folder / FP32_FILE
    assert onnx_int8.backend == "onnx-int8" and onnx_int8.model.onnx_file == folder / INT8_FILE
    # int8 MatMul weights; the word embeddings stay float32 (quantizing them costs quality)
    assert (folder / INT8_FILE).stat().st_size < 0.75 * (folder / FP32_FILE).stat().st_size
    assert onnx_fp32.dim == onnx_int8.dim == embedder.dim
    assert onnx_fp32.words() == embedder.words() and len(embedder.words()) > 10_000  # same vocabulary


def test_fp32_vectors_match_torch(onnx_fp32, embedder):
    got, want = onnx_fp32.encode(TEXTS), embedder.encode(TEXTS)
    cos = (got * want).sum(axis=1)
    assert cos.min() > 0.99 and np.abs(got - want).max() < 1e-4
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # a single query, as the retriever asks it
    assert float(np.dot(onnx_fp32.encode_query(TEXTS[-1]), want[-1])) > 0.99


def test_int8_vectors_stay_close_to_torch_and_rank_alike(onnx_int8, embedder):
    got, want = onnx_int8.encode(TEXTS), embedder.encode(TEXTS)
    cos = (got * want).sum(axis=1)
    assert cos.min() > 0.95 and cos.mean() > 0.98
    # the question's nearest text is the same sentence under both
    q_t, q_8 = embedder.encode_query(TEXTS[-1]), onnx_int8.encode_query(TEXTS[-1])
    assert int(np.argmax(want[:-1] @ q_t)) == int(np.argmax(got[:-1] @ q_8))


def test_export_is_reused_not_redone(onnx_index, onnx_fp32):
    f = onnx_fp32.model.onnx_file
    before = f.stat().st_mtime_ns
    again = Embedder.from_settings(Settings(index=onnx_index, embed_backend="onnx"))
    assert again.model.onnx_file == f and f.stat().st_mtime_ns == before


def test_a_model_the_onnx_path_cannot_mirror_is_refused_clearly(tmp_path, embedder):
    odd = tmp_path / "cls-model"
    shutil.copytree(embedder.model_path, odd)
    cfg = odd / "1_Pooling" / "config.json"
    pooling = json.loads(cfg.read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    cfg.write_text(json.dumps(pooling))
    with pytest.raises(ConfigError, match="mean pooling.*POLICY_EMBED_BACKEND=torch"):
        Embedder(odd, backend="onnx", onnx_cache=tmp_path / "cache")


def test_switching_the_backend_re_embeds_the_index_once(tmp_path, embedder, onnx_fp32):
    from assistant.embed import INDEX_EMBEDDER_FILE
    from assistant.pipeline import Assistant

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "policy.txt").write_text(
        "Staff Social Media Policy\n\nEmployees shall not follow students on personal social media accounts.\n\n"
        "Staff may use district-approved platforms to communicate with students about coursework.\n", encoding="utf-8")

    def ingest(emb):
        a = Assistant.open(Settings(corpus=corpus, index=index, feedback_db=tmp_path / "fb.sqlite3"), embedder=emb,
                           require_index=False)
        return a, a.ingest(corpus)

    _, first = ingest(embedder)
    assert first.ok and first.embedded == first.clauses > 0
    assert ingest(embedder)[1].embedded == 0  # same backend: every vector reused
    a, switched = ingest(onnx_fp32)
    assert switched.embedded == switched.clauses  # torch's vectors are not mixed with onnx queries
    assert json.loads((index / INDEX_EMBEDDER_FILE).read_text()) == {"model": embedder.name, "backend": "onnx"}
    clause = a.store.clauses[0]
    stored = a.store.stored_vectors([clause.clause_id])[clause.clause_id]
    assert np.allclose(stored, onnx_fp32.encode([clause.embed_text])[0], atol=1e-5)
    assert ingest(onnx_fp32)[1].embedded == 0
