"""A topic switch in a conversation: each question of the real-page dev set asked twice, alone and right
after a turn about another page (that question and its real answer as the history), through the real
chain. A new question should fare the same after an unrelated turn as alone.

    python -m newsrag.eval.topic_switch OUT_DIR   # ingests ../shared/data/html into OUT_DIR/home first
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from newsrag.app import App
from newsrag.eval import news as N
from newsrag.eval.run import PAGES, index_articles
from newsrag.settings import Settings

OFFSET = 37  # the history comes from the first question this far on (wrapping) that is about another page


def _sources(item: N.Item) -> set[str]:
    return {e["source"] for e in item.evidence}


def _before(items: list[N.Item], i: int) -> N.Item:
    """The turn asked before items[i]: a question about other pages, OFFSET on (or any, in a small set)."""
    other = [p for p in items if p is not items[i] and not _sources(p) & _sources(items[i])]
    later = [p for p in items[i + OFFSET:] + items[:i] if p in other]
    if not other:
        raise ValueError(f"{items[i].id}: every other question is about the same page")
    return (later or other)[0]


def run(out: Path, dataset: Path = N.DEFAULT_SET.parent / "pages.jsonl", pages: Path = PAGES,
        app: App | None = None) -> dict:
    """Ask every question of `dataset` alone and after another page's turn (over `pages`, indexed into
    `app` or a new home under `out`); write OUT/topic-switch.json and return its summary."""
    items = N.load(dataset)
    app = app or App(Settings(home=out / "home"))
    index_articles(pages, app, strict=False)  # as the pages eval does
    alone = {it.id: N.score(app, it, pages) for it in items}
    rows = []
    for i, it in enumerate(items):
        prev = _before(items, i)
        history = [{"role": "user", "content": prev.question}, {"role": "assistant", "content": alone[prev.id]["answer"]}]
        after = N.score(app, N.Item(it.id, it.question, it.type, it.answers, it.evidence, history), pages)
        a = alone[it.id]
        rows.append({"id": it.id, "after": prev.id, "answerable": it.answerable, "alone_refused": a["refused"],
                     "alone_found": a["match"], "after_refused": after["refused"], "after_found": after["match"]})
    ans = [r for r in rows if r["answerable"]]
    near = [r for r in rows if not r["answerable"]]

    def share(rs: list[dict], key: str, want: bool = True) -> float | None:  # None: no such questions
        return round(sum(bool(r[key]) == want for r in rs) / len(rs), 3) if rs else None
    summary = {"questions": len(rows), "answerable": len(ans), "near_misses": len(near),
               "found_alone": share(ans, "alone_found"), "found_after": share(ans, "after_found"),
               "answered_alone": share(ans, "alone_refused", False), "answered_after": share(ans, "after_refused", False),
               "near_misses_refused_alone": share(near, "alone_refused"),
               "near_misses_refused_after": share(near, "after_refused")}
    (out / "topic-switch.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=1), encoding="utf-8")
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == "__main__":
    run(Path(sys.argv[1]))
