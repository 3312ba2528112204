"""The embedding model on ONNX Runtime: exported here from the bundled weights, never downloaded.

sentence-transformers' own ``backend="onnx"`` needs ``optimum-onnx``, which pins
``transformers<4.58`` (this project runs transformers 5), so the export is done with
``torch.onnx.export`` and the int8 variant with ``onnxruntime.quantization.quantize_dynamic``.
The encoder mirrors the model's sentence-transformers pipeline (Transformer -> mean pooling ->
L2 normalise) and is checked against it in tests/test_embed_onnx.py.

Exports are cached under ``<cache>/<model name>-<weights digest>/`` (``model.onnx``,
``model_int8.onnx``); a changed model folder gets a new folder, and two processes never write
the same file at once (a lock file, then an atomic rename).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import ConfigError

FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _require_onnx() -> None:
    try:
        import onnx  # noqa: F401  (the quantizer and the exporter's checker need it)
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            "The ONNX embedding backend needs onnxruntime and onnx: pip install 'policy-assistant[onnx]' "
            "(or set POLICY_EMBED_BACKEND=torch)."
        ) from exc


def _check_pipeline(model_path: Path) -> int:
    """The model folder must be Transformer -> mean Pooling (-> Normalize); returns max_seq_length."""
    try:
        modules = json.loads((model_path / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((model_path / pooling_dir / "config.json").read_text(encoding="utf-8"))
        cfg = json.loads((model_path / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise ConfigError(f"The ONNX backend cannot read the sentence-transformers layout of {model_path}: {exc}") from None
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if kinds[:2] != ["Transformer", "Pooling"] or modes != ["pooling_mode_mean_tokens"] or len(kinds) > 3:
        raise ConfigError(
            f"The ONNX backend supports Transformer + mean pooling (+ Normalize) models; {model_path.name} is "
            f"{' + '.join(kinds)} with {modes or 'no'} pooling. Set POLICY_EMBED_BACKEND=torch."
        )
    return int(cfg.get("max_seq_length") or 256)


def _weights_digest(model_path: Path) -> str:
    h = hashlib.sha256()
    for name in sorted(os.listdir(model_path)):
        f = model_path / name
        if f.is_file() and (f.suffix in (".safetensors", ".bin") or name in ("config.json", "tokenizer.json")):
            h.update(name.encode())
            with f.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:12]


def export_dir(model_path: Path, cache_dir: Path) -> Path:
    """Where this model's exports live: one folder per model name and weights digest."""
    return Path(cache_dir) / f"{model_path.name}-{_weights_digest(model_path)}"


def _export_fp32(model_path: Path, target: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    transformer = st[0]
    tokens = transformer.tokenizer(["An export sample.", "A second, longer sample sentence for the export."],
                                   padding=True, return_tensors="pt")

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Hidden(transformer.auto_model).eval(), tuple(tokens[n] for n in _INPUTS), str(tmp),
                          input_names=list(_INPUTS), output_names=["last_hidden_state"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    os.replace(tmp, target)


def _quantize(source: Path, target: Path) -> None:
    # importing onnxruntime.quantization calls logging.basicConfig(level=INFO) and the quantizer warns
    # "run pre-processing first" on the root logger: both undone, so a CLI's stderr stays clean
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        root.setLevel(logging.ERROR)
        # per-channel int8 weights on the MatMuls only: per-tensor scales or quantized embeddings (Gather)
        # drop the worst cosine to torch from 0.98 to 0.89 on the seed clauses (docs/EMBEDDING_MODEL.md)
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
    os.replace(tmp, target)


def ensure_export(model_path: Path, cache_dir: Path, int8: bool) -> Path:
    """The ONNX file for this model (exported or quantized now if not cached); never downloads."""
    from filelock import FileLock

    _require_onnx()
    _check_pipeline(model_path)  # before any export: a model this cannot mirror is refused at once
    folder = export_dir(model_path, cache_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cannot create the ONNX model cache {folder}: {exc.strerror or exc}") from None
    fp32, q8 = folder / FP32_FILE, folder / INT8_FILE
    with FileLock(str(folder / ".export.lock")):
        if not fp32.exists():
            _export_fp32(model_path, fp32)
        if int8 and not q8.exists():
            _quantize(fp32, q8)
    return q8 if int8 else fp32


class OnnxSentenceEncoder:
    """The subset of ``SentenceTransformer`` the assistant uses (``encode``, ``tokenizer``), on ONNX Runtime."""

    def __init__(self, model_path: Path, onnx_file: Path, threads: int = 0):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.max_seq_length = _check_pipeline(model_path)
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
        self.onnx_file = onnx_file
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self.session.get_inputs()]
        self._dim = int(self.session.get_outputs()[0].shape[-1])

    def get_embedding_dimension(self) -> int:
        return self._dim

    def encode(self, sentences: str | Sequence[str], batch_size: int = 32, normalize_embeddings: bool = True,
               convert_to_numpy: bool = True, show_progress_bar: bool = False, **_: Any) -> np.ndarray:
        """Mean-pooled (and L2-normalised) vectors, batched longest first like sentence-transformers."""
        single = isinstance(sentences, str)
        texts = [sentences] if single else [str(s) for s in sentences]
        out = np.empty((len(texts), self._dim), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), max(1, batch_size)):
            idx = order[start:start + max(1, batch_size)]
            enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation="longest_first",
                                 max_length=self.max_seq_length, return_tensors="np")
            feeds = {n: np.asarray(enc[n], dtype=np.int64) for n in self._inputs}
            hidden = self.session.run(None, feeds)[0]
            mask = feeds["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            if normalize_embeddings:
                pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[idx] = pooled
        return out[0] if single else out
