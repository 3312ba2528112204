"""A corrupt index (issue 10, point 3): every command names the fix, `ingest --rebuild` (and a
plain ingest) always rebuilds, a running server answers 503 JSON and /readyz says not ready, then
recovers without a restart. Real model, real Chroma, real HTTP."""

from __future__ import annotations

import shutil

import httpx
import pytest

from assistant.errors import IndexCorrupt
from assistant.pipeline import Assistant
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.slow


def _truncate(records):
    data = records.read_bytes()
    records.write_bytes(data[: len(data) // 3])


@pytest.fixture
def built(seed_settings, tmp_path, embedder):
    index = tmp_path / "index"
    shutil.copytree(seed_settings.index, index)
    settings = seed_settings.model_copy(update={"index": index, "feedback_db": tmp_path / "fb.sqlite3"})
    return settings, Assistant.open(settings, embedder=embedder)


@pytest.mark.parametrize("rebuild", [True, False])
def test_a_truncated_records_file_names_the_fix_and_ingest_rebuilds_it(built, embedder, rebuild):
    settings, _ = built
    _truncate(settings.index / "records.sqlite3")
    with pytest.raises(IndexCorrupt, match=r"cannot be read .* run `policy-assistant ingest --rebuild`"):
        Assistant.open(settings, embedder=embedder)
    fresh = Assistant.open(settings, embedder=embedder, require_index=False)
    report = fresh.ingest(settings.corpus, rebuild=rebuild)
    assert report.ok and report.docs == 5 and report.embedded == report.clauses
    answer = Assistant.open(settings, embedder=embedder).ask("Can I text a student?")
    assert not answer.abstained


def test_a_running_server_says_503_and_recovers_without_a_restart(built, embedder):
    from assistant.web.server import create_app

    settings, assistant = built
    with LiveServer(create_app(assistant, settings)) as server:
        assert httpx.get(server.url + "/readyz", timeout=30).status_code == 200
        _truncate(settings.index / "records.sqlite3")
        ready = httpx.get(server.url + "/readyz", timeout=30)
        assert ready.status_code == 503 and "ingest --rebuild" in ready.json()["error"]
        asked = httpx.post(server.url + "/api/ask", json={"question": "Can I text a student?"}, timeout=30)
        assert asked.status_code == 503 and "ingest --rebuild" in asked.json()["error"]
        # another process rebuilds the index; the server picks it up on its next request
        Assistant.open(settings, embedder=embedder, require_index=False).ingest(settings.corpus, rebuild=True)
        assert httpx.get(server.url + "/readyz", timeout=30).json()["status"] == "ready"
        ok = httpx.post(server.url + "/api/ask", json={"question": "Can I text a student?"}, timeout=30)
        assert ok.status_code == 200 and ok.json()["findings"]


def test_readyz_reports_the_vector_store_and_answers_go_on_without_it(built):
    """An ask reads the norm vectors beside the records, so the answer path needs no Chroma call."""
    settings, assistant = built
    state = assistant.check_ready()
    assert state["vector_store"] == "reachable" and state["clauses"] == 140
    assistant.store._vector_store = assistant.store._collection = None
    assistant.store.collection_name = "policy_clauses_gone"  # as if the collection had vanished
    assert assistant.check_ready()["vector_store"].startswith("unreachable")
    assert not assistant.ask("Can I text a student?").abstained
