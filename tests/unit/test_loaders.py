"""Loaders on real files: Markdown with front matter, PDF with printed page labels, DOCX, TXT,
and every kind of bad input a user can upload."""

from __future__ import annotations

import hashlib

import pytest

from assistant.ingest.loaders import IngestError, detect_kind, file_sha256, load_file

# --------------------------------------------------------------------------- Markdown


def test_markdown_front_matter_title_and_metadata(corpus_paths):
    document = load_file(corpus_paths["programmet/delta-i-gnist.md"])
    assert document.kind == "md"
    assert document.title == "Delta i Gnist: kostnader og forpliktelser"
    assert document.metadata["type"] == "program"
    assert document.metadata["year"] == 2022
    assert document.metadata["verified"] is True
    assert document.metadata["sources"] == ["https://doga.no/gnist/delta", "https://doga.no/gnist/invitasjon-2022"]
    # Front matter is metadata, never searchable text.
    assert all("type: program" not in s.text and "https://" not in s.text for s in document.sections)


def test_markdown_kilder_section_is_skipped(corpus_paths):
    document = load_file(corpus_paths["programmet/delta-i-gnist.md"])
    assert [s.locator for s in document.sections] == [
        "Delta i Gnist: kostnader og forpliktelser",  # text directly under the h1 is cited by the title
        "Deltakeravgift",
        "Arbeidstid i kommunen",
    ]
    assert not any("kildeliste" in s.text for s in document.sections)


@pytest.mark.parametrize("heading", ["Kilder", "Kjelder", "Sources", "References", "KILDER"])
def test_markdown_every_reference_heading_is_skipped(files, heading):
    path = files.markdown("ref.md", f"# Tittel\n\n## Innhold\n\nEkte tekst.\n\n## {heading}\n\n- https://example.org\n")
    document = load_file(path)
    assert [s.locator for s in document.sections] == ["Innhold"]


def test_markdown_locator_is_heading_path_below_title(corpus_paths):
    document = load_file(corpus_paths["veikartet/prinsippene.md"])
    locators = [s.locator for s in document.sections]
    assert locators == ["Prinsippene", "Prinsippene > Åpne data"]
    assert document.sections[1].heading == "Åpne data"
    assert "maskinlesbare" in document.sections[1].text
    # Headings themselves are stripped from the text (they live in the locator).
    assert not document.sections[1].text.startswith("#")


def test_markdown_without_front_matter_takes_title_from_h1(files):
    path = files.markdown("uten.md", "# Kystkommunen\n\n## Havet\n\nTare og tang.\n")
    document = load_file(path)
    assert document.title == "Kystkommunen"
    assert [s.locator for s in document.sections] == ["Havet"]


def test_markdown_without_headings_uses_file_stem(files):
    document = load_file(files.markdown("bare-tekst.md", "Bare litt tekst om bolyst.\n"))
    assert document.title == "bare-tekst"
    assert document.sections[0].text == "Bare litt tekst om bolyst."


def test_markdown_source_name_is_used_when_given(corpus_paths):
    document = load_file(corpus_paths["caser/pilot-utsira.md"], source="knowledge/caser/pilot-utsira.md")
    assert document.source == "knowledge/caser/pilot-utsira.md"


def test_markdown_broken_front_matter_is_an_ingest_error(files):
    path = files.markdown("feil.md", "---\ntitle: [ikke lukket\n---\n# Tekst\n\nInnhold.\n")
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert "front matter" in caught.value.reason


def test_markdown_with_only_sources_has_no_text(files):
    path = files.markdown("kun-kilder.md", "---\ntitle: T\n---\n## Kilder\n\n- https://example.org\n")
    with pytest.raises(IngestError, match="ingen tekst"):
        load_file(path)


# --------------------------------------------------------------------------- PDF


def test_pdf_locator_uses_printed_page_label_not_index(files):
    document = load_file(files.text_pdf())
    assert document.kind == "pdf"
    assert document.title == "Rapport om små kommuner"
    assert [s.locator for s in document.sections] == ["s. i", "s. ii", "s. 12", "s. 13"]
    assert [s.page for s in document.sections] == ["i", "ii", "12", "13"]
    body = document.sections[2]
    assert "Tarekultivering og havsalat" in body.text
    assert body.locator == "s. 12"  # the 3rd page (index 2) is printed as 12


def test_pdf_keeps_norwegian_letters(files):
    document = load_file(files.text_pdf())
    text = "\n".join(s.text for s in document.sections)
    for word in ("små", "øysamfunnet", "Åsen", "stølsbakeri", "én"):
        assert word in text


def test_pdf_without_labels_falls_back_to_page_numbers(files):
    document = load_file(files.text_pdf("plain.pdf", labels=[]))
    assert [s.locator for s in document.sections] == ["s. 1", "s. 2", "s. 3", "s. 4"]


def test_pdf_without_title_uses_file_stem(files):
    document = load_file(files.text_pdf("uten-tittel.pdf", title=None))
    assert document.title == "uten-tittel"


def test_pdf_blank_pages_are_skipped_but_labels_stay_right(files):
    path = files.text_pdf("hull.pdf", pages=["Første side.", "", "Tredje side om fjord."], labels=[(0, "/D", 5)])
    document = load_file(path)
    assert [s.locator for s in document.sections] == ["s. 5", "s. 7"]


# --------------------------------------------------------------------------- DOCX


def test_docx_headings_become_locators_and_table_is_included(files):
    document = load_file(files.docx())
    assert document.kind == "docx"
    assert document.title == "Søknad til Gnist"
    by_locator = {s.locator: s.text for s in document.sections}
    assert list(by_locator) == [
        "avsnitt 1",
        "Utfordringen",
        "Utfordringen > Fra problem til mulighet",
        "Budsjett",
        "tabell 1",
    ]
    assert "Kommunen søker" in by_locator["avsnitt 1"]
    assert "Søknad til Gnist" not in by_locator["avsnitt 1"]  # the Title paragraph is the title, not text
    assert "fjordlandskapet" in by_locator["Utfordringen > Fra problem til mulighet"]
    assert "Deltakeravgift | 200 000 kr" in by_locator["tabell 1"]
    assert "Prosjektressurs | 25 % stilling" in by_locator["tabell 1"]


def test_docx_level_one_heading_resets_the_path(files):
    document = load_file(files.docx())
    budget = next(s for s in document.sections if s.locator == "Budsjett")
    assert budget.heading == "Budsjett"
    assert "fylkeskommunen" in budget.text


# --------------------------------------------------------------------------- TXT


def test_txt_is_one_section(files):
    document = load_file(files.text(content="Linje én.\n\n\n\n\nLinje  to\u00a0med\tmellomrom."))
    assert document.kind == "txt"
    assert document.title == "notat"
    assert len(document.sections) == 1
    assert document.sections[0].locator == "tekst"
    assert document.sections[0].text == "Linje én.\n\nLinje to med mellomrom."


def test_txt_in_windows_encoding_is_decoded(files):
    document = load_file(files.text("gammel.txt", "Rådhuset på Øya ligger ved æresbua.", encoding="cp1252"))
    assert document.sections[0].text == "Rådhuset på Øya ligger ved æresbua."


def test_txt_with_utf8_bom(files):
    document = load_file(files.text("bom.txt", "\ufeffBærekraft"))
    assert document.sections[0].text == "Bærekraft"


def test_markdown_suffix_variants(files):
    assert detect_kind(files.markdown("a.markdown", "# A\n\ntekst\n")) == "md"
    assert detect_kind(files.text("b.TXT", "tekst")) == "txt"


# --------------------------------------------------------------------------- bad input


BAD_FILES = {
    "encrypted": (lambda f: f.encrypted_pdf(), "passordbeskyttet"),
    "corrupt": (lambda f: f.corrupt_pdf(), "skadet"),
    "truncated": (lambda f: f.truncated_pdf(), "skadet"),
    "empty pdf": (lambda f: f.empty("tom.pdf"), "tom"),
    "empty txt": (lambda f: f.empty("tom.txt"), "tom"),
    "empty md": (lambda f: f.empty("tom.md"), "tom"),
    "blank pdf": (lambda f: f.blank_pdf(), "ingen tekst"),
    "binary named txt": (lambda f: f.binary_txt(), "binær"),
    "xlsx": (lambda f: f.unsupported("budsjett.xlsx"), "støttes ikke"),
    "png": (lambda f: f.unsupported("bilde.png"), "støttes ikke"),
    "text named pdf": (lambda f: f.text("ikke.pdf", "bare tekst"), "ikke en PDF"),
    "text named docx": (lambda f: f.text("ikke.docx", "bare tekst"), "ikke et Word-dokument"),
    "broken docx": (lambda f: f.text("skadet.docx", "PK\x03\x04 ødelagt zip"), "skadet"),
    "whitespace txt": (lambda f: f.text("blank.txt", " \n\t\n "), "ingen tekst"),
    "no suffix": (lambda f: f.text("README", "tekst"), "uten endelse"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_input_is_an_ingest_error_with_norwegian_reason(files, kind):
    make, reason = BAD_FILES[kind]
    path = make(files)
    with pytest.raises(IngestError) as caught:
        load_file(path)
    error = caught.value
    assert error.source == path.name
    assert reason in error.reason
    assert str(error).startswith(f"{path.name}: ")


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_input_error_names_the_display_source_not_the_stored_file(files, kind):
    """Uploads are stored under another name; the error must name what the user called the file."""
    make, reason = BAD_FILES[kind]
    path = make(files)
    with pytest.raises(IngestError) as caught:
        load_file(path, source=f"Mine filer/{path.name}")
    assert caught.value.source == f"Mine filer/{path.name}"
    assert reason in caught.value.reason


def test_missing_file_is_an_ingest_error(tmp_path):
    with pytest.raises(IngestError, match="finnes ikke"):
        load_file(tmp_path / "borte.md")


def test_directory_is_an_ingest_error(tmp_path):
    with pytest.raises(IngestError, match="finnes ikke eller er ikke en vanlig fil"):
        load_file(tmp_path)


# --------------------------------------------------------------------------- file_sha256


def test_file_sha256_matches_hashlib_and_changes_with_content(files):
    path = files.text("stor.txt", "æøå" * 50_000)  # > one 64 KiB read block
    assert file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    before = file_sha256(path)
    path.write_bytes(path.read_bytes() + b"!")
    assert file_sha256(path) != before


def test_file_sha256_of_empty_file(files):
    assert file_sha256(files.empty("tom.txt")) == hashlib.sha256(b"").hexdigest()
