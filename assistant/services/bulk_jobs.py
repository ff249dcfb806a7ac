"""Bulk work for one waiting caller, in the background: «Finn tema» embeds every input of a form,
which can take a while, and must neither hold a web worker nor outlive the person who asked.

A ``BulkJob`` runs ``work(progress, cancelled)`` on a daemon thread. Its caller polls it (``wait``),
which also says the caller is still there: a job nobody has polled for ``abandoned_after_s``
cancels itself, as does ``cancel()`` (the caller's handler ends or the caller asks again). The work
checks ``cancelled()`` between small steps (``embed_bulk`` does, between batches) and reports
``progress(done, total)``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar, cast

Result = TypeVar("Result")
ABANDONED_AFTER_S = 15.0  # the caller polls every second or so; this long without a poll: gone


class BulkJob(Generic[Result]):
    def __init__(self, work: Callable[[Callable[[int, int], None], Callable[[], bool]], Result], *,
                 abandoned_after_s: float = ABANDONED_AFTER_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._work = work
        self._abandoned_after_s = abandoned_after_s
        self._clock = clock
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._last_poll = clock()
        self.done_count = 0
        self.total = 0
        self.result: Result | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bulk-job", daemon=True)

    def start(self) -> BulkJob[Result]:
        self._thread.start()
        return self

    @property
    def fraction(self) -> float:
        return self.done_count / self.total if self.total else 0.0

    def cancelled(self) -> bool:
        """Asked to stop, or nobody has asked about the job for a while."""
        if self._clock() - self._last_poll > self._abandoned_after_s:
            self._cancel.set()
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True once the job has ended (see ``result``, ``error``).
        Each call tells the job its caller is still there."""
        self._last_poll = self._clock()
        return self._done.wait(timeout)

    def outcome(self) -> Result:
        """The result of an ended job, or its error raised."""
        if self.error is not None:
            raise self.error
        return cast(Result, self.result)  # set when the job ended without an error

    def _progress(self, done: int, total: int) -> None:
        self.done_count, self.total = done, total

    def _run(self) -> None:
        try:
            self.result = self._work(self._progress, self.cancelled)
        except BaseException as error:  # noqa: BLE001 - handed to the caller by outcome()
            self.error = error
        finally:
            self._done.set()
