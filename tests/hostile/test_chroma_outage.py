"""A Chroma server that goes away (issue 10, point 6), against a real `chroma run` killed and
restarted: answers go on (an ask reads the norm vectors kept beside the records, no Chroma call),
/readyz names the unreachable server, an ingest says so in one line and changes nothing, and after
the restart the next ingest works, all without restarting the app."""

from __future__ import annotations

import httpx
import pytest

from assistant.config import Settings
from assistant.errors import IndexUnreachable
from assistant.pipeline import Assistant
from tests.chroma_server import running
from tests.web.conftest import LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.chroma_server]


@pytest.fixture
def chroma(tmp_path):
    with running(tmp_path / "chroma-data") as server:
        yield server


def test_answers_go_on_while_the_chroma_server_is_down_and_ingest_recovers(chroma, seed_corpus_copy, tmp_path,
                                                                          embedder):
    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "idx", chroma_url=chroma.url,
                        feedback_db=tmp_path / "fb.sqlite3", rate_limit=0)
    Assistant.open(settings, embedder=embedder, require_index=False).ingest()
    assistant = Assistant.open(settings, embedder=embedder)
    from assistant.web.server import create_app

    with LiveServer(create_app(assistant, settings)) as app:
        question = {"question": "Can I text a student?"}
        before = httpx.post(app.url + "/api/ask", json=question, timeout=60).json()
        chroma.kill()
        during = httpx.post(app.url + "/api/ask", json=question, timeout=60)
        assert during.status_code == 200 and during.json()["findings"] == before["findings"]
        ready = httpx.get(app.url + "/readyz", timeout=60).json()
        assert ready["status"] == "ready" and ready["vector_store"].startswith(f"unreachable: the index server at {chroma.url}")
        # an ingest of a changed document says the server is unreachable and changes nothing
        target = next(seed_corpus_copy.glob("004_*.txt"))
        target.write_text(target.read_text(encoding="utf-8") + "\n\nEmployees shall not use drones.\n", encoding="utf-8")
        records = (tmp_path / "idx" / "records.sqlite3").read_bytes()
        with pytest.raises(IndexUnreachable, match=f"The index server at {chroma.url} is unreachable"):
            Assistant.open(settings, embedder=embedder, require_index=False).ingest()
        assert (tmp_path / "idx" / "records.sqlite3").read_bytes() == records
        chroma.start()  # same port, same data: the app picks the re-ingested index up on its next ask
        report = Assistant.open(settings, embedder=embedder, require_index=False).ingest()
        assert report.ok and report.embedded >= 1
        after = httpx.get(app.url + "/readyz", timeout=60).json()
        assert after["vector_store"] == "reachable"
        drones = httpx.post(app.url + "/api/ask", json={"question": "Can I use drones?"}, timeout=60).json()
        assert any("drones" in c["quote"] for f in drones["findings"] for c in f["citations"])
