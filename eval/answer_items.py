"""Answer items kept as the user wrote them (assistant/workshop/parsing.written_items), measured on a
set of answers written for the purpose in nb, nn and en (eval/answer_items/: bulleted, numbered and
plain lines, lists inside one line, single sentences with commas and semicolons, wrapped lines,
lead-ins, messy bullets and spacing), split once into dev (tuned on) and test (reported).

An answer counts as right when the items are exactly the expected ones; «count said» checks that the
workshop's acknowledgement («Jeg noterte fire punkter: …») names as many items as the user wrote. Run:

    .venv/bin/python eval/answer_items.py [--json] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.catalog import BUILT_IN
from assistant.workshop import grammar
from assistant.workshop.fields import KINDS, Context

FOLDER = Path(__file__).resolve().parent / "answer_items"


def count_said_right(row: dict) -> bool:
    """The acknowledgement of a list answer names as many items as the user wrote (and it keeps)."""
    context = Context(row["lang"], catalog=BUILT_IN)
    kind = KINDS["list"]
    said = kind.describe(kind.read_answer(row["text"], context), context)
    written = len(row["items"])
    return written == 0 or grammar.count(written, "point", row["lang"], BUILT_IN) in said


def figures(split: str) -> dict:
    rows = json.loads((FOLDER / f"{split}.json").read_text(encoding="utf-8"))
    kind = KINDS["list"]
    wrong = []
    for row in rows:
        got = kind.read_answer(row["text"], Context(row["lang"], catalog=BUILT_IN))
        if got != row["items"]:
            wrong.append({"text": row["text"], "expected": row["items"], "got": got})
    per_lang = {}
    for lang in ("nb", "nn", "en"):
        mine = [row for row in rows if row["lang"] == lang]
        missed = sum(1 for w in wrong if any(w["text"] == row["text"] for row in mine))
        per_lang[lang] = f"{len(mine) - missed}/{len(mine)}"
    return {"split": split, "answers": len(rows), "exact": round(1 - len(wrong) / len(rows), 3),
            "exact_per_language": per_lang,
            "count_said_equals_kept": round(sum(count_said_right(row) for row in rows) / len(rows), 3),
            "wrong": wrong}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", action="store_true", help="list the answers read wrong (dev only: tune there)")
    parser.add_argument("--split", choices=("dev", "test", "both"), default="both")
    args = parser.parse_args()
    splits = ("dev", "test") if args.split == "both" else (args.split,)
    results = [figures(split) for split in splits]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    for result in results:
        print(f"answer items [{result['split']}]: {result['answers']} answers, exact {result['exact']:.1%} "
              f"({result['exact_per_language']}), count said = items written {result['count_said_equals_kept']:.1%}")
        if args.show and result["split"] == "dev":
            for wrong in result["wrong"]:
                print(f"  {wrong['text']!r}\n    expected {wrong['expected']}\n    got      {wrong['got']}")


if __name__ == "__main__":
    main()
