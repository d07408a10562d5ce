"""How a long index write shares its process with questions (the writer and its `Turns`: index/writer.py)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, ContextManager


@dataclass(frozen=True)
class Pacing:
    """How an ingest shares its process with questions: `pause()` is called between small slices of
    work (a background writer makes it wait while questions run), and `commit()` is the context held
    around the commit point only, so readers see the last committed state while records are staged."""

    pause: Callable[[], None] = lambda: None
    commit: Callable[[], ContextManager] = contextlib.nullcontext
    slice: Callable[[], int] = lambda: 0  # sentences embedded or analysed between pauses (0: the usual batches)
