"""The eval scorer on hand-built inputs, so the recall and MRR arithmetic is checked exactly."""

from __future__ import annotations

import pytest

from assistant.services.evaluation import fold, format_report, groups_met, score_fact_questions, score_passage_queries


def test_fold_handles_nbsp_narrow_nbsp_and_whitespace_runs():
    assert fold("200\u00a0000 kr") == "200 000 kr"
    assert fold("200\u202f000") == "200 000"
    assert fold("  Sett\n\n innbyggerne\t\ti   sentrum ") == "sett innbyggerne i sentrum"
    assert fold("ÅPNE Data") == "åpne data"
    assert fold("Straße") == "strasse"  # casefold, not just lower


def test_groups_met_any_alternative_per_group():
    text = "Deltakeravgiften var 200\u00a0000 kr, og prosjektressursen 20–30 %."
    assert groups_met(text, [["200 000", "200.000"], ["20"], ["40 %"],
                             ["Innbyggarane i sentrum", "innbyggerne i sentrum"]]) == [
        True,
        True,
        False,
        False,
    ]
    # Alternatives are folded too, and a match may span a line break in the text.
    assert groups_met("tenk\nglobalt", [["Tenk  globalt"]]) == [True]


def _questions():
    return [
        {"id": "q1", "question": "spredt over to", "facts": [["alfa"], ["beta"]]},
        {"id": "q2", "question": "først", "facts": [["gamma", "GAMMA-alt"]]},
        {"id": "q3", "question": "aldri", "facts": [["delta"]]},
        {"id": "q4", "question": "for sent", "facts": [["epsilon"]]},
    ]


RANKED = {
    "q1": ["alfa her", "ingenting", "og beta", "epsilon"],  # complete at rank 3
    "q2": ["GAMMA-ALT først", "x"],  # complete at rank 1
    "q3": ["x", "y", "z"],  # never
    "q4": ["x", "y", "z", "epsilon"],  # only at rank 4, beyond k=3
}


def test_score_fact_questions_rank_recall_and_mrr():
    report = score_fact_questions(_questions(), lambda q: RANKED[q["id"]], k=3)
    by_id = {r["id"]: r for r in report.results}
    assert by_id["q1"]["first_full_rank"] == 3 and by_id["q1"]["all_met"]
    assert by_id["q2"]["first_full_rank"] == 1
    assert by_id["q3"]["first_full_rank"] is None and by_id["q3"]["missing"] == [["delta"]]
    assert by_id["q4"]["first_full_rank"] is None and by_id["q4"]["groups_met"] == [False]
    assert (report.passed, report.total) == (2, 4)
    assert report.recall == pytest.approx(0.5)
    assert report.mrr == pytest.approx((1 / 3 + 1 + 0 + 0) / 4)
    assert report.kind == "facts" and report.k == 3 and report.target == "retrieval"


def test_score_fact_questions_partial_groups_are_listed_as_missing():
    questions = [{"id": "q", "question": "?", "facts": [["alfa"], ["beta"], ["gamma"]]}]
    report = score_fact_questions(questions, lambda q: ["alfa", "gamma"], k=5)
    result = report.results[0]
    assert result["groups_met"] == [True, False, True]
    assert result["missing"] == [["beta"]]
    assert not result["all_met"] and report.recall == 0.0 and report.mrr == 0.0


def test_score_fact_questions_larger_k_finds_more():
    report = score_fact_questions(_questions(), lambda q: RANKED[q["id"]], k=4)
    assert report.passed == 3
    assert report.mrr == pytest.approx((1 / 3 + 1 + 0 + 1 / 4) / 4)


def test_score_fact_questions_answer_target():
    report = score_fact_questions(_questions()[:2], lambda q: ["alfa og beta, men ikke gamma"], k=1, target="answer")
    assert report.target == "answer"
    assert [r["all_met"] for r in report.results] == [True, True]  # "gamma" is in the text, whatever it says
    assert report.mrr == 1.0


def test_score_fact_questions_empty_set():
    report = score_fact_questions([], lambda q: [], k=5)
    assert (report.recall, report.mrr, report.passed, report.total) == (0.0, 0.0, 0, 0)


def test_score_passage_queries_recall_and_mrr():
    queries = [
        {"id": "a", "text": "to relevante", "relevant": ["p1", "p2"]},
        {"id": "b", "text": "treff på 2", "relevant": ["p3"]},
        {"id": "c", "text": "ingen treff", "relevant": ["p9"]},
        {"id": "d", "text": "utenfor k", "relevant": ["p4"]},
    ]
    ranked = {"a": ["p2", "p5", "p1"], "b": ["p5", "p3", "p6"], "c": ["p1", "p2", "p3"], "d": ["p1", "p2", "p3", "p4"]}
    report = score_passage_queries(queries, lambda q: ranked[q["id"]], k=3)
    by_id = {r["id"]: r for r in report.results}
    assert by_id["a"]["recall"] == 1.0 and by_id["a"]["first_relevant_rank"] == 1
    assert by_id["b"]["recall"] == 1.0 and by_id["b"]["first_relevant_rank"] == 2
    assert by_id["c"]["recall"] == 0.0 and by_id["c"]["first_relevant_rank"] is None
    assert by_id["d"]["ranked"] == ["p1", "p2", "p3"]  # cut at k
    assert report.recall == pytest.approx(2 / 4)
    assert report.mrr == pytest.approx((1 + 0.5) / 4)
    assert (report.passed, report.total, report.kind) == (2, 4, "passages")


def test_score_passage_queries_half_recall():
    report = score_passage_queries([{"id": "a", "text": "t", "relevant": ["p1", "p2"]}], lambda q: ["p0", "p2"], k=5)
    assert report.recall == 0.5 and report.mrr == 0.5


def test_format_report_shows_recall_and_mrr():
    facts = format_report(score_fact_questions(_questions(), lambda q: RANKED[q["id"]], k=3))
    assert "retrieval @3: 2/4 alle faktagrupper funnet; recall@3=0.500; MRR=0.333" in facts
    assert "MANGLER q3" in facts and "OK  q2" in facts
    passages = format_report(score_passage_queries([{"id": "a", "text": "t", "relevant": ["p1"]}], lambda q: ["p1"],
                                                   k=2))
    assert "recall@2=1.000; MRR=1.000" in passages
    assert report_as_dict_roundtrip()


def report_as_dict_roundtrip() -> bool:
    report = score_passage_queries([{"id": "a", "text": "t", "relevant": ["p1"]}], lambda q: ["p1"], k=2)
    data = report.as_dict()
    return data["recall"] == 1.0 and data["results"][0]["id"] == "a" and data["kind"] == "passages"
