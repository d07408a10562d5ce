"""Bounds on Gradio's login route (`POST /login`): per-user and per-address back-off, a log line per lockout.

Gradio checks passwords with no limit, so an ASGI middleware counts failed logins by user name and by
client address. Past `per_user` (or `per_address`) failures within `window` seconds, each further
failure locks that name (or address) out for `backoff` seconds, doubled every time, at most
`max_lockout`; a locked-out attempt is answered 429 with Retry-After before any password is hashed.
An attempt is counted before it is checked (and refunded if it succeeds), so concurrent guesses
cannot slip past the limit together.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qs

from newsrag.index.load import printable

log = logging.getLogger("newsrag.ui")

LOGIN_PATH = "/login"
MAX_BODY = 64_000  # a login form is a user name and a password
MAX_KEYS = 100_000  # names and addresses remembered; the oldest are forgotten first


@dataclass(frozen=True)
class LoginLimits:
    per_user: int = 5
    per_address: int = 20
    backoff: float = 1.0
    max_lockout: float = 900.0
    window: float = 900.0


class Backoff:
    """Recent failed logins per key (a user name or an address) and the lockout they earn."""

    def __init__(self, free: int, limits: LoginLimits):
        self.free, self.limits = free, limits
        self.failures: OrderedDict[str, list[float]] = OrderedDict()

    def lockout(self, failures: int) -> float:
        """Seconds locked out after the `failures`-th failure in the window (0 while within the limit)."""
        if failures <= self.free:
            return 0.0
        return min(self.limits.max_lockout, self.limits.backoff * 2 ** min(failures - self.free - 1, 30))

    def wait(self, key: str, now: float) -> float:
        """Seconds `key` must still wait before its next attempt."""
        times = self._recent(key, now)
        return max(0.0, times[-1] + self.lockout(len(times)) - now) if times else 0.0

    def charge(self, key: str, now: float) -> float:
        """Count one attempt as failed; returns the lockout it earns."""
        times = self._recent(key, now) + [now]
        self.failures[key] = times
        self.failures.move_to_end(key)
        while len(self.failures) > MAX_KEYS:
            self.failures.popitem(last=False)
        return self.lockout(len(times))

    def refund(self, key: str, now: float, forget: bool = False) -> None:
        """The attempt charged at `now` succeeded: take it back (`forget`: and every earlier failure)."""
        times = self.failures.get(key, [])
        if forget or times == [now]:
            self.failures.pop(key, None)
        elif now in times:
            times.remove(now)

    def _recent(self, key: str, now: float) -> list[float]:
        return [t for t in self.failures.get(key, []) if now - t < self.limits.window]


class LoginGuard:
    """ASGI middleware: 429 for a locked-out name or address, else Gradio's login, whose result it counts."""

    def __init__(self, app, limits: LoginLimits = LoginLimits()):
        self.app = app
        self.users = Backoff(limits.per_user, limits)
        self.addresses = Backoff(limits.per_address, limits)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].rstrip("/").endswith(LOGIN_PATH):
            return await self.app(scope, receive, send)
        body = await _body(receive)
        if body is None:
            return await _reply(send, 413, "a login form is at most 64 kB")
        user, address, now = _user_of(scope, body), (scope.get("client") or ("?",))[0], time.monotonic()
        wait = max(self.users.wait(user, now), self.addresses.wait(address, now))
        if wait > 0:
            return await _reply(send, 429, f"too many failed logins; try again in {math.ceil(wait)} s",
                                retry_after=math.ceil(wait))
        charged = [("user", user, self.users), ("address", address, self.addresses)]
        earned = [backoff.charge(key, now) for _, key, backoff in charged]
        if await self._forward(scope, body, receive, send) == 200:
            self.users.refund(user, now, forget=True)
            self.addresses.refund(address, now)
            return
        for (kind, key, backoff), seconds in zip(charged, earned):
            if seconds:
                log.warning("newsrag: login lockout: %s %s locked for %g s after %d failed logins (user %s from %s)",
                            kind, printable(repr(key)), seconds, len(backoff.failures.get(key, [])),
                            printable(repr(user)), address)

    async def _forward(self, scope, body: bytes, receive, send) -> int:
        status = 0

        async def sending(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, _replay(body, receive), sending)
        return status


async def _body(receive) -> bytes | None:
    """The whole request body, or None if it is longer than MAX_BODY."""
    chunks, size = [], 0
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_BODY:
            return None
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive):
    sent = False

    async def again():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return again


def _user_of(scope, body: bytes) -> str:
    """The `username` field of a urlencoded or multipart login form, stripped as Gradio strips it."""
    headers = dict(scope.get("headers") or [])
    kind = headers.get(b"content-type", b"").decode("latin-1")
    if kind.startswith("multipart/form-data"):
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + kind.encode("latin-1") + b"\r\n\r\n" + body)
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "username":
                return str(part.get_content()).strip()
        return ""
    return parse_qs(body.decode("utf-8", "replace")).get("username", [""])[0].strip()


async def _reply(send, status: int, detail: str, retry_after: int | None = None) -> None:
    headers = [(b"content-type", b"application/json")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps({"detail": detail}).encode()})
