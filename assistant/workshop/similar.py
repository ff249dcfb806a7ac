"""Past Gnist cases that look like this canvas' problem, for inspiration (the UI cites them).

The search function is injected (``Retriever.search`` fits): ``search(query, k) -> hits``
where a hit has ``.source``, ``.title``, ``.score``, ``.metadata`` (front matter such as
type, municipality, round, challenge, reframing, concept, jury) and optionally ``.locator``
and ``.text``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assistant.workshop.canvas import Canvas

SearchFn = Callable[[str, int], Sequence[Any]]


@dataclass
class SimilarCase:
    source: str
    title: str
    municipality: str
    round: str
    challenge: str
    reframing: str
    concept: str
    jury: str
    score: float
    locator: str = ""
    excerpt: str = ""

    @property
    def citation(self) -> str:
        where = f" ({self.locator})" if self.locator else ""
        return f"{self.title}{where} – {self.source}"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["score"] = round(self.score, 4)
        data["citation"] = self.citation
        return data


def canvas_query(canvas: Canvas) -> str:
    """The canvas' own words about the problem: raw problem, need, who, consequences."""
    parts = [canvas.raw_problem, canvas.need.statement, ", ".join(canvas.need.who[:4]),
             "; ".join(canvas.need.consequences[:3]), canvas.reframing_from]
    return " ".join(" ".join(p for p in parts if p).split())


def _meta(hit: Any) -> dict:
    meta = getattr(hit, "metadata", None)
    if meta is None and isinstance(hit, dict):
        meta = hit.get("metadata")
    return dict(meta or {})


def _get(hit: Any, name: str, default: Any = "") -> Any:
    if isinstance(hit, dict):
        return hit.get(name, default)
    return getattr(hit, name, default)


def cases_from_hits(hits: Sequence[Any], k: int = 3) -> list[SimilarCase]:
    """Distinct cases (by source, front-matter type "case") in the order the search ranked them
    (a fused ranking's order is not its scores' order), at most ``k``."""
    best: dict[str, SimilarCase] = {}
    for hit in hits:
        meta = _meta(hit)
        if str(meta.get("type", "")).lower() != "case":
            continue
        source = _get(hit, "source") or meta.get("source", "")
        if not source:
            continue
        score = float(_get(hit, "score", 0.0) or 0.0)
        if source in best:
            continue
        text = " ".join(str(_get(hit, "text", "")).split())
        best[source] = SimilarCase(
            source=source,
            title=_get(hit, "title") or meta.get("title", "") or source,
            municipality=str(meta.get("municipality", "")),
            round=str(meta.get("round", meta.get("year", ""))),
            challenge=str(meta.get("challenge", "")),
            reframing=str(meta.get("reframing", "")),
            concept=str(meta.get("concept", "")),
            jury=str(meta.get("jury", "")),
            score=score,
            locator=str(_get(hit, "locator", "") or ""),
            excerpt=text[:300],
        )
    return list(best.values())[:k]


def find_similar(canvas: Canvas, search: SearchFn, k: int = 3, pool: int = 20,
                 query: str | None = None) -> list[SimilarCase]:
    """The ``k`` past cases most similar to the canvas (or to ``query``). A failing search
    gives no cases rather than an error: inspiration is optional."""
    text = query or canvas_query(canvas)
    if not text.strip():
        return []
    try:
        hits = search(text, pool)
    except Exception:  # noqa: BLE001 - the index may be missing or busy; the workshop goes on
        return []
    return cases_from_hits(hits, k)
