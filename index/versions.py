"""Removed versions kept on disk, so undo brings back exactly what was removed and nothing else.

A version is named by its content: `version_id(source, doc_hash)`. Removing an article from the page
shelves that version under `DATA/removed/<version>/` (the uploaded file itself, or the indexed text,
plus its title and metadata); undo looks it up by that id, never by the article's name, so a newer
upload of the same name can be recognised and is never overwritten. Entries are kept a week.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

KEEP_SECONDS = 7 * 24 * 3600
_ENTRY = "entry.json"
_TEXT = "text"


def version_id(source: str, doc_hash: str) -> str:
    """The id of one version of one article: derived from its name and content, nothing else."""
    return hashlib.sha256(f"{source}\0{doc_hash}".encode("utf-8")).hexdigest()[:16]


def shelf(home: Path) -> Path:
    return Path(home) / "removed"


@dataclass(frozen=True)
class Removed:
    """One shelved version: the file as uploaded (`upload`) or the indexed text (`text`)."""

    version: str
    source: str
    title: str
    doc_hash: str
    meta: dict
    folder: Path
    uploaded: bool

    @property
    def upload(self) -> Path:
        """The uploaded file as it was, named as its source (an upload's source is a plain file name)."""
        return self.folder / self.source

    def text(self) -> str:
        return (self.folder / _TEXT).read_text(encoding="utf-8")


def put(home: Path, source: str, title: str, doc_hash: str, meta: dict, text: str,
        upload: Path | None = None) -> Removed:
    """Shelve a version (copying an uploaded file); written whole or not at all. The same text removed
    again is shelved as this removal left it: an upload's file comes back only if it was an upload."""
    version = version_id(source, doc_hash)
    final = shelf(home) / version
    _prune(shelf(home))
    shelved = get(home, version)
    if shelved is None or shelved.uploaded != (upload is not None):
        tmp = shelf(home) / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir(parents=True)
        (tmp / _TEXT).write_text(text, encoding="utf-8", newline="")
        if upload is not None:
            shutil.copyfile(upload, tmp / source)
        entry = {"source": source, "title": title, "doc_hash": doc_hash, "meta": meta,
                 "uploaded": upload is not None, "removed_at": time.time()}
        (tmp / _ENTRY).write_text(json.dumps(entry), encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    else:
        os.utime(final)  # removed again: kept a week from now
    return get(home, version)


def get(home: Path, version: str) -> Removed | None:
    """The shelved version `version`, or None if it was never shelved or is no longer kept."""
    if not version or not version.isalnum():
        return None
    folder = shelf(home) / version
    try:
        e = json.loads((folder / _ENTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Removed(version, e["source"], e["title"], e["doc_hash"], e.get("meta") or {}, folder, bool(e["uploaded"]))


def _prune(folder: Path, now: float | None = None) -> None:
    """Forget versions removed more than a week ago, and half-written entries."""
    now = now or time.time()
    for entry in folder.glob("*") if folder.is_dir() else ():
        try:
            old = now - entry.stat().st_mtime > KEEP_SECONDS
        except OSError:
            continue
        if old or (entry.name.startswith(".tmp-") and now - entry.stat().st_mtime > 3600):
            shutil.rmtree(entry, ignore_errors=True)
