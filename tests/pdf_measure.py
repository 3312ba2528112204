"""Measure a PDF loader on the generated test PDFs: how many of the seed clauses it gives back
verbatim, and its time per page. Not a test (figures go to docs/BENCHMARKS.md).

    cd <checkout> && PYTHONPATH=$PWD:$PWD/tests python tests/pdf_measure.py

Run it from another checkout (PYTHONPATH=<that checkout>:<this checkout>/tests) to measure that
checkout's loader on the same PDFs.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pypdf
from fixtures_docs import CORPUS, SEED_FILES
from pdf_fixtures import LATIN, build_fpdf2_pdf, build_policy_pdf, build_word_by_word_pdf

from assistant.chunk import chunk_document
from assistant.ingest import load_document, load_manifest

VARIANTS = {"d207-guidelines": {}, "il-board-social-media": {}, "ia-401-15": {"two_column": True},
            "union-1610": {"scanned": True}, "chsd230-5125": {"references": True}}


def main() -> None:
    manifest = load_manifest(CORPUS)
    out = Path(tempfile.mkdtemp())
    files = [(k, build_policy_pdf(k, out / f"{k}.pdf", **v), "reportlab") for k, v in VARIANTS.items()]
    files += [(k, build_fpdf2_pdf(k, out / f"fpdf2-{k}.pdf"), "fpdf2") for k in VARIANTS]
    files += [(k, build_word_by_word_pdf(k, out / f"words-{k}.pdf"), "word-by-word") for k in VARIANTS]
    load_document(files[0][1], manifest[SEED_FILES[files[0][0]]])  # warm-up (imports)
    found: dict[str, list[int]] = {}
    pages, seconds = 0, 0.0
    for doc_id, path, generator in files:
        meta = manifest[SEED_FILES[doc_id]]
        seed = [c.text for c in chunk_document(load_document(CORPUS / SEED_FILES[doc_id], meta))]
        want = [t.translate(LATIN) for t in seed] if generator == "fpdf2" else seed
        start = time.perf_counter()
        doc = load_document(path, meta)
        seconds += time.perf_counter() - start
        pages += len(pypdf.PdfReader(str(path)).pages)
        got = {c.text for c in chunk_document(doc)}
        counts = found.setdefault(generator, [0, 0])
        counts[0] += sum(1 for w in want if w in got)
        counts[1] += len(want)
    for generator, (hit, total) in found.items():
        print(f"{generator}: {hit}/{total} seed clauses verbatim")
    print(f"{pages} pages, {1000 * seconds / pages:.1f} ms per page")


if __name__ == "__main__":
    main()
