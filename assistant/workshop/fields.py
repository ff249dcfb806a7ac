"""Field kinds: one registry of how a canvas field is read from free text (parse), shown as text
that reads back to the same value (to_text), acknowledged in the chat (describe) and written to
the canvas (apply).

A question in ``steps.STEP_DEFS`` names its kind; ``steps.kind_of(path)`` finds the kind of any
editable path. The conversation engine, the service's field editor and the UI all go through
this registry, so what a kind means is written once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.workshop import grammar, meaning, status
from assistant.workshop.canvas import (
    Actor,
    Canvas,
    Evidence,
    PartnerBacking,
    Persona,
    Principle,
    TargetGroup,
    get_field,
    is_empty,
    principle_label,
    set_field,
)
from assistant.workshop.parsing import (
    classify_evidence,
    clean_text,
    merge_actors,
    parse_actors,
    parse_evidence,
    parse_from_to,
    parse_hkv,
    parse_percent,
    parse_personas,
    parse_principles,
    parse_target_groups,
    parse_yes_no,
    written_items,
)

MAX_ITEMS_SHOWN = 6


class ParseProblem(ValueError):
    """The answer could not be read into the field; ``str(problem)`` is the kind, and the
    message ``retry_{kind}`` asks again."""


@dataclass(frozen=True)
class Context:
    lang: str = "nb"
    proper_nouns: tuple[str, ...] = ()
    catalog: TextCatalog = BUILT_IN
    partners: tuple[str, ...] = ()  # the partner municipalities, whose backing one answer gives

    @classmethod
    def of(cls, canvas: Canvas, catalog: TextCatalog = BUILT_IN) -> Context:
        """The context of an answer on ``canvas``: its language, names and partners."""
        return cls(canvas.language, tuple(n for n in [canvas.municipality, *canvas.partners] if n), catalog,
                   tuple(canvas.partners))

    def msg(self, key: str, **values) -> str:
        return self.catalog.workshop_message(key, self.lang, **values)

    @property
    def table(self) -> dict:
        return self.catalog.workshop("fields", self.lang)


class Reframing(BaseModel):
    """The language model's reading of a «Fra … til …» answer."""

    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)


@dataclass(frozen=True)
class FieldKind:
    name: str
    parse: Callable[[str, Context], Any]
    to_text: Callable[[Any, Context], str]
    describe: Callable[[Any, Context], str]
    read: Callable[[Canvas, str], Any] = get_field
    apply: Callable[[Canvas, str, Any], Canvas] = set_field
    answered: Callable[[Canvas, str], bool] | None = None
    required: bool = False  # an answer that does not parse is asked again
    none_means_empty: bool = False  # "nei" / "ingen" is an empty list
    llm_type: Any = None  # a structured reading the language model may suggest
    fallback: Callable[[str], Any] | None = None  # the value kept when a required answer is given twice

    def read_answer(self, text: str, context: Context) -> Any:
        """The parsed value; ParseProblem when a required kind finds nothing."""
        value = self.parse(text, context)
        if self.required and (value is None or value == []):
            raise ParseProblem(self.name)
        return value

    def is_answered(self, canvas: Canvas, path: str) -> bool:
        if self.answered is not None:
            return self.answered(canvas, path)
        return not is_empty(self.read(canvas, path))

    def text_of(self, canvas: Canvas, path: str, context: Context) -> str:
        value = self.read(canvas, path)
        return "" if is_empty(value) else self.to_text(value, context)


# ---------------------------------------------------------------------------------------------
# Acknowledgements
# ---------------------------------------------------------------------------------------------

def _item_name(item: Any, context: Context) -> str:
    if isinstance(item, Principle):
        return principle_label(item.name, context.lang)
    if isinstance(item, Evidence):
        return _evidence_line(item, context)
    return str(getattr(item, "name", item))


def _ack_items(value: list, context: Context) -> str:
    if not value:
        return context.msg("ack_value", value=context.msg("none"))
    names = [_item_name(item, context) for item in value]
    if any(mark in name for name in names for mark in ",;"):  # items of their own commas: each in quotes
        names = [context.msg("quoted", text=name) for name in names]
    shown = "; ".join(names[:MAX_ITEMS_SHOWN]) + (" …" if len(names) > MAX_ITEMS_SHOWN else "")
    said = context.msg("ack_items", count=grammar.count(len(names), "point", context.lang, context.catalog),
                       items=shown)
    return re.sub(r"([.?!…])\.$", r"\1", said)  # «… jobbar?» ends once


def _ack_text(value: str, context: Context) -> str:
    return context.msg("ack")


# ---------------------------------------------------------------------------------------------
# Text that reads back to the same value
# ---------------------------------------------------------------------------------------------

def _lines(value: list, context: Context) -> str:
    return "\n".join(f"- {item}" for item in value)


def _evidence_line(evidence: Evidence, context: Context) -> str:
    line = f"{evidence.source}: {evidence.text}" if evidence.source else evidence.text
    if classify_evidence(line) != evidence.kind:
        line = f"{context.table['evidence_labels'][evidence.kind]}: {line}"
    return line


def _evidence_text(value: list[Evidence], context: Context) -> str:
    return "\n".join(_evidence_line(e, context) for e in value)


def _groups_text(value: list[TargetGroup], context: Context) -> str:
    return "\n".join(f"{g.name}: {'; '.join(g.needs)}" if g.needs else g.name for g in value)


def _personas_text(value: list[Persona], context: Context) -> str:
    labels = context.table["persona_labels"]
    blocks = []
    for persona in value:
        parts = [persona.name, persona.age_role, persona.day_in_life, "; ".join(persona.motivations),
                 "; ".join(persona.frustrations)]
        blocks.append("\n".join(f"{label}: {part}" for label, part in zip(labels, parts) if part))
    return "\n\n".join(blocks)


def _principles_text(value: list[Principle], context: Context) -> str:
    return "\n".join(f"- {principle_label(p.name, context.lang)}: {p.why}" if p.why
                     else f"- {principle_label(p.name, context.lang)}" for p in value)


def _from_to_text(value: tuple[str, str], context: Context) -> str:
    word_from, word_to = context.table["from_to"]
    if not value[0]:
        return value[1]
    # Half a reframing (only «Fra» written yet) reads as that half, not as «Fra X til ».
    return f"{word_from} {value[0]} {word_to} {value[1]}" if value[1] else f"{word_from} {value[0]}"


def _percent_text(value: float, context: Context) -> str:
    return f"{value:g} %"


def _yes_no_text(value: bool, context: Context) -> str:
    return context.msg("yes" if value else "no")


# ---------------------------------------------------------------------------------------------
# Actors (three questions fill one list) and «Fra … til …» (one question fills two fields)
# ---------------------------------------------------------------------------------------------

def _read_actors(canvas: Canvas, path: str) -> list[Actor]:
    return canvas.actors


def _merge_actors(canvas: Canvas, path: str, value: list[Actor]) -> Canvas:
    return set_field(canvas, "actors", merge_actors(canvas.actors, value))


def _actor_kind(attribute: str) -> FieldKind:
    def to_text(value: list[Actor], context: Context) -> str:
        return "\n".join(f"{a.name} – {getattr(a, attribute)}" if getattr(a, attribute) else a.name for a in value)

    return FieldKind(
        name=f"actors:{attribute}",
        parse=lambda text, context: parse_actors(text, attribute),
        to_text=to_text, describe=_ack_items, read=_read_actors, apply=_merge_actors,
        answered=lambda canvas, path: any(getattr(a, attribute) for a in canvas.actors),
        none_means_empty=True, llm_type=list[Actor],
    )


def _read_reframing(canvas: Canvas, path: str) -> tuple[str, str] | None:
    if not (canvas.reframing_from or canvas.reframing_to):
        return None
    return canvas.reframing_from, canvas.reframing_to


def _apply_reframing(canvas: Canvas, path: str, value: tuple[str, str]) -> Canvas:
    if value[0]:
        canvas = set_field(canvas, "reframing_from", value[0])
    return set_field(canvas, "reframing_to", value[1])


def _parse_from_to(text: str, context: Context) -> tuple[str, str] | None:
    return parse_from_to(text)


def _reframing_answered(canvas: Canvas, path: str) -> bool:
    return bool(canvas.reframing_from and canvas.reframing_to)


# ---------------------------------------------------------------------------------------------
# Statuses asked for, not guessed: the political decision, the money, the partners' decisions,
# the contact. The user's words stay the field's text; the status read from them is stored next
# to it (see ``status``).
# ---------------------------------------------------------------------------------------------

def _status_words(*parts: str) -> str:
    return ", ".join(p for p in parts if p)


def _describe_decision(value: status.Decision, context: Context) -> str:
    case = context.table["case"].format(case=value.case) if value.case else ""
    return context.msg("ack_value", value=_status_words(
        context.table["decision_labels"][value.status], value.body, value.date, case))


def _apply_decision(canvas: Canvas, path: str, value: status.Decision) -> Canvas:
    data = canvas.forankring.model_copy(update={
        "political_backing": value.text, "political_status": value.status if value.text else None,
        "political_body": value.body, "political_date": value.date, "political_case": value.case})
    return set_field(canvas, "forankring", data)


def _apply_funding(canvas: Canvas, path: str, value: tuple[str, str, str]) -> Canvas:
    text, funding, amount = value
    data = canvas.forankring.model_copy(update={
        "cofinancing": text, "funding_status": funding if text else None, "funding_amount": amount})
    return set_field(canvas, "forankring", data)


def _parse_funding(text: str, context: Context) -> tuple[str, str, str]:
    text = clean_text(text)
    return (text, *status.read_funding(text, meaning.default(context.catalog)))


def _describe_funding(value: tuple[str, str, str], context: Context) -> str:
    return context.msg("ack_value", value=_status_words(context.table["funding_labels"][value[1]], value[2]))


def _partner_backing_text(value: list[PartnerBacking], context: Context) -> str:
    return "\n".join(f"{p.name}: {p.note}" if p.note else p.name for p in value)


def _describe_partner_backing(value: list[PartnerBacking], context: Context) -> str:
    labels = context.table["decision_labels"]
    said = [f"{p.name}: {_status_words(labels[p.status or 'none'], p.date)}" for p in value]
    return context.msg("ack_value", value="; ".join(said) or context.msg("none"))


_CONTACT_FIELDS = ("contact_name", "contact_role", "contact_email", "contact_phone")


def _read_contact(canvas: Canvas, path: str) -> str:
    return ", ".join(getattr(canvas, f) for f in _CONTACT_FIELDS if getattr(canvas, f))


def _apply_contact(canvas: Canvas, path: str, value: dict[str, str]) -> Canvas:
    return Canvas.model_validate({**canvas.model_dump(), **value})


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------

_KINDS = [
    FieldKind("text", lambda text, context: clean_text(text), lambda value, context: str(value), _ack_text),
    FieldKind("list", lambda text, context: written_items(text), _lines, _ack_items, none_means_empty=True),
    FieldKind("evidence", lambda text, context: parse_evidence(text), _evidence_text, _ack_items,
              llm_type=list[Evidence]),
    FieldKind("target_groups", lambda text, context: parse_target_groups(text), _groups_text, _ack_items,
              llm_type=list[TargetGroup]),
    FieldKind("personas", lambda text, context: parse_personas(text), _personas_text, _ack_items,
              llm_type=list[Persona]),
    FieldKind("actors", lambda text, context: parse_actors(text), lambda value, context: "\n".join(
        a.name for a in value), _ack_items, apply=_merge_actors, none_means_empty=True, llm_type=list[Actor]),
    _actor_kind("knows"),
    _actor_kind("contributes"),
    _actor_kind("involve_how"),
    FieldKind("principles", lambda text, context: parse_principles(text), _principles_text, _ack_items,
              required=True, llm_type=list[Principle]),
    FieldKind("from_to", _parse_from_to, _from_to_text,
              lambda value, context: context.msg("ack_from_to", src=value[0], dst=value[1]),
              read=_read_reframing, apply=_apply_reframing, answered=_reframing_answered, required=True,
              llm_type=Reframing, fallback=lambda text: ("", clean_text(text))),
    FieldKind("hkv", lambda text, context: parse_hkv(text, context.lang, context.proper_nouns), _lines,
              _ack_items),
    FieldKind("percent", lambda text, context: parse_percent(text), _percent_text,
              lambda value, context: context.msg("ack_value", value=context.msg("percent", value=f"{value:g}")),
              required=True),
    FieldKind("yesno", lambda text, context: parse_yes_no(text), _yes_no_text,
              lambda value, context: context.msg("ack_value", value=_yes_no_text(value, context)), required=True),
    FieldKind("decision", lambda text, context: status.read_decision(clean_text(text),
                                                                     meaning.default(context.catalog)),
              lambda value, context: str(value), _describe_decision, apply=_apply_decision),
    FieldKind("funding", _parse_funding, lambda value, context: str(value), _describe_funding,
              apply=_apply_funding),
    FieldKind("partner_backing",
              lambda text, context: status.read_partner_backing(clean_text(text), list(context.partners),
                                                                meaning.default(context.catalog)),
              _partner_backing_text, _describe_partner_backing, none_means_empty=True,
              # Asked only in a joint application: with no partners there is nothing to answer.
              answered=lambda canvas, path: not canvas.partners or bool(canvas.forankring.partner_backing)),
    FieldKind("contact", lambda text, context: status.read_contact(clean_text(text)),
              lambda value, context: str(value), lambda value, context: context.msg("ack_value", value=", ".join(
                  value[f] for f in _CONTACT_FIELDS if value[f])),
              read=_read_contact, apply=_apply_contact),
]
KINDS: dict[str, FieldKind] = {kind.name: kind for kind in _KINDS}


def label(path: str, lang: str = "nb", catalog: TextCatalog = BUILT_IN) -> str:
    """The user-facing name of a field ("Politisk forankring"), never its internal path.
    An item path ("hkv_questions.0") gets its list's label."""
    labels = catalog.workshop("fields", lang)["labels"]
    base = re.sub(r"\.\d+$", "", path)
    return labels.get(base) or labels.get(base.split(".")[0], base)
