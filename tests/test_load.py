"""16 concurrent chat sessions against the real `newsrag serve` process on 127.0.0.1 (bounded)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ARTICLES, BIN, free_port, running
from newsrag.eval.metrics import percentile

# (question, phrase the answer must contain)
QUESTIONS = [
    ("Which TV channel interviewed Lavrov?", "RT Television"),
    ("How much was the US defense spending bill signed by Biden?", "768 billion"),
    ("Where will the US-Russia talks be held?", "Geneva"),
    ("Who is the Assistant Secretary of State for European and Eurasian Affairs?", "Karen Donfried"),
    ("When did Russia illegally annex Crimea?", "2014"),
    ("Who won the 2018 FIFA World Cup?", "The articles don't say."),
    ("Who is the Kremlin spokesman?", "Peskov"),
    ("What did Russia demand?", "NATO"),
]
SESSIONS, TURNS = 16, 3


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("load-home")
    env = {**os.environ, "NEWSRAG_HOME": str(home)}
    folder = tmp_path_factory.mktemp("load-articles")
    for p in ARTICLES.glob("*.txt"):
        shutil.copy(p, folder)
    subprocess.run([str(BIN / "newsrag"), "ingest", str(folder)], env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with running([str(BIN / "newsrag"), "serve", "--port", str(port)], url, env=env):
        yield url


def session(url: str, n: int) -> list[tuple[str, dict, float]]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    out = []
    for turn in range(TURNS):
        question, _ = QUESTIONS[(n + turn) % len(QUESTIONS)]
        t0 = time.perf_counter()
        result = client.predict(question, api_name="/ask")
        out.append((question, result, time.perf_counter() - t0))
    return out


@pytest.mark.slow
def test_sixteen_concurrent_sessions(server, output):
    expected = dict(QUESTIONS)
    # warm the model and the BM25 snapshot so the figures are warm latencies
    session(server, 0)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(SESSIONS) as pool:
        results = [f.result(timeout=300) for f in [pool.submit(session, server, n) for n in range(SESSIONS)]]
    wall = time.perf_counter() - t0
    latencies = []
    for n, turns in enumerate(results):
        assert len(turns) == TURNS  # none lost
        for turn, (question, result, seconds) in enumerate(turns):
            assert question == QUESTIONS[(n + turn) % len(QUESTIONS)][0]
            assert result["question"] == question  # not mixed between sessions
            assert expected[question] in result["answer"], (question, result["answer"])
            latencies.append(seconds * 1000)
    figures = {"sessions": SESSIONS, "questions": len(latencies), "wall_s": round(wall, 2),
               "p50_ms": round(percentile(latencies, 0.5), 1), "p95_ms": round(percentile(latencies, 0.95), 1)}
    (output / "load.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print("\nload:", figures)
