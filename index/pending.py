"""Index changes that move an uploaded file too, finished after a crash.

An upload commits its index entries, then moves the file into `uploads/`; a removal drops the entries,
then the file; a command-line ingest replaces an uploaded article, then retires its file. A process
killed between the two steps would leave the index and the files disagreeing. So each such change
first writes a note here (`DATA/pending/<id>.json`: the sources it touches, the staged file, our pid)
and deletes it when both steps are done; a note left by a dead process is finished by the next writer
(`App.heal`): the index, which committed or did not, decides what the files become.
"""

from __future__ import annotations

import json
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


@dataclass(frozen=True)
class Note:
    path: Path
    sources: tuple[str, ...]
    staged: Path | None  # an upload's file waiting in `incoming/`, moved into `uploads/` once indexed
    pid: int


def folder(home: Path) -> Path:
    return Path(home) / "pending"


@contextmanager
def noted(home: Path, sources: list[str], staged: Path | None = None) -> Iterator[Note | None]:
    """Hold a note for the block (None without sources): written and synced before it starts, deleted when
    the block ends; a block that raises leaves it to whoever settles it (`done`)."""
    if not sources:
        yield None
        return
    path = folder(home) / f"{uuid.uuid4().hex}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"sources": list(sources), "staged": str(staged) if staged else None, "pid": os.getpid()}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(body, f)
        f.flush()
        os.fsync(f.fileno())
    yield Note(path, tuple(sources), staged, os.getpid())
    done(Note(path, tuple(sources), staged, os.getpid()))


def done(note: Note) -> None:
    note.path.unlink(missing_ok=True)


def left(home: Path) -> list[Note]:
    """The notes of processes that died before finishing (a live process's notes are its own business)."""
    notes = []
    for path in sorted(folder(home).glob("*.json")) if folder(home).is_dir() else ():
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            note = Note(path, tuple(body["sources"]), Path(body["staged"]) if body.get("staged") else None,
                        int(body["pid"]))
        except (OSError, ValueError, KeyError, TypeError):  # a note cut short: nothing was changed after it
            path.unlink(missing_ok=True)
            continue
        if note.pid == os.getpid() or not _alive(note.pid):
            notes.append(note)
    return notes


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
