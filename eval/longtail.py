"""The long-tail questions no answer card covers (eval/longtail.json), without a language model:
the share answered precisely on the dev half and on the test half, and why the others are not.

    .venv/bin/python eval/longtail.py [--split dev|test|all] [--verbose] [--json]

An answer is precise when every must-have fact is in it (facts present), none of the must-not
facts is (nothing unasked-for), it is in the asker's language (right language) and within the
word limit. A question a card answers is counted apart: the set is meant to lie outside them.
Uses the index in GNIST_DATA_DIR (built if missing), like eval/precision.py."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from precision import judge  # noqa: E402

from assistant.container import Container  # noqa: E402
from assistant.services.answer import Turn  # noqa: E402
from assistant.settings import Settings  # noqa: E402

CHECKS = {"facts present": "missing", "nothing unasked-for": "contains", "right language": "language",
          "word limit": "words >"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(HERE / "longtail.json"))
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--verbose", action="store_true", help="Print every answer.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    container = Container(Settings(llm_provider="none"))
    container.ensure_knowledge_index(show_progress=True)
    service = container.answer_service
    questions = [q for q in data["questions"] if args.split in ("all", q["split"])]
    results = []
    for question in questions:
        history = []
        for earlier in question.get("after", []):  # the earlier answers too: follow-ups may point at them
            history += [Turn("user", earlier), Turn("assistant", service.answer(earlier, history).text)]
        started = time.perf_counter()
        answer = service.answer(question["question"], history)
        elapsed = time.perf_counter() - started
        not_covered = container.catalog.message("not_covered", answer.language)
        problems = judge(question, answer, not_covered, data.get("must_not_all", []))
        results.append({**question, "precise": not problems, "problems": problems, "mode": answer.mode,
                        "ms": elapsed * 1000, "answer": answer.text})
    summary = {}
    for split in ("dev", "test"):
        part = [r for r in results if r["split"] == split]
        if not part:
            continue
        summary[split] = {
            "precise": sum(r["precise"] for r in part), "total": len(part),
            **{check: sum(not any(p.startswith(prefix) for p in r["problems"]) for r in part)
               for check, prefix in CHECKS.items()},
            "by_card": sum(r["mode"] == "card" for r in part),
            "p95_ms": round(percentile([r["ms"] for r in part], 0.95)),
        }
    if args.json:
        json.dump({"summary": summary, "results": results}, sys.stdout, ensure_ascii=False, indent=2, default=str)
        print()
        return 0
    for r in results:
        mark = "ok  " if r["precise"] else "MISS"
        after = f" (after: {' / '.join(r['after'])})" if r.get("after") else ""
        print(f"{mark} {r['id']} {r['split']} {r['lang']} [{r['mode']}, {r['ms']:.0f} ms] {r['question']}{after}"
              + (f"  -> {'; '.join(r['problems'])}" if r["problems"] else ""))
        if args.verbose or not r["precise"]:
            print("      " + r["answer"].replace("\n", "\n      "))
    print()
    for split, s in summary.items():
        checks = ", ".join(f"{check} {s[check]}/{s['total']}" for check in CHECKS)
        print(f"Long-tail {split} half: precise {s['precise']}/{s['total']} = {s['precise'] / s['total']:.0%} "
              f"({checks}; answered by a card {s['by_card']}; p95 {s['p95_ms']} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
