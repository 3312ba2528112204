"""The words read at ingest (``analysis.Stems``, kept with the records) are the words the ruler and
the lexical index would read from the texts themselves: opening an index without tokenising must
not change a single matrix entry, idf or spelling word."""

from __future__ import annotations

from assistant.analysis import compute_stems
from assistant.lexical import LexicalIndex
from assistant.rule import NormIndex


def _rows(index: NormIndex, name: str) -> list[set[str]]:
    inverse = {v: k for k, v in index.columns.items()}
    matrix = getattr(index, name)
    return [{inverse[j] for j in matrix[i].indices} for i in range(matrix.shape[0])]


def test_stored_stems_are_the_texts_own_words(seed_assistant):
    store = seed_assistant.store
    assert store.stems is not None and store.stems.aligned(len(store.clauses), len(store.norms))
    fresh = compute_stems(store.clauses, store.norms)
    assert fresh.clause_embed == store.stems.clause_embed and fresh.norm == store.stems.norm
    assert fresh.clause_own == store.stems.clause_own and fresh.clause_context == store.stems.clause_context


def test_norm_index_from_stored_stems_equals_one_tokenised_at_open(seed_assistant):
    store = seed_assistant.store
    lexical = LexicalIndex(store.clauses, stems=store.stems)
    stored = NormIndex(store.norms, store.norm_vectors, store.by_id, lexical, stems=store.stems)
    tokenised = NormIndex(store.norms, store.norm_vectors, store.by_id, lexical, stems=None)
    assert stored.stem_rows.nnz > 1000
    for name in ("stem_rows", "named_rows"):
        assert _rows(stored, name) == _rows(tokenised, name)
    for doc in store.documents:
        for stem in ("student", "text", "friend", "zzzunseen"):
            assert list(stored.idf_of(stem, [doc])) == list(tokenised.idf_of(stem, [doc]))


def test_lexical_index_from_stored_stems_equals_one_tokenised_at_open(seed_assistant):
    store = seed_assistant.store
    stored = LexicalIndex(store.clauses, stems=store.stems)
    tokenised = LexicalIndex(store.clauses)
    assert stored.idf == tokenised.idf and stored.words == tokenised.words
    assert stored.own_stems == tokenised.own_stems and stored.stems == tokenised.stems
    query = "can I text a student"
    assert stored.search(query, 10) == tokenised.search(query, 10)
