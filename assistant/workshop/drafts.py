"""Drafts from a canvas: challenge, application, design brief and workshop plan, in Markdown or Word.

Templates are Jinja2 files in ``prompts/drafts/{kind}.{lang}.md.j2``. They only use what is on
the canvas; an empty field becomes a visible placeholder such as "[Mangler: politisk forankring –
beskriv vedtak eller støtte]", never an invented fact.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

import jinja2

from assistant.workshop import critic, texts
from assistant.workshop.canvas import Canvas, principle_label
from assistant.workshop.mdocx import markdown_to_docx
from assistant.workshop.parsing import classify_actor

Kind = Literal["challenge", "application", "brief", "workshop-plan"]
Format = Literal["md", "docx"]
KINDS: tuple[str, ...] = ("challenge", "application", "brief", "workshop-plan")
FORMATS: tuple[str, ...] = ("md", "docx")
LANGS: tuple[str, ...] = ("nb", "nn", "en")


def _environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=False,  # Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["oneline"] = lambda value: " ".join(str(value or "").split())
    env.filters["nodot"] = lambda value: str(value or "").rstrip(" .")
    return env


def template_name(kind: str, lang: str) -> str:
    return f"{kind}.{lang}.md.j2"


def filename(canvas: Canvas, kind: str, fmt: str) -> str:
    """A safe download name: "gnist-utfordring-vang.docx"."""
    names = {"challenge": "utfordring", "application": "soknad", "brief": "designbrief", "workshop-plan": "verkstedplan"}
    slug = re.sub(r"[^a-z0-9æøå]+", "-", (canvas.municipality or "kommune").lower()).strip("-") or "kommune"
    slug = slug.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return f"gnist-{names.get(kind, kind)}-{slug}.{fmt}"


def context(canvas: Canvas, lang: str, prompts_dir: Path | str | None = None) -> dict:
    label = texts.message("missing_label", lang, prompts_dir)

    def missing(what: str) -> str:
        return f"[{label}: {what}]"

    categories: dict[str, list] = {}
    for actor in canvas.actors:
        category = actor.category if actor.category != "other" else classify_actor(actor.name)
        categories.setdefault(category, []).append(actor)
    findings = critic.check(canvas, prompts_dir)
    if lang != canvas.language:
        findings = critic.check(canvas.model_copy(update={"language": lang}), prompts_dir)
    return {
        "c": canvas,
        "lang": lang,
        "missing": missing,
        "today": date.today().isoformat(),
        "principle": lambda name: principle_label(name, lang),
        "actors_by_category": categories,
        "evidence_of": lambda *kinds: [e for e in canvas.need.evidence if e.kind in kinds],
        "findings": findings,
        "open_findings": [f for f in findings if f.severity in ("mangler", "advarsel")],
        "municipality": canvas.municipality or missing({"nb": "kommunens navn", "nn": "namnet på kommunen",
                                                         "en": "name of the municipality"}[lang]),
    }


def render_markdown(canvas: Canvas, kind: str, language: str | None = None,
                    prompts_dir: Path | str | None = None) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown draft kind {kind!r}; choose one of {', '.join(KINDS)}")
    lang = language or canvas.language
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    env = _environment(texts.drafts_dir(prompts_dir))
    text = env.get_template(template_name(kind, lang)).render(**context(canvas, lang, prompts_dir))
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def render(canvas: Canvas, kind: str, language: str | None = None, fmt: str = "md",
           path: Path | str | None = None, prompts_dir: Path | str | None = None, chat_model=None) -> str | bytes:
    """The draft as Markdown text (fmt="md") or Word bytes (fmt="docx"); also written to
    ``path`` when given."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose md or docx")
    lang = language or canvas.language
    markdown = render_markdown(canvas, kind, lang, prompts_dir)
    if fmt == "md":
        if path is not None:
            Path(path).write_text(markdown, encoding="utf-8")
        return markdown
    return markdown_to_docx(markdown, lang=lang, path=path)
