"""Chunking: size limit with overlap, title/locator on every chunk, stable and distinct ids."""

from __future__ import annotations

import datetime
import itertools

from assistant.ingest.chunking import CHUNK_CHARS, CHUNK_OVERLAP, chunk_document
from assistant.ingest.loaders import LoadedDocument, Section, load_file

HASH = "a" * 64


def long_text(sentences: int = 60) -> str:
    return " ".join(
        f"Setning {n} handler om hvordan kommune nummer {n} kan bruke fjorden, fjellet og folket til nye "
        f"arbeidsplasser."
        for n in range(sentences)
    )


def document(sections: list[Section], **metadata) -> LoadedDocument:
    return LoadedDocument(source="knowledge/test.md", title="Testdokument", kind="md", sections=sections,
                          metadata=metadata)


def test_long_section_is_split_within_limit_with_overlap():
    text = long_text()
    assert len(text) > 4 * CHUNK_CHARS
    chunks = chunk_document(document([Section(text=text, locator="Kapittel > Del", heading="Del")]), HASH)
    assert len(chunks) >= 4
    assert all(len(c.text) <= CHUNK_CHARS for c in chunks)
    # Consecutive chunks overlap: the next one starts with words from the end of the previous one.
    for previous, current in itertools.pairwise(chunks):
        head = current.text[:40]
        assert head in previous.text[-(CHUNK_OVERLAP + 60):], (previous.text[-200:], head)
    # Nothing is lost: every sentence is in some chunk.
    for n in range(60):
        assert any(f"Setning {n} handler" in c.text for c in chunks)


def test_short_sections_are_one_chunk_each():
    sections = [Section(text="Kort tekst én.", locator="A", heading="A"),
                Section(text="Kort tekst to.", locator="A > B", heading="B")]
    chunks = chunk_document(document(sections), HASH)
    assert [c.text for c in chunks] == ["Kort tekst én.", "Kort tekst to."]
    assert [c.locator for c in chunks] == ["A", "A > B"]
    assert [c.metadata["position"] for c in chunks] == [0, 1]
    assert [c.metadata["heading"] for c in chunks] == ["A", "B"]


def test_every_chunk_keeps_title_locator_source_and_hash():
    chunks = chunk_document(document([Section(text=long_text(), locator="Kapittel > Del", heading="Del")]), HASH)
    for chunk in chunks:
        assert chunk.title == "Testdokument"
        assert chunk.locator == "Kapittel > Del"
        assert chunk.source == "knowledge/test.md"
        assert chunk.file_hash == HASH
        assert chunk.metadata["kind"] == "md"
        assert chunk.embedding_text.startswith("Testdokument. Kapittel > Del\n")
        assert chunk.embedding_text.endswith(chunk.text)


def test_embedding_text_without_context_is_the_text():
    doc = LoadedDocument(source="s", title="", kind="txt", sections=[Section(text="Bare tekst.", locator="")])
    assert chunk_document(doc, HASH)[0].embedding_text == "Bare tekst."


def test_ids_are_stable_and_distinct():
    doc = document([Section(text=long_text(), locator="L"), Section(text=long_text(), locator="L")])
    first = chunk_document(doc, HASH)
    again = chunk_document(doc, HASH)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)  # identical text in two sections still gets two ids
    assert all(c.id.startswith(HASH[:12] + "-") for c in first)


def test_ids_change_with_file_hash_and_source():
    doc = document([Section(text="Samme tekst.", locator="L")])
    other_source = LoadedDocument(source="knowledge/annen.md", title="Testdokument", kind="md", sections=doc.sections)
    base = chunk_document(doc, HASH)[0].id
    assert chunk_document(doc, "b" * 64)[0].id != base
    assert chunk_document(other_source, HASH)[0].id != base


def test_metadata_is_flattened_to_chroma_scalars():
    doc = document(
        [Section(text="Tekst.", locator="L")],
        sources=["https://a.no", "https://b.no"],
        year=2022,
        verified=True,
        score=0.5,
        missing=None,
        date=datetime.date(2022, 2, 1),
    )
    meta = chunk_document(doc, HASH)[0].metadata
    assert meta["sources"] == "https://a.no; https://b.no"
    assert meta["year"] == 2022 and meta["verified"] is True and meta["score"] == 0.5
    assert meta["date"] == "2022-02-01"
    assert "missing" not in meta
    assert all(isinstance(v, (str, int, float, bool)) for v in meta.values())


def test_pdf_chunks_carry_printed_page(files):
    chunks = chunk_document(load_file(files.text_pdf()), HASH)
    assert [(c.locator, c.metadata["page"]) for c in chunks] == [("s. i", "i"), ("s. ii", "ii"), ("s. 12", "12"),
                                                                 ("s. 13", "13")]


def test_markdown_corpus_file_chunks(corpus_paths):
    path = corpus_paths["programmet/delta-i-gnist.md"]
    chunks = chunk_document(load_file(path), HASH)
    assert {c.locator for c in chunks} == {"Delta i Gnist: kostnader og forpliktelser", "Deltakeravgift",
                                           "Arbeidstid i kommunen"}
    assert chunks[0].metadata["type"] == "program"
