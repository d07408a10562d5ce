"""Save uploaded files inside the data folder under safe names, refusing what must not be written.

A browser sends a file name of its choosing ("../../.bashrc", "C:\\x\\a.txt", "<img>.txt"); only
a cleaned base name is ever used, and the result is checked to lie inside `home/uploads`.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import uuid
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Container

from newsrag.index.load import SUPPORTED
from newsrag.errors import InputError

MAX_NAME = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A plain file name from an untrusted one: base name only, [A-Za-z0-9._-], supported suffix.

    A name that had to be changed gets a short hash of the name as sent ("report (1).txt" ->
    "report_1-<hash>.txt"), so two different names never become one ("report_1.txt" stays as it is)
    and a re-upload finds the same file; with nothing usable left it is "upload-<hash>.txt".
    Raises `InputError` for a type we cannot index.
    """
    base = re.split(r"[\\/]", str(name))[-1]
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in SUPPORTED:
        kinds = " ".join(sorted(SUPPORTED))
        raise InputError(f"{base or name}: unsupported file type '{suffix or '(none)'}' (supported: {kinds})")
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    plain = _UNSAFE.sub("_", plain).strip("._-")[: MAX_NAME - len(suffix) - 9]
    digest = hashlib.sha256(base.encode("utf-8", "replace")).hexdigest()[:8]
    if not re.search(r"[A-Za-z0-9]", plain):
        return f"upload-{digest}{suffix}"
    return plain + suffix if plain == stem else f"{plain}-{digest}{suffix}"


def upload_dir(home: Path) -> Path:
    return Path(home) / "uploads"


def inside(folder: Path, name: str) -> Path:
    """`folder/name`, refusing anything that would resolve outside `folder`."""
    folder = folder.resolve()
    target = (folder / name).resolve()
    if target.parent != folder:
        raise InputError(f"{name}: not a plain file name")
    return target


@dataclass
class Saved:
    paths: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (name as sent, reason)


def save_uploads(files: list[tuple[Path, str]], home: Path, max_bytes: int, indexed: Container[str] = (),
                 folder: Path | None = None) -> Saved:
    """Copy each (temporary path, name as sent) into `folder` (default `home/uploads`); bad files go to `failed`.

    An upload may replace an earlier upload of the same name, never an article of `indexed` that
    came from elsewhere (e.g. ingested from the command line): that would put new text under a
    name readers trust.
    """
    out = Saved()
    folder = folder or upload_dir(home)
    for tmp, sent in files:
        try:
            name = safe_name(sent)
            size = Path(tmp).stat().st_size
            if size > max_bytes:
                raise InputError(f"{name}: too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:g} MB)")
            folder.mkdir(parents=True, exist_ok=True)
            target = inside(folder, name)
            if target in out.paths:
                raise InputError(f"{name}: another file in this upload has the same name")
            if name in indexed and not target.is_file():
                raise not_uploaded(name)
            shutil.copyfile(tmp, target)
            out.paths.append(target)
        except InputError as e:
            out.failed.append((sent, str(e)))
        except OSError as e:
            out.failed.append((sent, f"{Path(str(sent)).name}: could not be saved ({e.strerror or e})"))
    return out


def discard(home: Path, source: str) -> None:
    """Delete the uploaded copy of `source`, if it is one (used when an article is removed or rejected)."""
    folder = upload_dir(home)
    try:
        target = inside(folder, source)
    except InputError:
        return
    if target.is_file():
        target.unlink()


def not_uploaded(name: str) -> InputError:
    return InputError(f"{name}: an article of that name was not uploaded here and cannot be "
                      f"replaced from the page; rename the file")


def uploaded_file(home: Path, source: str) -> Path | None:
    """`home/uploads/source` if `source` is an uploaded article's name and the file is there."""
    try:
        target = inside(upload_dir(home), source)
    except InputError:
        return None
    return target if target.is_file() else None


def staging_dir(home: Path) -> Path:
    """Where uploads wait for the writer: a fresh folder per upload request under `home/incoming`."""
    return Path(home) / "incoming" / uuid.uuid4().hex
