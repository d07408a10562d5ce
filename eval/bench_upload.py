"""`newsrag bench`, the background ingest: a ~10 MB file uploaded into a serving App (the page's way:
the one background writer) while questions are asked, as a chat user would, one every second.

Figures: the file's chunks/s, and question latency idle vs during the ingest (the target: p50
during within 2x idle). Run alone with `newsrag bench --only-upload [--upload-mb MB]`.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from newsrag.app import App
from newsrag.eval.metrics import percentile
from newsrag.eval.news import DEFAULT_SET, load
from newsrag.index.embed import BaseEmbedder
from newsrag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
THINK_S = 1.0  # between one answer and the next question
REPORT_S = 60.0  # a progress line this often while the upload ingests (a long run cut short still says something)


def big_text(paragraphs: list[tuple[str, str]], size: int) -> str:
    """Real paragraphs up to `size` bytes; each pass over them makes every sentence distinct ("..., in
    pass 2."), so no sentence is reused from an earlier pass and every one is embedded."""
    out, total, n = ["A long digest of encyclopaedia paragraphs", ""], 0, 0
    while True:
        for _, text in paragraphs:
            if n:
                text = re.sub(r"\.(\s|$)", rf", in pass {n}.\1", text)
            if total + len(text.encode("utf-8")) + 2 > size:
                return "\n\n".join(out) + "\n"
            out.append(text)
            total += len(text.encode("utf-8")) + 2
        n += 1


def _ask_ms(app: App, question: str) -> float:
    t0 = time.perf_counter()
    app.ask(question)
    return (time.perf_counter() - t0) * 1000


def upload_while_asking(paragraphs: list[tuple[str, str]], embedder: BaseEmbedder, work: Path,
                        megabytes: float = 9.9) -> dict:
    """Question latency idle, then during the background ingest of a `megabytes` upload; its chunks/s."""
    app = App(Settings(home=work / "upload-home", embed_backend=embedder.backend), embedder=embedder)
    app.ingest([ROOT / "articles"])
    questions = [i.question for i in load(DEFAULT_SET)]
    for q in questions[:3]:  # warm: model, reader, BM25 snapshot
        app.ask(q)
    idle = [_ask_ms(app, q) for q in questions]
    path = work / "big-upload.txt"
    path.write_text(big_text(paragraphs, int(megabytes * 1e6)), encoding="utf-8")
    t0 = time.perf_counter()
    (job,), refused = app.submit_uploads([(path, path.name)])
    during, i, told = [], 0, t0
    while not job.finished:
        during.append(_ask_ms(app, questions[i % len(questions)]))
        i += 1
        time.sleep(THINK_S)
        if time.perf_counter() - told >= REPORT_S:
            told = time.perf_counter()
            print(f"bench: {told - t0:.0f} s, {job.done:,} of {job.total:,} sentences embedded; questions p50 "
                  f"idle {percentile(idle, 0.5):.0f} ms, during {percentile(during, 0.5):.0f} ms (n={len(during)})",
                  file=sys.stderr, flush=True)
    report = job.wait()
    wall = time.perf_counter() - t0
    if report.failed:
        raise RuntimeError(f"the benchmark's upload failed: {report.failed[0][1]}")
    return {"megabytes": path.stat().st_size / 1e6, "chunks": report.chunks, "wall_s": wall,
            "chunks_per_s": report.chunks / wall, "idle_p50_ms": percentile(idle, 0.5),
            "idle_p95_ms": percentile(idle, 0.95), "during_p50_ms": percentile(during, 0.5),
            "during_p95_ms": percentile(during, 0.95), "during_n": len(during),
            "ratio_p50": percentile(during, 0.5) / percentile(idle, 0.5)}


def line(r: dict) -> str:
    return (f"{r['megabytes']:.1f} MB upload in the background: {r['chunks']:,} chunks in {r['wall_s']:.0f} s "
            f"({r['chunks_per_s']:.1f} chunks/s); questions p50 / p95 idle {r['idle_p50_ms']:.0f} / "
            f"{r['idle_p95_ms']:.0f} ms, during {r['during_p50_ms']:.0f} / {r['during_p95_ms']:.0f} ms "
            f"(n={r['during_n']}), p50 ratio {r['ratio_p50']:.2f} (target <= 2)")

