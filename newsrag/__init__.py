"""newsrag: questions about news articles, answered with exact, checkable citations.

`App(settings)` is the one way in (see newsrag/app.py); `Settings.from_env()` builds the settings.
`App` loads on first use, so importing `newsrag.settings` or one stage (`newsrag.rag.answer`) does
not pull in the whole app (Chroma, the chat, every stage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsrag.settings import Settings

if TYPE_CHECKING:
    from newsrag.app import App

__all__ = ["App", "Settings"]


def __getattr__(name: str):
    if name == "App":
        from newsrag.app import App

        return App
    raise AttributeError(f"module 'newsrag' has no attribute {name!r}")
