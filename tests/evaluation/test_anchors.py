"""Anchor systems on the seed corpus: exact offsets, real MiniLM for llama-index, bm25s paragraphs."""

from __future__ import annotations

import pytest

from assistant.evaluation.anchors import (
    BM25Paragraphs,
    LlamaIndexDefault,
    build_anchors,
    paragraphs,
)
from assistant.types import DocMeta, Document


def _doc(text: str, doc_id: str = "d") -> Document:
    return Document(meta=DocMeta(doc_id=doc_id, title=doc_id, district=doc_id), text=text, content_hash="")


def test_paragraphs_split_on_blank_lines_with_exact_offsets():
    text = "  Title\n\nFirst para\nstill first.\n \t\n\nSecond para.  \n\n\n"
    paras = paragraphs(_doc(text))
    assert [p.quote for p in paras] == ["Title", "First para\nstill first.", "Second para."]
    assert all(text[p.start:p.end] == p.quote for p in paras)
    assert [p.unit_id for p in paras] == ["d/para/1", "d/para/2", "d/para/3"]


def test_bm25_ranks_paragraphs_and_filters_by_district():
    docs = [_doc("Cats are pets.\n\nStudents may not be friended online.", "a"),
            _doc("Friended students online are a risk.\n\nLunch menu.", "b")]
    bm25 = BM25Paragraphs(docs)
    ans = bm25.answer("friended students", None)
    assert not ans.abstained and {u.unit_id for u in ans.ranked} == {"a/para/2", "b/para/1"}
    assert [s.quote for s in ans.shown] == [u.quote for u in ans.ranked]
    only_b = bm25.answer("friended students", "b")
    assert [u.unit_id for u in only_b.ranked] == ["b/para/1"]
    assert bm25.answer("the of and", None).ranked == ()  # stopwords only: nothing returned


@pytest.mark.slow
def test_llamaindex_default_offsets_are_exact_on_the_seed_corpus(seed_assistant):
    docs = [seed_assistant.document(m.doc_id) for m in seed_assistant.documents()]
    base = LlamaIndexDefault(docs, seed_assistant.embedder.as_llama_embedding())
    assert base.offset_fixes == 0  # node.start_char_idx/end_char_idx reproduce the chunk text exactly
    texts = {d.doc_id: d.text for d in docs}
    units = [u for d in docs for u in base.units(d.doc_id)]
    assert units and all(texts[u.doc_id][u.start:u.end] == u.quote for u in units)
    at2, at5 = base.at(2), base.at(5)
    assert (at2.name, at5.name) == ("llamaindex-default@2", "llamaindex-default@5")
    ans = at5.answer("Can employees become friends with students online?", None)
    assert len(ans.ranked) == 5 and not ans.abstained
    assert any(u.doc_id == "chsd230-5125" for u in ans.ranked)
    filtered = at2.answer("Can employees become friends with students online?", "union-1610")
    assert filtered.ranked and {u.doc_id for u in filtered.ranked} == {"union-1610"}


def test_build_anchors_names():
    docs = [_doc("Some text.\n\nMore text.")]
    assert [s.name for s in build_anchors(docs, None, ["bm25"])] == ["bm25"]
