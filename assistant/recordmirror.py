"""The records mirrored into the Chroma server that holds the vectors, so several app servers
share one index: whoever ingests pushes the rows that changed; every app server keeps a local copy
(``records.sqlite3``, its cache) and pulls the rows whose stamp moved.

Layout: a collection ``<collection>_records`` with one item per document (metadata ``stamp`` and
``record``: the same orjson text as the local row, ``vectors``: the norm vectors, base64 float32)
and one item ``__meta__`` (generation, the vector collection's name, dim, every row's stamp). The
``__meta__`` item is written last: it is the switch remote readers see. Chroma items need an
embedding; these carry a constant one-dimensional one (they are never searched).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from .recordbook import DocRecord

__all__ = ["RecordMirror"]

META_ID = "__meta__"
BATCH = 200  # documents per call: a few MB of JSON each way


class RecordMirror:
    def __init__(self, client: Any, collection: str):
        self.client = client
        self.name = f"{collection}_records"
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self.client.get_or_create_collection(self.name)
        return self._collection

    def meta(self) -> dict[str, Any] | None:
        """The server's switch: generation, collection, dim, stamps; None when nothing was pushed."""
        got = self.collection.get(ids=[META_ID], include=["metadatas"])
        if not got["ids"]:
            return None
        m = dict(got["metadatas"][0])
        m["stamps"] = orjson.loads(m.get("stamps", "{}"))
        return m

    def push(self, rows: Iterable[DocRecord], stamps: Mapping[str, int], meta: Mapping[str, Any]) -> None:
        """Make the server's copy equal to the local one: the rows whose stamp differs there are
        written, the rows it has and the local copy does not are deleted, then ``__meta__``."""
        remote = self.meta()
        held = remote["stamps"] if remote else {}
        todo = [r for r in rows if held.get(r.doc_id) != stamps.get(r.doc_id)]
        for i in range(0, len(todo), BATCH):
            part = todo[i:i + BATCH]
            self.collection.upsert(
                ids=[r.doc_id for r in part], embeddings=[[1.0] for _ in part],
                metadatas=[{"stamp": int(stamps[r.doc_id]), "record": r.payload().decode("utf-8"),
                            "vectors": base64.b64encode(r.norm_vectors.astype("<f4").tobytes()).decode("ascii")}
                           for r in part])
        gone = [d for d in held if d not in stamps]
        for i in range(0, len(gone), BATCH):
            self.collection.delete(ids=gone[i:i + BATCH])
        self.collection.upsert(ids=[META_ID], embeddings=[[1.0]], metadatas=[{
            **{k: (v if isinstance(v, (int, float)) else str(v)) for k, v in meta.items()},
            "stamps": orjson.dumps(dict(stamps)).decode("utf-8")}])

    def pull(self, known: Mapping[str, int]) -> tuple[dict[str, Any], list[tuple[str, int, bytes, bytes]]] | None:
        """(meta, rows the local copy lacks or holds at another stamp, as (doc id, stamp, record,
        vectors)); None when the server holds no records."""
        remote = self.meta()
        if remote is None:
            return None
        wanted = [d for d, st in remote["stamps"].items() if known.get(d) != st]
        rows = []
        for i in range(0, len(wanted), BATCH):
            got = self.collection.get(ids=wanted[i:i + BATCH], include=["metadatas"])
            for doc_id, m in zip(got["ids"], got["metadatas"]):
                rows.append((doc_id, int(m["stamp"]), m["record"].encode("utf-8"), base64.b64decode(m["vectors"])))
        return remote, rows
