"""The knowledge index, built or refreshed in the background so the web app serves its page at
once. Until a first build is done, questions wait for it (the page shows the progress)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from assistant.services.ingest import IngestReport

log = logging.getLogger(__name__)


class BackgroundIndex:
    def __init__(self, sync: Callable[[Callable[[float], None]], IngestReport], already_built: bool) -> None:
        """``sync(progress)`` brings the index up to date; ``already_built`` says whether an index
        with content exists (then answers need not wait for the refresh)."""
        self._sync = sync
        self._ready = threading.Event()
        self.progress = 1.0 if already_built else 0.0
        self.failed = False
        if already_built:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="gnist-index", daemon=True)
        thread.start()
        return thread

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def _run(self) -> None:
        try:
            report = self._sync(self._advance)
            for error in report.errors:
                log.warning("kunnskapsbasen: %s", error)
        except Exception:
            log.exception("building the knowledge index failed")
            self.failed = True
        self.progress = 1.0
        self._ready.set()

    def _advance(self, fraction: float) -> None:
        if not self.ready:
            self.progress = fraction
