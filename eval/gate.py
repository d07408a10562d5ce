"""The regression gate: compare a run's aggregates with the committed minimums (eval/thresholds.json)."""

from __future__ import annotations

import json
from pathlib import Path

THRESHOLDS = Path(__file__).parent / "thresholds.json"


def load(path: Path = THRESHOLDS) -> dict[str, dict[str, float]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {group: limits for group, limits in data.items() if not group.startswith("_")}


def failures(aggregates: dict, k: int, thresholds: dict[str, dict[str, float]] | None = None) -> list[str]:
    """One line per metric below its minimum (a missing group or metric counts as a failure)."""
    out = []
    for group, limits in (thresholds or load()).items():
        for metric, minimum in limits.items():
            name = metric.replace("@k", f"@{k}")
            value = aggregates.get(group, {}).get(name)
            if value is None or value < minimum:
                shown = "missing" if value is None else f"{value:.3f}"
                out.append(f"{group} {name} = {shown} < {minimum}")
    return out
