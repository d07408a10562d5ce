"""Encode throughput and agreement of the embedding backends on the same SQuAD sentences.

`python -m newsrag.eval.embed_speed [--n 2000] [--repeats 2] [--out FILE.json]`: every backend encodes the
same sentences (our pysbd segmentation of seeded SQuAD dev paragraphs) with the same batch size;
prints sentences/s, the speed-up over PyTorch and the cosine agreement with PyTorch's vectors.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path


from newsrag.index.embed import MODEL_BACKENDS
from newsrag.index.embedders import make_embedder
from newsrag.settings import Settings

SQUAD = Path(__file__).resolve().parents[2] / "shared" / "data" / "squad2-dev.json"


def squad_sentences(path: Path, n: int, seed: int = 0) -> list[str]:
    import pysbd

    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs = [p["context"] for a in data for p in a["paragraphs"]]
    random.Random(seed).shuffle(paragraphs)
    seg = pysbd.Segmenter(language="en", clean=False)
    out: dict[str, None] = {}
    for p in paragraphs:
        for s in seg.segment(p):
            if s.strip():
                out[s.strip()] = None
        if len(out) >= n:
            break
    return list(out)[:n]


def measure(texts: list[str], home: Path, batch_size: int = 64, repeats: int = 2) -> dict:
    results, reference = {}, None
    for name in MODEL_BACKENDS:
        embedder = make_embedder(Settings(home=home, embed_backend=name, embed_batch_size=batch_size))
        embedder.encode(texts[:batch_size])  # load, export if needed, warm up
        best, vectors = float("inf"), None
        for _ in range(repeats):
            t0 = time.perf_counter()
            vectors = embedder.encode(texts)
            best = min(best, time.perf_counter() - t0)
        reference = vectors if reference is None else reference
        cosine = (vectors * reference).sum(axis=1)
        results[name] = {"seconds": best, "sentences_per_s": len(texts) / best,
                         "cosine_vs_torch_mean": float(cosine.mean()), "cosine_vs_torch_min": float(cosine.min())}
    for r in results.values():
        r["speedup_vs_torch"] = r["sentences_per_s"] / results["torch"]["sentences_per_s"]
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--squad", type=Path, default=SQUAD)
    ap.add_argument("--home", type=Path, help="data dir holding the ONNX cache (default: a temp dir)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    texts = squad_sentences(args.squad, args.n)
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(texts, args.home or Path(tmp), args.batch_size, args.repeats)
    print(f"{len(texts)} SQuAD dev sentences, batch {args.batch_size}, best of {args.repeats}")
    print("| backend | sentences/s | speed-up | cosine vs torch (mean / min) |\n|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['sentences_per_s']:.0f} | {r['speedup_vs_torch']:.2f}x | "
              f"{r['cosine_vs_torch_mean']:.4f} / {r['cosine_vs_torch_min']:.4f} |")
    if args.out:
        args.out.write_text(json.dumps({"n": len(texts), "batch_size": args.batch_size, "results": results},
                                       indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
