"""`newsrag bench --scale --chunks 10000,30000,100000`: growth with the index, beside a bare Chroma.

One run builds the SQuAD-digest corpus (eval/bench.py `variants`) up to each size in turn, by
`newsrag ingest` processes writing to a `chroma run` server on 127.0.0.1 (sentence vectors and
analyses of repeated paragraphs are reused, so building costs little encoding). At each size it
copies the new chunk vectors into a second server holding a bare Chroma collection, then measures,
each figure beside the bare peer's: warm p50 (ours: a whole answer; bare: encode + query), serving
RSS, the next question after a one-article ingest, the ingest's peak RSS, and disk.

Run as a script against any version of newsrag (`python eval/scale.py OUT SIZES`), so the same
figures can be taken before and after a change.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from newsrag.eval import plot
from newsrag.eval.bench import SQUAD, run_child, squad, variants, write_docs
from newsrag.eval.metrics import percentile

CHARS_PER_CHUNK = 670  # measured on the digests (9,847 chunks from 456 of them): sizes come out as asked
NEW = ("Zorbania's harbour minister Quentin Vashtel announced on Tuesday that the port of Kelmora will "
       "close for three weeks of dredging. Vashtel said the closure would cost shippers about 40 million "
       "dollars. Fishermen in Kelmora protested outside the ministry.")
NEW_QUESTION = "What did Quentin Vashtel announce about the port of Kelmora?"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(path: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _port()
    chroma = str(Path(sys.executable).parent / "chroma")
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"chroma run did not start (see {log})")


def _rss_mb(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")


def _du_mb(*paths: Path) -> float:
    return sum(f.stat().st_size for p in paths if p.exists() for f in p.rglob("*") if f.is_file()) / 2**20


def _env(home: Path, url: str) -> dict:
    return {**os.environ, "NEWSRAG_HOME": str(home), "NEWSRAG_CHROMA_URL": url, "HF_HUB_OFFLINE": "1",
            "NEWSRAG_CHROMA_TIMEOUT": "600"}


def copy_to_bare(ours_url: str, bare_url: str, sources: list[str]) -> None:
    """The same chunk vectors and texts in a bare collection of the peer server."""
    import chromadb

    ours = chromadb.HttpClient(host="127.0.0.1", port=int(ours_url.rsplit(":", 1)[1]))
    bare = chromadb.HttpClient(host="127.0.0.1", port=int(bare_url.rsplit(":", 1)[1]))
    src = ours.get_collection("news_chunks")
    dst = bare.get_or_create_collection("bare", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    for i in range(0, len(sources), 50):
        got = src.get(where={"source": {"$in": sources[i:i + 50]}}, include=["embeddings", "documents", "metadatas"])
        for j in range(0, len(got["ids"]), 1000):
            dst.add(ids=got["ids"][j:j + 1000], embeddings=got["embeddings"][j:j + 1000],
                    documents=got["documents"][j:j + 1000],
                    metadatas=[{"source": m["source"]} for m in got["metadatas"][j:j + 1000]])


def probe_ours(home: str, url: str, questions_file: str, new_folder: str) -> None:
    """Child: warm p50 of whole answers, then the next question after another process ingests one article."""
    from newsrag.app import App
    from newsrag.settings import Settings

    questions = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    app = App(Settings.from_env(home=Path(home), chroma_url=url))
    chain = app.chain()
    t0 = time.perf_counter()
    chain.invoke({"question": questions[0]})
    first = time.perf_counter() - t0
    for q in questions[:3]:
        chain.invoke({"question": q})
    times = []
    for q in questions:
        t0 = time.perf_counter()
        chain.invoke({"question": q})
        times.append((time.perf_counter() - t0) * 1000)
    newsrag = str(Path(sys.executable).parent / "newsrag")
    subprocess.run([newsrag, "ingest", new_folder], check=True, capture_output=True, env=os.environ)
    t0 = time.perf_counter()
    reply = chain.invoke({"question": NEW_QUESTION})
    after = time.perf_counter() - t0
    cited = "Kelmora" in json.dumps(reply, default=str)
    print(json.dumps({"p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95), "first_s": first,
                      "next_after_ingest_s": after, "new_article_found": cited,
                      "rss_mb": _rss_mb(os.getpid()), "chunks": app.store.chunks.count()}))


def probe_bare(url: str, questions_file: str, k: int) -> None:
    """Child: the bare peer answers nothing, it encodes the question and queries the collection."""
    import chromadb

    from newsrag.index.embedders import make_embedder
    from newsrag.settings import Settings

    questions = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    embedder = make_embedder(Settings.from_env())
    col = chromadb.HttpClient(host="127.0.0.1", port=int(url.rsplit(":", 1)[1])).get_collection("bare")
    ask = lambda q: col.query(query_embeddings=[embedder.encode([q])[0]], n_results=k,  # noqa: E731
                              include=["documents", "metadatas", "distances"])
    for q in questions[:3]:
        ask(q)
    times = []
    for q in questions:
        t0 = time.perf_counter()
        ask(q)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"p50_ms": percentile(times, 0.5), "rss_mb": _rss_mb(os.getpid()), "count": col.count()}))


def run(out: Path, sizes: list[int], squad_path: Path = SQUAD, seed: int = 0, n_questions: int = 100,
        work: Path | None = None) -> int:
    paragraphs, questions = squad(squad_path)
    sample = random.Random(seed).sample(questions, n_questions)
    work = Path(work or tempfile.mkdtemp(prefix="newsrag-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "q.json").write_text(json.dumps(sample), encoding="utf-8")
    docs = variants(paragraphs, max(sizes), chars_per_chunk=CHARS_PER_CHUNK, seed=seed)
    ours, ours_url = _server(work / "ours-db", work / "ours.log")
    bare, bare_url = _server(work / "bare-db", work / "bare.log")
    home, rows, done = work / "home", [], 0
    try:
        for size in sorted(sizes):
            rows.append(_measure(size, docs, done, work, home, ours, ours_url, bare, bare_url))
            done = rows[-1]["docs"]
            print(json.dumps(rows[-1]), flush=True)
            out.mkdir(parents=True, exist_ok=True)
            (out / "scale.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    finally:
        for p in (ours, bare):
            p.terminate()
            p.wait(30)
    (out / "scale.md").write_text(table(rows), encoding="utf-8")
    (out / "scale.svg").write_text(plot.svg(rows), encoding="utf-8")
    print(table(rows))
    return 0


def _measure(size: int, docs, done: int, work: Path, home: Path, ours, ours_url: str, bare, bare_url: str) -> dict:
    upto = done
    chars = sum(len(t) for _, t in docs[:done])
    while upto < len(docs) and chars / CHARS_PER_CHUNK < size:
        chars += len(docs[upto][1])
        upto += 1
    folder = work / f"docs-{size}"
    shutil.rmtree(folder, ignore_errors=True)  # a step run again (after a stop) writes the same names, not more
    write_docs(folder, docs[done:upto])
    for i, p in enumerate(sorted(folder.iterdir())):  # sources unique across sizes
        p.rename(folder / f"{done + i:06d}.txt")
    newsrag = str(Path(sys.executable).parent / "newsrag")
    _, ingest_s, ingest_rss = run_child([newsrag, "ingest", str(folder)], _env(home, ours_url), timeout=24 * 3600)
    copy_to_bare(ours_url, bare_url, [f"{i:06d}.txt" for i in range(done, upto)])
    new = work / f"new-{size}"
    new.mkdir(exist_ok=True)
    (new / f"kelmora-{size}.txt").write_text(f"Kelmora port to close for dredging\n\n{NEW}\n", encoding="utf-8")
    me = [sys.executable, str(Path(__file__).resolve())]
    got, _, ours_peak = run_child([*me, "--probe-ours", str(home), ours_url, str(work / "q.json"), str(new)],
                                  _env(home, ours_url))
    mine = json.loads(got)
    got, _, bare_peak = run_child([*me, "--probe-bare", bare_url, str(work / "q.json"), "4"], _env(home, ours_url))
    peer = json.loads(got)
    return {"size": size, "docs": upto, "chunks": mine["chunks"], "bare_chunks": peer["count"],
            "ingest_s": ingest_s, "ingest_peak_rss_mb": ingest_rss,
            "p50_ms": mine["p50_ms"], "p95_ms": mine["p95_ms"], "bare_p50_ms": peer["p50_ms"],
            "next_after_ingest_s": mine["next_after_ingest_s"], "new_article_found": mine["new_article_found"],
            "first_question_s": mine["first_s"],
            "serving_rss_mb": mine["rss_mb"], "serving_peak_rss_mb": ours_peak,
            "bare_client_rss_mb": peer["rss_mb"],
            "server_rss_mb": _rss_mb(ours.pid), "bare_server_rss_mb": _rss_mb(bare.pid),
            "disk_mb": _du_mb(work / "ours-db", home / "lexical", home / "cache"), "bare_disk_mb": _du_mb(work / "bare-db")}


def table(rows: list[dict]) -> str:
    lines = ["| chunks | next question after a one-article ingest | warm p50 ours / bare | serving client RSS "
             "ours / bare (server ours / bare) | ingest peak RSS | disk ours / bare |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['chunks']:,} | {r['next_after_ingest_s']:.2f} s (found: {r['new_article_found']}) "
                     f"| {r['p50_ms']:.0f} / {r['bare_p50_ms']:.1f} ms | {r['serving_rss_mb']:.0f} / "
                     f"{r['bare_client_rss_mb']:.0f} MB ({r['server_rss_mb']:.0f} / {r['bare_server_rss_mb']:.0f}) "
                     f"| {_mb(r['ingest_peak_rss_mb'])} | {r['disk_mb']:.0f} / {r['bare_disk_mb']:.0f} MiB |")
    return "\n".join(lines) + "\n"


def _mb(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f} MB"  # None: a step whose ingest was not measured


if __name__ == "__main__":
    if sys.argv[1] == "--probe-ours":
        probe_ours(*sys.argv[2:6])
    elif sys.argv[1] == "--probe-bare":
        probe_bare(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        work = Path(sys.argv[3]) if len(sys.argv) > 3 else None
        sys.exit(run(Path(sys.argv[1]), [int(x) for x in sys.argv[2].split(",")], work=work))
