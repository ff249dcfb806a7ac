"""The guided steps: order from the seed deck, texts in three languages, examples that follow the
problem's theme, and past cases picked from search hits by similarity."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from test_workshop_canvas import good_canvas

from assistant.catalog import BUILT_IN
from assistant.workshop import themes
from assistant.workshop.canvas import Canvas, get_field, new_canvas
from assistant.workshop.similar import (
    canvas_query,
    cases_from_hits,
    find_similar,
    inspiration,
)
from assistant.workshop.steps import (
    STEP_DEFS,
    STEP_IDS,
    get_step,
    kind_of,
    load_steps,
    question_answered,
    step_filled,
    step_of,
)

EXPECTED_ORDER = ["problem", "behov", "malgrupper", "personas", "innbyggerinnspill", "aktorer", "scenario",
                  "prinsipper", "fra_til", "hkv", "visjon", "forankring"]


def test_steps_follow_the_seed_deck_order():
    assert list(STEP_IDS) == EXPECTED_ORDER


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_step_has_texts_in_every_language(lang):
    raw = json.loads((BUILT_IN.prompts_dir / "workshop" / f"steps.{lang}.json").read_text(encoding="utf-8"))
    assert set(raw) == set(STEP_IDS)
    for definition in STEP_DEFS:
        data = raw[definition.id]
        assert data["title"] and data["why"]
        assert set(data["questions"]) == {q.key for q in definition.questions}
        for question in data["questions"].values():
            assert question["text"].strip() and question["hint"].strip()
    steps = load_steps(lang)
    assert [s.id for s in steps] == EXPECTED_ORDER
    assert steps[0].number == 1 and steps[-1].total == 12


def test_step_texts_are_in_the_right_language():
    assert get_step("personas", "nn").questions[0].text.startswith("Beskriv opptil tre innbyggjarar")
    assert get_step("hkv", "en").title == "How might we …?"
    assert get_step("hkv", "nb").title == "Hvordan kan vi …?"
    assert get_step("hkv", "nn").title == "Korleis kan vi …?"


def test_every_field_exists_on_the_canvas():
    canvas = Canvas(owner="x")
    for definition in STEP_DEFS:
        for path in definition.fields:
            get_field(canvas, path)  # raises KeyError for a typo


def test_step_fields_and_question_kinds():
    steps = {s.id: s for s in load_steps("nb")}
    assert steps["fra_til"].fields == ["reframing_from", "reframing_to"]
    assert steps["aktorer"].fields == ["actors"]
    assert steps["forankring"].questions[2].kind == "percent"
    assert steps["problem"].questions[0].check_bias and not steps["innbyggerinnspill"].questions[2].check_bias


def test_every_path_has_a_kind_and_a_step():
    for definition in STEP_DEFS:
        for question in definition.questions:
            assert kind_of(question.key).name == question.kind
            assert step_of(question.key) == definition.id
    assert kind_of("reframing_from").name == "text" and kind_of("actors").name == "actors"
    assert step_of("hkv_questions.0") == "hkv" and step_of("actors") == "aktorer"
    assert step_of("municipality") is None


@pytest.mark.parametrize("problem, theme", [
    ("Sentrum er dødt etter klokka fire", "sentrum"),
    ("Unge flytter fra bygda og kommer ikke tilbake", "fraflytting"),
    ("Bedriftene får ikke tak i fagfolk", "kompetanse"),
    ("Det finnes ingen utleieboliger for nyansatte", "bolig"),
    ("Turistene fyller veiene om sommeren", "reiseliv"),
    ("Young people move away and never come back", "fraflytting"),
    ("Vi vil bli bedre", "general"),
])
def test_theme_of_the_problem(problem, theme):
    assert themes.of_canvas(new_canvas("x", "Vang", problem)) == theme


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_theme_has_its_texts(lang):
    table = BUILT_IN.workshop("themes", lang)
    assert set(table) == {themes.GENERAL, *themes.THEMES}
    keys = {q.key for s in STEP_DEFS for q in s.questions}
    for name, theme in table.items():
        assert theme["place"] and theme["map"] and theme["groups"], name
        assert set(theme["hints"]) <= keys, name
    assert set(table["sentrum"]["hints"]) == set(table["fraflytting"]["hints"])


def test_examples_and_the_2030_scenario_follow_the_theme():
    centre = new_canvas("x", "Vang", "Sentrum er dødt etter klokka fire")
    moving = new_canvas("x", "Lom", "Unge flytter fra bygda og kommer ikke tilbake")
    scenario = get_step("scenario").questions[0]
    assert "{place}" in scenario.text
    assert themes.adapt_step(get_step("scenario"), centre).questions[0].text.startswith(
        "Vi er i år 2030, og dere står midt i sentrum.")
    moved = themes.adapt_step(get_step("scenario"), moving).questions[0]
    assert moved.text.startswith("Vi er i år 2030, og dere står midt i bygda") and "sentrum" not in moved.text
    who = themes.adapt_step(get_step("problem"), moving).questions[1]
    assert "sentrum" not in who.hint and "flyttet ut" in who.hint
    nynorsk = new_canvas("x", "Lom", "Unge flyttar frå bygda", language="nn")
    assert "midt i bygda, der dei unge" in themes.adapt_step(get_step("scenario", "nn"), nynorsk).questions[0].text


def test_question_answered_and_step_filled():
    canvas = good_canvas()
    assert all(step_filled(canvas, step_id) for step_id in STEP_IDS if step_id != "forankring")
    assert not step_filled(canvas, "forankring")  # no joint municipalities ("partners") given
    empty = Canvas(owner="x", raw_problem="Noe")
    problem = get_step("problem")
    assert question_answered(empty, problem.questions[0])
    assert not question_answered(empty, problem.questions[1])
    assert not step_filled(empty, "aktorer")


@dataclass
class Hit:
    source: str
    title: str
    score: float
    metadata: dict = field(default_factory=dict)
    text: str = ""
    locator: str = ""


def hits():
    vang = {"type": "case", "municipality": "Vang", "round": "2021",
            "reframing": "Fra lav sentrumsaktivitet til stedsidentitet", "concept": "Klynga på Klokkarhaugen",
            "jury": "Svarer på lokale behov", "challenge": "Levende sentrum"}
    return [
        Hit("knowledge/programmet/delta.md", "Delta i Gnist", 0.95, {"type": "program"}),
        Hit("knowledge/caser/2021-vang.md", "Vang kommune: Gnist 2021", 0.90, vang, "Vang ville ha liv i sentrum.",
            "Vang: utfordringen"),
        Hit("knowledge/caser/2021-vang.md", "Vang kommune: Gnist 2021", 0.88, vang),
        Hit("knowledge/caser/2021-lund.md", "Lund kommune: Gnist 2021", 0.80,
            {"type": "case", "municipality": "Lund", "year": 2021}),
        Hit("knowledge/caser/caser-oversikt.md", "Oversikt", 0.99, {"type": "method"}),
    ]


def test_cases_from_hits_are_distinct_cases_with_front_matter():
    cases = cases_from_hits(hits(), k=3)
    assert [c.municipality for c in cases] == ["Vang", "Lund"]
    vang = cases[0]
    assert vang.score == 0.90 and vang.reframing.startswith("Fra lav sentrumsaktivitet")
    assert vang.concept == "Klynga på Klokkarhaugen" and vang.jury and vang.round == "2021"
    assert vang.as_dict()["excerpt"] == "Vang ville ha liv i sentrum."
    assert cases[1].round == "2021"  # from year when round is missing
    assert vang.inspiration_line("nb") == ("Til inspirasjon fra Vang (2021): «Fra lav sentrumsaktivitet til "
                                          "stedsidentitet». Kilde: Vang kommune: Gnist 2021.")


def test_find_similar_queries_with_the_problem_and_survives_failures():
    seen = []

    def search(query, k):
        seen.append((query, k))
        return hits()

    canvas = good_canvas()
    cases = find_similar(canvas, search, k=1)
    assert [c.municipality for c in cases] == ["Vang"]
    assert seen[0][1] == 20 and "Sentrum er dødt etter klokka fire" in seen[0][0]
    assert "unge voksne" in canvas_query(canvas)

    def broken(query, k):
        raise RuntimeError("index missing")

    assert find_similar(canvas, broken) == []
    assert find_similar(Canvas(owner="x"), search) == []


def themed_hits():
    def case(name, round_, **meta):
        return Hit(f"knowledge/caser/{name.lower()}.md", f"{name} kommune: Gnist {round_}", 0.9,
                   {"type": "case", "municipality": name, "round": round_, **meta})

    return [
        case("Lund", "2021", challenge="Lund ville beholde folk i nøkkelstillinger.",
             reframing="Fra kompetansemangel til hjørnesteinsindustri"),
        case("Vang", "2021", reframing="Fra lav sentrumsaktivitet til stedsidentitet"),
        case("Lebesby", "2021", reframing="Fra fraflytting til Norges første digitale tilflyttingskommune"),
        case("Krødsherad", "pilot 2019-20", challenge="Innbyggere skal komme seg rundt uten egen bil."),
        case("Sortland", "2022", challenge="Sortland ville snu byen mot sundet, med en sjøfront i sentrum."),
    ]


def test_cases_are_chosen_by_theme_not_by_rank_alone():
    centre = new_canvas("x", "Vang", "Sentrum er dødt etter klokka fire")
    found = find_similar(centre, lambda q, k: themed_hits(), k=5)
    assert [c.municipality for c in found] == ["Vang", "Sortland", "Krødsherad"]  # no competence case
    moving = new_canvas("x", "Lom", "Unge flytter fra bygda")
    assert [c.municipality for c in find_similar(moving, lambda q, k: themed_hits())] == ["Lebesby", "Krødsherad"]
    plain = new_canvas("x", "Lom", "Vi vil bli bedre")
    assert find_similar(plain, lambda q, k: themed_hits(), k=5)[0].municipality == "Lund"  # search order


def test_inspiration_is_never_repeated_in_a_workshop():
    canvas = new_canvas("x", "Vang", "Sentrum er dødt etter klokka fire")
    shown = []
    for _ in range(5):
        cases = inspiration(canvas, lambda q, k: themed_hits())
        for case in cases:
            canvas.inspiration_shown.append(case.source)
        shown += [c.municipality for c in cases]
    assert shown == ["Vang", "Sortland"]  # only cases on the main theme inspire; no line twice
