"""The knowledge base in three languages: which file translates which, the cross-language fact
check (a changed number, month, name or link is named), the answer languages a chunk serves,
the language filter's conditions, and locators in the asker's language."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from assistant.adapters.vectorstore import Hit
from assistant.catalog import BUILT_IN
from assistant.ingest.loaders import DEFAULT_LIMITS, load_markdown
from assistant.services.locators import localized_locator
from assistant.services.retrieval import for_language, matches
from assistant.services.translations import (
    check_group,
    fact_differences,
    group_files,
    serving_flags,
    translation_parts,
)

ORIGINAL = """\
    ---
    title: "Gnist 2022"
    language: nb
    sources:
      - https://doga.no/gnist-2022
    ---
    # Gnist 2022

    ## Deltakeravgift

    Deltakeravgiften i Gnist 2022 var 200 000 kroner. Fristen var 14. januar 2022.
    Sogndal, Luster og Aurland søkte sammen, og Distriktssenteret var med på utvelgelsen.

    ## Kilder

    - https://doga.no/gnist-2022
    """

ENGLISH = """\
    ---
    title: "Gnist 2022"
    language: en
    translation_of: round.md
    sources:
      - https://doga.no/gnist-2022
    ---
    # Gnist 2022

    ## Participation fee

    The participation fee in Gnist 2022 was NOK 200,000. The deadline was 14 January 2022.
    Sogndal, Luster and Aurland applied together, and the Norwegian Centre for Rural Development
    (Distriktssenteret) helped select them. You may ask DOGA about later rounds.
    """


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(path: Path):
    return load_markdown(path, path.name, DEFAULT_LIMITS)


@pytest.fixture
def original(tmp_path):
    return load(write(tmp_path, "round.md", ORIGINAL))


def english(tmp_path, *replacements: tuple[str, str]):
    text = ENGLISH
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return load(write(tmp_path, "round.en.md", text))


def test_a_faithful_translation_has_no_differences(tmp_path, original):
    # «NOK 200,000» is 200 000; «may» the verb is no month; the gloss keeps the Norwegian name.
    usable, errors = check_group({"nb": original, "en": english(tmp_path)}, "nb")
    assert usable == {"nb", "en"} and errors == []


def test_a_changed_number_is_named_both_ways(tmp_path, original):
    differences = fact_differences(original, english(tmp_path, ("NOK 200,000", "NOK 250,000")), "en", set())
    text = " ".join(differences)
    assert "200000" in text and "250000" in text


def test_a_changed_date_a_missing_name_and_another_link_are_named(tmp_path, original):
    translation = english(tmp_path, ("14 January", "14 February"), ("(Distriktssenteret) ", ""),
                          ("- https://doga.no/gnist-2022", "- https://doga.no/other"))
    text = " ".join(fact_differences(original, translation, "en", set()))
    assert "januar" in text and "februar" in text
    assert "Distriktssenteret" in text
    assert "https://doga.no/other" in text and "https://doga.no/gnist-2022" in text


def test_a_refused_translation_leaves_its_language_to_the_original(tmp_path, original):
    usable, errors = check_group({"nb": original, "en": english(tmp_path, ("2022.", "2021."))}, "nb")
    assert usable == {"nb"}
    assert [error.source for error in errors] == ["round.en.md"]
    assert "round.md" in str(errors[0])
    assert serving_flags("nb", True, usable) == {"for_nb": True, "for_nn": True, "for_en": True}


def test_translations_are_found_beside_their_original(tmp_path):
    original = tmp_path / "a.md"
    files = [original, tmp_path / "a.en.md", tmp_path / "a.nn.md", tmp_path / "b.md", tmp_path / "c.en.md"]
    groups, orphans = group_files(files)
    assert set(groups) == {original, tmp_path / "b.md"}
    assert groups[original].translations == {"en": tmp_path / "a.en.md", "nn": tmp_path / "a.nn.md"}
    assert orphans == [tmp_path / "c.en.md"]
    assert translation_parts(tmp_path / "notes.2023.md") is None


def test_each_chunk_serves_its_language_and_the_original_fills_the_gaps():
    assert serving_flags("en", False, {"nb", "en"}) == {"for_nb": False, "for_nn": False, "for_en": True}
    assert serving_flags("nb", True, {"nb", "en"}) == {"for_nb": True, "for_nn": True, "for_en": False}
    assert serving_flags("nb", True, {"nb", "en", "nn"}) == {"for_nb": True, "for_nn": False, "for_en": False}


def test_the_language_condition_joins_any_other_filter():
    assert for_language(None, "nn") == {"for_nn": True}
    combined = for_language({"type": "case"}, "en")
    assert combined == {"$and": [{"type": "case"}, {"for_en": True}]}
    assert matches({"type": "case", "for_en": True}, combined)
    assert not matches({"type": "case", "for_en": False}, combined)
    assert not matches({"type": "programme", "for_en": True}, combined)


def hit(locator: str, **metadata) -> Hit:
    return Hit("1", "tekst", "rapport.pdf", "Rapport", locator, 0.9, metadata)


@pytest.mark.parametrize(("lang", "expected"), [("en", "p. 12"), ("nb", "s. 12"), ("nn", "s. 12")])
def test_a_page_is_cited_in_the_askers_language(lang, expected):
    assert localized_locator(hit("s. 12", kind="pdf", page="12"), lang, BUILT_IN) == expected


def test_paragraphs_and_tables_are_named_in_the_askers_language_and_headings_stay():
    assert localized_locator(hit("tabell 2", kind="docx", locator_kind="table", locator_number=2), "en",
                             BUILT_IN) == "table 2"
    assert localized_locator(hit("avsnitt 3", kind="docx", locator_kind="paragraph", locator_number=3), "en",
                             BUILT_IN) == "paragraph 3"
    assert localized_locator(hit("Deltakeravgift", kind="md"), "en", BUILT_IN) == "Deltakeravgift"
