"""A language model's answer may only state numbers and names that its cited passages contain.
Sentences with any other number or name are removed, and the answer says what was removed."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0.]\d{3})+(?!\d)|\d+(?:[.,]\d+)?")
# A capitalised word that does not start a sentence, a line or a list item: a name.
_NAME = re.compile(r"(?<![.!?:\n\-–•*] )(?<!^)(?<!\n)\b[A-ZÆØÅ][\wæøåé]{2,}(?:-[A-ZÆØÅ]?[\wæøå]+)*")
_MARKER = re.compile(r"\[\d+\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")


def _number_key(text: str) -> str:
    return re.sub(r"[ \u00a0.]", "", text).replace(",", ".")


def numbers(text: str) -> set[str]:
    return {_number_key(m) for m in _NUMBER.findall(_MARKER.sub("", text))}


def unsupported(sentence: str, sources: str, source_numbers: set[str]) -> list[str]:
    """The numbers and names in ``sentence`` that the sources lack (a name counts as found when
    its stem is there: «Lebesbys» for «Lebesby»)."""
    sentence = _MARKER.sub("", sentence)
    missing = [m for m in _NUMBER.findall(sentence) if _number_key(m) not in source_numbers]
    lowered = sources.lower()
    for name in _NAME.findall(sentence):
        stem = name.lower()[: max(4, len(name) - 2)]
        if stem not in lowered:
            missing.append(name)
    return missing


def remove_unsupported(answer: str, passages: list[str]) -> tuple[str, list[str]]:
    """The answer without the sentences whose numbers or names are not in ``passages``, and the
    numbers and names removed (in order, once each)."""
    sources = "\n".join(passages)
    source_numbers = numbers(sources)
    kept: list[str] = []
    removed: list[str] = []
    pieces = _SENTENCE.split(answer)
    separators = _SENTENCE.findall(answer) + [""]
    for piece, separator in zip(pieces, separators):
        missing = unsupported(piece, sources, source_numbers)
        if missing:
            removed += [m for m in missing if m not in removed]
            continue
        kept.append(piece + separator)
    return "".join(kept).strip(), removed
