"""The quality gates: a run's aggregates against committed minimums.

- `eval/thresholds.json`: the bundled set (eval/qa/news.jsonl), a regression check per question type.
- `eval/thresholds-heldout.json`: what the answering is judged on, text it was never tuned on — the
  real-page dev set (eval/qa/pages.jsonl) and a fixed sample of SQuAD 2.0's odd half. Each entry names
  the run it applies to (`_run`: dataset, half, limit, seed); other runs are not gated.
"""

from __future__ import annotations

import json
from pathlib import Path

THRESHOLDS = Path(__file__).parent / "thresholds.json"
HELDOUT = Path(__file__).parent / "thresholds-heldout.json"


def load(path: Path = THRESHOLDS) -> dict[str, dict[str, float]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {group: limits for group, limits in data.items() if not group.startswith("_")}


def failures(aggregates: dict, k: int, thresholds: dict[str, dict[str, float]] | None = None) -> list[str]:
    """One line per metric below its minimum (a missing group or metric counts as a failure)."""
    out = []
    for group, limits in (thresholds or load()).items():
        for metric, minimum in limits.items():
            if metric.startswith("_"):
                continue
            name = metric.replace("@k", f"@{k}")
            value = aggregates.get(group, {}).get(name)
            if value is None or value < minimum:
                shown = "missing" if value is None else f"{value:.3f}"
                out.append(f"{group} {name} = {shown} < {minimum}")
    return out


def heldout_gate(dataset: str, half: str, limit: int | None, seed: int,
                 path: Path = HELDOUT) -> tuple[str, dict[str, float]] | None:
    """(name, minimums) of the held-out gate this run is, or None when the run is not a gated one."""
    for name, limits in load(path).items():
        run = limits["_run"]
        if (run["dataset"], run.get("half", "all"), run.get("limit"), run.get("seed", 0)) == (dataset, half, limit, seed):
            return name, limits
    return None
