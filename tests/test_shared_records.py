"""Several app servers share one index through a real `chroma run` server: the records travel with
the vectors (``recordmirror.py``), each app server keeps a local copy and takes another's ingest."""

from __future__ import annotations

import shutil

import pytest

from assistant.config import Settings
from assistant.pipeline import Assistant
from tests.chroma_server import running

pytestmark = [pytest.mark.chroma_server, pytest.mark.slow]


@pytest.fixture
def chroma_url(tmp_path):
    with running(tmp_path / "server-data") as server:
        yield server


def _rulings(answer) -> list[tuple[str, str, str, str]]:
    return [(f.doc_id, f.status, f.verdict, f.citations[0].quote if f.citations else "") for f in answer.findings]


def test_a_second_app_server_with_no_local_index_answers_from_the_shared_records(chroma_url, seed_corpus_copy,
                                                                                  tmp_path, embedder):
    ingester = Settings(corpus=seed_corpus_copy, index=tmp_path / "app-a", chroma_url=chroma_url.url,
                        records_poll_seconds=0)
    assert Assistant.open(ingester, embedder=embedder, require_index=False).ingest().ok
    a = Assistant.open(ingester, embedder=embedder)
    # app server B: same Chroma server, its own (empty) index folder, never ingested
    reader = ingester.model_copy(update={"index": tmp_path / "app-b"})
    b = Assistant.open(reader, embedder=embedder)
    question = "Can I text a student individually?"
    assert _rulings(b.ask(question)) == _rulings(a.ask(question))
    assert b.documents() == a.documents() and b.clause_counts() == a.clause_counts()
    for c in b.ask(question).citations:
        assert b.document(c.doc_id).text[c.start:c.end] == c.quote

    # A ingests a revised policy; B takes it on its next question, without a restart
    target = next(seed_corpus_copy.glob("004_*.txt"))
    target.write_text(target.read_text(encoding="utf-8") + "\n\nEmployees shall not fly drones over district "
                      "property.\n", encoding="utf-8")
    report = Assistant.open(ingester, embedder=embedder).ingest()
    assert report.ok and report.embedded >= 1
    drones = b.ask("Can I fly drones over district property?")
    assert any("drones" in c.quote for f in drones.findings if f.doc_id == "chsd230-5125" for c in f.citations)
    # a document removed by A's ingest (file and manifest entry) goes from B too
    shutil.move(str(target), str(tmp_path / target.name))
    manifest = seed_corpus_copy / "manifest.toml"
    blocks = manifest.read_text(encoding="utf-8").split("[[documents]]")
    manifest.write_text("[[documents]]".join(b for b in blocks if 'id = "chsd230-5125"' not in b), encoding="utf-8")
    assert Assistant.open(ingester, embedder=embedder).ingest().ok
    b.ask("Can I text a student individually?")
    assert "chsd230-5125" not in {m.doc_id for m in b.documents()}


def test_the_local_copy_answers_while_the_shared_server_is_down(chroma_url, seed_corpus_copy, tmp_path, embedder):
    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "app-a", chroma_url=chroma_url.url,
                        records_poll_seconds=0)
    assert Assistant.open(settings, embedder=embedder, require_index=False).ingest().ok
    reader = settings.model_copy(update={"index": tmp_path / "app-b"})
    b = Assistant.open(reader, embedder=embedder)
    before = _rulings(b.ask("Can I text a student individually?"))
    chroma_url.kill()
    assert _rulings(b.ask("Can I text a student individually?")) == before  # no server: the local copy
    assert _rulings(Assistant.open(reader, embedder=embedder).ask("Can I text a student individually?")) == before
    from assistant.errors import IndexUnreachable

    with pytest.raises(IndexUnreachable, match="unreachable"):  # nothing local and no server: said plainly
        Assistant.open(settings.model_copy(update={"index": tmp_path / "app-c"}), embedder=embedder)


def test_an_unreadable_local_copy_says_how_to_rebuild_it_in_server_mode(chroma_url, seed_corpus_copy, tmp_path,
                                                                        embedder):
    from assistant.errors import IndexCorrupt

    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "app-a", chroma_url=chroma_url.url,
                        records_poll_seconds=0)
    assert Assistant.open(settings, embedder=embedder, require_index=False).ingest().ok
    records = tmp_path / "app-a" / "records.sqlite3"
    data = records.read_bytes()
    records.write_bytes(data[: len(data) // 3])
    with pytest.raises(IndexCorrupt, match=r"cannot be read .* run `policy-assistant ingest --rebuild`"):
        Assistant.open(settings, embedder=embedder)
    assert Assistant.open(settings, embedder=embedder, require_index=False).ingest(rebuild=True).ok
    assert Assistant.open(settings, embedder=embedder).ask("Can I text a student individually?").findings
