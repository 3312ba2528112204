"""An optional stronger relevance model for the ruling step, off by default.

``POLICY_RERANK_MODEL`` names either a local sentence-transformers ``CrossEncoder`` folder (loaded
from disk only, never from a hub) or an ``http(s)://`` endpoint speaking the ``/rerank`` API that
OpenAI-compatible servers (vLLM, TEI, llama.cpp, Jina, Cohere) share: ``POST {url}/rerank`` with
``{"model", "query", "documents"}`` -> ``{"results": [{"index", "relevance_score"}]}``.
The ruler rescores a district's near-best norms with it (``rule.Ruler``); any failure of the
reranker falls back to the unreranked scores, logged, never an error for the asker.
All published figures are with the reranker off.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .config import Settings
from .errors import ConfigError

log = logging.getLogger(__name__)

__all__ = ["Reranker", "CrossEncoderReranker", "HttpReranker", "build_reranker"]


class Reranker(Protocol):
    name: str

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray:
        """Relevance of each passage to the query, in [0, 1], higher is more relevant."""
        ...


class CrossEncoderReranker:
    """A sentence-transformers ``CrossEncoder`` read from a local folder."""

    def __init__(self, path: str | Path):
        from sentence_transformers import CrossEncoder

        p = Path(path)
        if not p.is_dir():
            raise ConfigError(f"POLICY_RERANK_MODEL: no model folder at {p} (give a local CrossEncoder folder "
                              "or an http(s):// /rerank endpoint)")
        try:
            self.model = CrossEncoder(str(p), device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - a broken folder is a setting error, said plainly
            raise ConfigError(f"POLICY_RERANK_MODEL: cannot load a CrossEncoder from {p}: {exc}") from None
        self.name = p.name

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        raw = np.asarray(self.model.predict([(query, p) for p in passages], show_progress_bar=False),
                         dtype=np.float32).reshape(len(passages), -1)[:, -1]
        if raw.min() < 0.0 or raw.max() > 1.0:  # logits: squash to [0, 1]
            raw = 1.0 / (1.0 + np.exp(-raw))
        return raw


class HttpReranker:
    """A ``/rerank`` endpoint (OpenAI-compatible servers' shared shape)."""

    def __init__(self, url: str, model: str = "", api_key: str = "", timeout: float = 10.0):
        self.url = url.rstrip("/")
        if not self.url.endswith("/rerank"):
            self.url += "/rerank"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.name = f"http:{self.url}"

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        body = json.dumps({"model": self.model, "query": query, "documents": list(passages),
                           "top_n": len(passages)}).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - a configured URL
            data = json.loads(resp.read().decode("utf-8"))
        out = np.zeros(len(passages), dtype=np.float32)
        results = data.get("results", data.get("data")) if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise ValueError("reply has no 'results' list")
        for r in results:
            i, s = int(r["index"]), float(r.get("relevance_score", r.get("score")))
            if not 0 <= i < len(passages):
                raise ValueError(f"reply names passage {i} of {len(passages)}")
            out[i] = s
        return out


def build_reranker(settings: Settings) -> Reranker | None:
    """The configured reranker, or None when ``POLICY_RERANK_MODEL`` is empty (the default)."""
    spec = (settings.rerank_model or "").strip()
    if not spec:
        return None
    if spec.startswith(("http://", "https://")):
        return HttpReranker(spec, model=settings.rerank_name, api_key=settings.rerank_api_key,
                            timeout=settings.rerank_timeout)
    return CrossEncoderReranker(spec)


def safe_scores(reranker: Reranker, query: str, passages: Sequence[str]) -> np.ndarray | None:
    """The reranker's scores, or None (logged) when it fails: the ruling then stands unreranked."""
    try:
        scores = np.asarray(reranker.score(query, passages), dtype=np.float32)
        if scores.shape != (len(passages),) or not np.all(np.isfinite(scores)):
            raise ValueError(f"expected {len(passages)} finite scores, got shape {scores.shape}")
        return scores
    except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("reranker %s skipped: %s: %s", getattr(reranker, "name", "?"), type(exc).__name__, exc)
        return None
