"""newsrag: questions about news articles, answered with exact, checkable citations.

`App(settings)` is the one way in (see newsrag/app.py); `Settings.from_env()` builds the settings.
"""

from newsrag.app import App
from newsrag.settings import Settings

__all__ = ["App", "Settings"]
