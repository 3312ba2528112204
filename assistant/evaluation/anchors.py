"""Anchor systems scored beside ours on the same gold, corpus and metrics.

- ``llamaindex-default@k``: llama-index's default pipeline: ``SentenceSplitter()`` with its defaults
  and a ``VectorStoreIndex`` (in-memory ``SimpleVectorStore``) over the same MiniLM, top-k 2 and 5.
  Chunks map back to exact offsets through ``node.start_char_idx``/``end_char_idx`` (checked against
  the document text; a chunk whose offsets do not reproduce its text is re-found with ``str.find``
  and counted in ``offset_fixes``). A district filter becomes an exact ``doc_id`` metadata filter.
- ``bm25``: bm25s over whole paragraphs (cleaned text split on blank lines), top 5.
Anchors give no verdicts and never abstain; what they show is the text of what they return.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import bm25s
import numpy as np

from assistant.evaluation.metrics import Shown, SystemAnswer, Unit
from assistant.types import Document

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")


def _answer(units: Sequence[Unit]) -> SystemAnswer:
    shown = tuple(Shown(u.doc_id, u.start, u.end, u.quote) for u in units)
    return SystemAnswer(ranked=tuple(units), abstained=False, shown=shown)


class LlamaIndexDefault:
    """One in-memory VectorStoreIndex shared by the top-k variants (see ``at``)."""

    gives_verdicts = False

    def __init__(self, documents: Sequence[Document], embed_model: Any):
        from llama_index.core import Document as LIDocument
        from llama_index.core import VectorStoreIndex
        from llama_index.core.callbacks import CallbackManager
        from llama_index.core.node_parser import SentenceSplitter

        texts = {d.doc_id: d.text for d in documents}
        li_docs = [LIDocument(text=d.text, id_=d.doc_id, metadata={"doc_id": d.doc_id}) for d in documents]
        splitter = SentenceSplitter()
        nodes = splitter.get_nodes_from_documents(li_docs)
        self.offset_fixes = 0
        self._units: dict[str, Unit] = {}
        for n, node in enumerate(nodes):
            doc_id = node.metadata["doc_id"]
            self._units[node.node_id] = self._unit(node, doc_id, texts[doc_id], n)
        self._embed_model = embed_model
        self._index = VectorStoreIndex(
            nodes, embed_model=embed_model, transformations=[splitter], callback_manager=CallbackManager()
        )

    def _unit(self, node: Any, doc_id: str, text: str, n: int) -> Unit:
        chunk = node.get_content()
        s, e = node.start_char_idx, node.end_char_idx
        if s is None or e is None or text[s:e] != chunk:
            self.offset_fixes += 1
            s = text.find(chunk)
            if s < 0:
                raise ValueError(f"llama-index chunk {n} of {doc_id} is not in the document text")
            e = s + len(chunk)
        return Unit(unit_id=f"{doc_id}/chunk/{n}", doc_id=doc_id, start=s, end=e, label=f"{doc_id} chunk {n}", quote=chunk)

    def units(self, doc_id: str) -> list[Unit]:
        return [u for u in self._units.values() if u.doc_id == doc_id]

    def retrieve(self, question: str, district: str | None, k: int) -> SystemAnswer:
        from llama_index.core.vector_stores import ExactMatchFilter, MetadataFilters

        filters = MetadataFilters(filters=[ExactMatchFilter(key="doc_id", value=district)]) if district else None
        retriever = self._index.as_retriever(similarity_top_k=k, filters=filters, embed_model=self._embed_model)
        hits = retriever.retrieve(question)
        return _answer([self._units[h.node.node_id] for h in hits])

    def at(self, k: int) -> LlamaIndexAtK:
        return LlamaIndexAtK(self, k)


class LlamaIndexAtK:
    gives_verdicts = False

    def __init__(self, base: LlamaIndexDefault, k: int):
        self.base, self.k = base, k
        self.name = f"llamaindex-default@{k}"

    def units(self, doc_id: str) -> list[Unit]:
        return self.base.units(doc_id)

    def answer(self, question: str, district: str | None) -> SystemAnswer:
        return self.base.retrieve(question, district, self.k)


def paragraphs(doc: Document) -> list[Unit]:
    """Whole paragraphs: the cleaned text split on blank lines, with exact offsets."""
    out: list[Unit] = []
    pos = 0
    text = doc.text
    bounds = [(m.start(), m.end()) for m in _BLANK_LINE.finditer(text)] + [(len(text), len(text))]
    for sep_start, sep_end in bounds:
        seg = text[pos:sep_start]
        if seg.strip():
            s = pos + (len(seg) - len(seg.lstrip()))
            e = pos + len(seg.rstrip())
            n = len(out) + 1
            out.append(Unit(unit_id=f"{doc.doc_id}/para/{n}", doc_id=doc.doc_id, start=s, end=e,
                            label=f"{doc.doc_id} paragraph {n}", quote=text[s:e]))
        pos = sep_end
    return out


class BM25Paragraphs:
    """bm25s (default parameters, English stopwords) over whole paragraphs, top 5."""

    gives_verdicts = False
    name = "bm25"

    def __init__(self, documents: Sequence[Document], k: int = 5):
        self.k = k
        self._paras = [u for d in documents for u in paragraphs(d)]
        self._doc_of = np.array([u.doc_id for u in self._paras])
        tokens = bm25s.tokenize([u.quote for u in self._paras], stopwords="en", return_ids=False, show_progress=False)
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)

    def units(self, doc_id: str) -> list[Unit]:
        return [u for u in self._paras if u.doc_id == doc_id]

    def answer(self, question: str, district: str | None) -> SystemAnswer:
        query = bm25s.tokenize([question], stopwords="en", return_ids=False, show_progress=False)[0]
        if not query:
            return _answer([])
        scores = np.asarray(self._bm25.get_scores(query), dtype=float)
        if district:
            scores = np.where(self._doc_of == district, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[: self.k]
        return _answer([self._paras[i] for i in order if scores[i] > 0])


def build_anchors(documents: Sequence[Document], embed_model: Any, names: Sequence[str]) -> list[Any]:
    """Anchor systems for ``names`` (``llamaindex-default`` gives the @2 and @5 variants, ``bm25``)."""
    systems: list[Any] = []
    if "llamaindex-default" in names:
        base = LlamaIndexDefault(documents, embed_model)
        systems += [base.at(2), base.at(5)]
    if "bm25" in names:
        systems.append(BM25Paragraphs(documents))
    return systems
