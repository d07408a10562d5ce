"""One writer per process: index changes run one at a time, in the order asked, on a background thread.

Questions are answered meanwhile from the last committed state, and they go first: while any
question is being answered, the writer waits between small slices of work (`Turns.pause`), so a
large ingest slows a question down by the slice in flight when it came, instead of blocking it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from newsrag.errors import NewsragError

log = logging.getLogger("newsrag.writer")


class Turns:
    """Questions first: `question()` marks one as running; `pause()` waits (bounded) until none is.

    While questions come (one ran in the last `window` seconds) `slice()` asks for small slices of
    ingest work, so a question arriving mid-slice waits for little; otherwise larger, faster ones.
    """

    def __init__(self, max_wait: float = 10.0, small: int = 4, window: float = 60.0):
        self.max_wait = max_wait  # under a steady stream of questions an ingest still moves, one slice at a time
        self.small, self.window = small, window
        self._cond = threading.Condition()
        self._asking = 0
        self._last = float("-inf")

    @contextmanager
    def question(self) -> Iterator[None]:
        with self._cond:
            self._asking += 1
            self._last = time.monotonic()
        try:
            yield
        finally:
            with self._cond:
                self._asking -= 1
                self._last = time.monotonic()
                self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._asking == 0, timeout=self.max_wait)

    def slice(self) -> int:
        """Sentences to embed before the next pause: `small` while questions come, else 0 (the default)."""
        return self.small if time.monotonic() - self._last < self.window else 0


@dataclass
class Job:
    """One queued change, e.g. one uploaded file: its state and progress can be read from any thread."""

    name: str
    state: str = "queued"  # queued -> running -> done | failed
    done: int = 0  # sentences embedded so far
    total: int = 0
    result: Any = None
    error: BaseException | None = None
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> Any:
        """The job's result once it finished; its exception re-raised if it failed."""
        if not self._finished.wait(timeout):
            raise TimeoutError(f"{self.name}: still {self.state}")
        if self.error is not None:
            raise self.error
        return self.result


class Writer:
    """A FIFO of jobs run by one daemon thread, started on the first job."""

    def __init__(self, name: str = "newsrag-writer", prepare: Callable[[], None] | None = None):
        self.name = name
        self._prepare = prepare  # run once on the writer thread before its first job (App.heal)
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def submit(self, name: str, work: Callable[[Job], Any]) -> Job:
        """Queue `work(job)` and return its job at once."""
        job = Job(name)
        self._jobs.put((job, work))
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
        return job

    def run(self, name: str, work: Callable[[Job], Any]) -> Any:
        """Queue `work` and wait for its result (called from the writer itself, run it in place)."""
        if threading.current_thread() is self._thread:
            return work(Job(name, state="running"))
        return self.submit(name, work).wait()

    def _loop(self) -> None:
        if self._prepare is not None:
            try:
                self._prepare()
            except Exception:  # the jobs still run; what was not healed now is healed at the next start
                log.exception("could not finish the changes a stopped process left half done")
        while True:
            job, work = self._jobs.get()
            job.state = "running"
            try:
                job.result = work(job)
                job.state = "done"
            except BaseException as e:  # handed to whoever waits for the job
                job.error, job.state = e, "failed"
                if not isinstance(e, NewsragError):
                    log.exception("unexpected error in the index writer (%s)", job.name)
            finally:
                job._finished.set()
