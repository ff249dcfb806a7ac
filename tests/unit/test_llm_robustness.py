"""The circuit breaker (with an injected clock) and the wall-clock deadline on a model's stream.

The stand-in models here (and ``silent_model`` in conftest.py) only implement
``stream(messages, timeout=...)``; the same deadline runs
against a real HTTP server that drips or hangs in tests/integration/test_llm_deadline.py.
"""

from __future__ import annotations

import threading
import time

import pytest

from assistant.adapters.llm import CircuitBreaker, DeadlineExceeded, stream_until


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def opened(failures: int, cooldown: float) -> tuple[CircuitBreaker, Clock]:
    """A breaker that has just seen ``failures`` failures in a row, and its clock."""
    clock = Clock()
    breaker = CircuitBreaker(failures=failures, cooldown=cooldown, clock=clock)
    for _ in range(failures):
        breaker.record_failure()
    return breaker, clock


# -- circuit breaker --------------------------------------------------------------------------------


def test_breaker_opens_after_failures_in_a_row_and_a_success_resets_the_count():
    breaker = CircuitBreaker(failures=3, cooldown=60, clock=Clock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # the row is broken
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert not breaker.allow() and not breaker.allow()


def test_breaker_lets_one_trial_through_after_the_cooldown():
    breaker, clock = opened(failures=2, cooldown=60)
    clock.now += 59.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # everyone else waits for its outcome
    breaker.record_success()
    assert breaker.allow() and breaker.allow()


def test_a_failed_trial_opens_the_breaker_for_another_cooldown():
    breaker, clock = opened(failures=2, cooldown=60)
    clock.now += 61
    assert breaker.allow()
    clock.now += 5  # the trial takes a while, then fails
    breaker.record_failure()
    clock.now += 59
    assert not breaker.allow()
    clock.now += 1.1
    assert breaker.allow()


def test_breaker_gives_exactly_one_trial_to_many_users_at_once():
    breaker, clock = opened(failures=1, cooldown=10)
    clock.now += 11
    start = threading.Barrier(32)
    results: list[bool] = []

    def user() -> None:
        start.wait()
        results.append(breaker.allow())

    threads = [threading.Thread(target=user) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1 and len(results) == 32


# -- the deadline on a stream -----------------------------------------------------------------------


class DrippingModel:
    """One chunk every ``every`` seconds, forever; records when the stream is closed."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.closed = threading.Event()

    def stream(self, messages, timeout):
        try:
            while True:
                yield "ord "
                time.sleep(self.every)
        finally:
            self.closed.set()


class ListModel:
    def __init__(self, chunks, error: Exception | None = None) -> None:
        self.chunks, self.error = chunks, error

    def stream(self, messages, timeout):
        yield from self.chunks
        if self.error:
            raise self.error


def test_a_model_that_sends_nothing_is_cut_off_at_the_deadline(silent_model):
    model = silent_model
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        list(stream_until(model, [], started + 0.5))
    assert time.monotonic() - started < 0.7
    # The request itself carries the budget, so the worker's socket read ends on its own too.
    assert 0.4 < model.timeouts[0] <= 0.5


def test_a_dripping_model_is_cut_off_at_the_deadline_and_its_stream_closed():
    model = DrippingModel(every=0.2)
    started = time.monotonic()
    received = []
    with pytest.raises(DeadlineExceeded):
        received.extend(stream_until(model, [], started + 0.7))
    assert 0.7 <= time.monotonic() - started < 0.9
    assert 3 <= len(received) <= 5
    assert model.closed.wait(1), "the abandoned stream must be closed, not read forever"


def test_a_finished_stream_yields_every_chunk_and_errors_reach_the_caller():
    assert list(stream_until(ListModel(["a", "b", "c"]), [], time.monotonic() + 5)) == ["a", "b", "c"]
    with pytest.raises(ConnectionError):
        list(stream_until(ListModel(["a"], ConnectionError("refused")), [], time.monotonic() + 5))
    with pytest.raises(DeadlineExceeded):
        list(stream_until(ListModel(["a"]), [], time.monotonic() - 1))
