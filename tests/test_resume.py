"""SIGKILL an ingest midway, re-run it: the index must equal an uninterrupted ingest's."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest

from conftest import BIN, ROOT
from newsrag.index.store import ChromaStore
from newsrag.settings import Settings
from newsrag.rag.lexical import build

def write_corpus(folder, n=160):
    """`n` article files of real text: three paragraphs of the bundled articles each (seeded), plus
    one sentence of its own, so every batch has something new to embed and shows progress."""
    folder.mkdir()
    paragraphs = [p.strip() for a in sorted((ROOT / "articles").glob("*.txt"))
                  for p in a.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 120][:40]
    rng = random.Random(7)
    for i in range(n):
        body = "\n\n".join(rng.sample(paragraphs, 3))
        (folder / f"{i:03d}.txt").write_text(
            f"Digest {i} of the Ukraine talks coverage\n\n{body}\n\nThis is digest number {i} of the archive.\n",
            encoding="utf-8")
    return n


def ingest_cmd(folder, home):
    env = {**os.environ, "NEWSRAG_HOME": str(home), "NEWSRAG_INGEST_BATCH": "4"}
    return [str(BIN / "newsrag"), "ingest", str(folder)], env


def state(home):
    store = ChromaStore.open(Settings(home=home))
    got = store.chunks.get(include=["metadatas"])
    chunks = sorted(got["ids"])
    sentences = sorted(store.sentences.get(include=[])["ids"])
    articles = {s: a.doc_hash for s, a in store.articles().items()}
    committed = sorted(i for i, m in zip(got["ids"], got["metadatas"]) if articles.get(m["source"]) == m["doc_hash"])
    corpus = build(store, store.generation())
    assert sorted(corpus.ids) == committed  # BM25 is consistent with Chroma's committed chunks
    return chunks, sentences, articles, committed


@pytest.mark.slow
def test_sigkill_midway_then_resume_equals_clean_run(tmp_path):
    folder = tmp_path / "corpus"
    n = write_corpus(folder)
    clean_home, killed_home = tmp_path / "clean", tmp_path / "killed"
    cmd, env = ingest_cmd(folder, clean_home)
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=600)
    expected = state(clean_home)
    assert len(expected[2]) == n and expected[0] == expected[3]

    cmd, env = ingest_cmd(folder, killed_home)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    seen = b""
    # Each batch of 4 articles draws its progress bar (opened, then closed): 6 draws is about the
    # third of 40 batches, so at least one batch is committed and most are still to come.
    while seen.count(b"embedding sentences") < 6 and time.monotonic() < deadline:
        chunk = proc.stdout.read1(4096) if hasattr(proc.stdout, "read1") else proc.stdout.read(64)
        if not chunk:
            break
        seen += chunk
    assert proc.poll() is None, "ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    partial = state(killed_home)
    assert 0 < len(partial[2]) < n  # some batches committed, not all

    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert "unchanged" in resumed.stdout
    assert state(killed_home) == expected
