"""Draft-quality figures: three scripted canvases of our own, each with seeded weaknesses, rendered
into every draft (challenge, application, design brief, workshop plan) in nb, nn and en.

Per draft in the canvas' own language: A4 (yes), prose paragraphs of two or more sentences,
repeated sentences (0), internal names (0), the user's facts and sources present (all), and the
seeded weaknesses the critic caught (all). The other two languages are checked the same way and
summed up in one line. Exit code 1 when a figure misses its target.

    .venv/bin/python scripts/draft_quality.py [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from dataclasses import asdict, dataclass

import docx
from docx.shared import Mm

from assistant.workshop import critic, drafts
from assistant.workshop.canvas import Canvas
from assistant.workshop.document import Document, sentences

INTERNAL = re.compile(r"\b(?:need|forankring|resident_input)\.\w+|\b(?:hkv_questions|target_groups|raw_problem|why_now|"
                      r"reframing_(?:from|to)|internal_\w+|county_council\w*|success_criteria|transfer_value)\b|"
                      r"\((?:statistics|survey|statistikk|undersøkelse|undersøking|tried|other)\)")

CANVASES: list[dict] = [
    {
        "name": "Sentrum (nb)",
        "seeded": ["pending_decision", "uncertain_money", "evidence_no_source", "resource_range"],
        "facts": ["SSB", "folketallet har gått ned 6 % siden 2014", "Handelsundersøkelsen 2024",
                  "7 av 10 handler mest i nabobyen", "omsetningen i sentrum har falt 20 % på fem år",
                  "kveldsåpent hver torsdag i 2022"],
        "application_facts": ["15. januar", "15 %"],
        "canvas": {
            "owner": "eval", "language": "nb", "municipality": "Fjellvik",
            "raw_problem": "Sentrum er dødt etter klokka fire",
            "why_now": "To butikker i Storgata har varslet at de stenger til sommeren.",
            "need": {
                "statement": "Unge voksne og barnefamilier mangler grunner til å bruke sentrum etter arbeidstid",
                "who": ["unge voksne", "barnefamilier", "butikkeierne i Storgata"],
                "consequences": ["Flere butikker legger ned", "Handelen flytter til nabobyen"],
                "evidence": [
                    {"kind": "statistics", "source": "SSB", "text": "folketallet har gått ned 6 % siden 2014"},
                    {"kind": "survey", "source": "Handelsundersøkelsen 2024",
                     "text": "7 av 10 handler mest i nabobyen"},
                    {"kind": "statistics", "text": "omsetningen i sentrum har falt 20 % på fem år"},
                    {"kind": "tried", "text": "Vi prøvde kveldsåpent hver torsdag i 2022, men få kom"},
                ],
            },
            "target_groups": [{"name": "Unge voksne", "needs": ["møteplasser", "kveldsaktiviteter"]},
                              {"name": "Barnefamilier", "needs": ["trygge uteområder", "lek i sentrum"]}],
            "resident_input": {"kritikk": ["Ingen steder å sitte inne uten å handle"],
                               "positivitet": ["Elva", "dugnadsånden"]},
            "resources": ["Tomme butikklokaler i Storgata", "Kommunal tomt ved elva"],
            "fortrinn": ["Elva gjennom sentrum", "Sterk dugnadskultur"],
            "barriers": ["Gårdeiere som venter på bedre tider"],
            "actors": [
                {"name": "Næringsforeningen", "category": "business", "knows": "hva butikkene sliter med"},
                {"name": "Ungdomsrådet", "category": "youth", "knows": "hva unge savner"},
                {"name": "Velforeningen", "category": "residents", "involve_how": "folkemøte i februar"},
                {"name": "Planavdelingen", "category": "internal_plan", "contributes": "sentrumsplanen"},
            ],
            "principles": [{"name": "Sett innbyggerne i sentrum"}, {"name": "Tenk helhetlig"},
                           {"name": "Prioriter klima og miljø", "why": "bruke tomme lokaler før vi bygger nytt"}],
            "sustainability": "Bruke tomme lokaler før vi bygger nytt.",
            "reframing_from": "et tomt sentrum", "reframing_to": "en felles stue for hele bygda",
            "hkv_questions": [("Hvordan kan vi gjøre sentrum til et sted der unge voksne og barnefamilier vil "
                               "være etter arbeidstid?")],
            "success_criteria": ["Flere folk i sentrum etter klokka fire", "Gårdeierne er med"],
            "vision": "Et sentrum der folk møtes hver dag.",
            "transfer_value": "Mange småbyer har tomme sentrum, og en modell for felles bruk av tomme lokaler "
                              "kan brukes andre steder.",
            "contact_role": "Næringssjef",
            "forankring": {
                "political_backing": "Formannskapet skal behandle saken 15. januar.",
                "administrative_backing": "Kommunedirektøren eier prosjektet, og næringssjefen er med.",
                "project_resource_percent": 15, "county_council_informed": True,
                "budget": "Deltakeravgift og 15 % stilling i åtte måneder",
                "cofinancing": "Vi håper fylkeskommunen dekker halve deltakeravgiften.",
            },
        },
    },
    {
        "name": "Fråflytting, tre kommunar (nn)",
        "seeded": ["vague_who", "hkv_has_answer", "no_plan", "resource_range"],
        "facts": ["SSB", "delen under 30 år har gått ned frå 31 % til 23 % sidan 2010", "Ungdata 2023",
                  "6 av 10 unge trur dei flyttar", "tilflyttarpakke i 2019", "Vestbygd", "Austbygd"],
        "application_facts": ["40 %", "3. mars"],
        "canvas": {
            "owner": "eval", "language": "nn", "municipality": "Nordal", "partners": ["Vestbygd", "Austbygd"],
            "raw_problem": "Unge flyttar frå bygdene og kjem ikkje att",
            "why_now": "Folketalet har gått ned i ti år, og neste haust blir to skular slått saman.",
            "need": {
                "statement": "Unge som veks opp her, manglar grunnar til å bli, og dei som har flytta ut, "
                             "manglar ein veg heim",
                "who": ["alle"],
                "consequences": ["Skuleklassane blir mindre", "Bedrifter får ikkje tak i folk"],
                "evidence": [
                    {"kind": "statistics", "source": "SSB",
                     "text": "delen under 30 år har gått ned frå 31 % til 23 % sidan 2010"},
                    {"kind": "survey", "source": "Ungdata 2023", "text": "6 av 10 unge trur dei flyttar"},
                    {"kind": "tried", "text": "Vi prøvde ein tilflyttarpakke i 2019, men berre to familiar kom"},
                ],
            },
            "target_groups": [{"name": "Ungdom 16–19 år", "needs": ["sommarjobb", "buss heim om kvelden"]},
                              {"name": "Unge vaksne som har flytta ut", "needs": ["jobb", "bustad"]}],
            "resident_input": {"drommen": ["Ei bygd der unge kan starte noko sjølve"]},
            "resources": ["Ledige hus", "Ein vidaregåande skule"],
            "fortrinn": ["Fjellet", "Sterke lag og foreiningar"],
            "actors": [
                {"name": "Ungdomsrådet", "category": "youth", "knows": "kvifor unge flyttar"},
                {"name": "Næringshagen", "category": "business", "contributes": "kontorplassar"},
                {"name": "Idrettslaget", "category": "volunteers"},
                {"name": "Næringssjefen", "category": "internal_naering"},
            ],
            "principles": [{"name": "Sett innbyggerne i sentrum"}, {"name": "Begynn lokalt, men tenk globalt"},
                           {"name": "Vektlegg inkludering og samskaping"}],
            "sustainability": "Ta i bruk ledige hus før vi byggjer nytt.",
            "reframing_from": "fråflytting", "reframing_to": "bygder som unge vel",
            "hkv_questions": ["Korleis kan vi få unge vaksne til å flytte heim ved å lage ein app for ledige jobbar?"],
            "success_criteria": ["Fleire unge vaksne vel å bu her"],
            "vision": "Bygder der unge ser ei framtid.",
            "transfer_value": "Dei fleste distriktskommunar mistar unge, og ein modell for å halde kontakten med "
                              "utflytta kan brukast mange stader.",
            "contact_role": "Rådgivar",
            "forankring": {
                "political_backing": "Kommunestyra i alle tre kommunane vedtok å søkje 3. mars.",
                "administrative_backing": "Kommunedirektøren i Nordal eig prosjektet.",
                "project_resource_percent": 40, "county_council_informed": True,
                "budget": "Deltakaravgift delt på tre kommunar", "cofinancing": "Kommunane betaler ein tredjedel kvar.",
            },
        },
    },
    {
        "name": "Competence shortage (en)",
        "seeded": ["pending_decision", "uncertain_money", "evidence_no_source", "no_naering"],
        "facts": ["NAV business survey 2023", "6 in 10 businesses have struggled to recruit",
                  "40 % of the nurses will retire within five years", "recruitment fair in 2022"],
        "application_facts": ["25 %", "12 May"],
        "canvas": {
            "owner": "eval", "language": "en", "municipality": "Elvdal",
            "raw_problem": "Our businesses and the health service cannot find skilled staff",
            "why_now": "The largest employer will hire 40 people over the next three years.",
            "need": {
                "statement": "Skilled people who consider moving here lack work for their partner and a social network",
                "who": ["the largest employers", "the health service", "newly qualified nurses"],
                "consequences": ["Jobs stay vacant for months", "Public services get worse"],
                "evidence": [
                    {"kind": "survey", "source": "NAV business survey 2023",
                     "text": "6 in 10 businesses have struggled to recruit"},
                    {"kind": "statistics", "text": "40 % of the nurses will retire within five years"},
                    {"kind": "tried", "text": "We tried a recruitment fair in 2022, but only three people moved here"},
                ],
            },
            "target_groups": [{"name": "Skilled workers", "needs": ["secure jobs", "housing"]},
                              {"name": "Partners and families", "needs": ["work for both", "a network"]}],
            "personas": [{"name": "Amir", "age_role": "34, engineer", "day_in_life": "Works shifts at the plant.",
                          "motivations": ["climbing"], "frustrations": ["no job for his wife"]}],
            "resident_input": {"positivitet": ["the river", "short distances"]},
            "resources": ["Strong cornerstone businesses", "A vocational college next door"],
            "fortrinn": ["Short distances", "Good schools"],
            "actors": [
                {"name": "The business association", "category": "business", "knows": "what employers need"},
                {"name": "The youth council", "category": "youth"},
                {"name": "The sports club", "category": "volunteers", "involve_how": "welcome evenings"},
                {"name": "The planning department", "category": "internal_plan", "contributes": "housing plots"},
            ],
            "principles": [{"name": "Sats på kompetanseutvikling, omstilling og innovasjon"},
                           {"name": "Sett innbyggerne i sentrum"}, {"name": "Tenk helhetlig"}],
            "sustainability": "Newcomers should be able to live without a second car.",
            "reframing_from": "a shortage of skilled staff", "reframing_to": "a place skilled families choose",
            "hkv_questions": ["How might we make it easy for skilled people and their families to come here and stay?"],
            "success_criteria": ["Fewer vacancies after one year"],
            "vision": "A municipality where businesses find the people they need.",
            "transfer_value": "Many industrial municipalities struggle to recruit; a shared welcome model can be "
                              "used elsewhere.",
            "contact_role": "Head of planning",
            "forankring": {
                "political_backing": "The executive committee decided on 12 May to apply to Gnist.",
                "administrative_backing": "The chief executive plans to appoint a project owner in March.",
                "project_resource_percent": 25, "county_council_informed": True,
                "budget": "Participation fee and 25 % of a position for eight months",
                "cofinancing": "We are applying for a county grant for half the fee.",
            },
        },
    },
]


@dataclass
class Row:
    canvas: str
    kind: str
    lang: str
    a4: bool
    prose: int  # paragraphs with two or more sentences
    paragraphs: int
    repeated: int
    internal: int
    facts_missing: list[str]

    @property
    def ok(self) -> bool:
        return self.a4 and self.prose > 0 and not self.repeated and not self.internal and not self.facts_missing


def said(document: Document) -> list[str]:
    """Every sentence and list item the reader sees."""
    items = [s for p in document.paragraphs() for s in sentences(p)]
    items += [text for block in document.blocks if block.style == "bullets" for _, text in block.items]
    return [i.strip() for i in items if i.strip()]


def measure(name: str, canvas: Canvas, kind: str, lang: str, facts: list[str]) -> Row:
    document = drafts.compose(canvas, kind, lang)
    word = docx.Document(io.BytesIO(drafts.render(canvas, kind, lang, "docx")))
    section = word.sections[0]
    a4 = abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    text = drafts.render(canvas, kind, lang)
    everything = said(document)
    paragraphs = document.paragraphs()
    return Row(
        canvas=name, kind=kind, lang=lang, a4=a4,
        prose=sum(len(sentences(p)) >= 2 for p in paragraphs), paragraphs=len(paragraphs),
        repeated=len(everything) - len(set(everything)),
        internal=len(INTERNAL.findall(text)),
        facts_missing=[fact for fact in facts if fact.casefold() not in text.casefold()],
    )


def weaknesses(spec: dict, canvas: Canvas) -> tuple[list[str], list[str]]:
    """(caught, missed) seeded weaknesses; caught means found by the critic and listed, by the
    field's label, in the application's «before sending» section."""
    findings = critic.check(canvas)
    application = drafts.render(canvas, "application")
    caught, missed = [], []
    for code in spec["seeded"]:
        finding = next((f for f in findings if f.code == code), None)
        listed = finding is not None and critic.headline(finding, canvas.language) in application
        (caught if listed else missed).append(code)
    return caught, missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    rows: list[Row] = []
    others: list[Row] = []
    caught_report = []
    for spec in CANVASES:
        canvas = Canvas.model_validate(spec["canvas"])
        for lang in drafts.LANGS:
            for kind in drafts.KINDS:
                facts = spec["facts"] + (spec["application_facts"] if kind == "application" else [])
                row = measure(spec["name"], canvas, kind, lang, facts)
                (rows if lang == canvas.language else others).append(row)
        caught, missed = weaknesses(spec, canvas)
        caught_report.append({"canvas": spec["name"], "seeded": spec["seeded"], "caught": caught, "missed": missed})

    ok = all(r.ok for r in rows + others) and not any(c["missed"] for c in caught_report)
    if args.json:
        json.dump({"drafts": [asdict(r) for r in rows], "other_languages": [asdict(r) for r in others],
                   "weaknesses": caught_report, "ok": ok}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0 if ok else 1

    print("Draft quality (scripted canvases, each draft in the canvas' own language)\n")
    print("| canvas | draft | A4 | prose paragraphs (2+ sentences) | repeated sentences | internal names "
          "| user's facts and sources |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        facts = "all" if not row.facts_missing else "missing: " + "; ".join(row.facts_missing)
        print(f"| {row.canvas} | {row.kind} | {'yes' if row.a4 else 'NO'} | {row.prose} of {row.paragraphs} "
              f"| {row.repeated} | {row.internal} | {facts} |")
    print("\n| canvas | seeded weaknesses | caught by the critic (listed in the application) |")
    print("|---|---|---|")
    for report in caught_report:
        missed = f" (missed: {', '.join(report['missed'])})" if report["missed"] else ""
        print(f"| {report['canvas']} | {', '.join(report['seeded'])} | "
              f"{len(report['caught'])}/{len(report['seeded'])}{missed} |")
    bad = [r for r in others if not r.ok]
    print(f"\nThe same {len(others)} drafts in the two other languages: "
          f"{sum(r.a4 for r in others)} on A4, {sum(r.repeated for r in others)} repeated sentences, "
          f"{sum(r.internal for r in others)} internal names, {sum(len(r.facts_missing) for r in others)} facts "
          f"missing{'' if not bad else ' (' + ', '.join(f'{r.canvas} {r.kind} {r.lang}' for r in bad) + ')'}.")
    print("\nAll targets met." if ok else "\nSome targets were missed.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
