"""Score answer backends side by side on eval/qa/news.jsonl (python -m newsrag.eval.compare_llm HOME [GGUF]).

Uses `eval.news.evaluate` per backend and also counts how often a model answer was replaced by the
extractive fallback or partly flagged (the notice on each answer). Prints one markdown table.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from newsrag.eval.news import DEFAULT_SET, evaluate, load
from newsrag.app import App
from newsrag.settings import Settings
from newsrag.rag.answer import Answer, Answerer

COLUMNS = ("answer_match", "answer_f1", "citation_exact", "citation_support", "evidence_recall",
           "refusal_precision", "refusal_recall", "answered_when_answerable", "latency_p50_ms", "latency_p95_ms")


class Recording(Answerer):
    """Delegates to `inner` and keeps every final Answer, so notices can be counted."""

    def __init__(self, inner: Answerer):
        self.inner, self.name, self.answers = inner, inner.name, []

    def stream(self, evidence, config=None):
        for item in self.inner.stream(evidence, config):
            if isinstance(item, Answer):
                self.answers.append(item)
            yield item


def run(settings: Settings, items) -> tuple[dict, list[Answer]]:
    app = App(settings)
    chain = app.chain()
    chain.answerer = recording = Recording(chain.answerer)
    _, summary = evaluate(app, items, Path("articles"))
    return summary["overall"], recording.answers


def main() -> None:
    home = Path(sys.argv[1])
    items = load(DEFAULT_SET)
    base = Settings(home=home)
    runs = {"extractive": base}
    if len(sys.argv) > 2:
        runs["llamacpp (SmolLM2-135M)"] = replace(base, backend="llamacpp", llm_model=sys.argv[2])
    print("| backend | " + " | ".join(COLUMNS) + " | model answers kept | fell back | with flagged sentences |")
    print("|---" * (len(COLUMNS) + 4) + "|")
    for name, settings in runs.items():
        overall, answers = run(settings, items)
        fell = sum(1 for a in answers if a.notice and "extractive answer instead" in a.notice)
        flagged = sum(1 for a in answers if any(not s.supported for s in a.sentences))
        kept = len(answers) - fell
        cells = [f"{overall[c]:.3f}" if isinstance(overall[c], float) and c.endswith(("ms",)) is False
                 else f"{overall[c]:.0f}" if overall[c] is not None else "n/a" for c in COLUMNS]
        print(f"| {name} | " + " | ".join(cells) + f" | {kept if settings.backend != 'extractive' else 'n/a'} "
              f"| {fell} of {len(answers)} | {flagged} |", flush=True)


if __name__ == "__main__":
    main()
