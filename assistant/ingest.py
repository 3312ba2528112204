"""Files -> cleaned ``Document``s, described by the corpus manifest (``manifest.toml``).

The cleaned text is the one source of truth for every offset; ``content_hash`` is its sha256.
``load_corpus`` never raises for one bad file: it reports an ``IngestProblem`` and goes on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from collections.abc import Callable
from typing import Any

from .chunk import slugify  # ids are the chunker's: a derived doc id is its slug too
from .errors import IngestError, ManifestError
from .loaders import LOADERS as _TEXT_LOADERS
from .loaders import PAGED, Unreadable
from .loaders_docx import load_docx_file
from .loaders_pdf import load_pdf_file
from .timebox import FileReader
from .types import DocMeta, Document, IngestProblem
from .versions import assign_keys, dated, effective_from, parse_date

LOADERS = {**_TEXT_LOADERS, ".docx": load_docx_file, ".pdf": load_pdf_file}  # file suffix -> loader
MANIFEST_NAME = "manifest.toml"
PLAIN = frozenset({".txt", ".md"})  # read in this process: no parser to run away
SUPPORTED_SUFFIXES = frozenset(LOADERS)
UNNAMED_DISTRICT = "Not stated in the manifest"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# --------------------------------------------------------------------------- cleaning
_ODD_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_DEBRIS = frozenset(
    {
        "skip to main content", "skip to content", "skip navigation", "instagram youtube",
        "close (x)", "close", "interior", "back to top", "print this page", "print", "share",
    }
)
_SOCIAL = frozenset({"facebook", "twitter", "instagram", "youtube", "linkedin", "tiktok", "pinterest", "x"})


def is_debris(line: str) -> bool:
    """A line of web-page chrome captured with the policy ("Skip to main content", ...)."""
    low = line.strip().lower()
    if low in _DEBRIS:
        return True
    words = low.split()
    return bool(words) and len(words) <= 8 and all(w in _SOCIAL for w in words) and len(words) > 1


def clean_text(raw: str) -> str:
    """Normalise a captured policy text: debris lines and odd spaces out, one blank line at most."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\f", "\n").replace("\v", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _ODD_SPACES.sub(" ", text)
    out: list[str] = []
    previous = ""
    for line in text.split("\n"):
        line = re.sub(r" {2,}", " ", line).strip()
        if not line:
            out.append("")
            continue
        if is_debris(line) or (line == previous and len(line) <= 200):
            continue
        out.append(line)
        previous = line
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(out))
    return cleaned.strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- manifest
@dataclass(frozen=True)
class _Manifest:
    entries: dict[str, DocMeta]  # keyed by source file (relative to the corpus folder)
    problems: list[IngestProblem]
    broken: bool = False  # the TOML itself could not be read


@dataclass(frozen=True)
class Limits:
    """What one file may cost an ingest (``Settings``: ingest_max_file_bytes, ingest_max_text_chars,
    ingest_max_file_seconds)."""

    max_file_bytes: int = 20_000_000
    max_text_chars: int = 2_000_000
    max_file_seconds: float = 120.0  # 0: no deadline (read in this process)


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, with every symbolic link resolved, is a file inside ``root``."""
    try:
        real = Path(os.path.realpath(path))
        return real.is_relative_to(Path(os.path.realpath(root))) and real.is_file()
    except (OSError, ValueError):
        return False


def _outside_reason(root: Path, path: Path) -> str:
    if os.path.islink(path):
        return (f"is a symbolic link to a file outside the corpus folder {root}: not read (only files inside "
                "the corpus folder are ever read)")
    return f"is outside the corpus folder {root}: not read (only files inside the corpus folder are ever read)"


def _read_manifest(corpus_dir: Path) -> _Manifest:
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return _Manifest({}, [])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return _Manifest({}, [IngestProblem(str(path), f"is not valid TOML ({exc})")], broken=True)
    docs = data.get("documents", [])
    if not isinstance(docs, list):
        return _Manifest({}, [IngestProblem(str(path), "'documents' must be a list of [[documents]] tables")], True)
    entries: dict[str, DocMeta] = {}
    seen_ids: dict[str, str] = {}
    versioned: dict[str, bool] = {}  # id -> every entry so far says which version it is
    problems: list[IngestProblem] = []
    for number, entry in enumerate(docs, start=1):
        try:
            meta = _entry_to_meta(entry, number)
        except ManifestError as exc:
            named = isinstance(entry, dict) and isinstance(entry.get("file"), str)
            where = str(corpus_dir / entry["file"]) if named else str(path)
            problems.append(IngestProblem(where, exc.message))
            continue
        where = str(corpus_dir / meta.source_file)
        marked = bool(meta.version or meta.effective)
        if meta.doc_id in seen_ids and not (marked and versioned[meta.doc_id]):
            problems.append(
                IngestProblem(
                    where,
                    f"duplicate doc id '{meta.doc_id}' in {MANIFEST_NAME} (already used by {seen_ids[meta.doc_id]}; "
                    "for versions of one policy, give every entry of the id a `version` or `effective` date)",
                )
            )
            continue
        if meta.source_file in entries:
            problems.append(IngestProblem(where, f"is described twice in {MANIFEST_NAME}"))
            continue
        versioned[meta.doc_id] = marked and versioned.get(meta.doc_id, True)
        target = corpus_dir / meta.source_file
        if PurePosixPath(meta.source_file).is_absolute() or ".." in PurePosixPath(meta.source_file).parts or (
                target.exists() and not inside(corpus_dir, target)):
            problems.append(IngestProblem(
                str(path), f"entry '{meta.doc_id}': file '{meta.source_file}' is outside the corpus folder {corpus_dir}: "
                           "not read (give a path inside the corpus folder)"))
            seen_ids[meta.doc_id] = meta.source_file
            continue
        if not (corpus_dir / meta.source_file).is_file():
            problems.append(
                IngestProblem(
                    where, f"is missing: the {MANIFEST_NAME} entry '{meta.doc_id}' points to a file that does not exist"
                )
            )
            seen_ids[meta.doc_id] = meta.source_file
            continue
        seen_ids[meta.doc_id] = meta.source_file
        entries[meta.source_file] = meta
    return _Manifest(entries, problems)


def _entry_to_meta(entry: Any, number: int) -> DocMeta:
    where = f"{MANIFEST_NAME} entry #{number}"
    if not isinstance(entry, dict):
        raise ManifestError(f"{where} is not a table")
    doc_id, file = entry.get("id"), entry.get("file")
    if not isinstance(file, str) or not file.strip():
        raise ManifestError(f"{where} has no 'file'")
    if not isinstance(doc_id, str) or not _ID_RE.match(doc_id):
        raise ManifestError(f"{where} has a missing or invalid 'id' (letters, digits, '.', '_', '-')")
    dates: list[tuple[str, str]] = []
    for d in entry.get("dates", []) or []:
        if not isinstance(d, dict) or "date" not in d:
            raise ManifestError(f"{where} ('{doc_id}') has a date without 'date'")
        dates.append((str(d.get("kind", "dated")), str(d["date"])))
    district = entry.get("district")
    named = bool(entry.get("district_named", bool(district)))
    effective = entry.get("effective")
    if effective is not None:  # "2026-01-15" (a string) or 2026-01-15 (a TOML date)
        day = effective if type(effective) is date else parse_date(effective) if isinstance(effective, str) else None
        if day is None:
            raise ManifestError(f"{where} ('{doc_id}') has an invalid 'effective' date {effective!r}: use YYYY-MM-DD")
        effective = day.isoformat()
    version = entry.get("version")
    if version is not None and (not isinstance(version, (str, int, float)) or isinstance(version, bool)
                                or not str(version).strip() or "@" in str(version)):
        raise ManifestError(f"{where} ('{doc_id}') has an invalid 'version' {version!r}: a short label such as \"2\"")
    return DocMeta(
        doc_id=doc_id,
        title=str(entry.get("title") or doc_id),
        district=str(district) if district else UNNAMED_DISTRICT,
        district_named=named,
        state=entry.get("state"),
        policy_number=str(entry["policy_number"]) if entry.get("policy_number") is not None else None,
        short_name=str(entry.get("short_name") or ""),
        dates=tuple(dates),
        source_file=PurePosixPath(file.strip()).as_posix(),
        policy_id=doc_id,
        version=str(version).strip() if version is not None else "",
        effective=effective,
    )


def load_manifest(corpus_dir: str | Path) -> dict[str, DocMeta]:
    """The manifest's entries keyed by source file; raises ``ManifestError`` on any problem."""
    manifest = _read_manifest(Path(corpus_dir))
    if manifest.problems:
        raise ManifestError("; ".join(str(p) for p in manifest.problems))
    return manifest.entries


# --------------------------------------------------------------------------- documents
def _read_pages(path: Path) -> tuple[str, tuple[tuple[int, int, int], ...], tuple[str, ...]]:
    """Load and clean a file; returns the cleaned text, (page, start, end) for paged types, and
    the loader's notes on pages it could not read."""
    suffix = path.suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise Unreadable(f"has an unsupported file type '{suffix or '(none)'}'")
    if not path.is_file():
        raise Unreadable("does not exist")
    try:
        raw_pages = loader(path)
    except Unreadable:
        raise
    except OSError as exc:
        raise Unreadable(f"cannot be read ({exc.strerror or exc})") from exc
    except RecursionError:
        raise Unreadable("is nested too deeply to read (thousands of elements inside one another): not read") from None
    except Exception as exc:  # noqa: BLE001 - a parser failing on odd input must not stop the corpus
        raise Unreadable(f"could not be read ({type(exc).__name__}: {exc})") from exc
    cleaned = [clean_text(p.text) for p in raw_pages]
    if suffix not in PAGED:
        text = "\n\n".join(c for c in cleaned if c)
        if not text:
            empty = not any(p.text.strip() for p in raw_pages)
            raise Unreadable("is empty" if empty else "has no text once page boilerplate is removed")
        return text, (), ()
    text, pages = "", []
    for number, (raw, page) in enumerate(zip(raw_pages, cleaned, strict=True), start=1):
        if not page:
            continue
        if text:
            # A paragraph running over the page break goes on on the same line.
            text += " " if raw.continues else "\n\n"
        start = len(text)
        text += page
        pages.append((number, start, len(text)))
    return text, tuple(pages), tuple(p.note for p in raw_pages if p.note)


def _derived_meta(path: Path, text: str, source_file: str) -> DocMeta:
    first = next((ln.lstrip("#").strip() for ln in text.split("\n") if ln.lstrip("#").strip()), path.stem)
    title = first if len(first) <= 200 else first[:197].rstrip() + "..."
    return DocMeta(
        doc_id=slugify(path.stem),
        title=title,
        district=UNNAMED_DISTRICT,
        district_named=False,
        source_file=source_file,
    )


def load_text_as_document(text: str, meta: DocMeta) -> Document:
    """A ``Document`` from text already in memory (cleaned here), e.g. for a policy diff."""
    cleaned = clean_text(text)
    return Document(meta=meta, text=cleaned, content_hash=content_hash(cleaned))


def load_document(path: str | Path, meta: DocMeta | None = None) -> Document:
    """Load, clean and describe one file; raises ``IngestError`` naming the file and the reason."""
    p = Path(path)
    try:
        text, pages, notes = _read_pages(p)
    except Unreadable as exc:
        err = IngestError(f"{p}: {exc.reason}")
        err.path, err.reason = str(p), exc.reason  # type: ignore[attr-defined]
        raise err from exc
    if meta is None:
        meta = _derived_meta(p, text, p.name)
    return dated(Document(meta=meta, text=text, content_hash=content_hash(text), pages=pages, notes=notes))


def _is_document_file(path: Path) -> bool:
    name = path.name.lower()
    if name.startswith((".", "readme", "manifest.", "~$")):
        return False
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def corpus_files(corpus_dir: str | Path, refused: list[IngestProblem] | None = None) -> list[Path]:
    """The document files of a corpus folder (recursively), in a stable order. A file whose real
    path is outside the folder (a symbolic link out of it) is not listed; it goes to ``refused``."""
    root = Path(corpus_dir)
    files = []
    for f in root.rglob("*"):
        if not (f.is_file() and _is_document_file(f)) or any(part.startswith(".") for part in f.relative_to(root).parts):
            continue
        if not inside(root, f):
            if refused is not None:
                refused.append(IngestProblem(str(f), _outside_reason(root, f)))
            continue
        files.append(f)
    return sorted(files, key=lambda f: f.relative_to(root).as_posix())


def load_corpus(corpus_dir: str | Path, limits: Limits | None = None,
                known: Callable[[str, tuple[int, int]], Document | None] | None = None,
                ) -> tuple[list[Document], list[IngestProblem]]:
    """Every document of a corpus folder, and one ``IngestProblem`` per file that failed. Only
    regular files inside the folder are read (symbolic links out of it and manifest paths that
    leave it are refused), each within ``limits``.

    ``known(rel_path, (size, mtime_ns))``: the document already held for a file unchanged since
    (same size and modification time), whose text is then taken instead of reading the file again;
    None to read it. The manifest still describes it (a changed entry is seen)."""
    root = Path(corpus_dir)
    if not root.is_dir():
        return [], [IngestProblem(str(root), "is not a folder")]
    limits = limits or Limits()
    manifest = _read_manifest(root)
    problems = list(manifest.problems)
    failed_files = {p.path for p in problems}
    docs: list[Document] = []
    ids: dict[str, str] = {m.doc_id: m.source_file for m in manifest.entries.values()}
    paths = corpus_files(root, problems)
    listed = {p.relative_to(root).as_posix() for p in paths}
    # A manifest entry for a file of a type we do not read is reported, not silently ignored.
    paths += [root / rel for rel in manifest.entries if rel not in listed]
    with FileReader(limits.max_file_seconds, load_document) as reader:  # each file within its deadline
        for path in paths:
            rel = path.relative_to(root).as_posix()
            if str(path) in failed_files:
                continue
            if manifest.broken:
                problems.append(IngestProblem(str(path), f"not ingested: {MANIFEST_NAME} could not be read"))
                continue
            meta = manifest.entries.get(rel)
            try:
                stat = path.stat()
                size, stamp = stat.st_size, (stat.st_size, stat.st_mtime_ns)
            except OSError:
                size, stamp = 0, None
            held = known(rel, stamp) if known is not None and stamp is not None else None
            if held is not None:  # unchanged since read: its stored text, described as a fresh read would be
                doc = Document(meta=meta or _derived_meta(path, held.text, path.name), text=held.text,
                               content_hash=held.content_hash, pages=held.pages, notes=held.notes)
            elif size > limits.max_file_bytes:
                problems.append(IngestProblem(str(path), (
                    f"is {size:,} bytes, over the limit of {limits.max_file_bytes:,} (setting POLICY_INGEST_MAX_FILE_BYTES): "
                    "not read")))
                continue
            else:
                try:
                    # plain text costs its bounded size; parsers (PDF, Word, HTML) get the deadline
                    doc = load_document(path, meta) if path.suffix.lower() in PLAIN else reader.read(path, meta)
                except IngestError as exc:
                    problems.append(IngestProblem(str(path), getattr(exc, "reason", exc.message)))
                    continue
            for note in doc.notes:  # read, but not all of it: said plainly, not silently skipped
                logging.getLogger(__name__).warning("%s: %s", path, note)
            if len(doc.text) > limits.max_text_chars:
                problems.append(IngestProblem(str(path), (
                    f"expands to {len(doc.text):,} characters of text, over the limit of {limits.max_text_chars:,} "
                    "(setting POLICY_INGEST_MAX_TEXT_CHARS): not indexed")))
                continue
            if meta is None:
                doc = Document(meta=_derived_meta(path, doc.text, rel), text=doc.text, content_hash=doc.content_hash,
                               pages=doc.pages, notes=doc.notes)
                if doc.doc_id in ids:
                    problems.append(
                        IngestProblem(str(path), f"its derived doc id '{doc.doc_id}' is already used by {ids[doc.doc_id]}")
                    )
                    continue
                ids[doc.doc_id] = rel
            docs.append(dated(doc))
    return _versions(root, manifest, docs, problems)


def _versions(root: Path, manifest: _Manifest, docs: list[Document],
              problems: list[IngestProblem]) -> tuple[list[Document], list[IngestProblem]]:
    """Several versions of one policy: each stored under its own key (``versions.assign_keys``)."""
    loaded = {d.meta.source_file for d in docs}
    failed: dict[str, list[str]] = {}  # versions that did not load this time, dated by the manifest
    for rel, meta in manifest.entries.items():
        if rel not in loaded and (meta.version or meta.effective):
            when = meta.effective or effective_from(meta.dates)
            if when:
                failed.setdefault(meta.policy, []).append(when)
    keyed, more = assign_keys(docs, failed, {d.meta.source_file: str(root / d.meta.source_file) for d in docs})
    return keyed, problems + more
