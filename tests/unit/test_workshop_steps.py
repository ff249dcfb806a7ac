"""The guided steps: order from the seed deck, texts in three languages, search queries, and
past cases picked from search hits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from test_workshop_canvas import good_canvas

from assistant.workshop import texts
from assistant.workshop.canvas import Canvas, get_field, new_canvas
from assistant.workshop.similar import canvas_query, cases_from_hits, find_similar
from assistant.workshop.steps import (
    STEP_DEFS,
    STEP_IDS,
    get_step,
    load_steps,
    question_answered,
    search_query,
    step_filled,
)

EXPECTED_ORDER = ["problem", "behov", "malgrupper", "personas", "innbyggerinnspill", "aktorer", "scenario",
                  "prinsipper", "fra_til", "hkv", "visjon", "forankring"]


def test_steps_follow_the_seed_deck_order():
    assert list(STEP_IDS) == EXPECTED_ORDER


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_step_has_texts_in_every_language(lang):
    raw = json.loads((texts.DEFAULT_WORKSHOP_DIR / f"steps.{lang}.json").read_text(encoding="utf-8"))
    assert set(raw) == set(STEP_IDS)
    for definition in STEP_DEFS:
        data = raw[definition.id]
        assert data["title"] and data["why"] and data["search_query"]
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


def test_search_query_uses_the_canvas_words():
    canvas = new_canvas("kari", "Vang", "Sentrum er dødt etter klokka fire")
    query = search_query(get_step("problem"), canvas)
    assert "Sentrum er dødt etter klokka fire" in query and "{" not in query
    reframing = search_query(get_step("fra_til"), canvas)
    assert reframing.startswith("Fra Sentrum er dødt")
    assert "{" not in search_query(get_step("hkv"), canvas)


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
    assert vang.citation == "Vang kommune: Gnist 2021 (Vang: utfordringen) – knowledge/caser/2021-vang.md"
    assert vang.as_dict()["excerpt"] == "Vang ville ha liv i sentrum."
    assert cases[1].round == "2021"  # from year when round is missing


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
