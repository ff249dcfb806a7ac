"""Every fact says when it holds (issue 22): each real card names the rounds it describes, and a
rule stated in the present tense belongs to the newest round the knowledge base knows. Cards of
older rounds state their rules in the past tense and name the round; the answer frame adds
«Gjaldt Gnist 2022» to them."""

from __future__ import annotations

import re

import pytest

from assistant.services.cards import CardLibrary, newest_round, round_start
from assistant.services.ingest import source_name
from assistant.settings import REPO_ROOT

# Present-tense rule words: «må», «skal», «bør» and «kan søke» state what holds now.
PRESENT_RULE = {
    "nb": re.compile(r"\b(må|skal|bør|kan søke|kan sende|er det krav)\b", re.IGNORECASE),
    "nn": re.compile(r"\b(må|skal|bør|kan søkje|kan sende)\b", re.IGNORECASE),
    "en": re.compile(r"\b(must|has to|have to|needs to|can apply|may apply)\b", re.IGNORECASE),
}
# Sentences about what the user should do now («Sjekk …», «Avklar …») are advice, not rules; a
# sentence naming a round states that round's rule.
ROUND_NAMED = re.compile(r"\b(19|20)\d{2}\b")


@pytest.fixture(scope="module")
def cards():
    library = CardLibrary(REPO_ROOT / "knowledge", source_name)
    assert not library.errors, [e.reason for e in library.errors]
    return library.cards


def present_tense_rules(card, newest: str) -> list[str]:
    """Sentences of ``card`` that state a rule in the present tense without naming a round,
    when the card describes older rounds only."""
    if not card.rounds or newest in card.rounds:
        return []
    found = []
    for lang, answer in card.answers.items():
        for sentence in re.split(r"(?<=[.!?])\s+", answer):
            if PRESENT_RULE[lang].search(sentence) and not ROUND_NAMED.search(sentence):
                found.append(f"{card.id} ({lang}): {sentence}")
    return found


def test_the_newest_round_the_cards_know_is_2023(cards):
    assert newest_round(cards) == "2023"
    assert round_start("2019–20") < round_start("2020–21") < round_start("2022") < round_start("2023")


def test_every_rule_or_history_card_names_its_rounds_and_every_answer_names_them(cards):
    wrong = []
    for card in cards:
        assert card.kind in ("rule", "history", "general"), card.id
        if card.kind == "general":
            continue
        assert card.rounds, card.id
        for lang, answer in card.answers.items():
            years = {r[:4] for r in card.rounds} | {r[:2] + r[-2:] for r in card.rounds if "–" in r}
            if not any(year in answer for year in years):
                wrong.append(f"{card.id} ({lang})")
    assert wrong == []


def test_no_card_states_an_older_rounds_rule_in_the_present_tense(cards):
    newest = newest_round(cards)
    wrong = [found for card in cards for found in present_tense_rules(card, newest)]
    assert wrong == [], "\n".join(wrong)


def test_the_check_finds_a_present_tense_rule_of_an_older_round(cards):
    """The tense check itself can fail: the old «slik-soker-du» wording is caught."""
    card = next(c for c in cards if c.id == "slik-soker-du")
    from dataclasses import replace

    old = replace(card, answers={**card.answers, "nb": card.answers["nb"] + " Som Gnist-kommune må dere få med plan "
                                                                            "og næring."})
    assert present_tense_rules(old, "2023") == ["slik-soker-du (nb): Som Gnist-kommune må dere få med plan og næring."]


def test_older_rules_get_the_applied_to_frame_and_current_ones_do_not(cards):
    by_id = {card.id: card for card in cards}
    assert by_id["kostnad"].older_rule("2023") and by_id["slik-soker-du"].older_rule("2023")
    assert not by_id["kriterier-2023"].older_rule("2023") and not by_id["hvordan-kan-vi"].older_rule("2023")
    assert not by_id["kommuner-2021"].older_rule("2023")  # history is dated in its own text


def test_cards_say_last_checked_and_review_dates(cards):
    import datetime as dt

    assert all(card.review_by and card.review_by > card.checked for card in cards)
    assert not [card.id for card in cards if card.overdue(dt.date(2027, 1, 1))]
    assert len([card for card in cards if card.overdue(dt.date(2027, 7, 1))]) == len(cards)
