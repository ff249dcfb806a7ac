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
from assistant.workshop import critic, grammar, meaning, status, themes
from assistant.workshop.canvas import Canvas, Evidence, principle_label
from assistant.workshop.document import Document, to_docx, to_markdown
from assistant.workshop.parsing import parse_yes_no
from assistant.workshop.polish import polish

Kind = Literal["challenge", "application", "brief", "workshop-plan", "checklist"]
Format = Literal["md", "docx"]
KINDS: tuple[str, ...] = ("challenge", "application", "brief", "workshop-plan")  # the prose drafts
CHECKLIST = "checklist"  # «Før innsending»: the quality check's list, a document of its own
ALL_KINDS: tuple[str, ...] = (*KINDS, CHECKLIST)
FORMATS: tuple[str, ...] = ("md", "docx")
LANGS: tuple[str, ...] = ("nb", "nn", "en")
FILE_NAMES = {"challenge": "utfordring", "application": "soknad", "brief": "designbrief",
              "workshop-plan": "verkstedplan", "checklist": "sjekkliste"}
_KNOWS_VERB = re.compile(r"^(?:vet|veit|knows?)\s+(?=\S)", re.IGNORECASE)  # the sentence already says it
_MUNICIPALITY_WORD = re.compile(r"\s+(?:kommune|kommunar|kommuner|municipality)$", re.IGNORECASE)
ECHO_WORDS = 3  # this many of a frame's first words, opening an answer, are an echo of the frame


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
        # Names keep their capitals inside a sentence: places, people, sources, actors.
        named = [*self.names, *(p.name for p in canvas.personas), *(a.name for a in canvas.actors),
                 *(e.source for e in canvas.need.evidence), *canvas.forankring.partners, canvas.contact_name]
        self.proper = grammar.proper_nouns(*said) | {w for n in named for w in n.split() if w[:1].isupper()}

    def t(self, key: str, **values) -> str:
        return self.p["s"][key].format(**values)

    def gap(self, key: str) -> str:
        return grammar.missing(self.p["missing"][key], self.lang, self.catalog)

    def inner(self, text: str) -> str:
        """A phrase used inside a sentence: no end punctuation, lower-case unless a name."""
        return grammar.lower_first(text.strip().rstrip(" .!"), self.proper)

    def items(self, values: list[str]) -> str:
        return grammar.join_list([self.inner(v) for v in values], self.lang, self.catalog)

    def listed(self, key: str, values: list[str], slot: str = "items") -> list[str]:
        """A frame that takes noun phrases gets only noun phrases; an item the user wrote as a
        clause («vi har tre tomme lokaler») is never spliced in, but follows as their own
        sentence (after the frame's plain introduction when nothing else is left for it). A
        frame that ends in a colon takes clauses too, but never an item with a colon of its own."""
        frame = self.p["s"][key].split("{", 1)[0]
        # An answer that opens with the frame's own words («hvis ingen gjør noe blir det …» for
        # «Hvis ingen gjør noe, får det disse følgene: …») says it already: it stands alone.
        opening = re.findall(r"\w+", frame.lower())[:ECHO_WORDS]
        answer_opening = re.findall(r"\w+", values[0].lower())[:ECHO_WORDS] if len(values) == 1 else []
        if len(opening) == ECHO_WORDS and answer_opening == opening:
            return [values[0]]
        # What may stand in a frame's slot: one sentence, without a colon of its own.
        single = [v for v in values if ":" not in v and len(grammar.split_sentences(v)) == 1]
        phrases = [v for v in single if not grammar.is_clause(v)]
        if ":" in frame and len(values) == 1 and single:
            phrases = values  # one clause of the user's reads well after the colon
        clauses = [v for v in values if v not in phrases]
        lead = self.t(key, **{slot: self.items(phrases)}) if phrases else self.p["intro"][key]
        return [lead, *clauses]

    def listed_about(self, key: str, name: str, values: list[str]) -> list[str]:
        """A persona's frame («Det som motiverer Kari: …»): the day in the life takes one of
        the user's sentences after its colon; motivations and frustrations take noun phrases.
        Anything else follows the frame's introduction as the user's own sentences."""
        fits = [v for v in values if ":" not in v and len(grammar.split_sentences(v)) == 1
                and (key == "day_in_life" or not grammar.is_clause(v))]
        rest = [v for v in values if v not in fits]
        lead = self.t(key, name=name, items=self.items(fits), text=self.inner(fits[0])) if fits \
            else self.p["intro"][key].format(name=name)
        return [lead, *rest]

    def framed(self, key: str, text: str, slot: str) -> list[str]:
        """A frame ending in a colon takes a noun phrase of the user's (the need: their one
        sentence); a clause, text with its own colon or several sentences follows the frame's
        introduction instead, as the user wrote it («: …:» never happens)."""
        if ":" in text or len(grammar.split_sentences(text)) > 1 or (key != "need" and grammar.is_clause(text)):
            return [self.p["intro"][key], text]
        return [self.t(key, **{slot: self.inner(text)})]

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

    def place_names(self, names: list[str]) -> str:
        return grammar.join_list([self.kommune(n) for n in names], self.lang, self.catalog)

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
        *(w.framed("need", c.need.statement, "need") if c.need.statement else [w.gap("need")]),
        w.t("reframing", src=w.inner(c.reframing_from), dst=w.inner(c.reframing_to)) if both else "",
    )


def _who(w: Writer, doc: Document) -> None:
    c = w.c
    with_needs = [g for g in c.target_groups if g.needs]
    without = [g.name for g in c.target_groups if not g.needs]
    doc.paragraph(
        *(w.listed("who", c.need.who, "who") if c.need.who else [w.gap("who")]),
        *(w.t("group_needs", group=w.subject(g.name), needs=w.items(g.needs)) for g in with_needs),
        *(w.listed("other_groups", without, "groups") if without else []),
    )


def _stakes(w: Writer, doc: Document, gap_why_now: bool = False) -> None:
    c = w.c
    doc.paragraph(
        *(w.listed("consequences", c.need.consequences) if c.need.consequences else []),
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
        *(w.listed("fortrinn", c.fortrinn) if c.fortrinn else []),
        *(w.listed("resources", c.resources) if c.resources else []),
        "" if c.fortrinn or c.resources else w.gap("assets"),
        *(w.listed("barriers", c.barriers) if c.barriers else []),
        w.principles() if principles else "",
    )


def _future(w: Writer, doc: Document) -> None:
    c = w.c
    scenario = [c.scenario_2030] if c.scenario_2030 else []
    if scenario and "2030" not in scenario[0]:  # "I 2030 har unge …" needs no «Slik ser vi for oss 2030:»
        scenario = w.framed("scenario", c.scenario_2030, "scenario")
    doc.paragraph(*(w.framed("vision", c.vision, "vision") if c.vision else []), *scenario)


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
    """One sentence per actor: what they know, what they bring and how they take part; a part the
    user wrote as a clause of its own follows as their sentence."""
    if not w.c.actors:
        doc.paragraph(w.gap("actors"))
        return
    sentences: list[str] = []
    for actor in w.c.actors:
        said = {"actor_knows": _KNOWS_VERB.sub("", actor.knows), "actor_contributes": actor.contributes,
                "actor_involve": actor.involve_how}
        parts = [w.t(key, what=w.inner(text)) for key, text in said.items() if text and not grammar.is_clause(text)]
        own = [text for text in said.values() if text and grammar.is_clause(text)]
        name = grammar.capitalise(grammar.strip_conjunction(actor.name))
        if grammar.is_clause(name):  # «pendlerne og ungdommen må med»: the user's own sentence
            sentences.append(name)
        else:
            sentences.append(w.t("actor_line", name=name, parts=grammar.join_list(parts, w.lang, w.catalog))
                             if parts else w.t("actor_plain", name=name))
        sentences += own
    doc.paragraph(*sentences)


def _checklist(w: Writer, doc: Document) -> None:
    """«Før innsending»: what the quality check asks to fix, as its own document."""
    findings = [f for f in critic.check(w.c.model_copy(update={"language": w.lang}), w.catalog)
                if f.severity in ("mangler", "advarsel")]
    doc.heading(w.p["h"]["before_sending"])
    if not findings:
        doc.paragraph(w.t("checklist_clear"))
        return
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
    parts = _political(w)
    text = f.administrative_backing
    if critic.pending(text):
        parts += [w.t("administrative_pending"), text]
    elif text and parse_yes_no(text) is not False:
        parts += [w.t("administrative_ok"), text]
    else:
        parts.append(w.gap("administrative"))
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
        *_partner_decisions(w),
    )


def _political(w: Writer) -> list[str]:
    """«Politisk forankret» only for a decision with a date; a pending case says so, and an
    opinion («ordføreren liker ideen») is not written up as backing."""
    f = w.c.forankring
    if not f.political_backing:
        return [w.gap("political")]
    decision = status.read_decision(f.political_backing, meaning.default(w.catalog)) if f.political_status is None \
        else status.Decision(f.political_backing, f.political_status, f.political_body, f.political_date,
                             f.political_case)
    if decision.dated_decision:
        return [w.t("political_ok"), f.political_backing]
    if decision.status == "scheduled":
        return [w.t("political_pending"), f.political_backing]
    if decision.status == "decided":
        return [f.political_backing, w.gap("political_date")]
    return [w.t("political_none"), w.gap("political_date")]


def _partner_decisions(w: Writer) -> list[str]:
    if not w.c.partners:
        return []
    decided = {p.name.casefold(): p.date for p in w.c.forankring.partner_backing if p.status == "decided"}
    yes = [f"{w.kommune(n)} ({decided[n.casefold()]})" if decided[n.casefold()] else w.kommune(n)
           for n in w.c.partners if n.casefold() in decided]
    no = [n for n in w.c.partners if n.casefold() not in decided]
    return [w.t("partners_decided", names=grammar.join_list(yes, w.lang, w.catalog)) if yes else "",
            w.t("partners_undecided", names=w.place_names(no)) if no else ""]


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
    doc.heading(h["success"], level=2)
    doc.paragraph(w.t("not_how"))
    doc.bullets(c.success_criteria or [w.gap("success")])
    doc.heading(h["place_business"], level=2)
    doc.paragraph(*([w.t("place_business"), c.place_development] if c.place_development
                    else [w.gap("place_business")]))

    doc.heading(h["transfer"])
    doc.paragraph(c.transfer_value or w.gap("transfer"),
                  w.t("joint", partners=grammar.join_list(partners, w.lang, w.catalog)) if partners else "")

    doc.heading(h["engagement"])
    percent = c.forankring.project_resource_percent
    groups = [g.name for g in c.target_groups]
    doc.paragraph(
        w.t("explore", applicants=w.applicants),
        w.t("resource", percent=f"{percent:g}") if percent is not None else w.gap("resource"),
        *_contact(w),
        w.t("groups", groups=w.items(groups)) if groups else "",
    )
    if c.personas:
        doc.heading(h["persona_app"], level=2)
        _persona(w, doc, c.personas[0])
    _actors(w, doc)
    _residents(w, doc)

    doc.heading(h["sustainability"])
    doc.paragraph(*(w.framed("sustainability", c.sustainability, "text") if c.sustainability
                    else [w.gap("sustainability")]))
    if c.vision or c.scenario_2030:
        doc.heading(h["vision"])
        _future(w, doc)

    doc.heading(h["budget"])
    f = c.forankring
    funding = ", ".join(x for x in (w.catalog.workshop("fields",
                                                       w.lang)["funding_labels"].get(f.funding_status or "", ""),
                                    f.funding_amount) if x)
    doc.bullets([(w.p["labels"]["budget"], f.budget if status.has_amount(f.budget) else
                  " ".join(x for x in (f.budget, w.gap("budget_amounts")) if x)),
                 (w.p["labels"]["cofinancing"], f.cofinancing or w.gap("cofinancing")),
                 *([(w.p["labels"]["funding_status"], funding)] if funding else [])])


def _contact(w: Writer) -> list[str]:
    """Who to contact: name and role, e-mail and phone; the municipality is named once."""
    c = w.c
    reach = [w.t("email", email=c.contact_email) if c.contact_email else "",
             w.t("phone", phone=c.contact_phone) if c.contact_phone else ""]
    if c.contact_name and c.contact_role:
        who = w.t("contact_named", name=c.contact_name, role=w.inner(c.contact_role))
    elif c.contact_name:
        who = w.t("contact_name_only", name=c.contact_name)
    elif c.contact_role:
        who = w.t("contact", role=w.inner(c.contact_role))
    else:
        return [w.gap("contact")]
    ways = [r for r in reach if r]
    return [who, w.t("contact_reach", ways=grammar.join_list(ways, w.lang, w.catalog)) if ways
            else w.gap("contact_reach"), "" if c.contact_name else w.gap("contact_name")]


def _persona(w: Writer, doc: Document, persona) -> None:
    doc.paragraph(
        w.t("persona_role" if persona.age_role else "persona", name=persona.name, role=w.inner(persona.age_role)),
        *(w.listed_about("day_in_life", persona.name, [persona.day_in_life]) if persona.day_in_life else []),
        *(w.listed_about("motivations", persona.name, persona.motivations) if persona.motivations else []),
        *(w.listed_about("frustrations", persona.name, persona.frustrations) if persona.frustrations else []),
    )


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
            _persona(w, doc, persona)
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
                 and ":" not in c.sustainability else w.p["criterion_sustainability_plain"]])
    doc.heading(h["actors"])
    _actors(w, doc)
    doc.paragraph(*_contact(w))


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
    "checklist": _checklist,
}


def compose(canvas: Canvas, kind: str, language: str | None = None,
            catalog: TextCatalog = BUILT_IN, note: bool = True) -> Document:
    """The draft as a document (title, headings, paragraphs, lists) in ``language`` (the
    canvas' own by default); ``note=False`` leaves out the «draft made in …» note."""
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown draft kind {kind!r}; choose one of {', '.join(ALL_KINDS)}")
    lang = language or canvas.language
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    w = Writer(canvas, lang, catalog)
    doc = Document(title=w.p["title"][kind].format(place=w.place), author=w.applicants, lang=lang,
                   subject=w.p["subject"][kind])
    if note:
        doc.note(w.p["note"][kind].format(date=date.today().isoformat()))
    _COMPOSERS[kind](w, doc)
    return doc


def render(canvas: Canvas, kind: str, language: str | None = None, fmt: str = "md",
           path: Path | str | None = None, catalog: TextCatalog = BUILT_IN, chat_model=None,
           note: bool = True) -> str | bytes:
    """The draft as Markdown text (fmt="md") or Word bytes (fmt="docx"); also written to ``path``
    when given. With ``chat_model``, the prose is polished where every fact survives."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose md or docx")
    document = compose(canvas, kind, language, catalog, note)
    if chat_model is not None:
        polish(document, chat_model, [canvas.municipality, *canvas.partners], catalog)
    if fmt == "md":
        markdown = to_markdown(document)
        if path is not None:
            Path(path).write_text(markdown, encoding="utf-8")
        return markdown
    words = catalog.drafts("phrases", document.lang)["page"]
    return to_docx(document, tuple(words), path)
