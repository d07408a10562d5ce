"""`newsrag ingest` while a writable embedded `newsrag serve` holds the data folder: handed over, not refused.

Embedded Chroma allows one writer per folder (index/lock.py), so the command line cannot write
itself while the page serves. Instead it leaves a request in DATA/inbox (the absolute paths, written
whole by a rename) and waits; the serving process, which watches that folder, runs the ingest on its
own writer thread (questions go on being answered) and writes the report beside the request. The
next question sees the new articles: the lexical index changes in place, nothing is reloaded.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

from newsrag.errors import BackendError

_SERVING = "serving"


def folder(home: Path) -> Path:
    return Path(home) / "inbox"


def served(home: Path) -> bool:
    """Is a writable `newsrag serve` watching this data folder (its pid alive)?"""
    try:
        pid = int((folder(home) / _SERVING).read_text(encoding="utf-8"))
        os.kill(pid, 0)
        return True
    except (OSError, ValueError):
        return False


def submit(home: Path, paths: list[Path], timeout: float = 24 * 3600) -> dict:
    """Hand `paths` to the serving process and wait for its report ({"summary", "failed", ...})."""
    box = folder(home)
    name = uuid.uuid4().hex
    tmp = box / f".{name}.tmp"
    tmp.write_text(json.dumps([str(Path(p).resolve()) for p in paths]), encoding="utf-8")
    tmp.rename(box / f"{name}.json")
    done = box / f"{name}.done"
    deadline = time.monotonic() + timeout
    while not done.exists():
        if not served(home):
            raise BackendError(f"the newsrag serve that held {home} stopped before ingesting; run the ingest again")
        if time.monotonic() > deadline:
            raise BackendError(f"newsrag serve did not finish the ingest within {timeout:g} s")
        time.sleep(0.2)
    report = json.loads(done.read_text(encoding="utf-8"))
    done.unlink(missing_ok=True)
    return report


def watch(home: Path, ingest: Callable[[list[Path]], dict], every: float = 0.5) -> threading.Thread:
    """In the serving process: run each request left in the inbox, one at a time, in a daemon thread."""
    box = folder(home)
    box.mkdir(parents=True, exist_ok=True)
    (box / _SERVING).write_text(str(os.getpid()), encoding="utf-8")

    def loop() -> None:
        while True:
            for request in sorted(box.glob("*.json"), key=lambda p: p.stat().st_mtime):
                _answer(request, ingest)
            time.sleep(every)

    thread = threading.Thread(target=loop, name="newsrag-inbox", daemon=True)
    thread.start()
    return thread


def _answer(request: Path, ingest: Callable[[list[Path]], dict]) -> None:
    try:
        paths = [Path(p) for p in json.loads(request.read_text(encoding="utf-8"))]
        report = ingest(paths)
    except Exception as e:  # reported to the waiting command, never fatal to the page
        report = {"error": str(e)}
    tmp = request.with_name(f".{request.stem}.done.tmp")
    tmp.write_text(json.dumps(report), encoding="utf-8")
    tmp.rename(request.with_suffix(".done"))
    request.unlink(missing_ok=True)
