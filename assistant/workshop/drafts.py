"""Drafts from a canvas, written as connected prose without a language model: the challenge text,
the application (organised by Gnist's selection criteria), the design brief and the workshop
plan, in Bokmål, Nynorsk or English, as Markdown or Word.

The structure is written once here; every sentence frame is data in
``prompts/drafts/phrases.{nb,nn,en}.json``. Only what is on the canvas is used: the user's own
words go into the frames (sources kept, lists joined with «og», nothing repeated), and an
empty field becomes a visible gap such as «[Mangler: politisk forankring]», never an invented
fact. With a language model, ``polish`` may smooth each paragraph afterwards, and keeps it
only if every name, number and date is still there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Literal

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.workshop import critic, grammar, themes
from assistant.workshop.canvas import Canvas, Evidence, principle_label
from assistant.workshop.document import Document, to_docx, to_markdown
from assistant.workshop.parsing import parse_yes_no
from assistant.workshop.polish import polish

Kind = Literal["challenge", "application", "brief", "workshop-plan"]
Format = Literal["md", "docx"]
KINDS: tuple[str, ...] = ("challenge", "application", "brief", "workshop-plan")
FORMATS: tuple[str, ...] = ("md", "docx")
LANGS: tuple[str, ...] = ("nb", "nn", "en")
FILE_NAMES = {"challenge": "utfordring", "application": "soknad", "brief": "designbrief",
              "workshop-plan": "verkstedplan"}
_KNOWS_VERB = re.compile(r"^(?:vet|veit|knows?)\s+(?=\S)", re.IGNORECASE)  # the sentence already says it
_MUNICIPALITY_WORD = re.compile(r"\s+(?:kommune|kommunar|kommuner|municipality)$", re.IGNORECASE)


def filename(canvas: Canvas, kind: str, fmt: str) -> str:
    """A safe download name: "gnist-utfordring-vang.docx"."""
    slug = re.sub(r"[^a-z0-9æøå]+", "-", (canvas.municipality or "kommune").lower()).strip("-") or "kommune"
    slug = slug.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return f"gnist-{FILE_NAMES.get(kind, kind)}-{slug}.{fmt}"


class Writer:
    """The canvas' words put into the language's sentence frames."""

    def __init__(self, canvas: Canvas, lang: str, catalog: TextCatalog = BUILT_IN) -> None:
        self.c = canvas
        self.lang = lang
        self.catalog = catalog
        self.p = catalog.drafts("phrases", lang)
        self.theme = themes.theme_texts(canvas, lang, catalog)
        self.names = grammar.unique([canvas.municipality, *canvas.partners])
        said = [canvas.raw_problem, canvas.why_now, canvas.need.statement, canvas.scenario_2030, canvas.vision,
                canvas.transfer_value, canvas.sustainability, canvas.forankring.political_backing,
                canvas.forankring.administrative_backing, *canvas.need.consequences,
                *(e.text for e in canvas.need.evidence)]
        self.proper = grammar.proper_nouns(*said) | {w for n in self.names for w in n.split()}

    def t(self, key: str, **values) -> str:
        return self.p["s"][key].format(**values)

    def gap(self, key: str) -> str:
        return grammar.missing(self.p["missing"][key], self.lang, self.catalog)

    def inner(self, text: str) -> str:
        """A phrase used inside a sentence: no end punctuation, lower-case unless a name."""
        return grammar.lower_first(text.strip().rstrip(" .!"), self.proper)

    def items(self, values: list[str]) -> str:
        return grammar.join_list([self.inner(v) for v in values], self.lang, self.catalog)

    def subject(self, text: str) -> str:
        """A subject that ends in a relative clause takes a comma before the verb in Norwegian
        («Unge som har flyttet ut, trenger …»)."""
        text = grammar.capitalise(text.strip().rstrip(" ,."))
        return f"{text}," if self.lang != "en" and re.search(r"\bsom\b", text) else text

    def kommune(self, name: str) -> str:
        return self.t("kommune", name=_MUNICIPALITY_WORD.sub("", name.strip()))

    @property
    def applicants(self) -> str:
        """"Vang kommune", or "Lom kommune, Skjåk kommune og Vågå kommune"."""
        if not self.names:
            return self.gap("municipality")
        return grammar.join_list([self.kommune(n) for n in self.names], self.lang, self.catalog)

    @property
    def place(self) -> str:
        return grammar.join_list(self.names, self.lang, self.catalog) or self.gap("municipality")

    def evidence(self, evidence: Evidence) -> str:
        claim = evidence.text.strip().rstrip(" .")
        if evidence.source:
            return self.t("according_to", claim=grammar.capitalise(claim), source=evidence.source)
        return claim

    def principles(self) -> str:
        chosen = [self.t("principle_why" if p.why else "principle", name=principle_label(p.name, self.lang),
                         why=self.inner(p.why)) for p in self.c.principles]
        if not chosen:
            return ""
        return self.t("principles", count=grammar.count(len(chosen), "principle", self.lang, self.catalog),
                      items=grammar.join_list(chosen, self.lang, self.catalog))


# ---------------------------------------------------------------------------------------------
# Paragraphs shared by several drafts
# ---------------------------------------------------------------------------------------------

def _questions(w: Writer, doc: Document) -> None:
    for question in w.c.hkv_questions:
        doc.quote(question)
    if not w.c.hkv_questions:
        doc.paragraph(w.gap("hkv"))


def _starting_point(w: Writer, doc: Document, lead: str = "") -> None:
    c = w.c
    both = c.reframing_from and c.reframing_to
    doc.paragraph(
        lead,
        w.t("raw", raw=c.raw_problem.strip().rstrip(" .")) if c.raw_problem else "",
        w.t("need", need=w.inner(c.need.statement)) if c.need.statement else w.gap("need"),
        w.t("reframing", src=w.inner(c.reframing_from), dst=w.inner(c.reframing_to)) if both else "",
    )


def _who(w: Writer, doc: Document) -> None:
    c = w.c
    with_needs = [g for g in c.target_groups if g.needs]
    without = [g.name for g in c.target_groups if not g.needs]
    doc.paragraph(
        w.t("who", who=w.items(c.need.who)) if c.need.who else w.gap("who"),
        *(w.t("group_needs", group=w.subject(g.name), needs=w.items(g.needs)) for g in with_needs),
        w.t("other_groups", groups=w.items(without)) if without else "",
    )


def _stakes(w: Writer, doc: Document, gap_why_now: bool = False) -> None:
    c = w.c
    doc.paragraph(
        w.t("consequences", items=w.items(c.need.consequences)) if c.need.consequences else "",
        w.t("why_now") if c.why_now else "",
        c.why_now if c.why_now else (w.gap("why_now") if gap_why_now else ""),
    )


def _evidence(w: Writer, doc: Document) -> None:
    facts = [e for e in w.c.need.evidence if e.kind != "tried"]
    tried = [e for e in w.c.need.evidence if e.kind == "tried"]
    if facts:
        doc.paragraph(w.t("evidence"), *(w.evidence(e) for e in facts))
    else:
        doc.paragraph(w.gap("evidence"))
    if tried:
        doc.paragraph(w.t("tried"), *(w.evidence(e) for e in tried))


def _assets(w: Writer, doc: Document, principles: bool = False) -> None:
    c = w.c
    doc.paragraph(
        w.t("fortrinn", items=w.items(c.fortrinn)) if c.fortrinn else "",
        w.t("resources", items=w.items(c.resources)) if c.resources else "",
        "" if c.fortrinn or c.resources else w.gap("assets"),
        w.t("barriers", items=w.items(c.barriers)) if c.barriers else "",
        w.principles() if principles else "",
    )


def _future(w: Writer, doc: Document) -> None:
    c = w.c
    scenario = c.scenario_2030
    if scenario and "2030" not in scenario:  # "I 2030 har unge …" needs no «Slik ser vi for oss 2030:»
        scenario = w.t("scenario", scenario=w.inner(scenario))
    doc.paragraph(w.t("vision", vision=w.inner(c.vision)) if c.vision else "", scenario)


def _residents(w: Writer, doc: Document) -> None:
    """The residents' own words, each quote in quotation marks in a sentence of its own: the
    question it answered introduces the first, «En annen skriver: …» each one after it."""
    r = w.c.resident_input
    if r.is_empty():
        return
    said = [w.t("residents")]
    for question in ("kritikk", "positivitet", "drommen", "virkeliggjoring"):
        for n, quote in enumerate(getattr(r, question)):
            words = " ".join(quote.split()).strip("«»“”\"' ")
            if words:
                said.append(w.t(question if n == 0 else "quote_more", quote=words))
    doc.paragraph(*said)


def _actors(w: Writer, doc: Document) -> None:
    actors = w.c.actors
    if not actors:
        doc.paragraph(w.gap("actors"))
        return

    def described(attribute: str) -> str:
        return grammar.join_list([w.t("actor", name=w.inner(a.name), what=w.inner(
            _KNOWS_VERB.sub("", getattr(a, attribute)) if attribute == "knows" else getattr(a, attribute)))
            for a in actors if getattr(a, attribute)], w.lang, w.catalog)

    plain = [a.name for a in actors if not (a.knows or a.contributes or a.involve_how)]
    sentences = {key: described(attribute) for key, attribute in
                 (("actors_know", "knows"), ("actors_contribute", "contributes"), ("actors_involve", "involve_how"))}
    doc.paragraph(*(w.t(key, items=items) for key, items in sentences.items() if items),
                  w.t("actors_other", names=w.items(plain)) if plain else "")


def _open_findings(w: Writer, doc: Document) -> None:
    findings = [f for f in critic.check(w.c.model_copy(update={"language": w.lang}), w.catalog)
                if f.severity in ("mangler", "advarsel")]
    if not findings:
        return
    doc.heading(w.p["h"]["before_sending"])
    doc.paragraph(w.t("before_sending"))
    doc.bullets([(critic.headline(f, w.lang, w.catalog), f.message) for f in findings])


# ---------------------------------------------------------------------------------------------
# The four drafts
# ---------------------------------------------------------------------------------------------

def _shared(w: Writer) -> str:
    """«Utfordringen er felles for Lom kommune, Skjåk kommune og Vågå kommune.» for a joint workshop."""
    return w.t("shared", applicants=w.applicants) if w.c.partners else ""


def _challenge(w: Writer, doc: Document) -> None:
    h = w.p["h"]
    doc.heading(h["challenge"])
    _questions(w, doc)
    _starting_point(w, doc, _shared(w))
    doc.heading(h["need"])
    _who(w, doc)
    _stakes(w, doc, gap_why_now=True)
    _evidence(w, doc)
    doc.heading(h["success"])
    doc.paragraph(w.t("not_how"))
    doc.bullets(w.c.success_criteria or [w.gap("success")])
    doc.paragraph(w.principles())
    doc.heading(h["assets"])
    _assets(w, doc)
    if w.c.vision or w.c.scenario_2030:
        doc.heading(h["vision"])
        _future(w, doc)


def _forankring(w: Writer, doc: Document) -> None:
    c, f = w.c, w.c.forankring
    parts: list[str] = []
    for text, key in ((f.political_backing, "political"), (f.administrative_backing, "administrative")):
        if critic.pending(text):
            parts += [w.t(f"{key}_pending"), text]
        elif text and parse_yes_no(text) is not False:
            parts += [w.t(f"{key}_ok"), text]
        else:
            parts.append(w.gap(key))
    doc.paragraph(*parts)

    roles = critic.plan_and_naering(c)
    said = f"{f.political_backing} {f.administrative_backing} {c.contact_role}".casefold()
    new = {role: [n for n in names if n.casefold() not in said] for role, names in roles.items()}
    if new["plan"] and new["naering"]:
        role_sentences = [w.t("plan_naering", plan=w.items(new["plan"]), naering=w.items(new["naering"]))]
    else:  # a role the backing text already names is not said again
        role_sentences = [w.t(f"{role}_only", names=w.items(new[role])) if new[role] else w.gap(f"no_{role}")
                          for role in ("plan", "naering") if new[role] or not roles[role]]
    county = f.county_council_informed
    doc.paragraph(
        *role_sentences,
        w.t("county_yes") if county else w.t("county_no") if county is False else w.gap("county"),
        w.gap("county_before") if county is False else "",
        w.t("partners", items=w.items(f.partners)) if f.partners else "",
    )


def _application(w: Writer, doc: Document) -> None:
    c, h = w.c, w.p["h"]
    doc.heading(h["challenge"])
    _questions(w, doc)
    partners = [w.kommune(n) for n in c.partners]
    applicant = w.kommune(c.municipality) if c.municipality else w.gap("municipality")
    lead = w.t("applicant_with", applicant=applicant, partners=grammar.join_list(partners, w.lang, w.catalog)) \
        if partners else w.t("applicant", applicant=applicant)
    _starting_point(w, doc, lead)

    doc.heading(h["forankring"])
    _forankring(w, doc)

    doc.heading(h["innovation"])
    _who(w, doc)
    _stakes(w, doc)
    _evidence(w, doc)
    _assets(w, doc, principles=True)

    doc.heading(h["transfer"])
    doc.paragraph(c.transfer_value or w.gap("transfer"),
                  w.t("joint", partners=grammar.join_list(partners, w.lang, w.catalog)) if partners else "")

    doc.heading(h["engagement"])
    percent = c.forankring.project_resource_percent
    groups = [g.name for g in c.target_groups]
    doc.paragraph(
        w.t("resource", percent=f"{percent:g}") if percent is not None else w.gap("resource"),
        w.t("contact", role=w.inner(c.contact_role)) if c.contact_role else w.gap("contact"),
        w.t("groups", groups=w.items(groups)) if groups else "",
    )
    _actors(w, doc)
    _residents(w, doc)

    doc.heading(h["sustainability"])
    doc.paragraph(w.t("sustainability", text=w.inner(c.sustainability)) if c.sustainability else w.gap("sustainability"))
    if c.vision or c.scenario_2030:
        doc.heading(h["vision"])
        _future(w, doc)

    doc.heading(h["budget"])
    doc.bullets([(w.p["labels"]["budget"], c.forankring.budget or w.gap("budget")),
                 (w.p["labels"]["cofinancing"], c.forankring.cofinancing or w.gap("cofinancing"))])
    _open_findings(w, doc)


def _brief(w: Writer, doc: Document) -> None:
    c, h = w.c, w.p["h"]
    doc.heading(h["background"])
    _starting_point(w, doc, _shared(w))
    _stakes(w, doc)
    _evidence(w, doc)
    doc.heading(h["challenge"])
    _questions(w, doc)
    doc.heading(h["groups"])
    _who(w, doc)
    if c.personas:
        doc.heading(h["personas"], level=2)
        for persona in c.personas:
            doc.paragraph(
                w.t("persona_role" if persona.age_role else "persona", name=persona.name,
                    role=w.inner(persona.age_role)),
                w.t("day_in_life", name=persona.name, text=w.inner(persona.day_in_life)) if persona.day_in_life
                else "",
                w.t("motivations", name=persona.name, items=w.items(persona.motivations)) if persona.motivations else "",
                w.t("frustrations", name=persona.name, items=w.items(persona.frustrations)) if persona.frustrations
                else "",
            )
    doc.heading(h["premises"])
    _assets(w, doc)
    _residents(w, doc)
    doc.heading(h["expect"])
    doc.paragraph(*w.p["brief_expect"])
    doc.paragraph(w.t("must_achieve"))
    doc.bullets(c.success_criteria or [w.gap("success")])
    doc.heading(h["criteria"])
    doc.bullets([*w.p["brief_criteria"],
                 *(w.t("criterion_principle", name=principle_label(p.name, w.lang)) for p in c.principles),
                 w.t("criterion_transfer", text=w.inner(c.transfer_value)) if c.transfer_value
                 else w.p["criterion_transfer_plain"],
                 w.t("criterion_sustainability", text=w.inner(c.sustainability)) if c.sustainability
                 else w.p["criterion_sustainability_plain"]])
    doc.heading(h["actors"])
    _actors(w, doc)
    doc.paragraph(w.t("contact_at", role=w.inner(c.contact_role), place=w.applicants) if c.contact_role
                  else w.gap("contact"))


def _workshop_plan(w: Writer, doc: Document) -> None:
    c, h, plan = w.c, w.p["h"], w.p["plan"]
    doc.heading(h["purpose"])
    doc.paragraph(*plan["purpose"], w.t("plan_start", start=(c.need.statement or c.raw_problem).strip().rstrip("."))
                  if (c.need.statement or c.raw_problem) else w.gap("need"))
    if c.hkv_questions:
        doc.paragraph(plan["question"])
        _questions(w, doc)

    doc.heading(h["participants"])
    categories = {critic.category(a) for a in c.actors}
    doc.paragraph(
        plan["groups"],
        w.t("invite", names=w.items([a.name for a in c.actors])) if c.actors else w.gap("invite"),
        w.t("invite_all", names=w.place) if c.partners else "",
        "" if "youth" in categories else plan["remember_youth"],
        "" if "business" in categories else plan["remember_business"],
    )

    doc.heading(h["materials"])
    the_map = w.t("map_joint", names=w.place) if c.partners else w.theme["map"]
    doc.bullets([plan["materials"][0], the_map, *plan["materials"][1:]])

    doc.heading(h["agenda"])
    doc.table([plan["agenda_header"], *([row[0], row[1], row[2].format(scene=w.theme["scene"])]
                                        for row in plan["agenda"])])

    doc.heading(h["exercises"])
    for exercise in plan["exercises"]:
        doc.heading(exercise["title"], level=2)
        doc.paragraph(*(line.format(place=w.theme["place"], groups=w.theme["groups"]) for line in exercise["text"]))
        if exercise.get("evidence"):
            doc.bullets([grammar.sentence(w.evidence(e)) for e in c.need.evidence] or [w.gap("evidence")])
            doc.paragraph(exercise["after"])
        if exercise.get("groups"):
            doc.paragraph(w.t("use_groups", groups=w.items([g.name for g in c.target_groups])) if c.target_groups
                          else w.t("choose_groups", groups=w.theme["groups"]))
        doc.bullets(exercise.get("bullets", []))
        if exercise.get("principles") and c.principles:
            doc.paragraph(w.t("compare_principles", items=grammar.join_list(
                [w.t("principle", name=principle_label(p.name, w.lang)) for p in c.principles], w.lang, w.catalog)))
    doc.heading(h["after"])
    doc.bullets(plan["after"])


_COMPOSERS: dict[str, Callable[[Writer, Document], None]] = {
    "challenge": _challenge, "application": _application, "brief": _brief, "workshop-plan": _workshop_plan,
}


def compose(canvas: Canvas, kind: str, language: str | None = None,
            catalog: TextCatalog = BUILT_IN) -> Document:
    """The draft as a document (title, headings, paragraphs, lists) in ``language``."""
    if kind not in KINDS:
        raise ValueError(f"unknown draft kind {kind!r}; choose one of {', '.join(KINDS)}")
    lang = language or canvas.language
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    w = Writer(canvas, lang, catalog)
    doc = Document(title=w.p["title"][kind].format(place=w.place), author=w.applicants, lang=lang,
                   subject=w.p["subject"][kind])
    doc.note(w.p["note"][kind].format(date=date.today().isoformat()))
    _COMPOSERS[kind](w, doc)
    return doc


def render(canvas: Canvas, kind: str, language: str | None = None, fmt: str = "md",
           path: Path | str | None = None, catalog: TextCatalog = BUILT_IN, chat_model=None) -> str | bytes:
    """The draft as Markdown text (fmt="md") or Word bytes (fmt="docx"); also written to ``path``
    when given. With ``chat_model``, the prose is polished where every fact survives."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose md or docx")
    document = compose(canvas, kind, language, catalog)
    if chat_model is not None:
        polish(document, chat_model, [canvas.municipality, *canvas.partners], catalog)
    if fmt == "md":
        markdown = to_markdown(document)
        if path is not None:
            Path(path).write_text(markdown, encoding="utf-8")
        return markdown
    words = catalog.drafts("phrases", document.lang)["page"]
    return to_docx(document, tuple(words), path)
