"""One writer per embedded data folder: an advisory lock on HOME/lock (fcntl.flock).

Embedded Chroma keeps each collection's vector index in the memory of the process that opened it
and writes it back to disk from there: a second process writing the same folder would overwrite it,
and a process still serving would keep answering from its stale copy (rows it finds may be gone).
(measured: a reader process then fails with "InternalError: Error finding id"). So `ingest`,
`remove` and a writable `serve` hold the lock exclusively; `ask` and `serve --read-only` hold it
shared (readers may share, no writer may join them); whoever comes second gets a one-line error at
once. `list` reads only the registry and takes no lock. A Chroma server (`--chroma-url`) is one
process that every client asks, so no lock is taken and readers see each write before their next answer.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from newsrag.errors import BackendError
from newsrag.settings import Settings


@contextmanager
def data_lock(settings: Settings, purpose: str, shared: bool = False) -> Iterator[None]:
    """Hold the data folder's lock for the block (no-op with a Chroma server); `purpose` names us to others."""
    if settings.chroma_url:
        yield
        return
    home = Path(settings.home)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "lock"
    with open(path, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackendError(_busy(home, _holder(path))) from None
        try:  # who holds it, for the next comer's message; a full disk only loses that
            f.seek(0)
            f.truncate()
            f.write(f"{purpose} (pid {os.getpid()})\n")
            f.flush()
        except OSError:
            pass
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "another newsrag process"
    except OSError:
        return "another newsrag process"


def _busy(home: Path, holder: str) -> str:
    return (f"the data folder {home} is in use by {holder}; wait for it or stop it, or share one index "
            f"between processes through a Chroma server (--chroma-url, see docs/deployment.md)")
