"""A bounded soak in `make test` (issue 10): 10 clients for 10 s on loopback asking and rating
while another process re-ingests a changed policy. No error (no limiter here), every feedback row
stored, and the re-ingested text is answered from by the running server without a restart."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time

import httpx
import pytest

from assistant.pipeline import Assistant
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.slow

QUESTIONS = ["Can I text a student?", "can i snap my players", "Can I use the school logo on my page?",
             "What happens if I violate the social media policy?", "How do I get a parking permit?"]


def test_ten_clients_for_ten_seconds_during_an_ingest(seed_settings, seed_corpus_copy, tmp_path, embedder):
    from assistant.web.server import create_app

    index = tmp_path / "index"
    shutil.copytree(seed_settings.index, index)
    settings = seed_settings.model_copy(update={"index": index, "corpus": seed_corpus_copy, "rate_limit": 0,
                                                "feedback_db": tmp_path / "fb.sqlite3"})
    assistant = Assistant.open(settings, embedder=embedder)
    errors: list[str] = []
    sent: list[str] = []
    lock = threading.Lock()

    def client(n: int, url: str, stop: float) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            i = 0
            while time.time() < stop:
                q = QUESTIONS[(n + i) % len(QUESTIONS)]
                r = http.post("/api/ask", json={"question": q})
                if r.status_code != 200:
                    with lock:
                        errors.append(f"ask {r.status_code}: {r.text[:100]}")
                    continue
                comment = f"soak-{n}-{i}"
                f = http.post("/api/feedback", json={"question": q, "rating": 1, "comment": comment,
                                                     "answer_id": r.json()["answer_id"]})
                with lock:
                    (sent.append(comment) if f.status_code in (200, 201) else errors.append(f"feedback {f.status_code}"))
                i += 1

    with LiveServer(create_app(assistant, settings)) as server:
        stop = time.time() + 10
        threads = [threading.Thread(target=client, args=(n, server.url, stop)) for n in range(10)]
        for t in threads:
            t.start()
        time.sleep(2)
        target = next(seed_corpus_copy.glob("004_*.txt"))
        target.write_text(target.read_text(encoding="utf-8") + "\n\nEmployees shall not fly drones over the stadium.\n",
                          encoding="utf-8")
        report = Assistant.open(settings, embedder=embedder).ingest(seed_corpus_copy)  # "another process"
        for t in threads:
            t.join(timeout=120)
        assert report.ok and report.embedded >= 1
        assert not errors, errors[:5]
        assert len(sent) >= 20
        stored = {row[0] for row in sqlite3.connect(settings.feedback_db).execute(
            "SELECT comment FROM feedback WHERE comment LIKE 'soak-%'")}
        assert stored == set(sent)
        drones = httpx.post(server.url + "/api/ask", json={"question": "Can I fly drones over the stadium?"},
                            timeout=60).json()
        assert any("drones" in c["quote"] for f in drones["findings"] for c in f["citations"])
