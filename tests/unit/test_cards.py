"""Answer cards: the real cards pass validation (every number and name in each answer occurs in
a section it cites), broken cards are named with their reason while the rest load, and the
answer flow shows a matched card with its date and cited sections. Matching with the real
embedder is tested in tests/integration/test_cards.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from assistant.catalog import BUILT_IN
from assistant.services.answer import AnswerService, Turn
from assistant.services.cards import (
    MAX_WORDS,
    CardLibrary,
    CardMatch,
    MatchRule,
    Scored,
    known_names,
    names_in,
    numbers_in,
    split_paraphrases,
)
from assistant.services.ingest import source_name
from assistant.services.language import LANGUAGES
from assistant.settings import REPO_ROOT, Settings

KNOWLEDGE = REPO_ROOT / "knowledge"

# The first questions a newcomer asks (the list): each has its card.
TOPICS = {
    "hva-er-gnist", "hvem-kan-soke", "kostnad", "soknadsfrist", "neste-runde", "slik-soker-du", "soke-sammen",
    "kriterier-2022", "kriterier-2023", "tidslinje", "folgekommuner", "losningsteam", "kommuner-per-runde",
    "veikartet", "prinsippene", "malbildene", "55-og-5-minutter", "behov-ikke-losning", "hvordan-kan-vi",
    "forankring", "fylkeskommunen", "relaterte-programmer",
}


@pytest.fixture(scope="module")
def real_library() -> CardLibrary:
    return CardLibrary(KNOWLEDGE, source_name)


# -- the real cards ----------------------------------------------------------------------------


def test_every_real_card_is_valid_so_its_numbers_and_names_occur_in_its_cited_sections(real_library):
    """Validation checks, per language, that each number (digits or written out) and each name
    in the answer occurs in the sections the card cites; a card failing it is not loaded."""
    assert [str(error) for error in real_library.errors] == []
    assert len(real_library.cards) >= 40
    assert {card.id for card in real_library.cards} >= TOPICS


def test_real_cards_have_three_languages_paraphrases_a_round_a_date_and_linked_citations(real_library):
    for card in real_library.cards:
        assert set(card.answers) == set(LANGUAGES), card.id
        assert all(40 <= len(text.split()) <= MAX_WORDS for text in card.answers.values()), card.id
        assert all(card.paraphrases[lang] for lang in LANGUAGES) and len(card.all_paraphrases()) >= 6, card.id
        indexed, held_out = split_paraphrases(card)
        assert indexed and held_out and not set(indexed) & set(held_out), card.id
        assert card.round and isinstance(card.checked, dt.date), card.id
        for section in card.sections:
            assert section.source.startswith("knowledge/") and section.text and section.locator, card.id
            assert all(link.startswith(("https://", "http://")) for link in section.links), card.id
        assert any(section.links for section in card.sections), card.id


def test_cost_card_says_200_000_kroner_in_all_three_languages(real_library):
    cost = next(card for card in real_library.cards if card.id == "kostnad")
    for text in cost.answers.values():
        assert 200000 in numbers_in(text)
    assert "står ikke i kildene" in cost.answers["nb"] and "står ikkje i kjeldene" in cost.answers["nn"]


# -- facts in a text ---------------------------------------------------------------------------


def test_numbers_are_one_number_however_they_are_written():
    assert numbers_in("200 000 kroner, 200.000 kr og 200000") == {200000}
    assert numbers_in("20–30 prosent fra 1. desember 2021") == {20, 30, 1, 2021}
    assert numbers_in("fem kommuner og elleve prosesser") == {5, 11}
    assert numbers_in("eit team, ti kommunar", "nn") == {10}
    assert numbers_in("five teams went to the meeting", "en") == {5}


def test_a_capitalised_word_is_a_name_inside_a_sentence_or_when_known_as_one():
    names = known_names(["Kommunen søkte sammen med Sogndal.", "Vi trenger Luster også."])
    assert "Sogndal" in names and "Kommunen" not in names
    found = names_in("Kommunen ble valgt. Sogndal søkte med Aurland i 2022.", names)
    assert found == {"Sogndal", "Aurland"}


# -- broken cards are named, the rest load -----------------------------------------------------

@pytest.fixture
def library(knowledge_dir, write_card) -> CardLibrary:
    fee = "Deltakeravgiften i Gnist-runden 2022 var 200 000 kr"
    write_card("avgift.md")
    write_card("feil-tall.md", (fee, fee.replace("200 000", "350 000")))
    write_card("feil-navn.md", ("deles med fylkeskommunen, slik", "deles med Innlandet, slik"))
    write_card("mangler-felt.md", ('round: "2022"\n', ""), ("checked: 2026-12-01\n", ""))
    write_card("feil-seksjon.md", ("section: Deltakeravgift", "section: Reisekostnader"))
    write_card("feil-fil.md", ("programmet/delta-i-gnist.md", "programmet/finnes-ikke.md"))
    write_card("for-kort.md", nb="Det koster 200 000 kr i 2022.")
    (knowledge_dir.parent / "utenfor.md").write_text((knowledge_dir / "programmet/delta-i-gnist.md").read_text("utf-8"),
                                                     "utf-8")
    write_card("utenfor.md", ("programmet/delta-i-gnist.md", "../utenfor.md"))  # only files in the knowledge dir
    (knowledge_dir / "cards" / "README.md").write_text("# Slik lager du et kort\n\nIkke et kort.\n", encoding="utf-8")
    return CardLibrary(knowledge_dir, source_name)


def test_broken_cards_are_named_with_their_reason_while_the_valid_card_loads(library):
    assert [card.id for card in library.cards] == ["avgift"]
    errors = {Path(error.source).name: error.reason for error in library.errors}
    assert set(errors) == {"feil-tall.md", "feil-navn.md", "mangler-felt.md", "feil-seksjon.md", "feil-fil.md",
                           "for-kort.md", "utenfor.md"}
    assert "tall eller navn som ikke står i kildeseksjonene: 350000" in errors["feil-tall.md"]
    assert "svaret på nb" in errors["feil-tall.md"] and "svaret på nn" not in errors["feil-tall.md"]
    assert "Innlandet" in errors["feil-navn.md"]
    assert "mangler feltene round, checked" in errors["mangler-felt.md"]
    assert "seksjonen «Reisekostnader» finnes ikke i «programmet/delta-i-gnist.md»" in errors["feil-seksjon.md"]
    assert "kildefilen «programmet/finnes-ikke.md» finnes ikke" in errors["feil-fil.md"]
    assert "svaret på nb har 7 ord (skal ha 40–120)" in errors["for-kort.md"]
    assert "kildefilen «../utenfor.md» finnes ikke" in errors["utenfor.md"]


def test_a_card_loads_its_cited_section_with_the_knowledge_files_links(library):
    card = library.cards[0]
    assert card.checked == dt.date(2026, 12, 1) and card.round == "2022"
    (section,) = card.sections
    assert section.locator == "Deltakeravgift" and "200 000 kr" in section.text
    assert section.links == ("https://doga.no/gnist/delta", "https://doga.no/gnist/invitasjon-2022")
    assert section.title == "Delta i Gnist: kostnader og forpliktelser"


# -- the match rule ----------------------------------------------------------------------------


def scored(similarity, lexical) -> Scored:
    return Scored(np.asarray(similarity, dtype=float), np.asarray(lexical, dtype=float), ["a", "b", "c"])


def test_the_best_card_must_reach_the_threshold_and_beat_the_runner_up_by_the_margin():
    rule = MatchRule(threshold=0.93, margin=0.01, lexical_weight=0.03)
    assert scored([0.95, 0.90, 0.80], [0, 0, 0]).decide(rule) == (0, pytest.approx(0.95))
    assert scored([0.92, 0.90, 0.80], [0, 0, 0]).decide(rule) is None  # below the threshold
    assert scored([0.95, 0.945, 0.80], [0, 0, 0]).decide(rule) is None  # too close to the runner-up
    # The lexical share decides between two cards the embedder finds alike.
    assert scored([0.95, 0.945, 0.80], [0.0, 1.0, 0.0]).decide(rule) == (1, pytest.approx(0.975))


# -- the answer flow ---------------------------------------------------------------------------


class OneCard:
    """Stands in for AnswerCards: always matches the given card."""

    def __init__(self, card) -> None:
        self.card = card
        self.asked: list[tuple[str, str]] = []
        self.newest_round = "2022"

    def match(self, question, lang):
        self.asked.append((question, lang))
        return CardMatch(self.card, 0.97, "Hva koster Gnist?", lang)


class NoRetrieval:
    def search(self, *args, **kwargs):
        raise AssertionError("a matched card must not go to retrieval")


def test_a_matched_card_is_the_answer_with_its_date_and_cited_sections(library, tmp_path):
    cards = OneCard(library.cards[0])
    service = AnswerService(Settings(data_dir=tmp_path / "data"), NoRetrieval(), BUILT_IN,
                            cards=cards)
    answer = service.answer("Kva kostar det å vere med i Gnist?", language="nn")
    assert answer.mode == "card" and answer.grounded and answer.language == "nn"
    assert answer.text.startswith("Deltakaravgifta i Gnist-runden 2022 var 200 000 kr")
    assert answer.text.endswith("Sist kontrollert: 2026-12-01 – kjeldene dekkjer rundane til og med 2022.")
    (citation,) = answer.citations
    assert (citation.n, citation.title, citation.locator) == (1, "Delta i Gnist: kostnader og forpliktelser",
                                                              "Deltakeravgift")
    assert citation.source.endswith("programmet/delta-i-gnist.md") and "200 000 kr" in citation.text
    assert citation.links == ["https://doga.no/gnist/delta", "https://doga.no/gnist/invitasjon-2022"]
    english = service.answer("How much does Gnist cost?", language="en")
    assert english.text.startswith("The participation fee")
    assert english.text.endswith("Last checked: 2026-12-01 – the sources cover the rounds up to and including 2022.")
    assert cards.asked == [("Kva kostar det å vere med i Gnist?", "nn"), ("How much does Gnist cost?", "en")]


def test_the_card_is_matched_on_the_follow_up_made_standalone(library, tmp_path):
    cards = OneCard(library.cards[0])
    service = AnswerService(Settings(data_dir=tmp_path / "data"), NoRetrieval(), BUILT_IN,
                            cards=cards)
    answer = service.answer("Hva koster det?", [Turn("user", "Hva er Gnist?"), Turn("assistant", "Gnist er …")])
    assert answer.query == cards.asked[0][0] and "Gnist" in answer.query


WINNERS = {
    "nb": "Vinnerne ble kunngjort på Nordic Edge Expo 21. september 2021. I Vang vant Klynga på Klokkarhaugen, "
          "en næringsklynge. I Lund vant Fabrikken, en møteplass for unge. I Lebesby vant Modulbygda, en møteplass "
          "av moduler.",
    "en": "The winners were announced at Nordic Edge Expo on 21 September 2021. In Vang, Klynga på Klokkarhaugen "
          "won. In Lund, Fabrikken won. In Lebesby, Modulbygda won.",
}


def test_a_card_about_several_municipalities_answers_for_the_one_asked_about():
    from assistant.services.cards import focused_answer

    assert focused_answer(WINNERS["nb"], "Hva het vinnerkonseptet i Lebesby?") == (
        "I Lebesby vant Modulbygda, en møteplass av moduler.")
    assert (focused_answer(WINNERS["en"], "What won in Lebesby and Lund?")
            == "In Lund, Fabrikken won. In Lebesby, Modulbygda won.")
    # The whole card: no name asked, every name asked, or only the lead's names asked.
    for question in ("Hvem vant Gnist 2021?", "Hva vant i Vang, Lund og Lebesby?", "Hvem vant på Nordic Edge Expo?"):
        assert focused_answer(WINNERS["nb"], question) == WINNERS["nb"], question
    story = "Utsira er Norges minste kommune. Utsira var pilot i 2019. Kommunen fikk hjelp av DOGA."
    assert focused_answer(story, "Når var Utsira pilot?") == story  # one story is not cut up
