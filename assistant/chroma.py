"""Chroma clients: embedded under the index folder, or a server by URL, and how to say it is away."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import ConfigError, IndexUnreachable

__all__ = ["chroma_client", "server_alive", "unreachable"]


def unreachable(chroma_url: str) -> IndexUnreachable:
    return IndexUnreachable(
        f"The index server at {chroma_url} is unreachable: start it (or fix POLICY_CHROMA_URL / --chroma-url), "
        "then try again; nothing stored was changed."
    )


def server_alive(chroma_url: str, timeout: float = 2.0) -> bool:
    """Whether a Chroma server answers its heartbeat (v2, then v1)."""
    import urllib.request

    base = chroma_url if "://" in chroma_url else f"http://{chroma_url}"
    for path in ("/api/v2/heartbeat", "/api/v1/heartbeat"):
        try:
            with urllib.request.urlopen(base.rstrip("/") + path, timeout=timeout):  # noqa: S310 - the configured URL
                return True
        except Exception:  # noqa: BLE001 - any failure: try the next, then say no
            continue
    return False


def chroma_client(index_dir: Path, chroma_url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        if not url.hostname:
            raise ConfigError(f"Chroma URL '{chroma_url}' has no host; use http://HOST:PORT")
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(host=url.hostname, port=port, ssl=url.scheme == "https", settings=settings)
        except Exception:  # chromadb raises ValueError/ConnectionError variants
            raise unreachable(chroma_url) from None
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=settings)
