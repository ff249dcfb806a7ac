"""Calibrate when a question gets an answer card (figures, not a test).

Every third paraphrase of each card (per language) is held out; the others are indexed. The
held-out paraphrases must reach their own card, and the near-miss and off-topic questions in
eval/card_near_misses.json must reach none. For each rule on a small grid (lexical weight,
margin, threshold) this measures precision (correct cards / all cards given) and recall (held-out
paraphrases given their own card), and picks the rule with the highest recall among those with
precision >= 0.9 and no near miss matched. Put the chosen values in assistant/settings.py.

    .venv/bin/python scripts/calibrate_cards.py
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.adapters.embeddings import build_embeddings
from assistant.services.cards import CardLibrary, CardMatcher, MatchRule, split_paraphrases
from assistant.services.ingest import source_name
from assistant.services.language import LANGUAGES
from assistant.settings import REPO_ROOT, Settings

NEAR_MISSES = REPO_ROOT / "eval" / "card_near_misses.json"
MIN_PRECISION = 0.9
WEIGHTS = (0.0, 0.03, 0.05, 0.08)
MARGINS = (0.0, 0.01, 0.02, 0.03)
THRESHOLDS = tuple(round(t, 3) for t in np.arange(0.88, 1.06, 0.005))


def held_out_questions(cards) -> list[tuple[int, str, str]]:
    """(card index, language, paraphrase) for every held-out paraphrase."""
    rows = []
    for i, card in enumerate(cards):
        held = set(split_paraphrases(card)[1])
        rows += [(i, lang, p) for lang in LANGUAGES for p in card.paraphrases[lang] if p in held]
    return rows


def evaluate(rule: MatchRule, positives, negatives) -> dict:
    correct = wrong = 0
    per_lang = {lang: [0, 0] for lang in LANGUAGES}
    mistakes = []
    for card, lang, question, scored in positives:
        decision = scored.decide(rule)
        per_lang[lang][1] += 1
        if decision is None:
            continue
        if decision[0] == card:
            correct += 1
            per_lang[lang][0] += 1
        else:
            wrong += 1
            mistakes.append((question, decision[0]))
    matched_negatives = [question for question, scored in negatives if scored.decide(rule) is not None]
    given = correct + wrong + len(matched_negatives)
    return {
        "rule": rule, "precision": correct / given if given else 1.0, "recall": correct / len(positives),
        "correct": correct, "wrong": wrong, "near_misses_matched": matched_negatives, "per_language": per_lang,
        "mistakes": mistakes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print the chosen figures as JSON.")
    args = parser.parse_args(argv)
    settings = Settings()
    library = CardLibrary(settings.knowledge_dir, source_name)
    for error in library.errors:
        print(f"Kortet brukes ikke: {error}", file=sys.stderr)
    cards = library.cards
    entries = [(card, p) for card in cards for p in split_paraphrases(card)[0]]
    matcher = CardMatcher(build_embeddings(settings), entries, MatchRule(1.0, 0.0, 0.0))
    held = held_out_questions(cards)
    index = {id(card): i for i, card in enumerate(matcher.cards)}
    positives = [(index[id(cards[i])], lang, q, matcher.score(q)) for i, lang, q in held]
    near_misses = json.loads(NEAR_MISSES.read_text(encoding="utf-8"))["questions"]
    negatives = [(q["question"], matcher.score(q["question"])) for q in near_misses]

    results = [evaluate(MatchRule(t, m, w), positives, negatives) for w in WEIGHTS for m in MARGINS for t in THRESHOLDS]
    allowed = [r for r in results if r["precision"] >= MIN_PRECISION and not r["near_misses_matched"]]
    best = max(allowed, key=lambda r: (r["recall"], r["rule"].threshold))
    cosine_only = max((r for r in allowed if r["rule"].lexical_weight == 0.0),
                      key=lambda r: (r["recall"], r["rule"].threshold))

    split = {lang: (sum(1 for c, p in entries if p in c.paraphrases[lang]),
                    sum(1 for _, held_lang, _ in held if held_lang == lang))
             for lang in LANGUAGES}
    if args.json:
        rule = best["rule"]
        print(json.dumps({"cards": len(cards), "split": split, "threshold": rule.threshold, "margin": rule.margin,
                          "lexical_weight": rule.lexical_weight, "precision": best["precision"],
                          "recall": best["recall"], "near_misses": len(negatives),
                          "near_misses_matched": best["near_misses_matched"]}, ensure_ascii=False, indent=2))
        return 0
    print(f"{len(cards)} cards. Split per language (indexed / held out):")
    for lang, (indexed, held_count) in split.items():
        print(f"  {lang}: {indexed} / {held_count}")
    print(f"Near misses and off-topic questions: {len(negatives)} ({NEAR_MISSES.relative_to(REPO_ROOT)})")
    for label, result in (("Chosen rule", best), ("Best cosine-only rule (for comparison)", cosine_only)):
        rule = result["rule"]
        print(f"\n{label}: threshold {rule.threshold}, margin {rule.margin}, lexical weight {rule.lexical_weight}")
        print(f"  held out: precision {result['precision']:.3f}, recall {result['recall']:.3f} "
              f"({result['correct']} right, {result['wrong']} wrong "
              f"card, {len(positives) - result['correct'] - result['wrong']} to retrieval)")
        print("  recall per language: " + ", ".join(f"{lang} {ok}/{n}"
                                                    for lang, (ok, n) in result["per_language"].items()))
        print(f"  near misses matched: {len(result['near_misses_matched'])} of {len(negatives)}")
    print("\nWrong cards under the chosen rule:")
    for question, card in best["mistakes"]:
        print(f"  {question!r} -> {matcher.cards[card].id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
