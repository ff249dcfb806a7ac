"""The share of eval/precision.json answered precisely, without a language model.

    .venv/bin/python eval/precision.py [--questions FILE] [--json] [--verbose]

Uses the index in GNIST_DATA_DIR (built if missing). Questions marked "document" are asked with
eval/kommuneplan.py's plan PDF uploaded by a user of their own (made in a temporary data dir
copy-free: the user's collection is removed afterwards)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import kommuneplan  # noqa: E402

from assistant.container import Container  # noqa: E402
from assistant.services.answer import Turn  # noqa: E402
from assistant.settings import Settings  # noqa: E402

OWNER = "eval-precision"
_MARKER = re.compile(r"\[\d+\]")


def fold(text: str) -> str:
    return " ".join(text.split()).lower()


def judge(question: dict, answer, not_covered: str, must_not_all: list[str]) -> list[str]:
    """What is wrong with the answer (empty: precise)."""
    text = fold(answer.text)
    problems = []
    if question.get("refuse"):
        if answer.text != not_covered:
            problems.append("answered an off-topic question")
    elif answer.text == not_covered:
        problems.append("refused")
    for group in question.get("must", []):
        if not any(fold(alternative) in text for alternative in group):
            problems.append(f"missing {group[0]!r}")
    for padding in [*question.get("must_not", []), *must_not_all]:
        if fold(padding) in text:
            problems.append(f"contains {padding!r}")
    words = len(_MARKER.sub("", answer.text).split())
    if words > question["max_words"]:
        problems.append(f"{words} words > {question['max_words']}")
    if answer.language != question["lang"]:
        problems.append(f"language {answer.language}, expected {question['lang']}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(HERE / "precision.json"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="Print every answer.")
    args = parser.parse_args()
    data = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    container = Container(Settings(llm_provider="none"))
    container.ensure_knowledge_index(show_progress=True)
    service = container.answer_service
    documents = container.documents
    with tempfile.TemporaryDirectory() as folder:
        uploaded = documents.upload(OWNER, kommuneplan.build(Path(folder) / kommuneplan.FILENAME))
        if not uploaded.ok:
            print(uploaded.message, file=sys.stderr)
            return 1
    results = []
    try:
        for question in data["questions"]:
            history = [Turn("user", earlier) for earlier in question.get("after", [])]
            stores = [documents.store_for(OWNER)] if question.get("document") else None
            started = time.perf_counter()
            answer = service.answer(question["question"], history, extra_stores=stores, ui_language=question.get("ui"))
            elapsed = time.perf_counter() - started
            not_covered = container.catalog.message("not_covered", answer.language)
            problems = judge(question, answer, not_covered, data.get("must_not_all", []))
            results.append({"id": question["id"], "question": question["question"], "precise": not problems,
                            "problems": problems, "mode": answer.mode, "ms": round(elapsed * 1000),
                            "answer": answer.text})
    finally:
        documents.delete_owner(OWNER)
    precise = sum(r["precise"] for r in results)
    if args.json:
        json.dump({"precise": precise, "total": len(results), "share": precise / len(results), "results": results},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for r in results:
        mark = "ok  " if r["precise"] else "MISS"
        print(f"{mark} {r['id']} [{r['mode']}, {r['ms']} ms] {r['question']}" + (f"  -> {'; '.join(r['problems'])}"
                                                                                 if r["problems"] else ""))
        if args.verbose or not r["precise"]:
            print("      " + r["answer"].replace("\n", "\n      "))
    print(f"\nAnswered precisely: {precise}/{len(results)} = {precise / len(results):.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
