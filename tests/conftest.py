"""Session-wide fixtures: one embedding model, one seed index built once, and a network guard.

Tests use the real model, real Chroma and real HTTP; nothing here fakes them.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

for _var, _val in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("GRADIO_ANALYTICS_ENABLED", "False"),
                   ("ANONYMIZED_TELEMETRY", "False"), ("HF_HUB_DISABLE_TELEMETRY", "1")):
    os.environ[_var] = _val
# Settings read POLICY_* from the environment: tests start from the defaults.
for _var in [v for v in os.environ if v.startswith("POLICY_") and v != "POLICY_REQUIRE_BROWSER"]:
    del os.environ[_var]

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"

_real_connect = socket.socket.connect


def _loopback_only(self, address):  # pragma: no cover - exercised by every test
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("localhost", "::1") and not str(host).startswith("127."):
            raise RuntimeError(f"Test tried to reach the network ({address!r}); only loopback is allowed.")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """No test may talk to anything but loopback (no model hub, no telemetry)."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="session")
def embedder():
    from assistant.embed import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, embedder):
    """Settings over a private copy of corpus/ whose index is built once for the whole session."""
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    base = tmp_path_factory.mktemp("seed")
    corpus = base / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    settings = Settings(corpus=corpus, index=base / "index", feedback_db=base / "feedback.sqlite3")
    report = Assistant.open(settings, embedder=embedder, require_index=False).ingest(corpus)
    assert report.ok, report.failed
    return settings


@pytest.fixture(scope="session")
def seed_assistant(seed_settings, embedder):
    from assistant.pipeline import Assistant

    return Assistant.open(seed_settings, embedder=embedder)


@pytest.fixture
def make_assistant(tmp_path, embedder):
    """Build an Assistant over a given corpus folder with a fresh index (shares the session's model)."""
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    def _make(corpus: Path, **overrides):
        settings = Settings(corpus=corpus, index=tmp_path / f"index-{corpus.name}", **overrides)
        a = Assistant.open(settings, embedder=embedder, require_index=False)
        a.ingest(corpus)
        return a

    return _make


@pytest.fixture
def seed_corpus_copy(tmp_path) -> Path:
    """A writable copy of the seed corpus (to revise, break or extend in a test)."""
    dest = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, dest)
    return dest
