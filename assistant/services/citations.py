"""Citation markers: parse ``[n]`` while tokens stream and drop numbers that were never given."""

from __future__ import annotations

import re

_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_PARTIAL = re.compile(r"\[[\d,; ]{0,14}$")


class CitationFilter:
    """Feed streamed text pieces; get back text that is safe to show now.

    A marker split across pieces ("[", "2", "]") is held back until it is complete. Markers
    with unknown numbers are removed; ``[1, 3]`` keeps only the valid numbers.
    """

    def __init__(self, valid_numbers: set[int]) -> None:
        self.valid = valid_numbers
        self.cited: list[int] = []
        self._pending = ""

    def _rewrite(self, match: re.Match) -> str:
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1))]
        kept = [n for n in numbers if n in self.valid]
        for n in kept:
            if n not in self.cited:
                self.cited.append(n)
        return "".join(f"[{n}]" for n in kept)

    def feed(self, piece: str) -> str:
        text = self._pending + piece
        partial = _PARTIAL.search(text)
        if partial:
            self._pending = text[partial.start():]
            text = text[: partial.start()]
        else:
            self._pending = ""
        return _MARKER.sub(self._rewrite, text)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return _MARKER.sub(self._rewrite, text)


def filter_citations(text: str, valid_numbers: set[int]) -> tuple[str, list[int]]:
    citation_filter = CitationFilter(valid_numbers)
    cleaned = citation_filter.feed(text) + citation_filter.flush()
    return cleaned, citation_filter.cited
