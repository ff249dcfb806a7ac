"""Retrieval and answers per language: the same questions in Bokmål, Nynorsk and English.

    .venv/bin/python eval/multilingual.py [--questions FILE] [-k 5] [--json] [--verbose]

Uses the index in GNIST_DATA_DIR (brought up to date first; the vector cache makes that quick).
For each split (dev, test) and language it prints recall@k (the share of questions whose top-k
passages, searched in the asker's language, contain every fact), the share of those passages that
are in the asker's language, and the share of answers (no language model, no cards) that contain
every fact."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from assistant.container import Container
from assistant.services.evaluation import groups_met
from assistant.settings import Settings

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(HERE / "multilingual_questions.json"))
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))["questions"]
    container = Container(Settings(llm_provider="none"))
    container.sync_knowledge(show_progress=False)
    container.cards = None  # the knowledge base itself, not the curated cards
    answers = container.answer_service
    counts: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for question in questions:
        lang = question["lang"]
        hits = container.retriever.search(question["question"], k=args.k, lang=lang)
        found = all(groups_met("\n".join(h.text for h in hits), question["facts"]))
        own = sum(h.metadata.get("language", "nb") == lang for h in hits) / max(len(hits), 1)
        answer = answers.answer(question["question"], language=lang)
        answered = all(groups_met(answer.text, question["facts"]))
        row = counts[(question["split"], lang)]
        row["questions"] += 1
        row["recall"] += found
        row["own_language"] += own
        row["answer_facts"] += answered
        if args.verbose and not (found and answered):
            print(f"{question['id']}: retrieval {'ok' if found else 'MISS'}, answer {'ok' if answered else 'MISS'}: "
                  f"{question['question']}", file=sys.stderr)
    table = {f"{split}/{lang}": {"questions": int(row["questions"]),
                                 f"recall@{args.k}": round(row["recall"] / row["questions"], 3),
                                 "passages_in_askers_language": round(row["own_language"] / row["questions"], 3),
                                 "answers_with_all_facts": round(row["answer_facts"] / row["questions"], 3)}
             for (split, lang), row in sorted(counts.items())}
    if args.json:
        print(json.dumps(table, indent=2))
    else:
        print(f"Multilingual questions ({args.questions}):")
        for key, row in table.items():
            print(f"  {key:8} n={row['questions']:3}  recall@{args.k}={row[f'recall@{args.k}']:.3f}  "
                  f"in asker's language={row['passages_in_askers_language']:.3f}  "
                  f"answers with all facts={row['answers_with_all_facts']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
