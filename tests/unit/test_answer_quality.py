"""Issue 9's answer logic, fast: answer pieces (sentences, list items, table rows, headings as
context), sentence scoring with stored vectors, question types, follow-ups, language choice,
grounding of LLM answers and the sources panel."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.services import extractive, grounding
from assistant.services.extractive import Passage, answer_pieces, decode_vectors, encode_vectors, select_units
from assistant.services.followup import entity, resolve
from assistant.services.language import detect_language, ui_language
from assistant.ui.render import sources_markdown

PLAN_PAGE = (
    "3 Uteoppholdsareal\n3.1 Minste uteoppholdsareal (MUA)\n"
    "For leiligheter kan et privat uteoppholdsareal på minst 30 m² være balkong eller terrasse.\n"
    "Privat uteoppholdsareal per boenhet skal være:\n"
    "a) Minimum 200 m² for enebolig\n"
    "b) Minimum 100 m² per boenhet for tomannsbolig\n"
)
PARKING_PAGE = (
    "4 Parkering\nTabell 2: Parkeringsnorm for bil og sykkel per boenhet\nBoligtype Bil Sykkel\n"
    "Enebolig 2,0 2\nTomannsbolig 1,5 2\nLeilighet under 60 m² 0,8 1\nLeilighet over 60 m² 1,2 2\n"
)


# -- answer pieces ----------------------------------------------------------------------------


def test_pdf_list_items_and_table_rows_are_pieces_of_their_own_under_their_headings():
    pieces = answer_pieces(PLAN_PAGE + "\n" + PARKING_PAGE)
    by_text = {p.text: p for p in pieces}
    assert by_text["Minimum 200 m² for enebolig"].kind == "item"
    assert by_text["Minimum 200 m² for enebolig"].context == "Privat uteoppholdsareal per boenhet skal være"
    assert by_text["Leilighet under 60 m² 0,8 1"].kind == "row"
    assert by_text["Leilighet under 60 m² 0,8 1"].context.endswith("Boligtype Bil Sykkel")
    # Headings and the sentence introducing the list are context, never pieces.
    assert not any(p.text.startswith(("3 Uteoppholdsareal", "3.1", "4 Parkering", "Tabell 2", "Boligtype"))
                   for p in pieces)
    assert "Privat uteoppholdsareal per boenhet skal være:" not in by_text


def test_wrapped_pdf_lines_are_joined_into_one_sentence():
    text = ("Hver boenhet skal ha et privat uteoppholdsareal på minst 30 m² som er skjermet mot\n"
            "støy og trafikk.\nNeste setning står her.")
    assert [p.text for p in answer_pieces(text)] == [
        "Hver boenhet skal ha et privat uteoppholdsareal på minst 30 m² som er skjermet mot støy og trafikk.",
        "Neste setning står her.",
    ]


def test_a_list_after_a_blank_line_keeps_its_introduction_as_context():
    pieces = answer_pieces("DIP støtter idéfasen.\n\nDisse kan søke DIP:\n\n- etablerte private bedrifter\n- som har "
                           "regnskap")
    assert [(p.kind, p.context) for p in pieces[1:]] == [("item", "Disse kan søke DIP"), ("item", "Disse kan søke DIP")]


def test_stored_vectors_are_used_only_for_the_pieces_they_were_made_for():
    pieces = answer_pieces("En setning her. En annen setning der.")
    encoded = encode_vectors(pieces, np.eye(2, 4))
    assert decode_vectors(encoded, pieces).shape == (2, 4)
    assert decode_vectors(encoded, answer_pieces("En setning her. En tredje setning.")) is None
    assert decode_vectors("", pieces) is None


# -- scoring and choosing ---------------------------------------------------------------------


def test_the_line_about_the_detached_house_beats_the_neighbouring_30_m2_sentence():
    units = select_units("Hvor mye privat uteoppholdsareal skal en enebolig ha?", [(1, PLAN_PAGE, "s. 3")])
    assert [u.text for u in units] == ["Privat uteoppholdsareal per boenhet skal være: Minimum 200 m² for enebolig"]


def test_a_table_question_gets_its_row_read_with_the_header():
    units = select_units("Hvor mange parkeringsplasser for bil trengs for en leilighet under 60 m²?",
                         [(1, PARKING_PAGE, "s. 4")])
    assert [u.text for u in units] == ["Boligtype Bil Sykkel: Leilighet under 60 m² 0,8 1"]


def _passage_with_vectors(text: str, best: int, number: int = 1) -> tuple[Passage, np.ndarray]:
    """Vectors such that piece ``best`` is closest to the query vector [1, 0, 0, 0]."""
    pieces = answer_pieces(text)
    vectors = np.array([[0.8, 0.6, 0, 0] if i != best else [0.95, 0.31, 0, 0] for i in range(len(pieces))])
    return Passage(number, text, "", encode_vectors(pieces, vectors)), np.array([1.0, 0, 0, 0])


def test_semantic_scores_pick_the_answering_sentence_and_never_its_neighbours():
    text = ("Kommunen ligger ved fjorden og har 1600 innbyggere. Juryen valgte «Klynga på Klokkarhaugen» "
            "som vinner. Det var en kald vinter det året.")
    passage, query = _passage_with_vectors(text, best=1)
    units = select_units("Hva ble resultatet?", [passage], query_vector=query)
    assert [u.text for u in units] == ["Juryen valgte «Klynga på Klokkarhaugen» som vinner."]


def test_a_which_question_keeps_the_list_whole():
    text = "Disse kommunene ble valgt:\n- Lebesby i Finnmark\n- Lund i Rogaland\n- Vang i Valdres"
    units = select_units("Hvilke kommuner ble valgt?", [(1, text, "Gnist 2021")])
    assert len(units) == 1 and units[0].is_list
    assert all(name in units[0].text for name in ("Lebesby", "Lund", "Vang"))


def test_notes_to_the_assistant_are_never_answer_sentences():
    text = ("Fristen i 2023 var 31. mars.\n\nSvar fra assistenten: Oppgi gjerne tallene fra 2022.\n\n"
            "Dette er våre egne råd.")
    units = select_units("Når var fristen?", [(1, text, "Frister")])
    assert [u.text for u in units] == ["Fristen i 2023 var 31. mars."]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Hvor mange kommuner var med?", "count"),
        ("Hva koster det?", "amount"),
        ("Kor mykje kostar det?", "amount"),
        ("Når er fristen?", "time"),
        ("Hvem vant i Vang?", "who"),
        ("Hvilke kommuner ble valgt?", "which"),
        ("Hva er Gnist?", None),
    ],
)
def test_question_types(question, kind):
    assert extractive.question_type(question) == kind


def test_sentences_carrying_the_asked_for_fact():
    assert extractive.carries("amount", "Avgiften var 200 000 kr.")
    assert not extractive.carries("amount", "Avgiften deles med fylkeskommunen.")
    assert extractive.carries("time", "Fristen var 14. januar 2022.")
    assert extractive.carries("who", "Vinneren ble Klynga på Klokkarhaugen.")


# -- follow-ups -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        ("Hva het vinnerkonseptet der?", ["Hva gjorde Lebesby i Gnist?"], "Hva het vinnerkonseptet i Lebesby?"),
        ("Hva koster det?", ["Hva er Gnist?"], "Hva koster Gnist?"),
        ("og hva med Lund?", ["Hvem vant i Vang?"], "Hvem vant i Lund?"),
        ("Og 2023?", ["Hvor mye kostet Gnist i 2022?"], "Hvor mye kostet Gnist i 2023?"),
        ("Hvem kan søke?", ["Hva er DIP?"], "Hvem kan søke (DIP)?"),
        ("Kven var med der?", ["Kva gjorde Vanylven?"], "Kven var med i Vanylven?"),
        ("How much does it cost?", ["What is Gnist?"], "How much does Gnist cost?"),
        # Resolved along the whole conversation, oldest first.
        ("Hvem vant der?", ["Hva er Gnist?", "og hva med Lebesby?"], "Hvem vant i Lebesby?"),
        # Standalone questions stay as they are: one that names its subject, or asks about a thing of its own.
        ("Hva er Gnist?", ["Hva gjorde Vang i Gnist?", "Hvem vant der?"], "Hva er Gnist?"),
        ("Hva er en følgekommune?", ["Hva gjorde Vang?"], "Hva er en følgekommune?"),
        ("Hvor mye arbeidstid må kommunen sette av til prosjektet i Gnist?", ["Hva er Gnist?"],
         "Hvor mye arbeidstid må kommunen sette av til prosjektet i Gnist?"),
        ("Hva koster det?", [], "Hva koster det?"),
    ],
)
def test_follow_up_resolution(question, earlier, expected):
    assert resolve(question, earlier) == expected


def test_the_entity_of_a_question_prefers_a_specific_name():
    assert entity("Hva gjorde Lebesby i Gnist?") == "Lebesby"
    assert entity("Hva er Gnist?") == "Gnist"
    assert entity("Hva er sentralitetsindeksen?") == "sentralitetsindeksen"


# -- language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ui", "expected"),
    [
        ("Kan vi søke sammen med nabokommunen?", None, "nb"),
        ("Kan vi søkje saman med nabokommunen?", None, "nn"),
        ("Hvordan bytter jeg vinterdekk på bilen?", "nn", "nb"),  # plain Bokmål is never taken for Nynorsk
        ("Kva kostar det?", None, "nn"),
        ("Who can apply?", None, "en"),
        ("Is it free?", None, "en"),
        ("Gnist?", None, "nb"),  # unsure: Bokmål …
        ("Gnist?", "nn", "nn"),  # … or the user's UI language
        ("Kostnad?", "en", "en"),
        ("Når var søknadsfristen for Gnist 2022?", None, "nb"),
    ],
)
def test_language_choice(text, ui, expected):
    assert detect_language(text, ui) == expected


def test_ui_language_from_the_browser():
    assert ui_language("nn-NO,nn;q=0.9,en;q=0.8") == "nn"
    assert ui_language("no,en;q=0.5") == "nb"
    assert ui_language("en-GB,en") == "en"
    assert ui_language("de-DE") is None and ui_language(None) is None


# -- LLM answers keep to their sources ---------------------------------------------------------


def test_numbers_and_names_the_sources_lack_are_removed():
    text, removed = grounding.remove_unsupported(
        "Deltakeravgiften var 200 000 kroner [1]. Lebesby fikk 300 000 kroner fra Tromsø [1]. Les mer hos DOGA.",
        ["Deltakeravgiften i Gnist 2022 var 200 000 kr.", "DOGA leder programmet med Lebesby."],
    )
    assert text == "Deltakeravgiften var 200 000 kroner [1]. Les mer hos DOGA."
    assert removed == ["300 000", "Tromsø"]


# -- the sources panel -------------------------------------------------------------------------


def test_the_sources_panel_never_shows_notes_to_the_assistant():
    citation = {"n": 1, "title": "Åpne spørsmål", "locator": "Gnist 2023",
                "source": "knowledge/relatert/apne-sporsmal.md",
                "text": "Beløpet i 2023 er ikke kjent.\n\nSvar fra assistenten: Oppgi gjerne tallene fra 2022.",
                "links": ["https://doga.no/gnist"]}
    shown = sources_markdown([citation], "")
    assert "Svar fra assistenten" not in shown and "Oppgi gjerne" not in shown
    assert "Åpne spørsmål" in shown and "Gnist 2023" in shown and "https://doga.no/gnist" in shown
