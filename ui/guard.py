"""Bounds on Gradio's upload route (`/gradio_api/upload`), checked before a byte is written; its recording
route (`/gradio_api/process_recording`) is closed, as no newsrag page records anything.

Gradio stores any posted file in its temp folder before a handler sees it, so the limits live in an
ASGI middleware: no uploads at all on a read-only page; only editors when there are users; a size
cap per request; a cap on requests per minute; and a cap on what the temp folder may hold.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Callable

from newsrag.index.load import printable

UPLOAD_PATH = "/gradio_api/upload"
RECORDING_PATH = "/gradio_api/process_recording"  # Gradio's audio/video route: no newsrag page records


@dataclass(frozen=True)
class UploadLimits:
    writable: bool  # False on a read-only page: every upload is refused
    editor: Callable[[str | None], bool] | None  # with users: may this logged-in user upload?
    max_request_bytes: int
    per_minute: int
    temp_dir: Path
    max_temp_bytes: int


class UploadGuard:
    """ASGI middleware answering 403/411/413/429/507 to uploads beyond `UploadLimits`."""

    def __init__(self, app, limits: UploadLimits):
        self.app = app
        self.limits = limits
        self.recent: deque[float] = deque()
        self.lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        path = scope["path"].rstrip("/") if scope["type"] == "http" else ""
        if path.endswith(RECORDING_PATH):
            return await _refuse(send, 403, "this page takes no recordings")
        if not path.endswith(UPLOAD_PATH):
            return await self.app(scope, receive, send)
        refusal = self.refusal(scope)
        if refusal is not None:
            return await _refuse(send, *refusal)
        await self._upload(scope, receive, send)

    async def _upload(self, scope, receive, send) -> None:
        """Gradio's upload, held back until we know its files: a name starting with a dot is refused and
        its copies deleted (Gradio would store it, then refuse it inside the data folder with no message)."""
        messages = []

        async def keep(message):
            messages.append(message)

        await self.app(scope, receive, keep)  # returns after Gradio's background copy into its cache
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        stored = _paths(body) if messages and messages[0].get("status") == 200 else []
        dotted = [p.name for p in stored if p.name.startswith(".")]
        if not dotted:
            for message in messages:
                await send(message)
            return
        for path in stored:
            _delete(path, self.limits.temp_dir)
        await _refuse(send, 400, f"{printable(dotted[0])}: a file name starting with a dot is not accepted; "
                                 f"rename the file (e.g. {printable(dotted[0].lstrip('.')) or 'article.txt'}) and upload it again")

    def refusal(self, scope) -> tuple[int, str] | None:
        """(status, reason) if this upload must not be accepted, else None."""
        lim = self.limits
        if not lim.writable:
            return 403, "this page is read-only: uploads are disabled"
        if lim.editor is not None and not lim.editor(_user(scope)):
            return 403, "only editors may upload articles"
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is None or not length.isdigit():
            return 411, "an upload must state its Content-Length"
        if int(length) > lim.max_request_bytes:
            return 413, f"at most {lim.max_request_bytes / 1e6:g} MB per upload request"
        if _size(lim.temp_dir) > lim.max_temp_bytes:
            return 507, "the upload folder is full; try again in a few minutes"
        return self._rate()

    def _rate(self) -> tuple[int, str] | None:
        now = time.monotonic()
        with self.lock:
            while self.recent and now - self.recent[0] > 60:
                self.recent.popleft()
            if len(self.recent) >= self.limits.per_minute:
                return 429, f"at most {self.limits.per_minute} uploads per minute; try again shortly"
            self.recent.append(now)
        return None


async def _refuse(send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": text.encode("utf-8")})


def _paths(body: bytes) -> list[Path]:
    """The files Gradio's upload route says it stored (a JSON list of paths)."""
    try:
        return [Path(p) for p in json.loads(body) if isinstance(p, str)]
    except (ValueError, TypeError):
        return []


def _delete(path: Path, folder: Path) -> None:
    """Delete an uploaded copy and its folder if empty, only ever inside Gradio's upload `folder`."""
    path, folder = path.resolve(), folder.resolve()
    if folder in path.parents:
        path.unlink(missing_ok=True)
        if path.parent != folder and not any(path.parent.iterdir()):
            path.parent.rmdir()


def _user(scope) -> str | None:
    """The logged-in user of a request, from Gradio's session cookie (None if not logged in)."""
    app = scope.get("app")
    tokens, cookie_id = getattr(app, "tokens", None), getattr(app, "cookie_id", None)
    if tokens is None or cookie_id is None:
        return None  # not Gradio's app as we know it: nobody counts as logged in
    cookie = SimpleCookie()
    for key, value in scope.get("headers") or []:
        if key == b"cookie":
            cookie.load(value.decode("latin-1"))
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        if name in cookie and cookie[name].value in tokens:
            return tokens[cookie[name].value]
    return None


def _size(folder: Path) -> int:
    try:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    except OSError:
        return 0
