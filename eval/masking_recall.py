"""Masking of personal data in residents' input (assistant/services/masking.py), measured on a list
of Norwegian variants written for the purpose (eval/masking/: fødselsnummer and D-nummer with and
without separators and cues, phone numbers with country codes and groupings, e-mail addresses with
«at/dot», «krøllalfa», brackets and fullwidth signs, Unicode digits), split once into dev (tuned
on) and test (reported), each with ordinary texts full of numbers that must be left alone (years,
amounts, dates, times, case numbers, postcodes, account numbers).

A variant counts as caught when its kind is found and nothing of the datum is left: no run of three
or more digits (phone, fødselsnummer), no «@» and no address word (e-mail). Run:

    .venv/bin/python eval/masking_recall.py [--json] [--show]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.services.masking import mask, normal_form

FOLDER = Path(__file__).resolve().parent / "masking"
# The words of the addresses in the list: none may be left after masking.
ADDRESS_WORDS = re.compile(r"gmail|online|hotmail|kommune\b|ungdomsrad|\bola\b|\bkari\b|per-ivar|øystein|nordmann",
                           re.IGNORECASE)


def caught(row: dict) -> bool:
    masked, found = mask(row["text"])
    left = normal_form(masked)
    if row["kind"] not in found:
        return False
    if row["kind"] == "email":
        return "@" not in left and not ADDRESS_WORDS.search(left)
    return not re.search(r"\d(?:[ .\-/]?\d){2}", left)


def figures(split: str) -> dict:
    data = json.loads((FOLDER / f"{split}.json").read_text(encoding="utf-8"))
    missed = [row for row in data["personal"] if not caught(row)]
    false_alarms = [text for text in data["ordinary"] if mask(text)[1]]
    kinds = sorted({row["kind"] for row in data["personal"]})
    per_kind = {}
    for kind in kinds:
        rows = [row for row in data["personal"] if row["kind"] == kind]
        per_kind[kind] = round(sum(caught(row) for row in rows) / len(rows), 3)
    return {"split": split, "variants": len(data["personal"]),
            "recall": round(1 - len(missed) / len(data["personal"]), 3), "recall_per_kind": per_kind,
            "ordinary_texts": len(data["ordinary"]), "false_alarms": len(false_alarms),
            "missed": [row["text"] for row in missed], "false_alarm_texts": false_alarms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", action="store_true",
                        help="list misses and false alarms (dev only: test stays unseen)")
    args = parser.parse_args()
    results = [figures("dev"), figures("test")]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print("Masking of personal data (eval/masking/)")
    for r in results:
        kinds = ", ".join(f"{k} {v:.0%}" for k, v in r["recall_per_kind"].items())
        print(f"  {r['split']:>4}: recall {r['recall']:.1%} of {r['variants']} variants ({kinds}); "
              f"false alarms {r['false_alarms']} of {r['ordinary_texts']} ordinary texts")
        if args.show and r["split"] == "dev":
            for text in r["missed"]:
                print(f"        missed: {text}")
            for text in r["false_alarm_texts"]:
                print(f"        false alarm: {text}")


if __name__ == "__main__":
    main()
