"""The index: incremental, atomic, locked, and the same through a real `chroma run` server."""

from __future__ import annotations

import socket

import pytest
from filelock import FileLock

from assistant.config import Settings
from tests.chroma_server import Chroma
from assistant.errors import IndexBusy, IndexMissing
from assistant.indexer import LOCK_FILE
from assistant.pipeline import Assistant
from assistant.store import ClauseStore

pytestmark = pytest.mark.slow

CHSD = "004_1739076a474c36a0.txt"
ITEM8_OLD = "Employees should refrain from becoming"
ITEM8_NEW = "Employees shall not become"


def _open(settings, embedder):
    return Assistant.open(settings, embedder=embedder, require_index=False)


def test_reingest_of_unchanged_corpus_embeds_nothing(seed_corpus_copy, tmp_path, embedder, monkeypatch):
    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "idx")
    first = _open(settings, embedder).ingest()
    assert first.ok and first.docs == 5 and first.embedded == first.clauses > 100
    records = settings.index / "records.sqlite3"
    held = ClauseStore(settings.index).load()
    collection_before, generation_before, mtime_before = held.collection_name, held.generation, records.stat().st_mtime_ns

    def refuse(*args, **kwargs):
        raise AssertionError("an unchanged corpus must not be embedded again")

    monkeypatch.setattr(embedder, "encode", refuse)
    again = _open(settings, embedder).ingest()
    assert again.embedded == 0 and again.skipped == 5 and again.clauses == first.clauses
    # nothing rewritten: same collection, records file untouched
    assert ClauseStore(settings.index).load().collection_name == collection_before
    assert ClauseStore(settings.index).load().generation == generation_before
    assert records.stat().st_mtime_ns == mtime_before


def test_changed_document_replaces_only_its_clauses_and_removed_document_is_deleted(
        seed_corpus_copy, tmp_path, embedder):
    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "idx")
    a = _open(settings, embedder)
    first = a.ingest()
    path = seed_corpus_copy / CHSD
    path.write_text(path.read_text(encoding="utf-8").replace(ITEM8_OLD, ITEM8_NEW), encoding="utf-8")
    (seed_corpus_copy / "000_a9ad98b588ff3f02.txt").unlink()
    manifest = seed_corpus_copy / "manifest.toml"
    blocks = manifest.read_text(encoding="utf-8").split("[[documents]]")
    manifest.write_text("[[documents]]".join(b for b in blocks if 'id = "d207-guidelines"' not in b),
                        encoding="utf-8")
    second = a.ingest()
    assert second.removed == 1 and second.docs == 4
    assert 1 <= second.embedded <= 3, "only the revised clause (and nothing else) is re-embedded"
    texts = [c.text for c in a.clauses("chsd230-5125")]
    assert any(t.startswith(ITEM8_NEW) for t in texts)
    assert not any(ITEM8_OLD in t for t in texts)
    assert "d207-guidelines" not in {d.doc_id for d in a.documents()}
    hits = a.retriever.retrieve("Staff should NOT follow/friend/connect with a student")
    assert all(h.clause.doc_id != "d207-guidelines" for h in hits.hits)
    assert first.clauses - second.clauses > 5


def test_failed_write_leaves_previous_index_queryable(seed_corpus_copy, tmp_path, embedder, monkeypatch):
    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "idx")
    _open(settings, embedder).ingest()
    before = ClauseStore(settings.index).load()
    n_before, collection_before = len(before.clauses), before.collection_name

    from chromadb.api.models.Collection import Collection

    real_add = Collection.add

    def add_then_die(self, ids, embeddings, documents, metadatas, **kw):  # 3 clauses written, then the process "dies"
        real_add(self, ids=ids[:3], embeddings=embeddings[:3], documents=documents[:3], metadatas=metadatas[:3], **kw)
        raise KeyboardInterrupt("killed part-way")

    monkeypatch.setattr(Collection, "add", add_then_die)
    with pytest.raises(KeyboardInterrupt):
        _open(settings, embedder).ingest(rebuild=True)
    monkeypatch.undo()

    after = Assistant.open(settings, embedder=embedder)
    assert after.store.collection_name == collection_before
    assert len(after.store.clauses) == n_before
    answer = after.ask("Can I friend a student on Facebook?")
    assert not answer.abstained and answer.citations
    # the next ingest cleans up the half-written collection and still works
    report = after.ingest()
    assert report.ok
    names = [c if isinstance(c, str) else c.name for c in after.store.client.list_collections()]
    assert len(names) <= 2


def test_second_ingest_at_once_is_refused(seed_corpus_copy, tmp_path, embedder):
    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "idx")
    (tmp_path / "idx").mkdir()
    with FileLock(str(tmp_path / "idx" / LOCK_FILE)):
        with pytest.raises(IndexBusy, match="Another ingest is running"):
            _open(settings, embedder).ingest()


def test_missing_index_says_how_to_build_it(tmp_path, embedder):
    with pytest.raises(IndexMissing, match="policy-assistant ingest"):
        Assistant.open(Settings(index=tmp_path / "nothing"), embedder=embedder)


def test_district_filter_is_applied_in_the_store(seed_assistant):
    vec = seed_assistant.embedder.encode_query("friend students online")
    hits = seed_assistant.store.dense_search(vec, 50, ["union-1610"])
    assert hits and {seed_assistant.clause(cid).doc_id for cid, _ in hits} == {"union-1610"}
    assert seed_assistant.store.dense_search(vec, 5, []) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    server = Chroma(tmp_path / "server-data")
    server.start()
    yield server.url
    server.kill()


@pytest.mark.chroma_server
def test_ingest_and_ask_through_a_real_chroma_server(chroma_server, seed_corpus_copy, tmp_path, embedder):
    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "idx", chroma_url=chroma_server)
    report = _open(settings, embedder).ingest()
    assert report.ok and report.embedded == report.clauses
    assert not (tmp_path / "idx" / "chroma").exists(), "server mode must not create an embedded database"
    a = Assistant.open(settings, embedder=embedder)
    answer = a.ask("Can I friend a student on Facebook?")
    assert answer.citations
    for c in answer.citations:
        assert a.document(c.doc_id).text[c.start:c.end] == c.quote
    again = _open(settings, embedder).ingest()
    assert again.embedded == 0


def test_orphan_chroma_segment_folders_are_removed_on_the_next_ingest(seed_corpus_copy, tmp_path, embedder):
    """A deleted collection's (or a killed write's) segment folder must not pile up on disk."""
    import sqlite3
    import uuid

    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "idx")
    _open(settings, embedder).ingest()
    orphan = tmp_path / "idx" / "chroma" / str(uuid.uuid4())
    orphan.mkdir()
    (orphan / "data_level0.bin").write_bytes(b"\0" * 64)
    target = next(seed_corpus_copy.glob("004_*.txt"))
    target.write_text(target.read_text(encoding="utf-8") + "\n\nEmployees shall not fly drones.\n", encoding="utf-8")
    _open(settings, embedder).ingest()
    root = tmp_path / "idx" / "chroma"
    used = {r[0] for r in sqlite3.connect(root / "chroma.sqlite3").execute("SELECT id FROM segments")}
    folders = {p.name for p in root.iterdir() if p.is_dir()}
    assert not orphan.exists() and folders <= used
    assert Assistant.open(settings, embedder=embedder).ask("Can I fly drones?").findings


def test_stored_vectors_are_fetched_in_chunks_below_the_sqlite_variable_cap(seed_settings, monkeypatch):
    """One `get` with every id fails past 32,766 ids ("too many SQL variables"); the store asks in
    chunks of FETCH_CHUNK. Here the chunk is 7, so the seed's 140 clauses take 20 calls."""
    import assistant.store as store_mod
    from chromadb.api.models.Collection import Collection

    store = ClauseStore(seed_settings.index).load()
    ids = [c.clause_id for c in store.clauses]
    sizes: list[int] = []
    real_get = Collection.get

    def spy(self, ids=None, **kw):
        sizes.append(len(ids or []))
        return real_get(self, ids=ids, **kw)

    monkeypatch.setattr(store_mod, "FETCH_CHUNK", 7)
    monkeypatch.setattr(Collection, "get", spy)
    got = store.stored_vectors(ids)
    assert set(got) == set(ids) and max(sizes) <= 7 and len(sizes) == -(-len(ids) // 7)


def test_a_re_ingest_reads_only_the_changed_document_again(seed_corpus_copy, tmp_path, embedder, monkeypatch):
    """Unchanged documents keep their stored clauses and norms (read once, at ingest): only the
    changed one is chunked and its sentences read again."""
    import assistant.indexer as indexer_mod

    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "idx")
    a = _open(settings, embedder)
    a.ingest()
    before = {n.norm_id: n for n in a.store.norms}
    target = seed_corpus_copy / a.document("union-1610").meta.source_file
    target.write_text(target.read_text(encoding="utf-8") + "\n\nEmployees shall not fly drones.\n", encoding="utf-8")
    read: list[str] = []
    real = indexer_mod.extract_norms
    monkeypatch.setattr(indexer_mod, "extract_norms", lambda c: read.append(c.doc_id) or real(c))
    chunked: list[str] = []
    real_chunk = indexer_mod.chunk_document
    monkeypatch.setattr(indexer_mod, "chunk_document", lambda d: chunked.append(d.doc_id) or real_chunk(d))
    report = a.ingest()
    assert report.ok and chunked == ["union-1610"] and set(read) == {"union-1610"}
    after = {n.norm_id: n for n in a.store.norms}
    assert {k: v for k, v in after.items() if v.doc_id != "union-1610"} == \
        {k: v for k, v in before.items() if v.doc_id != "union-1610"}
    assert any("drones" in a.norms.text(n) for n in a.store.norms if n.doc_id == "union-1610")


def test_one_changed_policy_is_written_in_place_and_a_killed_write_heals(seed_corpus_copy, tmp_path, embedder,
                                                                         monkeypatch):
    """A re-ingest upserts only the changed policy's clauses into the current collection (no new
    collection). Killed part-way, the old records keep answering, and the ids it was changing are
    written again on the next ingest even when the text is back to what the records say (the
    collection may hold the interrupted text's vectors for them)."""
    import numpy as np
    from chromadb.api.models.Collection import Collection

    settings = Settings(corpus=seed_corpus_copy, index=tmp_path / "idx")
    a = _open(settings, embedder)
    a.ingest()
    name = a.store.collection_name
    target = seed_corpus_copy / a.document("union-1610").meta.source_file
    original = target.read_text(encoding="utf-8")
    upserted: list[str] = []
    real_upsert = Collection.upsert

    def counting(self, ids, **kw):
        upserted.extend(ids)
        return real_upsert(self, ids=ids, **kw)

    monkeypatch.setattr(Collection, "upsert", counting)
    changed_text = original.replace("educationally necessary", "educationally necessary and approved")
    assert changed_text != original
    target.write_text(changed_text, encoding="utf-8")
    report = a.ingest()
    assert report.ok and a.store.collection_name == name  # in place: the same collection
    assert upserted and all(cid.startswith("union-1610/") for cid in upserted)  # its clauses only (offsets moved)
    monkeypatch.undo()

    # killed mid-upsert while going back to the original text
    def die(self, ids, embeddings, **kw):
        real_upsert(self, ids=ids[:1], embeddings=embeddings[:1], **{k: v[:1] for k, v in kw.items()})
        raise KeyboardInterrupt("killed part-way")

    monkeypatch.setattr(Collection, "upsert", die)
    target.write_text(original, encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        a.ingest()
    monkeypatch.undo()
    store = ClauseStore(settings.index).load()
    half = store.pending_ids()
    assert half and any("and approved" in c.text for c in store.clauses)  # the old records still answer
    assert not Assistant.open(settings, embedder=embedder).ask("Can I text a student individually?").abstained

    target.write_text(changed_text, encoding="utf-8")  # back to what the records hold
    b = _open(settings, embedder)
    b.ingest()
    assert not b.store.pending_ids() and any("and approved" in c.text for c in b.store.clauses)
    got = b.store.stored_vectors(sorted(half))
    for cid in half:
        if cid in b.store.by_id:  # each vector is the embedding of the text the records now hold
            want = embedder.encode([b.store.by_id[cid].embed_text])[0]
            assert np.allclose(got[cid], want, atol=1e-4), cid
