"""Embedded Chroma's segment folders (``index/chroma/<uuid>/``) that no collection uses any more
(a deleted collection's, or a killed write's), removed so they do not pile up on disk."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

__all__ = ["drop_orphan_segments"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def drop_orphan_segments(root: Path) -> list[str]:
    """Remove the segment folders under ``root`` that Chroma's own database does not list; returns
    their names. Another layout (no ``chroma.sqlite3``, no ``segments`` table) is left alone."""
    db = root / "chroma.sqlite3"
    if not db.is_file():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            used = {row[0] for row in conn.execute("SELECT id FROM segments")}
    except sqlite3.Error:
        return []
    removed = []
    for folder in root.iterdir():
        if folder.is_dir() and _UUID.match(folder.name) and folder.name not in used:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed
