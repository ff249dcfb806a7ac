"""Stand-ins shared by the unit tests of the LLM path."""

from __future__ import annotations

import threading

import pytest


class SilentModel:
    """A chat model that accepts every request and never sends a chunk (until the test ends);
    it records each request's timeout."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.timeouts: list[float] = []

    def stream(self, messages, timeout):
        self.timeouts.append(timeout)
        self.release.wait(30)
        yield from ()


@pytest.fixture
def silent_model():
    model = SilentModel()
    yield model
    model.release.set()  # the abandoned worker threads end with the test
