"""Instructions to the assistant hidden in a user's document («Instruks til språkmodellen: …»),
recognised by meaning: each sentence is compared with prototype statements in nb, nn and en
(injection_prototypes.json: instructions to an AI, and ordinary document sentences, also ones that
instruct people, such as «Søknaden skal sendes innen 1. mars»), plus one lexical cue: the sentence
names an AI as its addressee (språkmodell, KI, chatbot, assistant …).

score = closest instruction prototype − closest ordinary prototype + CUE_WEIGHT × cue

A sentence scoring THRESHOLD or more is an instruction. The weight and threshold were chosen on
eval/injection/dev.json; eval/injection_quality.py reports both halves. The sentence vectors are the
ones stored with each chunk at ingest (extractive.PIECE_VECTORS), so a question costs no embedding;
the prototypes are embedded once. The phrase patterns in extractive.is_instruction (chat roles,
«ignore previous instructions») still apply on their own.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import numpy as np

from assistant.services.extractive import PIECE_VECTORS, answer_pieces, decode_vectors

PROTOTYPES_FILE = Path(__file__).resolve().parent / "injection_prototypes.json"
CUE_WEIGHT = 0.01
THRESHOLD = 0.01
# The sentence speaks to an AI (the addressee, not the topic: «kunstig intelligens i veikartet»
# has no cue word of this kind).
_ADDRESSEE = re.compile(
    r"\b(?:språkmodell\w*|(?:ki|ai)(?:-en|-assistent\w*|-system\w*|-modell\w*)?|chatbot\w*|bot(?:en)?|llm\w*|gpt\w*"
    r"|language models?|the model|modellen|assistant|assistenten|kunstig intelligens som)\b", re.IGNORECASE)


def addresses_an_ai(sentence: str) -> bool:
    return bool(_ADDRESSEE.search(sentence))


class InstructionDetector:
    """Scores sentences against the prototypes; ``embeddings`` embeds the prototypes (as passages,
    like the stored sentence vectors) on first use."""

    def __init__(self, embeddings, threshold: float = THRESHOLD, cue_weight: float = CUE_WEIGHT) -> None:
        self.embeddings = embeddings
        self.threshold = threshold
        self.cue_weight = cue_weight
        self._prototypes: tuple[np.ndarray, np.ndarray] | None = None
        self._lock = threading.Lock()

    def prototypes(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._prototypes is None:
                data = json.loads(PROTOTYPES_FILE.read_text(encoding="utf-8"))
                self._prototypes = tuple(  # type: ignore[assignment]
                    _unit_rows(self.embeddings.embed_documents(data[kind])) for kind in ("instruction", "ordinary"))
            return self._prototypes  # type: ignore[return-value]

    def scores(self, sentences: list[str], vectors=None) -> np.ndarray:
        """A score per sentence (``vectors``: their passage vectors, embedded here when absent)."""
        if not sentences:
            return np.zeros(0)
        matrix = _unit_rows(vectors if vectors is not None else self.embeddings.embed_documents(sentences))
        instruction, ordinary = self.prototypes()
        closeness = (matrix @ instruction.T).max(axis=1) - (matrix @ ordinary.T).max(axis=1)
        cues = np.asarray([addresses_an_ai(s) for s in sentences], dtype=float)
        return closeness + self.cue_weight * cues

    def instructions(self, sentences: list[str], vectors=None) -> list[bool]:
        return [bool(s >= self.threshold) for s in self.scores(sentences, vectors)]

    def in_passage(self, text: str, metadata: dict) -> set[str]:
        """The sentences, items and rows of a stored passage that instruct the assistant (their
        vectors stored at ingest; a passage without them is embedded now)."""
        pieces = answer_pieces(text)
        if not pieces:
            return set()
        vectors = decode_vectors(str(metadata.get(PIECE_VECTORS, "")), pieces)
        flags = self.instructions([p.embedding_text for p in pieces], vectors)
        return {piece.text for piece, flagged in zip(pieces, flags) if flagged}


def _unit_rows(vectors) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
