"""Uploads are ingested in the background by one writer while questions are answered (issue 20, item 2).

A real `newsrag serve` on 127.0.0.1: a large upload is sent from one session and, while it is being
ingested, a question from another session must come back before the ingest finishes. How much
slower questions get during an ingest is measured by `newsrag bench`, not asserted here.
"""

from __future__ import annotations

import os
import random
import threading
import time

import pytest

from conftest import ARTICLES, BIN, cli, free_port, running
from gradio_http import Page

pytestmark = pytest.mark.slow

TOWNS = ("Quillmere", "Northpoint", "Glimmerfen", "Ashcombe", "Brackwater", "Dunmore", "Elsford", "Farrowby")
BODIES = ("council", "harbour board", "school trust", "ferry company", "water authority", "library committee")
ACTS = ("approved", "postponed", "rejected", "debated", "funded", "reviewed")
THINGS = ("bus shelters", "street lamps", "mooring posts", "reading rooms", "footbridges", "cycle racks")


def big_article(sentences: int, seed: int = 0) -> str:
    """A long made-up article of distinct sentences (each one is embedded and analysed)."""
    rng = random.Random(seed)
    lines = ["Minutes of the coastal councils", ""]
    for i in range(sentences):
        lines.append(f"On day {i} the {rng.choice(BODIES)} of {rng.choice(TOWNS)} {rng.choice(ACTS)} "
                     f"{rng.randint(2, 900)} new {rng.choice(THINGS)}, the clerk said.")
        if i % 6 == 5:
            lines.append("")
    return "\n".join(lines) + "\n"


def test_a_question_is_answered_while_a_large_upload_is_ingesting(tmp_path):
    home, port = tmp_path / "home", free_port()
    assert cli("ingest", str(ARTICLES / "004_86d88f5456c1cfa9.txt"), home=home).returncode == 0
    url = f"http://127.0.0.1:{port}"
    big = big_article(3000).encode()
    with running([str(BIN / "newsrag"), "serve", "--port", str(port)], f"{url}/gradio_api/startup-events",
                 env={**os.environ, "NEWSRAG_HOME": str(home)}, log=tmp_path / "serve.log"):
        uploader, asker = Page(url, timeout=900), Page(url)
        question = "When will the US and Russia discuss security guarantees?"
        idle = time.monotonic()
        assert asker.ask(question)["citations"]
        idle = time.monotonic() - idle
        finished: dict = {}

        def send() -> None:
            finished["status"] = uploader.upload("big.txt", big)
            finished["at"] = time.monotonic()

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        deadline = time.monotonic() + 120
        while not any(home.rglob("big.txt")) and time.monotonic() < deadline:  # staged for the writer
            time.sleep(0.1)
        time.sleep(2)  # well into chunking and embedding
        assert "at" not in finished, "the upload finished too soon to overlap a question; make it larger"
        asked = time.monotonic()
        answer = asker.ask(question)
        answered = time.monotonic()
        sender.join(900)
        assert "at" in finished, "the upload never finished"
        print(f"\nquestion idle {idle:.2f} s, during the ingest {answered - asked:.2f} s; "
              f"the ingest finished {finished['at'] - answered:.1f} s after the answer")
        assert answer["citations"] and answered < finished["at"], "the question waited for the ingest"
        assert "big.txt&#58; added, searchable now" in finished["status"], finished["status"]
        said = asker.ask("What did the clerk say happened on day 1234?")
        assert any(c["source"] == "big.txt" for c in said["citations"]), said
