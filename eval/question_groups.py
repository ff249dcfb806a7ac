"""How well the administrators' view groups the questions that went badly by meaning (issue 22):
``eval/question_groups.json`` has eight intents, each asked 6–8 ways (nb, nn, en, typos, messy
input). Each intent's first half is dev, the rest test (split once). Prints, per half and for a
few thresholds around the chosen one, pair precision (two questions put together really share an
intent), pair recall (two questions of one intent are put together) and the number of groups."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.adapters.embeddings import build_embeddings  # noqa: E402
from assistant.services import knowledge_admin  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def halves() -> dict[str, list[tuple[str, str]]]:
    intents = json.loads((ROOT / "eval" / "question_groups.json").read_text(encoding="utf-8"))["intents"]
    split = {"dev": [], "test": []}
    for intent, questions in intents.items():
        middle = len(questions) // 2
        split["dev"] += [(intent, q) for q in questions[:middle]]
        split["test"] += [(intent, q) for q in questions[middle:]]
    return split


def score(rows: list[tuple[str, str]], embeddings, threshold: float) -> tuple[float, float, int]:
    knowledge_admin.GROUP_DISTANCE = threshold
    found = knowledge_admin._by_meaning([{"question": q, "intent": i} for i, q in rows], embeddings)
    together = {frozenset((a["question"], b["question"])) for group in found
                for a, b in itertools.combinations(group, 2)}
    same = {frozenset((a, b)) for (ia, a), (ib, b) in itertools.combinations(rows, 2) if ia == ib}
    precision = len(together & same) / len(together) if together else 1.0
    return precision, len(together & same) / len(same), len(found)


def main() -> None:
    embeddings = build_embeddings(Settings())
    chosen = knowledge_admin.GROUP_DISTANCE
    for name, rows in halves().items():
        print(f"{name}: {len(rows)} questions in {len({i for i, _ in rows})} intents")
        for threshold in (0.05, 0.07, chosen, 0.11, 0.13):
            precision, recall, groups = score(rows, embeddings, threshold)
            mark = "  (chosen)" if threshold == chosen else ""
            print(f"  distance {threshold:.2f}: pair precision {precision:.2f}, pair recall {recall:.2f}, {groups} "
                  f"groups{mark}")
    knowledge_admin.GROUP_DISTANCE = chosen


if __name__ == "__main__":
    main()
