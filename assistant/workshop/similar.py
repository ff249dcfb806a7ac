"""Past Gnist cases that look like this canvas' problem, for inspiration (the UI cites them by
title).

The search function is injected (``Retriever.search`` fits): ``search(query, k) -> hits``
where a hit has ``.source``, ``.title``, ``.score``, ``.metadata`` (front matter such as
type, municipality, round, challenge, reframing, concept, jury) and optionally ``.locator``
and ``.text``. Cases are chosen by similarity: the search ranks them by the problem's own
words, and a case about another theme (competence shortage for a town-centre problem) is left
out.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.services.programme_data import UNKNOWN
from assistant.workshop import themes
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
    def themes(self) -> list[str]:
        return themes.detect(" ".join([self.title, self.challenge, self.reframing]))

    def inspiration_line(self, lang: str, catalog: TextCatalog = BUILT_IN) -> str:
        """«Til inspirasjon fra Vang (2021): «Fra … til …» (kilde: Vang kommune: Gnist 2021).»"""
        text = f"«{self.reframing}»" if self.reframing else self.challenge.rstrip(" .")
        return catalog.workshop_message("inspiration", lang, municipality=self.municipality, round=self.round,
                             text=text, title=self.title)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["score"] = round(self.score, 4)
        return data


def canvas_query(canvas: Canvas) -> str:
    """The canvas' own words about the problem: raw problem, need, who, consequences."""
    parts = [canvas.raw_problem, canvas.need.statement, ", ".join(canvas.need.who[:4]),
             "; ".join(canvas.need.consequences[:3]), canvas.reframing_from]
    return " ".join(" ".join(p for p in parts if p).split())


def by_theme(cases: list[SimilarCase], canvas: Canvas) -> list[SimilarCase]:
    """Cases on the canvas' main theme first, then on its other themes, then cases of no clear
    theme, each in search order; cases about other themes are left out. Without a theme on the
    canvas, the search order stands."""
    wanted = themes.detect(themes.problem_text(canvas))
    if not wanted:
        return cases
    main = [c for c in cases if wanted[0] in c.themes]
    other = [c for c in cases if c not in main and set(wanted) & set(c.themes)]
    return main + other + [c for c in cases if not c.themes]


def _meta(hit: Any) -> dict:
    meta = getattr(hit, "metadata", None)
    if meta is None and isinstance(hit, dict):
        meta = hit.get("metadata")
    return dict(meta or {})


def _get(hit: Any, name: str, default: Any = "") -> Any:
    if isinstance(hit, dict):
        return hit.get(name, default)
    return getattr(hit, name, default)


def in_language(value: object, lang: str) -> str:
    """A case's text from its front matter in ``lang`` (else Bokmål): one string, or one per
    language, which the index keeps as the dict's Python literal (Chroma holds scalars only); empty
    where the front matter says the value is not known."""
    if isinstance(value, str) and value.startswith("{"):
        with contextlib.suppress(ValueError, SyntaxError):  # else a text that only starts with a brace
            value = ast.literal_eval(value)
    if isinstance(value, dict):
        value = value.get(lang) or value.get("nb")
    text = str(value or "")
    return "" if text.strip().lower() == UNKNOWN else text  # «unknown»: the source does not say


def cases_from_hits(hits: Sequence[Any], k: int = 3, lang: str = "nb") -> list[SimilarCase]:
    """Distinct cases (by source, front-matter type "case") in the order the search ranked them
    (a fused ranking's order is not its scores' order), at most ``k``; their texts in ``lang``."""
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
            challenge=in_language(meta.get("challenge", ""), lang),
            reframing=in_language(meta.get("reframing", ""), lang),
            concept=in_language(meta.get("concept", ""), lang),
            jury=in_language(meta.get("jury", ""), lang),
            score=score,
            locator=str(_get(hit, "locator", "") or ""),
            excerpt=text[:300],
        )
    return list(best.values())[:k]


def find_similar(canvas: Canvas, search: SearchFn, k: int = 3, pool: int = 20) -> list[SimilarCase]:
    """The ``k`` past cases most similar to the canvas' problem. A failing search gives no
    cases rather than an error: inspiration is optional."""
    text = canvas_query(canvas)
    if not text.strip():
        return []
    try:
        hits = search(text, pool)
    except Exception:  # noqa: BLE001 - the index may be missing or busy; the workshop goes on
        return []
    return by_theme(cases_from_hits(hits, pool, canvas.language), canvas)[:k]


def inspiration(canvas: Canvas, search: SearchFn) -> list[SimilarCase]:
    """The most similar case on the problem's main theme not yet shown in this workshop (so no
    line repeats), or none."""
    main = themes.detect(themes.problem_text(canvas))[:1]
    for case in find_similar(canvas, search, k=5):
        if case.source not in canvas.inspiration_shown and (case.reframing or case.challenge) \
                and set(main) <= set(case.themes):
            return [case]
    return []
