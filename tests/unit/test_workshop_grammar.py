"""Grammar helpers for text built from the user's words, in Bokmål, Nynorsk and English."""

from __future__ import annotations

import pytest

from assistant.workshop import grammar


@pytest.mark.parametrize("lang, items, expected", [
    ("nb", ["unge voksne"], "unge voksne"),
    ("nb", ["unge voksne", "barnefamilier"], "unge voksne og barnefamilier"),
    ("nb", ["unge voksne", "barnefamilier", "pendlere"], "unge voksne, barnefamilier og pendlere"),
    ("nn", ["unge vaksne", "barnefamiliar", "pendlarar"], "unge vaksne, barnefamiliar og pendlarar"),
    ("en", ["young adults", "families", "commuters"], "young adults, families and commuters"),
    ("nb", [], ""),
])
def test_join_list(lang, items, expected):
    assert grammar.join_list(items, lang) == expected


def test_join_list_drops_repeats_empties_and_leftover_conjunctions():
    assert grammar.join_list(["Naturen", "naturen.", " ", "og folka", "dugnadsånden og"], "nb") == \
        "Naturen, folka og dugnadsånden"
    assert grammar.join_list(["shops", "and cafés", "Shops"], "en") == "shops and cafés"


@pytest.mark.parametrize("lang, one, two", [
    ("nb", "ett punkt", "to punkter"), ("nn", "eitt punkt", "to punkt"), ("en", "one point", "two points"),
])
def test_number_agreement(lang, one, two):
    assert grammar.count(1, "point", lang) == one
    assert grammar.count(2, "point", lang) == two


@pytest.mark.parametrize("lang, three", [("nb", "tre prinsipper"), ("nn", "tre prinsipp"), ("en", "three principles")])
def test_number_agreement_for_principles(lang, three):
    assert grammar.count(3, "principle", lang) == three
    assert grammar.count(1, "principle", lang).split()[1].startswith("prin")


def test_capitalise_and_sentence():
    assert grammar.capitalise("unge voksne mangler møteplasser") == "Unge voksne mangler møteplasser"
    assert grammar.capitalise("«sentrum» er tomt") == "«Sentrum» er tomt"
    assert grammar.capitalise("6 av 10 savner et sted") == "6 av 10 savner et sted"
    assert grammar.sentence("  unge flytter ut ") == "Unge flytter ut."
    assert grammar.sentence("Er fylkeskommunen orientert?") == "Er fylkeskommunen orientert?"
    assert grammar.sentence("Vi sa «ja.»") == "Vi sa «ja.»"
    assert grammar.sentence("Fortell det dere vet:") == "Fortell det dere vet:"
    assert grammar.sentence("[Mangler: budsjett]") == "[Mangler: budsjett]"
    assert grammar.sentence("Lite penger;") == "Lite penger."
    assert grammar.sentence("") == ""


def test_lower_first_keeps_names():
    assert grammar.lower_first("Planavdelingen") == "planavdelingen"
    assert grammar.lower_first("SSB-tallene") == "SSB-tallene"
    assert grammar.lower_first("Vang sentrum", {"Vang"}) == "Vang sentrum"
    assert grammar.lower_first("NAV") == "NAV"
    assert grammar.lower_first("2021-kullet") == "2021-kullet"
    assert grammar.lower_first("Vangsjøen", grammar.proper_nouns("Vi bader i Vangsjøen om sommeren.")) == "Vangsjøen"


@pytest.mark.parametrize("lang, expected", [("nb", "[Mangler: politisk forankring]"),
                                            ("nn", "[Manglar: politisk forankring]"),
                                            ("en", "[Missing: politisk forankring]")])
def test_gaps_are_marked_in_place(lang, expected):
    assert grammar.missing("politisk forankring", lang) == expected
