"""A solution where a need belongs: found in Bokmål, Nynorsk and English, quiet on need statements."""

from __future__ import annotations

import pytest

from assistant.workshop.solution_bias import (
    detect,
    first,
    guess_language,
    names_solution,
)

POSITIVES = [
    # (text, kind, phrase)
    ("Vi trenger en app", "digital", "en app"),
    ("Et nytt kulturhus", "building", "Et nytt kulturhus"),
    ("Vi må bygge et kjøpesenter i sentrum", "building", "bygge et kjøpesenter"),
    ("Vi må ha en plattform for frivillige", "digital", "en plattform"),
    ("Kommunen bør lage en digital plattform", "digital", "lage en digital plattform"),
    ("Løsningen er å åpne et ungdomshus", "building", "åpne et ungdomshus"),
    ("Vi ønsker oss et kjøpesenter", "building", "et kjøpesenter"),
    ("Vi må installere sensorer i sentrum", "digital", "installere sensorer"),
    ("Sentrum trenger en digital løsning", "generic", "en digital løsning"),
    ("Vi trenger et nytt kulturhus i sentrum", "building", "et nytt kulturhus"),
    ("Vi treng ein app", "digital", "ein app"),
    ("eit nytt kulturhus", "building", "eit nytt kulturhus"),
    ("Vi treng ein ny idrettshall", "building", "ein ny idrettshall"),
    ("Kommunen bør kjøpe eit system for booking", "digital", "kjøpe eit system"),
    ("Vi må byggje eit badeland", "building", "byggje eit badeland"),
    ("We need an app", "digital", "an app"),
    ("Build a new cultural centre", "building", "Build a new cultural centre"),
    ("The municipality should develop a booking platform", "digital", "develop a booking platform"),
    ("We want a shopping mall", "building", "a shopping mall"),
]


@pytest.mark.parametrize("text, kind, phrase", POSITIVES)
def test_solutions_are_found(text, kind, phrase):
    findings = detect(text)
    assert findings, text
    assert findings[0].kind == kind
    assert findings[0].phrase == phrase
    assert text[findings[0].start:findings[0].end] == phrase


NEGATIVES = [
    "Unge mangler møteplasser i sentrum etter arbeidstid",
    "Unge voksne mangler uformelle møteplasser i sentrum etter arbeidstid",
    "Innbyggerne trenger å komme seg til legesenteret",
    "Eldre må ha hjelp til å handle",
    "Vi har et kulturhus som står tomt",
    "Kjøpesenteret utenfor sentrum trekker folk bort",
    "Det gamle samfunnshuset står tomt og bygget forfaller",
    "Sentrum er dødt etter klokka fire",
    "Folk mangler et sted å være",
    "Tomme lokaler og nedlagt kjøpesenter",
    "Vi ser etter nye løsninger sammen med næringslivet",
    "Hvordan kan vi gjøre sentrum til et sted der unge voksne vil møtes?",
    "Unge vaksne manglar møtestader",
    "Innbyggjarane treng å kome seg til byen",
    "Vi treng fleire arbeidsplassar for unge",
    "Butikkane er ikkje opne etter klokka fire",
    "Young people lack places to meet",
    "Residents need to travel far to the health centre",
    "The centre is empty after four",
    "We shall see what residents say",
    "",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_need_statements_are_not_flagged(text):
    assert detect(text) == []
    assert not names_solution(text)


def test_message_follows_the_text_language():
    nb = first("Vi trenger en app")
    assert nb.language == "nb"
    assert nb.message.startswith("«en app» høres ut som en løsning.")
    assert "Hvem merker problemet, og hvordan?" in nb.message

    nn = first("Vi treng ein app")
    assert nn.language == "nn"
    assert nn.message.startswith("«ein app» høyrest ut som ei løysing.")
    assert "Kven merkar problemet, og korleis?" in nn.message

    en = first("We need an app")
    assert en.language == "en"
    assert en.message.startswith("“an app” sounds like a solution.")
    assert "Who notices the problem, and how?" in en.message


def test_message_language_can_be_forced_and_kind_shapes_it():
    building = first("Vi må bygge et kjøpesenter", lang="nn")
    assert building.language == "nn" and "Eit bygg kan vere svaret til slutt" in building.message
    generic = first("Sentrum trenger en digital løsning")
    assert "Hvilket behov skal løsningen dekke?" in generic.message


def test_several_solutions_in_one_answer():
    findings = detect("Vi trenger en app. Og så må vi bygge et nytt kulturhus.")
    assert [f.kind for f in findings] == ["digital", "building"]
    assert findings[0].as_dict()["phrase"] == "en app"


@pytest.mark.parametrize("text, lang", [
    ("Vi trenger flere møteplasser for unge", "nb"),
    ("Vi treng fleire møtestader for unge", "nn"),
    ("We need more places for young people", "en"),
])
def test_guess_language(text, lang):
    assert guess_language(text) == lang
