"""The one writer and questions-first pacing (index/writer.py), on real threads."""

from __future__ import annotations

import threading
import time

import pytest

from newsrag.errors import InputError
from newsrag.index.writer import Turns, Writer


def test_jobs_run_one_at_a_time_in_order_and_errors_reach_the_waiter():
    writer, seen, running = Writer(), [], []

    def work(n):
        def run(job):
            running.append(n)
            assert len(running) == 1  # never two at once
            time.sleep(0.01)
            seen.append((n, threading.current_thread().name))
            running.pop()
            if n == 3:
                raise InputError("three is refused")
            return n * 10
        return run

    jobs = [writer.submit(f"job {n}", work(n)) for n in range(5)]
    assert [j.wait(10) for j in jobs[:3]] == [0, 10, 20]
    with pytest.raises(InputError, match="three is refused"):
        jobs[3].wait(10)
    assert jobs[4].wait(10) == 40 and jobs[3].state == "failed"
    assert [n for n, _ in seen] == list(range(5)) and {t for _, t in seen} == {"newsrag-writer"}
    # a job that itself asks the writer for more work runs it in place instead of waiting for itself
    assert writer.run("outer", lambda job: writer.run("inner", lambda inner: "nested")) == "nested"


def test_the_writer_pauses_while_a_question_is_being_answered():
    turns, paused_until = Turns(max_wait=5), []
    with turns.question():
        waiter = threading.Thread(target=lambda: (turns.pause(), paused_until.append(time.monotonic())))
        waiter.start()
        time.sleep(0.3)
        assert not paused_until  # still waiting: the question goes first
        answered = time.monotonic()
    waiter.join(5)
    assert paused_until and paused_until[0] >= answered
    assert turns.slice() == turns.small  # a question just ran: small slices for a while
    assert Turns().slice() == 0  # nobody asked yet: full batches
