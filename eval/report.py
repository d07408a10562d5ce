"""Write an evaluation's results: results.json, results.md (Markdown table) and results.png (chart)."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import sys
from pathlib import Path

# Published references for SQuAD 2.0 dev (../shared/data/README.md): plain BM25 paragraph retrieval
# over all 1,204 paragraphs, answerable questions.
SQUAD_BM25_REFERENCE = {"hit@1": 0.803, "hit@5": 0.934, "hit@10": 0.957, "mrr@10": 0.861}

NEWS_CHART = ("hit@{k}", "mrr", "answer_match", "answer_f1", "citation_support", "evidence_recall",
              "refusal_precision", "refusal_recall")


def machine(settings) -> dict:
    """What the run ran on, so latency figures can be read in context."""
    import chromadb
    import torch

    return {
        "platform": platform.platform(), "machine": platform.machine(),
        "processor": platform.processor() or None, "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(), "python": sys.version.split()[0],
        "chromadb": chromadb.__version__, "chroma_mode": "server" if settings.chroma_url else "embedded",
    }


def settings_dict(settings) -> dict:
    d = dataclasses.asdict(settings)
    d["home"] = str(d["home"])
    d.pop("llm_api_key", None)  # never write a secret to a results file
    return d


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}"


def news_table(aggregates: dict) -> str:
    """Metrics as rows, question types (and overall) as columns."""
    groups = list(aggregates)
    metrics = list(aggregates["overall"])
    lines = ["| metric | " + " | ".join(groups) + " |", "|---|" + "---:|" * len(groups)]
    for m in metrics:
        cells = [_cell(m, aggregates[g].get(m)) for g in groups]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def squad_table(agg: dict) -> str:
    """Our figures with the published BM25 reference beside the retrieval rows."""
    lines = ["| metric | newsrag | reference |", "|---|---:|---:|"]
    for m, v in agg.items():
        ref = SQUAD_BM25_REFERENCE.get(m)
        lines.append(f"| {m} | {_cell(m, v)} | {fmt(ref) + ' (BM25)' if ref else ''} |")
    return "\n".join(lines)


def _cell(metric: str, value) -> str:
    if value is not None and metric.startswith("latency"):
        return f"{value:.0f}"
    return fmt(value)


def write(out: Path, result: dict, table: str, chart) -> None:
    """results.json (everything), results.md (the table + machine) and results.png."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    m = result["machine"]
    md = (f"# newsrag evaluation: {Path(result['dataset']).name} ({result['kind']})\n\n{table}\n\n"
          f"{result['aggregates']['overall']['n'] if result['kind'] == 'news' else result['aggregates']['n']}"
          f" questions; k={result['settings']['k']}; machine: {m['platform']}, {m['cpu_count']} CPUs, "
          f"Python {m['python']}, Chroma {m['chromadb']} ({m['chroma_mode']}); "
          f"wall time {result['duration_s']:.0f} s.\n")
    (out / "results.md").write_text(md, encoding="utf-8")
    chart(out / "results.png", result["aggregates"], result["settings"]["k"])


def news_chart(path: Path, aggregates: dict, k: int) -> None:
    """Grouped bars: the main quality metrics per question type and overall."""
    plt = _pyplot()
    metrics = [m.format(k=k) for m in NEWS_CHART]
    groups = list(aggregates)
    fig, ax = plt.subplots(figsize=(12, 5))
    width = 0.8 / len(groups)
    for i, g in enumerate(groups):
        values = [aggregates[g].get(m) or 0.0 for m in metrics]
        ax.bar([x + i * width for x in range(len(metrics))], values, width, label=g)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(metrics))], metrics, rotation=20)
    _finish(fig, ax, path, "newsrag on the bundled QA set (missing = not applicable)")


def squad_chart(path: Path, agg: dict, k: int) -> None:
    """Retrieval hit@1/5/10 and MRR: fused, BM25-only, dense-only and the published BM25 reference."""
    plt = _pyplot()
    metrics = ["hit@1", "hit@5", "hit@10", "mrr@10"]
    series = {"newsrag (fused)": "", "our BM25 only": "bm25_", "our dense only": "dense_"}
    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.2
    for i, (label, prefix) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(4)], [agg.get(prefix + m) or 0.0 for m in metrics], width, label=label)
    ax.bar([x + 3 * width for x in range(4)], [SQUAD_BM25_REFERENCE[m] for m in metrics], width,
           label="published BM25", color="grey")
    ax.set_xticks([x + 1.5 * width for x in range(4)], metrics)
    extra = (f"cited answer {fmt(agg.get('cited_answer'))}, "
             f"refusal on unanswerable {fmt(agg.get('refusal_rate_unanswerable'))}")
    _finish(fig, ax, path, f"SQuAD 2.0 paragraph retrieval ({agg['answerable']} answerable); {extra}")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finish(fig, ax, path: Path, title: str) -> None:
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.clf()
    import matplotlib.pyplot as plt

    plt.close(fig)
