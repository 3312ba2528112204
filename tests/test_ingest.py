"""Ingestion: cleaning, the manifest, loaders for txt/md/html/pdf/docx, and bad input."""

from __future__ import annotations

import hashlib
import random
import re
import shutil
from pathlib import Path

import pytest
from fixtures_docs import (
    CORPUS,
    SEED_FILES,
    build_docx,
    build_encrypted_pdf,
    build_html,
    build_image_only_pdf,
    build_pdf,
    seed_lines,
)

from assistant.chunk import chunk_document
from assistant.errors import IngestError, ManifestError
from assistant.ingest import (
    UNNAMED_DISTRICT,
    clean_text,
    load_corpus,
    load_document,
    load_manifest,
    load_text_as_document,
)

SEED_IDS = {"d207-guidelines", "il-board-social-media", "ia-401-15", "union-1610", "chsd230-5125"}


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of corpus/ (the five seeds and the manifest)."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


# --------------------------------------------------------------------------- cleaning
def test_clean_text_removes_capture_debris_and_odd_spaces():
    raw = (
        "Skip to main content\r\nInstagram YouTube\n\nDistrict 207 Guidelines\n\nDistrict 207 Guidelines\n\n"
        "  \u2022 Staff should\u00a0NOT   follow students.  \n\u00a0\n\n\n\n8.\u00a0\u00a0\u00a0 Employees should refrain.\u00a0\n"
        "Interior\nclose (X)\n"
    )
    assert clean_text(raw) == (
        "District 207 Guidelines\n\n\u2022 Staff should NOT follow students.\n\n8. Employees should refrain."
    )


@pytest.mark.parametrize("doc_id", sorted(SEED_FILES))
def test_clean_seed_texts(doc_id):
    raw = (CORPUS / SEED_FILES[doc_id]).read_text(encoding="utf-8")
    text = clean_text(raw)
    for debris in ("Skip to main content", "Instagram YouTube", "close (X)", "\u00a0", "\n\n\n", "  "):
        assert debris not in text
    assert "Interior" not in text.split("\n")
    assert text == text.strip() and clean_text(text) == text  # idempotent
    lines = [ln for ln in text.split("\n") if ln]
    assert all(a != b for a, b in zip(lines, lines[1:])), "a duplicated line survived"
    assert all(ln == ln.strip() for ln in text.split("\n"))


def test_d207_title_is_kept_once():
    doc = load_document(CORPUS / SEED_FILES["d207-guidelines"])
    assert doc.text.startswith("District 207 Personal Social Media Guidelines\n\nMOST IMPORTANT INFORMATION")
    assert doc.text.count("District 207 Personal Social Media Guidelines") == 1
    assert doc.content_hash == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- manifest
def test_manifest_describes_the_five_seeds():
    manifest = load_manifest(CORPUS)
    assert set(manifest) == set(SEED_FILES.values())
    assert {m.doc_id for m in manifest.values()} == SEED_IDS
    for doc_id, file in SEED_FILES.items():
        meta = manifest[file]
        assert meta.doc_id == doc_id and meta.source_file == file and meta.short_name and meta.title
    chsd = manifest[SEED_FILES["chsd230-5125"]]
    assert chsd.district == "Community High School District 230" and chsd.district_named
    assert chsd.policy_number == "5.125" and chsd.dates == (("dated", "2015-03-26"),)
    assert chsd.short_name == "CHSD 230 Policy 5.125"
    union = manifest[SEED_FILES["union-1610"]]
    assert union.dates[0] == ("adopted", "2013-12-09") and len(union.dates) == 6
    board = manifest[SEED_FILES["il-board-social-media"]]
    assert board.dates == (("approved", "2011-07-11"), ("revised", "2023-08-17"))
    for unnamed in ("il-board-social-media", "ia-401-15"):
        meta = manifest[SEED_FILES[unnamed]]
        assert not meta.district_named and "not named" in meta.district


def test_manifest_district_names_appear_in_the_texts():
    """Never invent a district: a named district is in its own text."""
    for file, meta in load_manifest(CORPUS).items():
        if meta.district_named:
            text = load_document(CORPUS / file).text
            core = meta.district.replace("Community High School District 230", "Community High School District No. 230")
            assert core in text, meta.doc_id


def test_load_corpus_loads_the_seeds_and_skips_readme_and_manifest(corpus_copy):
    (corpus_copy / "README.md").write_text("# Corpus\n\nThese are the policies.\n", encoding="utf-8")
    docs, problems = load_corpus(corpus_copy)
    assert problems == []
    assert sorted(d.doc_id for d in docs) == sorted(SEED_IDS)
    assert all(d.meta.source_file in SEED_FILES.values() for d in docs)


def test_a_document_without_manifest_entry_still_ingests(corpus_copy):
    (corpus_copy / "Staff Texting Rules.md").write_text(
        "Skip to main content\n\nStaff Texting Rules\n\nStaff shall not text students after 9 p.m.\n", encoding="utf-8"
    )
    docs, problems = load_corpus(corpus_copy)
    assert problems == []
    new = {d.doc_id: d for d in docs}["staff-texting-rules"]
    assert new.meta.title == "Staff Texting Rules"
    assert new.meta.district == UNNAMED_DISTRICT and not new.meta.district_named
    assert new.meta.source_file == "Staff Texting Rules.md"
    clauses = chunk_document(new)
    assert [c.text for c in clauses] == ["Staff shall not text students after 9 p.m."]
    assert len(docs) == 6


# --------------------------------------------------------------------------- other formats
def _reference(doc_id: str) -> list[str]:
    meta = load_manifest(CORPUS)[SEED_FILES[doc_id]]
    return [c.text for c in chunk_document(load_document(CORPUS / SEED_FILES[doc_id], meta))]


def _chunks(path: Path, doc_id: str):
    meta = load_manifest(CORPUS)[SEED_FILES[doc_id]]
    doc = load_document(path, meta)
    return doc, chunk_document(doc)


@pytest.mark.parametrize("doc_id", sorted(SEED_FILES))
def test_html_ingests_to_the_same_clauses(tmp_path, doc_id):
    doc, clauses = _chunks(build_html(seed_lines(doc_id), tmp_path / f"{doc_id}.html"), doc_id)
    assert [c.text for c in clauses] == _reference(doc_id)
    for chrome in ("analytics", "tracker", "Home", "Calendar of Events", "Skip to main content", "©"):
        assert chrome not in doc.text


@pytest.mark.parametrize("doc_id", sorted(SEED_FILES))
def test_docx_ingests_to_the_same_clauses(tmp_path, doc_id):
    _, clauses = _chunks(build_docx(seed_lines(doc_id), tmp_path / f"{doc_id}.docx"), doc_id)
    assert [c.text for c in clauses] == _reference(doc_id)


def test_docx_word_numbering_gives_the_same_item_ids(tmp_path):
    """Numbers Word draws (not in the paragraph text) become the items' numbers, restarting per list."""
    import docx

    path = build_docx(seed_lines("chsd230-5125"), tmp_path / "chsd.docx")
    assert not any(p.text.startswith("8.") for p in docx.Document(str(path)).paragraphs)  # numbers not typed
    _, clauses = _chunks(path, "chsd230-5125")
    meta = load_manifest(CORPUS)[SEED_FILES["chsd230-5125"]]
    reference = chunk_document(load_document(CORPUS / SEED_FILES["chsd230-5125"], meta))
    assert [c.clause_id for c in clauses] == [c.clause_id for c in reference]
    assert [c.label for c in clauses] == [c.label for c in reference]


def test_pdf_running_headers_and_footers_are_dropped(tmp_path):
    lines = seed_lines("chsd230-5125")
    path = build_pdf(lines, tmp_path / "running.pdf", keep_together=False, running="CHSD 230 Board Policy Manual")
    doc, clauses = _chunks(path, "chsd230-5125")
    assert len(doc.pages) >= 3
    assert "Board Policy Manual" not in doc.text and "Page 2" not in doc.text
    assert [c.text for c in clauses] == _reference("chsd230-5125")


@pytest.mark.parametrize("doc_id", sorted(SEED_FILES))
def test_pdf_ingests_to_the_same_clauses_with_pages(tmp_path, doc_id):
    lines = seed_lines(doc_id)
    doc, clauses = _chunks(build_pdf(lines, tmp_path / f"{doc_id}.pdf", page_break_after=len(lines) // 2), doc_id)
    assert [c.text for c in clauses] == _reference(doc_id)
    assert len(doc.pages) >= 2 and doc.pages[0][0] == 1
    for c in clauses:
        assert doc.text[c.start : c.end] == c.text
        assert c.page is not None
    # The forced page break: the line after it starts page 2 or later.
    after_break = re.sub(r"^(?:\d+\.|[A-Z]\.|•)\s+", "", lines[len(lines) // 2 + 1])
    page_of_break = doc.page_at(doc.text.index(after_break))
    assert page_of_break is not None and page_of_break >= 2
    assert clauses[0].page == 1 and clauses[-1].page == doc.pages[-1][0]


def test_pdf_paragraph_running_over_a_page_break_stays_one_clause(tmp_path):
    """Paragraphs allowed to split across pages are re-joined (the text of the clause is unchanged)."""
    lines = seed_lines("il-board-social-media")
    doc, clauses = _chunks(build_pdf(lines, tmp_path / "split.pdf", keep_together=False), "il-board-social-media")
    assert [c.text for c in clauses] == _reference("il-board-social-media")
    spanning = [c for c in clauses if any(s < c.end and c.start < s for _, s, _ in doc.pages)]
    assert spanning, "expected a clause that starts on one page and ends on the next"


# --------------------------------------------------------------------------- bad input
def _bad_files(folder: Path) -> dict[str, str]:
    """Write one bad file of each kind into ``folder``; returns file name -> expected reason."""
    rng = random.Random(7)
    (folder / "corrupted.pdf").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    build_encrypted_pdf(seed_lines("union-1610")[:5], folder / "encrypted.pdf")
    build_image_only_pdf(folder / "scanned.pdf")
    (folder / "zero.pdf").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "latin1.txt").write_bytes("Politique de l'\u00e9cole: les employ\u00e9s doivent \u00eatre prudents.".encode("latin-1"))
    (folder / "blank.txt").write_text("  \n\t\n   \n", encoding="utf-8")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 this is not really a zip file")
    return {
        "corrupted.pdf": "is not a readable PDF",
        "encrypted.pdf": "is encrypted",
        "scanned.pdf": "has no extractable text (image-only or empty PDF)",
        "zero.pdf": "is empty",
        "binary.txt": "looks like a binary file, not text",
        "blank.txt": "is empty",
        "broken.docx": "is not a readable Word (.docx) file",
    }


def test_each_bad_file_is_reported_and_the_good_ones_still_load(corpus_copy):
    expected = _bad_files(corpus_copy)
    docs, problems = load_corpus(corpus_copy)
    assert sorted(d.doc_id for d in docs) == sorted([*SEED_IDS, "latin1"])  # a Latin-1 file is read (detected)
    reported = {Path(p.path).name: p.reason for p in problems}
    assert set(reported) == set(expected)
    for name, reason in expected.items():
        assert reason in reported[name], (name, reported[name])
    for p in problems:
        assert str(p).startswith(str(corpus_copy / Path(p.path).name))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("corrupted.pdf", "is not a readable PDF"),
        ("encrypted.pdf", "is encrypted"),
        ("scanned.pdf", "has no extractable text"),
        ("binary.txt", "looks like a binary file"),
        ("blank.txt", "is empty"),
    ],
)
def test_load_document_raises_a_clear_ingest_error(tmp_path, name, reason):
    _bad_files(tmp_path)
    with pytest.raises(IngestError) as info:
        load_document(tmp_path / name)
    assert name in str(info.value) and reason in str(info.value)
    assert "Traceback" not in str(info.value)


def test_an_encrypted_pdf_without_user_password_is_read(tmp_path):
    import pypdf

    plain = build_pdf(seed_lines("union-1610")[:6], tmp_path / "plain.pdf")
    writer = pypdf.PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="", owner_password="owner-only")
    with (tmp_path / "owner.pdf").open("wb") as fh:
        writer.write(fh)
    doc = load_document(tmp_path / "owner.pdf")
    assert "Social Networking Websites" in doc.text


def _append_entry(corpus: Path, doc_id: str, file: str) -> None:
    with (corpus / "manifest.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'\n[[documents]]\nid = "{doc_id}"\nfile = "{file}"\ntitle = "Extra"\ndistrict = "Somewhere"\n')


def test_duplicate_doc_id_in_the_manifest(corpus_copy):
    shutil.copy(corpus_copy / SEED_FILES["union-1610"], corpus_copy / "union-copy.txt")
    _append_entry(corpus_copy, "union-1610", "union-copy.txt")
    docs, problems = load_corpus(corpus_copy)
    assert sorted(d.doc_id for d in docs) == sorted(SEED_IDS)
    union = next(d for d in docs if d.doc_id == "union-1610")
    assert union.meta.source_file == SEED_FILES["union-1610"]
    [problem] = problems
    assert problem.path == str(corpus_copy / "union-copy.txt")
    assert "duplicate doc id 'union-1610'" in problem.reason
    with pytest.raises(ManifestError, match="duplicate doc id"):
        load_manifest(corpus_copy)


def test_manifest_entry_pointing_to_a_missing_file(corpus_copy):
    _append_entry(corpus_copy, "ghost-policy", "ghost.pdf")
    docs, problems = load_corpus(corpus_copy)
    assert sorted(d.doc_id for d in docs) == sorted(SEED_IDS)
    [problem] = problems
    assert problem.path == str(corpus_copy / "ghost.pdf")
    assert "ghost-policy" in problem.reason and "does not exist" in problem.reason
    with pytest.raises(ManifestError, match="ghost.pdf"):
        load_manifest(corpus_copy)


def test_malformed_manifest_is_reported_and_nothing_is_guessed(corpus_copy):
    (corpus_copy / "manifest.toml").write_text('[[documents]]\nid = "x\nfile = 3\n', encoding="utf-8")
    with pytest.raises(ManifestError, match="not valid TOML"):
        load_manifest(corpus_copy)
    docs, problems = load_corpus(corpus_copy)
    assert docs == []  # ingesting under guessed ids would replace the real documents
    assert problems[0].path == str(corpus_copy / "manifest.toml")
    assert len(problems) == 1 + len(SEED_FILES)


def test_load_text_as_document_cleans_and_hashes():
    from assistant.types import DocMeta

    meta = DocMeta(doc_id="x", title="X", district="Somewhere")
    doc = load_text_as_document("Skip to main content\nRules\n\n1.\u00a0\u00a0 Be kind.\n", meta)
    assert doc.text == "Rules\n\n1. Be kind."
    assert doc.content_hash == hashlib.sha256(doc.text.encode()).hexdigest()
    assert [c.text for c in chunk_document(doc)] == ["Be kind."]


def test_manifest_entry_for_an_unsupported_file_type_is_reported(corpus_copy):
    (corpus_copy / "old-policy.rtf").write_text("{\\rtf1 Staff shall not text students.}", encoding="utf-8")
    _append_entry(corpus_copy, "old-policy", "old-policy.rtf")
    docs, problems = load_corpus(corpus_copy)
    assert sorted(d.doc_id for d in docs) == sorted(SEED_IDS)
    [problem] = problems
    assert problem.path == str(corpus_copy / "old-policy.rtf") and "unsupported file type '.rtf'" in problem.reason


def test_a_latin1_file_is_decoded_with_the_detected_encoding(tmp_path):
    text = "Politique de l'\u00e9cole: les employ\u00e9s doivent \u00eatre prudents avec les r\u00e9seaux sociaux."
    (tmp_path / "latin1.txt").write_bytes(text.encode("latin-1"))
    assert load_document(tmp_path / "latin1.txt").text == text
