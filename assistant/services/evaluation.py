"""Evaluation of retrieval (and answers) on question sets.

Two formats are understood:
- fact-group sets (``questions`` with ``facts``): a group is met when any alternative occurs in the
  text, case-insensitively, after folding whitespace runs to one space;
- passage sets (``passages`` + ``queries`` with ``relevant`` ids): recall@k and MRR by id.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

_WHITESPACE = re.compile(r"\s+", re.UNICODE)


def fold(text: str) -> str:
    return _WHITESPACE.sub(" ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip().casefold()


def groups_met(text: str, groups: list[list[str]]) -> list[bool]:
    folded = fold(text)
    return [any(fold(alternative) in folded for alternative in group) for group in groups]


@dataclass
class QuestionResult:
    id: str
    question: str
    groups_met: list[bool]
    first_full_rank: int | None  # 1-based: fewest top passages that together meet every group
    missing: list[list[str]] = field(default_factory=list)

    @property
    def all_met(self) -> bool:
        return all(self.groups_met)


@dataclass
class EvalReport:
    kind: str  # "facts" or "passages"
    k: int
    target: str  # "retrieval" or "answer"
    results: list[dict]
    recall: float
    mrr: float
    passed: int
    total: int

    def as_dict(self) -> dict:
        return asdict(self)


def score_fact_questions(
    questions: list[dict], texts_for: Callable[[dict], list[str]], k: int, target: str = "retrieval"
) -> EvalReport:
    """``texts_for(question)`` returns ranked passages (retrieval) or a one-item list (answer)."""
    results: list[QuestionResult] = []
    for question in questions:
        texts = texts_for(question)[:k]
        met = groups_met("\n".join(texts), question["facts"])
        first_full = next(
            (rank for rank in range(1, len(texts) + 1) if all(groups_met("\n".join(texts[:rank]), question["facts"]))),
            None,
        )
        missing = [group for group, ok in zip(question["facts"], met) if not ok]
        results.append(QuestionResult(question["id"], question["question"], met, first_full, missing))
    passed = sum(r.all_met for r in results)
    return EvalReport(
        kind="facts",
        k=k,
        target=target,
        results=[{**asdict(r), "all_met": r.all_met} for r in results],
        recall=passed / len(results) if results else 0.0,
        mrr=statistics.fmean(1 / r.first_full_rank if r.first_full_rank else 0.0 for r in results) if results else 0.0,
        passed=passed,
        total=len(results),
    )


def score_passage_queries(queries: list[dict], ranked_ids_for: Callable[[dict], list[str]], k: int) -> EvalReport:
    results = []
    recalls, reciprocal_ranks = [], []
    for query in queries:
        ranked = ranked_ids_for(query)[:k]
        relevant = set(query["relevant"])
        found = [pid for pid in ranked if pid in relevant]
        recall = len(found) / len(relevant) if relevant else 0.0
        first = next((rank for rank, pid in enumerate(ranked, start=1) if pid in relevant), None)
        recalls.append(recall)
        reciprocal_ranks.append(1 / first if first else 0.0)
        results.append({"id": query["id"], "question": query["text"], "ranked": ranked, "relevant": sorted(relevant),
                        "recall": recall, "first_relevant_rank": first})
    return EvalReport(
        kind="passages",
        k=k,
        target="retrieval",
        results=results,
        recall=statistics.fmean(recalls) if recalls else 0.0,
        mrr=statistics.fmean(reciprocal_ranks) if reciprocal_ranks else 0.0,
        passed=sum(1 for r in results if r["first_relevant_rank"]),
        total=len(results),
    )


def format_report(report: EvalReport) -> str:
    lines = []
    for result in report.results:
        if report.kind == "facts":
            status = "OK " if result["all_met"] else "MANGLER"
            detail = "" if result["all_met"] else f"  mangler: {result['missing']}"
            lines.append(f"{status} {result['id']}  rang={result['first_full_rank']}  {result['question']}{detail}")
        else:
            lines.append(f"{result['id']}  recall={result['recall']:.2f}  første "
                         f"treff={result['first_relevant_rank']}  {result['question']}")
    label = "alle faktagrupper funnet" if report.kind == "facts" else "med minst ett relevant treff"
    lines.append(
        f"\n{report.target} @{report.k}: {report.passed}/{report.total} {label}; "
        f"recall@{report.k}={report.recall:.3f}; MRR={report.mrr:.3f}"
    )
    return "\n".join(lines)
