"""Compare a run with a saved baseline report: deltas, flips, a paired test, and the gate.

The gate (exit 1) fails a run when a metric is worse than the baseline by more than the tolerance:
- rates in [0, 1] (recall, mrr, ndcg, verdict, abstention accuracy, faithfulness): absolute drop
  greater than ``tolerance``;
- ``false_abstain`` / ``false_answer`` (counts): an increase greater than ``tolerance * n_questions``;
- ``chars_to_read_median``: an increase greater than ``tolerance`` of the baseline value (relative);
- ``latency_ms_p95``: a rise greater than ``latency_tolerance`` of the baseline value (relative,
  default 1.0: it may double before the gate fails; machines are noisy); ``latency_ms_p50`` is
  reported, not gated. Gate either absolutely with ``--fail-under``.
``--fail-under METRIC=VALUE`` fails a run whose metric is worse than VALUE: below it for
higher-is-better metrics, above it for lower-is-better ones (latency, false_*, chars_to_read).
The paired test is a Wilcoxon signed-rank test (scipy) over per-question nDCG@10 of the questions
scored in both runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from scipy.stats import wilcoxon

from assistant.errors import ConfigError
from assistant.evaluation.metrics import LOWER_IS_BETTER, METRIC_NAMES

COUNTS = frozenset({"false_abstain", "false_answer"})
RELATIVE = frozenset({"chars_to_read_median"})
EXEMPT = frozenset({"latency_ms_p50"})
LATENCY = frozenset({"latency_ms_p95"})  # gated by its own relative tolerance (machines are noisy)
_EPS = 1e-9


def load_baseline(path: Path | str) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline file not found: {p}") from None
    except (OSError, ValueError) as e:
        raise ConfigError(f"baseline file {p} is not a readable JSON report: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise ConfigError(f"baseline file {p} has no 'metrics' object; save one with --save-baseline")
    return data


def parse_fail_under(items: Iterable[str]) -> dict[str, float]:
    """``["ndcg@10=0.6", ...]`` -> ``{"ndcg@10": 0.6}``; unknown metrics and bad numbers raise."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in METRIC_NAMES:
            raise ConfigError(f"--fail-under wants METRIC=VALUE with METRIC one of {', '.join(METRIC_NAMES)}; got {item!r}")
        try:
            out[name] = float(value)
        except ValueError:
            raise ConfigError(f"--fail-under {item!r}: {value!r} is not a number") from None
    return out


def worse_by(metric: str, baseline: float, current: float) -> float:
    """How much worse ``current`` is than ``baseline`` (positive = worse), direction-aware."""
    return current - baseline if metric in LOWER_IS_BETTER else baseline - current


def check_fail_under(metrics: Mapping[str, Any], thresholds: Mapping[str, float]) -> list[str]:
    failures = []
    for name, limit in thresholds.items():
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name} is not available in this run (--fail-under {name}={limit:g})")
        elif worse_by(name, limit, value) > _EPS:
            side = "above" if name in LOWER_IS_BETTER else "under"
            failures.append(f"{name} = {value:.4g} is {side} --fail-under {limit:g}")
    return failures


def _gate(metric: str, base: float, cur: float, tolerance: float, n_questions: int,
          latency_tolerance: float = 1.0) -> str | None:
    if metric in EXEMPT:
        return None
    worse = worse_by(metric, base, cur)
    if metric in LATENCY:
        allowed = latency_tolerance * abs(base)
    elif metric in COUNTS:
        allowed = tolerance * n_questions
    elif metric in RELATIVE:
        allowed = tolerance * abs(base)
    else:
        allowed = tolerance
    if worse > allowed + _EPS:
        return f"{metric} went from {base:.4g} to {cur:.4g} (worse by {worse:.4g}, allowed {allowed:.4g})"
    return None


def flips(current: dict[str, Any], baseline: dict[str, Any]) -> dict[str, list[str]]:
    before = {q["id"]: q.get("passed") for q in baseline.get("questions", [])}
    now = {q["id"]: q.get("passed") for q in current.get("questions", [])}
    common = [i for i in now if i in before]
    return {
        "newly_failing": [i for i in common if before[i] is True and now[i] is False],
        "newly_passing": [i for i in common if before[i] is False and now[i] is True],
    }


def paired_test(current: dict[str, Any], baseline: dict[str, Any], metric: str = "ndcg@10") -> dict[str, Any]:
    before = {q["id"]: q.get(metric) for q in baseline.get("questions", [])}
    pairs = [(before[q["id"]], q.get(metric)) for q in current.get("questions", []) if q["id"] in before]
    pairs = [(b, c) for b, c in pairs if b is not None and c is not None]
    result: dict[str, Any] = {"test": "wilcoxon signed-rank (scipy)", "metric": metric, "n": len(pairs),
                              "statistic": None, "p_value": None}
    if not pairs:
        return result
    diffs = [c - b for b, c in pairs]
    if all(abs(d) < _EPS for d in diffs):
        result.update(statistic=0.0, p_value=1.0, note="no question changed")
        return result
    stat = wilcoxon([c for _, c in pairs], [b for b, _ in pairs], zero_method="wilcox")
    p = float(stat.pvalue)
    result.update(statistic=float(stat.statistic), p_value=None if math.isnan(p) else p)
    return result


def compare(
    current: dict[str, Any],
    baseline: dict[str, Any],
    tolerance: float = 0.02,
    fail_under: Mapping[str, float] | None = None,
    latency_tolerance: float = 1.0,
) -> dict[str, Any]:
    """Deltas, flips, the paired test, notes on what differs between the runs (gold version,
    corpus, settings, version) and the gate's failures (empty list: the run passes)."""
    deltas: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    n = int(current.get("n_questions") or 0)
    for m in METRIC_NAMES:
        base, cur = baseline["metrics"].get(m), current["metrics"].get(m)
        delta = None if base is None or cur is None else cur - base
        deltas[m] = {"baseline": base, "current": cur, "delta": delta,
                     "lower_is_better": m in LOWER_IS_BETTER, "gated": m not in EXEMPT}
        if delta is not None:
            msg = _gate(m, base, cur, tolerance, n, latency_tolerance)
            if msg:
                failures.append(msg)
    failures += check_fail_under(current["metrics"], fail_under or {})
    return {
        "tolerance": tolerance,
        "latency_tolerance": latency_tolerance,
        "notes": fingerprint_notes(baseline.get("fingerprint"), current.get("fingerprint")),
        "deltas": deltas,
        "flips": flips(current, baseline),
        "significance": paired_test(current, baseline),
        "failures": failures,
    }


def fingerprint_notes(before: Mapping[str, str] | None, now: Mapping[str, str] | None) -> list[str]:
    """Plain words for what differs between the baseline's run and this one."""
    if not before:
        return ["the baseline has no fingerprint (saved before fingerprints): re-save it with --save-baseline"]
    now = now or {}
    said = {"gold_sha256": "the baseline was made with another version of the gold file: its deltas compare "
                           "different questions or labels",
            "corpus_sha256": "the corpus differs from the baseline's (a revision: see what staff will now see "
                             "differently)",
            "settings_sha256": "the settings differ from the baseline's",
            "version": f"the package version differs ({before.get('version')} -> {now.get('version')})"}
    return [msg for key, msg in said.items() if before.get(key) != now.get(key)]


def exit_code(failures: list[str], stale: int, allow_stale: bool) -> int:
    """2 for stale gold (unless allowed), else 1 for any gate failure, else 0."""
    if stale and not allow_stale:
        return 2
    return 1 if failures else 0
