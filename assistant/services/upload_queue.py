"""Uploads indexed in the background by a bounded queue.

A few worker threads (``ingest_workers``) take jobs in the order they were submitted; each owner
may have ``ingest_queue_per_user`` jobs waiting or running and everyone together
``ingest_queue_total``. The web page submits a batch and then polls the jobs' state and progress:
every read returns immutable snapshots taken under one lock, so polling is cheap and thread-safe.
An owner only ever sees its own jobs.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from assistant.services.documents import DocumentService, UploadResult, safe_filename, unexpected_failure
from assistant.settings import Settings

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]
# Finished jobs are remembered so the page can show how a batch went: the latest few per owner,
# for at most an hour.
KEEP_FINISHED_PER_OWNER = 20
KEEP_FINISHED_SECONDS = 3600


@dataclass(frozen=True)
class UploadJob:
    """A snapshot of one upload; it never changes, ask the queue again for news."""

    id: str
    owner: str
    filename: str
    state: JobState
    progress: float = 0.0  # share of the file's text chunks embedded so far, 0-1
    position: int = 0  # place in the queue (1 = next to start) while queued, else 0
    result: UploadResult | None = None  # set when done or failed

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def message(self) -> str:
        return self.result.message if self.result else ""


@dataclass(eq=False)
class _Record:
    job: UploadJob
    path: Path
    delete_source_after: bool
    finished_at: float = 0.0


class UploadQueue:
    def __init__(self, documents: DocumentService, settings: Settings) -> None:
        self.documents = documents
        self.per_user = settings.ingest_queue_per_user
        self.total = settings.ingest_queue_total
        self._executor = ThreadPoolExecutor(max_workers=settings.ingest_workers, thread_name_prefix="gnist-ingest")
        self._changed = threading.Condition()
        # Each owner's jobs by id, in submission order: a read never looks at anyone else's.
        self._owners: dict[str, dict[str, _Record]] = {}
        self._queued: list[_Record] = []  # waiting for a worker, first in line first
        self._pending = 0  # queued or running, all owners
        self._closed = False

    # -- submitting ------------------------------------------------------------------------------

    def submit(self, owner: str, path: Path, filename: str | None = None,
               delete_source_after: bool = False) -> UploadJob:
        """Queue one file for ``owner``. Never raises for a full queue: the job comes back
        ``failed`` with a message saying what to do. With ``delete_source_after`` the file at
        ``path`` is removed once processed (or refused), so an upload cache keeps nothing."""
        name = safe_filename(filename or path.name)
        with self._changed:
            self._forget_old(time.monotonic())
            refusal = self._refusal(owner, name)
            job = UploadJob(uuid.uuid4().hex, owner, name, "failed" if refusal else "queued", result=refusal)
            record = _Record(job, path, delete_source_after, finished_at=time.monotonic() if refusal else 0.0)
            self._owners.setdefault(owner, {})[job.id] = record
            if refusal is None:
                self._queued.append(record)
                self._pending += 1
            snapshot = self._view(record)
        if refusal is None:
            self._executor.submit(self._run, record)
        elif delete_source_after:
            path.unlink(missing_ok=True)
        return snapshot

    def _refusal(self, owner: str, name: str) -> UploadResult | None:
        if self._closed:
            return _stopped(name)
        waiting = sum(1 for r in self._owners.get(owner, {}).values() if not r.job.finished)
        if waiting >= self.per_user:
            key = "upload.user_queue_full_one" if waiting == 1 else "upload.user_queue_full"
            return UploadResult(name, False, key, {"count": waiting})
        if self._pending >= self.total:
            return UploadResult(name, False, "upload.queue_full", {"count": self._pending})
        return None

    def _forget_old(self, now: float) -> None:
        for owner, records in list(self._owners.items()):
            finished = [r for r in records.values() if r.job.finished]
            for number, record in enumerate(reversed(finished), start=1):  # newest first
                if number > KEEP_FINISHED_PER_OWNER or now - record.finished_at > KEEP_FINISHED_SECONDS:
                    del records[record.job.id]
            if not records:
                del self._owners[owner]

    # -- working ---------------------------------------------------------------------------------

    def _run(self, record: _Record) -> None:
        with self._changed:
            if record.job.state != "queued":  # failed by close() while waiting
                return
            self._queued.remove(record)
            record.job = replace(record.job, state="running")
            self._changed.notify_all()
        job = record.job
        try:
            result = self.documents.upload(
                job.owner, record.path, job.filename, progress=lambda fraction: self._set_progress(record, fraction)
            )
        except Exception:
            log.exception("upload job %s failed", job.id)
            result = unexpected_failure(job.filename)
        finally:
            if record.delete_source_after:
                record.path.unlink(missing_ok=True)
        self._finish(record, result)

    def _set_progress(self, record: _Record, fraction: float) -> None:
        with self._changed:
            record.job = replace(record.job, progress=min(max(fraction, 0.0), 1.0))
            self._changed.notify_all()

    def _finish(self, record: _Record, result: UploadResult) -> None:
        with self._changed:
            self._finish_locked(record, result)

    def _finish_locked(self, record: _Record, result: UploadResult) -> None:
        progress = 1.0 if result.ok else record.job.progress
        record.job = replace(record.job, state="done" if result.ok else "failed", progress=progress, result=result)
        record.finished_at = time.monotonic()
        self._pending -= 1
        self._changed.notify_all()

    # -- reading (only ever the caller's own jobs) -----------------------------------------------

    @property
    def length(self) -> int:
        """Jobs waiting or running, all owners (a count only, for the metrics)."""
        return self._pending

    def _view(self, record: _Record) -> UploadJob:
        if record.job.state != "queued":
            return record.job
        return replace(record.job, position=self._queued.index(record) + 1)

    def jobs(self, owner: str) -> list[UploadJob]:
        """The owner's recent jobs, oldest first."""
        with self._changed:
            return [self._view(r) for r in self._owners.get(owner, {}).values()]

    def job(self, owner: str, job_id: str) -> UploadJob | None:
        with self._changed:
            record = self._owners.get(owner, {}).get(job_id)
            return self._view(record) if record is not None else None

    def wait(self, owner: str, job_ids: list[str], timeout: float | None = None) -> list[UploadJob]:
        """Block until the owner's jobs among ``job_ids`` are finished or ``timeout`` seconds have
        passed; returns their snapshots (other owners' and unknown ids are left out)."""

        def own() -> list[_Record]:
            records = self._owners.get(owner, {})
            return [records[i] for i in job_ids if i in records]

        with self._changed:
            self._changed.wait_for(lambda: all(r.job.finished for r in own()), timeout)
            return [self._view(r) for r in own()]

    # -- stopping --------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop taking work: jobs still waiting fail with a message (their sources are removed if
        asked); a running job finishes in the background."""
        with self._changed:
            self._closed = True
            cancelled = self._cancel_waiting(lambda record: True)
        self._executor.shutdown(wait=False, cancel_futures=True)
        _remove_sources(cancelled)

    def cancel(self, owner: str) -> None:
        """The owner's data is being deleted: their waiting jobs never run and their job list is
        forgotten (a running job finishes first; deletion waits for it through DocumentService)."""
        with self._changed:
            cancelled = self._cancel_waiting(lambda record: record.job.owner == owner)
            self._owners.pop(owner, None)
        _remove_sources(cancelled)

    def _cancel_waiting(self, chosen) -> list[_Record]:
        cancelled = [record for record in self._queued if chosen(record)]
        for record in cancelled:
            self._queued.remove(record)
            self._finish_locked(record, _stopped(record.job.filename))
        return cancelled


def _remove_sources(records: list[_Record]) -> None:
    for record in records:
        if record.delete_source_after:
            record.path.unlink(missing_ok=True)


def _stopped(name: str) -> UploadResult:
    return UploadResult(name, False, "upload.stopped")
