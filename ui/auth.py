"""Who may use the page: a password file of `user:scrypt-hash[:editor]` lines, written by `newsrag passwd`.

Only salted scrypt hashes are stored (hashlib.scrypt, n=2**14, r=8, p=1); a password never appears
in argv, a log or the environment. Editors may upload and remove articles; other users may only ask.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from newsrag.errors import InputError

_N, _R, _P = 2**14, 8, 1
USER = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash` (hex), a fresh random salt each time."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify(password: str, stored: str) -> bool:
    """True if `password` matches a `hash_password` string (constant-time comparison)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2)
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


@dataclass(frozen=True)
class Users:
    """The accounts of a password file: user -> (hash, is editor)."""

    accounts: dict[str, tuple[str, bool]]
    # hashed in place of an unknown user's, so that a name that exists takes no longer to refuse than one
    # that does not (timing would tell them apart: 98 ms against 1 ms)
    dummy: str = field(default_factory=lambda: hash_password(secrets.token_urlsafe(16)))

    @classmethod
    def load(cls, path: Path) -> "Users":
        """Parse the file; a malformed line is a one-line error naming its number."""
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise InputError(f"{path}: cannot read the password file ({e.strerror or e})") from e
        accounts = {}
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            user, _, rest = line.strip().partition(":")
            hashed, _, role = rest.partition(":")
            if not USER.fullmatch(user) or not hashed.startswith("scrypt$") or role not in ("", "editor"):
                raise InputError(f"{path}:{number}: expected 'user:scrypt-hash' or 'user:scrypt-hash:editor' "
                                 f"(write it with: newsrag passwd USER --file {path})")
            accounts[user] = (hashed, role == "editor")
        if not accounts:
            raise InputError(f"{path}: no users (add one with: newsrag passwd USER --editor --file {path})")
        return cls(accounts)

    def check(self, user: str, password: str) -> bool:
        """Does this user exist with this password? As slow for an unknown user as for a known one."""
        account = self.accounts.get(user)
        matches = verify(password, account[0] if account else self.dummy)
        return account is not None and matches

    async def login(self, user: str, password: str) -> bool:
        """Gradio's `auth=` callable: `check` in a worker thread. Gradio awaits it in its login route, and
        scrypt would otherwise hold the event loop (and every reader's answer) for its ~0.1 s."""
        return await anyio.to_thread.run_sync(self.check, user, password)

    def is_editor(self, user: str | None) -> bool:
        return user is not None and self.accounts.get(user, ("", False))[1]


def set_password(path: Path, user: str, password: str, editor: bool) -> bool:
    """Add or replace `user` in the password file (created mode 0600); True if the user was new."""
    if not USER.fullmatch(user):
        raise InputError(f"{user!r}: a user name is 1-64 of A-Z a-z 0-9 . _ @ -")
    if not password:
        raise InputError("empty password")
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    entry = f"{user}:{hash_password(password)}" + (":editor" if editor else "")
    kept = [line for line in lines if line.partition(":")[0].strip() != user]
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(kept + [entry]) + "\n")
    os.replace(tmp, path)  # atomic: a running server never reads half a file
    return len(kept) == len(lines)


@dataclass(frozen=True)
class Access:
    """Who may do what on one page: `read_only` registers no write handler; `users` requires a login."""

    read_only: bool = False
    users: Users | None = None

    def may_write(self, user: str | None) -> bool:
        """May this logged-in user (None: nobody logged in) upload or remove articles?"""
        if self.read_only:
            return False
        return self.users is None or self.users.is_editor(user)
