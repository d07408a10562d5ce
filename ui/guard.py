"""Bounds on Gradio's upload route (`/gradio_api/upload`), checked before a byte is written.

Gradio stores any posted file in its temp folder before a handler sees it, so the limits live in an
ASGI middleware: no uploads at all on a read-only page; only editors when there are users; a size
cap per request; a cap on requests per minute; and a cap on what the temp folder may hold.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Callable

UPLOAD_PATH = "/gradio_api/upload"


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
        if scope["type"] != "http" or not scope["path"].rstrip("/").endswith(UPLOAD_PATH):
            return await self.app(scope, receive, send)
        refusal = self.refusal(scope)
        if refusal is None:
            return await self.app(scope, receive, send)
        status, text = refusal
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
        await send({"type": "http.response.body", "body": text.encode("utf-8")})

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
