"""What the problem is about (town centre, young people moving away, competence, housing,
tourism), so examples, past cases and the workshop plan fit it.

The theme is read from the canvas' own words each time (no stored state). Its texts (examples
per question, where the 2030 scenario is placed, the map for the workshop, example groups) live
in ``prompts/workshop/themes.{nb,nn,en}.json``; "general" is the fallback.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.workshop.canvas import Canvas
from assistant.workshop.steps import Step, load_steps

GENERAL = "general"
_PATTERNS: dict[str, re.Pattern] = {
    "sentrum": re.compile(
        r"\b(sentrum\w*|bysentr\w*|bykjern\w*|torg(?:et)?|handel\w*|handelslekkasje|butikk\w*|"
        r"gågat\w*|etter klokka (?:fire|fem|seks)|town[- ]centre|city centre|high street|main street|"
        r"downtown|shops?|retail)\b", re.IGNORECASE),
    "fraflytting": re.compile(
        r"(fraflytt\w*|fråflytt\w*|flytter (?:fra|ut|bort)|flyttar (?:frå|ut|bort)|flytte (?:hjem|heim)|"
        r"\bkommer? ikke tilbake|\bkjem ikkje att|folketal\w*|befolkningsnedgang|nedgang i folketal\w*|"
        r"tilflytt\w*|utflytt\w*|depopulation|mov(?:e|es|ing) away|population (?:decline|decrease)|"
        r"outmigration|young people (?:leave|move))", re.IGNORECASE),
    "kompetanse": re.compile(
        r"(kompetanse\w*|rekrutt\w*|arbeidskraft|fagfolk|fagarbeid\w*|nøkkelstilling\w*|ledige stilling\w*|"
        r"får ikke tak i|får ikkje tak i|sykepleier\w*|sjukepleiar\w*|hjørnestein\w*|skills? shortage|"
        r"recruit\w*|labour shortage|workforce|skilled (?:staff|workers?))", re.IGNORECASE),
    "bolig": re.compile(
        r"(bolig\w*|bustad\w*|utleie\w*|utleige\w*|leilighet\w*|leilegheit\w*|boligfelt|bumiljø|bomiljø|"
        r"\btomme hus\b|housing|rental homes?|flats|apartments)", re.IGNORECASE),
    "reiseliv": re.compile(
        r"(turis\w*|reiseliv\w*|besøkende|besøkjande|tilreisande|tilreisende|besøkspress|besøksstr\w*|"
        r"hytte\w*|cruise\w*|høysesong\w*|høgsesong\w*|tourism|tourists?|visitors?|holiday homes?|cabins?)",
        re.IGNORECASE),
}
THEMES: tuple[str, ...] = tuple(_PATTERNS)


def detect(text: str) -> list[str]:
    """The themes ``text`` speaks of, most mentioned first (ties in THEMES order)."""
    counts = {theme: len(pattern.findall(text or "")) for theme, pattern in _PATTERNS.items()}
    return sorted((t for t, n in counts.items() if n), key=lambda t: (-counts[t], THEMES.index(t)))


def problem_text(canvas: Canvas) -> str:
    """The canvas' own words about the problem."""
    return " ".join([canvas.raw_problem, canvas.need.statement, *canvas.need.who, *canvas.need.consequences,
                     canvas.reframing_from])


def of_canvas(canvas: Canvas) -> str:
    found = detect(problem_text(canvas))
    return found[0] if found else GENERAL


def theme_texts(canvas: Canvas, lang: str | None = None, catalog: TextCatalog = BUILT_IN) -> dict:
    """The texts of the canvas' theme in ``lang`` (the canvas' language by default)."""
    table = catalog.workshop("themes", lang or canvas.language)
    return table.get(of_canvas(canvas), table[GENERAL])


def adapt_step(step: Step, canvas: Canvas, catalog: TextCatalog = BUILT_IN) -> Step:
    """The step with examples from the problem's theme and the 2030 scenario placed where the
    problem is ("midt i sentrum", "midt i bygda, …")."""
    theme = theme_texts(canvas, catalog=catalog)
    questions = [replace(q, text=q.text.replace("{place}", theme["place"]),
                         hint=theme["hints"].get(q.key, q.hint)) for q in step.questions]
    return replace(step, questions=questions)


def example(canvas: Canvas, key: str, catalog: TextCatalog = BUILT_IN) -> str:
    """The example answer to question ``key`` that fits the canvas' theme («…»)."""
    hint = theme_texts(canvas, catalog=catalog)["hints"].get(key)
    return hint or next(q.hint for s in load_steps(canvas.language, catalog) for q in s.questions if q.key == key)
