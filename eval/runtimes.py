"""The runtimes side by side: torch and onnxruntime, on the same index in the same run.

`python -m newsrag.eval.runtimes [--repeats N]` indexes the five bundled articles in a temporary home,
then asks every bundled question of two chains over that one index that differ only in where the
models run (`SETUPS`: the reader, the verifier and the question's embedding all in torch, or all in
onnxruntime), alternating question by question (so a busy moment of the machine falls on both),
after a warm-up. It prints each runtime's warm p50 / p95, the ratio, how many answers differ, and the
time a fresh serving process per runtime takes to load and answer once, and its RSS after. `newsrag bench` runs
the same comparison (docs/reader.md, docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from newsrag.app import App
from newsrag.eval.bench import ROOT, _env, run_child
from newsrag.eval.metrics import percentile
from newsrag.eval.news import DEFAULT_SET, load
from newsrag.index.embedders import make_embedder
from newsrag.settings import Settings

# the two set-ups compared: the same vectors (docs/embedding-backends.md) and logits, other runtimes
SETUPS = {"torch": {"reader_runtime": "torch", "embed_backend": "torch"},
          "onnx": {"reader_runtime": "onnx", "embed_backend": "onnx-fp32"}}
RUNTIMES = tuple(SETUPS)


def compare(app: App, questions: list[str], repeats: int = 1, warmup: int = 3) -> dict:
    """Warm latency of the whole chain per runtime, alternating question by question; answers compared."""
    chains = {}
    for rt, setup in SETUPS.items():
        settings = app.settings.with_(**setup)
        chains[rt] = App(settings, app.store, make_embedder(settings)).chain()
    for chain in chains.values():
        for q in questions[:warmup]:
            chain.invoke({"question": q})
    times: dict[str, list[float]] = {rt: [] for rt in RUNTIMES}
    differ = 0
    for r in range(repeats):
        for i, q in enumerate(questions):
            answers = {}
            for rt in (RUNTIMES if (i + r) % 2 == 0 else RUNTIMES[::-1]):  # who goes first alternates too
                t0 = time.perf_counter()
                answers[rt] = chains[rt].invoke({"question": q})
                times[rt].append((time.perf_counter() - t0) * 1000)
            differ += r == 0 and answers["torch"]["answer"] != answers["onnx"]["answer"]
    out = {rt: {"p50_ms": percentile(t, 0.5), "p95_ms": percentile(t, 0.95), "n": len(t)} for rt, t in times.items()}
    out["p50_ratio"] = out["onnx"]["p50_ms"] / out["torch"]["p50_ms"]
    out["answers_differ"] = differ
    return out


PROBE = """
import ctypes, gc, json, sys, time
from newsrag.app import App
from newsrag.settings import Settings
t0 = time.perf_counter()
app = App(Settings.from_env())
app.warm()
app.ask(sys.argv[1])
gc.collect(); ctypes.CDLL("libc.so.6").malloc_trim(0)
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({"warm_and_ask_s": time.perf_counter() - t0,
                  "rss_mb": int(status["VmRSS"].split()[0]) / 1024, "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024}))
"""


def cold(home: Path, question: str) -> dict:
    """A fresh serving process per runtime: time to load everything and answer once; its RSS after (MB)."""
    out = {}
    for rt in RUNTIMES:
        env = {**_env(home), "NEWSRAG_READER_RUNTIME": rt, "NEWSRAG_EMBED_BACKEND": SETUPS[rt]["embed_backend"]}
        run_child([sys.executable, "-c", PROBE, question], env)  # the first run may export the ONNX files
        out[rt] = json.loads(run_child([sys.executable, "-c", PROBE, question], env)[0])
    return out


def table(r: dict) -> str:
    t, o = r["warm"]["torch"], r["warm"]["onnx"]
    lines = ["| runtime (reader, verifier, question embedding) | warm p50 | warm p95 | new process: load + first answer | its RSS after / peak |",
             "|---|---:|---:|---:|---:|"]
    for name, w in (("torch", t), ("onnx", o)):
        c = r["cold"][name]
        lines.append(f"| {name} | {w['p50_ms']:.0f} ms | {w['p95_ms']:.0f} ms | {c['warm_and_ask_s']:.2f} s | "
                     f"{c['rss_mb']:.0f} / {c['peak_rss_mb']:.0f} MB |")
    lines.append(f"\nonnx / torch warm p50: {r['warm']['p50_ratio']:.2f} ({t['n']} questions each, alternating); "
                 f"answers that differ: {r['warm']['answers_differ']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2, help="passes over the bundled questions")
    ap.add_argument("--out", type=Path, help="write runtimes.json here")
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    questions = [i.question for i in load(DEFAULT_SET)]
    with tempfile.TemporaryDirectory(prefix="newsrag-runtimes-") as tmp:
        home = Path(tmp) / "five"
        app = App(settings.with_(home=home))
        app.ingest([ROOT / "articles"])
        result = {"warm": compare(app, questions, args.repeats), "cold": cold(home, "What did Russia demand?")}
    print(table(result))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "runtimes.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
