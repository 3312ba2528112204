"""The README's example answer is a real one: its question is asked of the seed index and every
value the README shows (offsets, quotes, labels, verdicts, the summary's words) must match the real
answer, so the example fails here the day it goes stale. `...` in a README string elides text; a
list item "..." (or "... words ...") stands for items not shown."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ELIDED = "..."
RUNTIME = {"latency_ms"}  # differs run to run
pytestmark = pytest.mark.slow


def readme_example() -> dict[str, Any]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", text, re.S)
    assert block, "README has no ```json example"
    return json.loads(block.group(1))


def mismatches(shown: Any, real: Any, where: str = "answer") -> list[str]:
    """Where the README's ``shown`` value says something the real answer does not."""
    if isinstance(shown, str):
        if shown == ELIDED:
            return []
        if not isinstance(real, str):
            return [f"{where}: README {shown!r}, real {real!r}"]
        pieces = shown.split(ELIDED)
        pos = 0
        for n, piece in enumerate(pieces):
            found = real.find(piece, pos)
            if found < 0 or (n == 0 and found != 0) or (n == len(pieces) - 1 and piece and not real.endswith(piece)):
                return [f"{where}: README {shown!r} is not the real {real!r}"]
            pos = found + len(piece)
        return []
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{where}: README shows an object, real {real!r}"]
        out = [f"{where}.{k}: not in the real answer" for k in shown if k not in real]
        for k, v in shown.items():
            if k in real and k not in RUNTIME:
                out += mismatches(v, real[k], f"{where}.{k}")
        return out
    if isinstance(shown, list):
        if shown == [ELIDED]:
            return []
        if not isinstance(real, list):
            return [f"{where}: README shows a list, real {real!r}"]
        out = []
        for n, item in enumerate(shown):
            if isinstance(item, str) and item.startswith(ELIDED) and item.endswith(ELIDED):
                continue  # a placeholder: "..." or "... every cited passage ..."
            key = next((k for k in ("doc_id", "clause_id") if isinstance(item, dict) and k in item), None)
            if key is not None:  # a finding or citation: the real one with the same id
                match = next((r for r in real if isinstance(r, dict) and r.get(key) == item[key]), None)
                if match is None:
                    out.append(f"{where}[{n}]: no {key} {item[key]!r} in the real answer")
                    continue
                out += mismatches(item, match, f"{where}[{item[key]}]")
            elif n >= len(real):
                out.append(f"{where}[{n}]: the real list has {len(real)} items")
            else:
                out += mismatches(item, real[n], f"{where}[{n}]")
        return out
    if isinstance(shown, float) and isinstance(real, (int, float)):
        return [] if round(real, 2) == round(shown, 2) else [f"{where}: README {shown}, real {real}"]
    return [] if shown == real else [f"{where}: README {shown!r}, real {real!r}"]


def test_matcher_catches_stale_offsets_quotes_and_elisions():
    real = {"a": "Staff should NOT follow students.", "start": 1316, "xs": [{"doc_id": "d", "end": 5}], "score": 1.044}
    assert mismatches({"a": "Staff should NOT ...", "start": 1316, "xs": [{"doc_id": "d"}, ELIDED], "score": 1.04}, real) == []
    assert mismatches({"start": 1566}, real) == ["answer.start: README 1566, real 1316"]
    assert mismatches({"a": "Staff must ..."}, real) and mismatches({"a": "... follow teachers."}, real)
    assert mismatches({"xs": [{"doc_id": "other"}]}, real) and mismatches({"xs": [{"doc_id": "d", "end": 6}]}, real)
    assert mismatches({"score": 0.98}, real) and mismatches({"missing": 1}, real)


def test_readme_example_is_a_real_answer(seed_assistant):
    shown = readme_example()
    answer = seed_assistant.ask(shown["question"], district=shown.get("district")).to_dict()
    problems = mismatches(shown, answer)
    assert not problems, "README.md's example answer is stale:\n" + "\n".join(problems)
    deciding = shown["findings"][0]["citations"][0]
    text = seed_assistant.document(shown["findings"][0]["doc_id"]).text
    assert text[deciding["start"]:deciding["end"]].startswith(deciding["quote"].split(ELIDED)[0])
