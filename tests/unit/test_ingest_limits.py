"""Bounded ingest on real, small attack files made in the test: YAML alias bombs, very long PDFs,
encrypted PDFs, DOCX zip and XML bombs, and documents with too much text or too many chunks.
Each refusal must be fast, cheap in memory and name the limit in Norwegian."""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import IngestError, IngestLimits, LoadedDocument, Section, load_file
from assistant.settings import Settings

WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def refused(path: Path, limits: IngestLimits = IngestLimits()) -> tuple[str, float, int]:
    """Load ``path`` expecting a refusal: (reason, seconds, peak traced bytes)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(IngestError) as caught:
            load_file(path, limits=limits)
        return caught.value.reason, time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --------------------------------------------------------------------------- front matter


def alias_bomb(files, name: str = "latter.md") -> Path:
    """Nine levels of nine aliases each: 9**9 (387 million) strings once expanded, in ~400 bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, current in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{current}: &{current} [" + ",".join([f"*{previous}"] * 9) + "]")
    return files.markdown(name, "---\n" + "\n".join(lines) + "\ntitle: Latter\n---\n# Latter\n\nInnhold.\n")


@pytest.mark.parametrize("limits", [IngestLimits(), IngestLimits.for_uploads(Settings())], ids=["knowledge", "upload"])
def test_yaml_alias_bomb_is_refused_before_expanding(files, limits):
    path = alias_bomb(files)
    assert path.stat().st_size < 600
    reason, seconds, peak = refused(path, limits)
    assert "ankere eller henvisninger (& og *)" in reason
    assert seconds < 5
    assert peak < 5_000_000


def test_a_lone_anchor_is_refused_too(files):
    path = files.markdown("anker.md", "---\ntitle: &t Tittel\n---\n# Tittel\n\nTekst.\n")
    reason, _, _ = refused(path)
    assert "ankere eller henvisninger" in reason


def test_front_matter_size_is_capped(files):
    path = files.markdown("lang.md", "---\ntitle: T\nnotat: \"" + "x" * 20_000 + "\"\n---\n# T\n\nTekst.\n")
    reason, _, _ = refused(path)
    assert "lengre enn 16 000 tegn" in reason


def test_broken_front_matter_names_the_line_in_norwegian(files):
    path = files.markdown("feil.md", "---\ntitle: T\ntags: [ikke lukket\n---\n# T\n\nTekst.\n")
    reason, _, _ = refused(path)
    assert "kunne ikke tolkes" in reason and "linje" in reason
    assert "expected" not in reason and not re.search(r"\w+(Error|Exception)\b", reason)  # no raw parser English


def test_deeply_nested_front_matter_is_refused_early(files):
    # Refused by the depth check before YAML parses it (the reason says so); how fast is a
    # benchmark's question, not a test's (it ran 5-57 s on a loaded machine).
    path = files.markdown("dyp.md", "---\ntitle: " + "[" * 7000 + "]" * 7000 + "\n---\n# T\n\nTekst.\n")
    reason, _seconds, _ = refused(path)
    assert "mer enn 20 nivåer inni hverandre" in reason


FRONT_MATTER_POSING_AS_CURATED = """\
    ---
    title: Min plan
    type: case
    municipality: Lureby
    sources:
      - https://example.org/lureside
    ---
    # Min plan

    Vi vil bygge en stølsbakeri-kafé.
    """


def test_upload_keeps_only_the_title_from_front_matter(files):
    path = files.markdown("plan.md", FRONT_MATTER_POSING_AS_CURATED)
    document = load_file(path, limits=IngestLimits.for_uploads(Settings()))
    assert document.title == "Min plan"
    assert document.metadata == {"title": "Min plan"}
    chunk = chunk_document(document, "a" * 64)[0]
    assert "type" not in chunk.metadata and "sources" not in chunk.metadata and "municipality" not in chunk.metadata


def test_curated_files_keep_all_front_matter(files):
    document = load_file(files.markdown("plan.md", FRONT_MATTER_POSING_AS_CURATED))
    assert document.metadata["type"] == "case"
    assert document.metadata["sources"] == ["https://example.org/lureside"]


# --------------------------------------------------------------------------- PDF


def long_pdf(files, pages: int, name: str = "lang.pdf") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 10, f"Side {number} om kommunen, fjorden og fjellet.")
    path = files.root / name
    path.write_bytes(bytes(pdf.output()))
    return path


def test_2000_page_pdf_is_refused_before_text_extraction(files):
    path = long_pdf(files, 2000)
    reason, seconds, peak = refused(path)
    assert "2 000 sider" in reason and "Grensen er 300 sider" in reason
    assert seconds < 10
    assert peak < 100_000_000


def test_page_count_that_lies_is_checked_against_the_real_pages(files):
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, NumberObject

    writer = PdfWriter()
    for _ in range(40):
        writer.add_blank_page(200, 200)
    writer._root_object["/Pages"][NameObject("/Count")] = NumberObject(1)  # declares one page
    path = files.root / "lyver.pdf"
    writer.write(str(path))
    reason, _, _ = refused(path, IngestLimits(max_pdf_pages=10))
    assert "40 sider" in reason and "Grensen er 10 sider" in reason


def test_configured_page_limit_comes_from_settings(files):
    path = files.text_pdf()  # four pages
    reason, _, _ = refused(path, IngestLimits.for_uploads(Settings(max_pdf_pages=3)))
    assert "4 sider" in reason and "Grensen er 3 sider" in reason
    assert len(load_file(path, limits=IngestLimits.for_uploads(Settings(max_pdf_pages=4))).sections) == 4


def test_pdf_text_beyond_the_character_limit_is_refused(files):
    path = files.text_pdf("tekst.pdf", pages=["Fjordkommunen satser på havbruk og turisme. " * 8] * 6, labels=[])
    reason, _, _ = refused(path, IngestLimits(max_document_chars=1000))
    assert "mer enn 1 000 tegn" in reason
    assert len(load_file(path, limits=IngestLimits(max_document_chars=10_000)).sections) == 6


def aes_pdf(files, name: str, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(files.pdf_bytes(["Budsjettet for fjordkommunen i 2025."]))))
    writer.encrypt(user_password=user_password, owner_password="eierpassord", algorithm="AES-256")
    path = files.root / name
    writer.write(str(path))
    return path


def test_aes256_pdf_that_only_restricts_editing_opens(files):
    document = load_file(aes_pdf(files, "begrenset.pdf", user_password=""))
    assert "Budsjettet for fjordkommunen" in document.sections[0].text


def test_aes256_pdf_with_a_password_says_so_in_norwegian(files):
    reason, _, _ = refused(aes_pdf(files, "laast.pdf", user_password="hemmelig"))
    assert reason == "PDF-en er passordbeskyttet. Lagre en kopi uten passord og last den opp igjen."


def broken_stream_pdf(files) -> Path:
    """A real PDF whose first stream is overwritten with bytes that do not inflate."""
    data = files.pdf_bytes(["Tekst på én side."])
    start = data.index(b"stream\n") + len(b"stream\n")
    path = files.root / "strøm.pdf"
    path.write_bytes(data[:start] + bytes((i * 91 + 7) % 256 for i in range(40)) + data[start + 40:])
    return path


@pytest.mark.parametrize("make", [lambda f: f.corrupt_pdf(), lambda f: f.truncated_pdf(), broken_stream_pdf],
                         ids=["corrupt", "truncated", "broken stream"])
def test_broken_pdfs_are_explained_without_raw_errors(files, make):
    reason, _, _ = refused(make(files))
    assert reason.startswith("PDF-en ")
    assert not re.search(r"\w+(Error|Exception)\b", reason)


# --------------------------------------------------------------------------- DOCX


def docx_with(files, name: str, document_xml: bytes) -> Path:
    """A real DOCX (made by python-docx) whose word/document.xml is replaced."""
    original = zipfile.ZipFile(files.docx(f"orig-{name}"))
    path = files.root / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in original.infolist():
            data = document_xml if member.filename == "word/document.xml" else original.read(member)
            archive.writestr(member.filename, data)
    return path


def body(inner: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="' + WORD_NS.encode() + b'"><w:body>' + inner + b"</w:body></w:document>")


def paragraphs(count: int, text: bytes = b"a" * 1000) -> bytes:
    return (b"<w:p><w:r><w:t>" + text + b"</w:t></w:r></w:p>") * count


def test_docx_that_unpacks_beyond_the_limit_is_refused_unparsed(files):
    path = docx_with(files, "bombe.docx", body(paragraphs(3_000)))  # ~3 MB of XML
    assert path.stat().st_size < 100_000
    reason, seconds, peak = refused(path, IngestLimits(max_docx_uncompressed_mb=1))
    assert "MB når det pakkes ut. Grensen er 1 MB" in reason
    assert seconds < 5
    assert peak < 5_000_000


def test_docx_part_with_an_extreme_compression_ratio_is_refused(files):
    path = docx_with(files, "tett.docx", body(paragraphs(2_000)))  # 2 MB that packs into a few KB
    reason, seconds, peak = refused(path)
    assert "over 100 ganger større" in reason
    assert seconds < 5 and peak < 5_000_000


def test_deeply_nested_docx_xml_is_refused_while_streaming(files):
    path = docx_with(files, "dyp.docx", body(b"<w:r>" * 20_000 + b"</w:r>" * 20_000))
    reason, seconds, peak = refused(path)
    assert "mer enn 200 nivåer" in reason
    assert seconds < 5 and peak < 5_000_000


def test_docx_with_a_dtd_is_refused(files):
    xml = body(b"<w:p><w:r><w:t>&lol;</w:t></w:r></w:p>").replace(
        b"<w:document", b'<!DOCTYPE w:document [<!ENTITY lol "lol">]><w:document', 1
    )
    reason, _, _ = refused(docx_with(files, "dtd.docx", xml))
    assert "DTD" in reason


def test_ordinary_docx_passes_the_container_checks(files):
    document = load_file(files.docx(), limits=IngestLimits(max_docx_uncompressed_mb=1, max_xml_depth=20))
    assert document.sections


def test_docx_text_beyond_the_character_limit_is_refused(files):
    path = docx_with(files, "mye.docx", body(paragraphs(5, b"Tekst om kommunen. " * 20)))
    reason, _, _ = refused(path, IngestLimits(max_document_chars=1000))
    assert "mer enn 1 000 tegn" in reason


# --------------------------------------------------------------------------- text and chunks


@pytest.mark.parametrize("name", ["lang.txt", "lang.md"])
def test_text_beyond_the_character_limit_is_refused(files, name):
    path = files.text(name, "Kommunen og fjorden. " * 200)  # 4 200 characters
    reason, _, _ = refused(path, IngestLimits(max_document_chars=4000))
    assert "mer enn 4 000 tegn tekst, som er grensen per dokument" in reason
    assert load_file(path, limits=IngestLimits(max_document_chars=5000)).sections


def test_chunks_per_document_are_capped():
    document = LoadedDocument(
        source="mange.md", title="Mange", kind="md",
        sections=[Section(text=f"Del {n} om fjorden.", locator=f"Del {n}") for n in range(5)],
    )
    with pytest.raises(IngestError) as caught:
        chunk_document(document, "a" * 64, max_chunks=4)
    assert caught.value.source == "mange.md"
    assert "mer enn 4 tekstbiter, som er grensen per dokument" in caught.value.reason
    assert len(chunk_document(document, "a" * 64, max_chunks=5)) == 5


# ------------------------------------------------------------------ issue 18: DOCX bounded in paragraphs and time


def test_a_docx_of_a_million_empty_paragraphs_is_refused_while_streaming(files):
    """The tester's 12 MB DOCX: a million empty paragraphs, each with its own revision id, so it is
    neither too big unpacked nor too compressed. Refused by counting paragraphs in the XML stream,
    before python-docx builds a tree of them."""
    import secrets

    ids = secrets.token_hex(4 * 1_000_000).encode()
    empty = b"".join(b'<w:p w:rsidR="' + ids[8 * n : 8 * n + 8] + b'"/>' for n in range(1_000_000))
    path = docx_with(files, "tomme-avsnitt.docx", body(empty))
    assert path.stat().st_size > 4_000_000
    reason, _, peak = refused(path)
    assert "mer enn 20 000 avsnitt" in reason and "tomme avsnitt teller" in reason
    assert peak < 5_000_000


def test_reading_a_docx_is_bounded_in_time(files):
    path = docx_with(files, "treg.docx", body(paragraphs(50, b"Tekst om kommunen. ")))
    reason, _, _ = refused(path, IngestLimits(max_docx_seconds=1e-9))
    assert "sekunder å lese, som er grensen" in reason
    assert load_file(path).sections  # the default budget reads it
