"""Draft-quality figures: three scripted canvases of our own, each with seeded weaknesses, rendered
into every draft (challenge, application, design brief, workshop plan) in nb, nn and en; nine
canvases written as real users write (eval/real_canvases.json, three in Nynorsk); and the
critic's rules on held-out wordings (eval/critic_paraphrases.json).

Per draft in the canvas' own language: A4 (yes), prose paragraphs of two or more sentences,
repeated sentences (0), internal names (0), the user's facts and sources present (all), and the
seeded weaknesses the critic caught (all). The other two languages are checked the same way and
summed up in one line. Per real-style canvas: seams where the user's words meet a frame (0),
the user's names and numbers kept exactly (all), seeded weaknesses caught and listed in the
«before sending» checklist (all), false alarms on the well-filled canvases (0). Per critic rule:
recall and precision on the dev half (tuned on) and the held-out test half (goal ≥ 0.9 both).
Exit code 1 when a figure misses its target.

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

from assistant.settings import REPO_ROOT
from assistant.workshop import critic, drafts, meaning
from assistant.workshop.canvas import Canvas
from assistant.workshop.document import Document, sentences
from assistant.workshop.fields import Context
from assistant.workshop.steps import kind_of

REAL_CANVASES = REPO_ROOT / "eval" / "real_canvases.json"
PARAPHRASES = REPO_ROOT / "eval" / "critic_paraphrases.json"
GOAL = 0.9

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
    field's label, in the «before sending» checklist."""
    findings = critic.check(canvas)
    checklist = drafts.render(canvas, drafts.CHECKLIST)
    caught, missed = [], []
    for code in spec["seeded"]:
        finding = next((f for f in findings if f.code == code), None)
        listed = finding is not None and critic.headline(finding, canvas.language) in checklist
        (caught if listed else missed).append(code)
    return caught, missed


# ---------------------------------------------------------------------------------------------
# Seams: where the user's words meet a frame. Written independently of the drafts' own clause
# test, so the drafts cannot pass by agreeing with themselves.
# ---------------------------------------------------------------------------------------------

_FINITE = re.compile(
    r"\b(?:er|var|har|hadde|kan|vil|ville|skal|skulle|må|bør|får|fikk|fekk|blir|ble|vart|gjør|gjer|merker|"
    r"merkes|merkar|mangler|manglar|trenger|treng|vet|veit|kommer|kjem|går|står|ligger|sier|bor|"
    r"bruker|brukar|savner|saknar|flytter|flyttar|handler|handlar|opplever|sliter|legger|stenger|mister|tar|tek|"
    r"gir|ser|deltar|deltek|eier|eig|søker|søkjer|vedtok|behandler|kjenner|is|are|was|were|has|have|had|can|"
    r"will|would|should|must|lacks|knows|takes|wants|feels|notices)\b", re.IGNORECASE)
# Where a new clause may start: punctuation, conjunctions and subordinators, and a subject after
# «dem/det/alt …» (a relative clause without «som»: «dem vi vil hjelpe»).
_BOUNDARY = re.compile(
    r"[,;:–()“”\"|]|\b(?:men|eller|for|fordi|at|som|der|når|hvis|om|enn|så|da|mens|før|etter|til|sidan|siden|"
    r"hva|kva|hvorfor|kvifor|hvordan|korleis|hvem|kven|hvor|kor|but|or|because|that|which|who|when|if|than|while|"
    r"where|before|after|until|since|what|why|how)\b", re.IGNORECASE)
_SUBJECT = r"(?:vi|jeg|eg|de|dei|han|hun|ho|we|they|he|she|I)"
# A subject pronoun after a noun starts a relative clause without «som» («fortrinn vi kan byggje
# på», «strengths we can build on»); after a verb or one of these adverbs it does not («Vi har
# allerede vi har …» is a seam).
_ADVERBS = r"(?:allerede|allereie|også|òg|særlig|særleg|ikke|ikkje|gjerne|bare|berre|already|also|only)"
_NO_SOM = re.compile(rf"\b(?!{_ADVERBS}\b)([^\W\d_]+) (?={_SUBJECT}\b)", re.IGNORECASE)
_QUOTED = re.compile(r"«[^»]*»")
_GAP = re.compile(r"\[(?:Mangler|Manglar|Missing): [^\]]*\]")
_AND = re.compile(r"\s(?:og|and)\s", re.IGNORECASE)
_DO_SUPPORT = re.compile(r"\b(?:do|does|did)\b", re.IGNORECASE)  # «does this group have»: one finite verb
_DOUBLED = re.compile(r"\b([^\W\d_]{2,})\s+\1\b", re.IGNORECASE)
_COLON = re.compile(r"(?<!\d):(?!\d)")


def seam_kinds(sentence: str) -> list[str]:
    """What is wrong with one sentence: a verb followed by a finite clause, two main clauses
    joined by «og» without a comma, a doubled word, or two colons («: …:»)."""
    found = []
    sentence = _GAP.sub("[]", sentence)  # a gap marker is not the draft's prose
    if _DOUBLED.search(sentence):
        found.append("doubled word")
    if len(_COLON.findall(sentence)) >= 2:
        found.append("two colons")
    unquoted = _QUOTED.sub("«»", sentence)  # a quotation is the user's, as they said it
    marked = _NO_SOM.sub(lambda m: m.group(0) if _FINITE.fullmatch(m.group(1)) else f"{m.group(1)} | ", unquoted)
    for segment in _BOUNDARY.split(marked):
        if not segment or _DO_SUPPORT.search(segment):
            continue
        parts = [p.strip() for p in _AND.split(segment)]
        # «… er pendlerne og ungdommen må med»: a second clause with its own subject, no comma
        if len(parts) > 1 and _FINITE.search(parts[0]) and any(
                _FINITE.search(p) and not _FINITE.match(p) for p in parts[1:]):
            found.append("clauses joined by og without a comma")
        elif len(_FINITE.findall(segment)) >= 2 and not any(_FINITE.match(p) for p in parts[1:]):
            found.append("finite clause after a verb")
    return sorted(set(found))


def _plain(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def seams(document: Document, own_words: list[str]) -> list[str]:
    """The seams in the document's sentences; a sentence that is the user's own words, as they
    wrote them, is theirs and not counted."""
    mine = [_plain(w) for w in own_words if w]
    found = []
    for sentence in said(document):
        plain = _plain(sentence)
        if any(plain and plain in words for words in mine):
            continue
        found += [f"{kind}: {sentence}" for kind in seam_kinds(sentence)]
    return found


def own_words(data: dict) -> list[str]:
    """Every text the user wrote on the canvas."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [w for value in data.values() for w in own_words(value)]
    if isinstance(data, list):
        return [w for value in data for w in own_words(value)]
    return []


def answered(spec: dict) -> Canvas:
    """The canvas after the user gave the workshop's status questions their answers."""
    canvas = Canvas.model_validate(spec["canvas"])
    for path, text in spec.get("answers", {}).items():
        kind = kind_of(path)
        canvas = kind.apply(canvas, path, kind.read_answer(text, Context.of(canvas)))
    return canvas


@dataclass
class RealRow:
    canvas: str
    lang: str
    well_filled: bool
    seams: list[str]
    lost: list[str]  # names and numbers not kept exactly
    seeded: list[str]
    missed: list[str]
    false_alarms: list[str]
    theme_example: bool

    @property
    def ok(self) -> bool:
        return not (self.seams or self.lost or self.missed or self.false_alarms) and self.theme_example


def measure_real(spec: dict) -> RealRow:
    canvas = answered(spec)
    lang = canvas.language
    words = own_words(spec["canvas"]) + list(spec.get("answers", {}).values())
    texts, found = [], []
    for kind in drafts.KINDS:
        document = drafts.compose(canvas, kind, lang)
        found += seams(document, words)
        texts.append(drafts.render(canvas, kind, lang))
    everything = "\n".join(texts)
    numbers = {n for w in words for n in re.findall(r"\d[\d.,:/ ]*\d|\d", w)}
    lost = [k for k in spec["keep"] if k not in everything]
    lost += [f"number {n}" for n in sorted(numbers) if n not in everything and n.replace(" ", " ") not in everything]
    findings = critic.check(canvas)
    serious = [f for f in findings if f.severity in ("mangler", "advarsel")]
    _caught, missed = weaknesses(spec, canvas)
    theme_ok = True
    if spec.get("theme_example"):
        code, word = spec["theme_example"]
        theme_ok = any(f.code == code and word in f.message for f in findings)
    return RealRow(spec["name"], lang, spec["well_filled"], found, lost, spec["seeded"], missed,
                   [f"{f.code} ({f.field})" for f in serious] if spec["well_filled"] else [], theme_ok)


def _figures(said_yes: list[tuple[dict, bool]]) -> dict:
    tp = sum(1 for i, yes in said_yes if yes and i["positive"])
    fp = sum(1 for i, yes in said_yes if yes and not i["positive"])
    fn = sum(1 for i, yes in said_yes if not yes and i["positive"])
    return {"recall": tp / max(1, tp + fn), "precision": tp / max(1, tp + fp)}


def rule_figures(situations: meaning.Situations) -> list[dict]:
    """Per critic rule and half: recall and precision on the paraphrase set, also per language."""
    items = json.loads(PARAPHRASES.read_text(encoding="utf-8"))["items"]
    rows = []
    for rule, test in critic.RULE_TESTS.items():
        for split in ("dev", "test"):
            chosen = [i for i in items if i["rule"] == rule and i["split"] == split]
            said_yes = [(i, test(i["text"], situations)) for i in chosen]
            rows.append({"rule": rule, "split": split, "n": len(chosen), **_figures(said_yes),
                         "languages": {lang: _figures([(i, yes) for i, yes in said_yes if i["lang"] == lang])
                                       for lang in ("nb", "nn", "en")},
                         "errors": [i["text"] for i, yes in said_yes if yes != i["positive"]]})
    return rows


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

    real = [measure_real(spec) for spec in json.loads(REAL_CANVASES.read_text(encoding="utf-8"))["canvases"]]
    rules = rule_figures(meaning.default())
    rules_ok = all(r["recall"] >= GOAL and r["precision"] >= GOAL for r in rules if r["split"] == "test")
    ok = all(r.ok for r in rows + others) and not any(c["missed"] for c in caught_report) \
        and all(r.ok for r in real) and rules_ok
    if args.json:
        json.dump({"drafts": [asdict(r) for r in rows], "other_languages": [asdict(r) for r in others],
                   "weaknesses": caught_report, "real_canvases": [asdict(r) for r in real], "rules": rules,
                   "ok": ok}, sys.stdout, ensure_ascii=False, indent=2)
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
    print("\n| canvas | seeded weaknesses | caught by the critic (listed in the «before sending» checklist) |")
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
    print("\nCanvases written as real users write (eval/real_canvases.json; drafts in the canvas' language)\n")
    print("| canvas | seams | names and numbers not kept | seeded weaknesses caught | false alarms "
          "(well-filled) | example fits the theme |")
    print("|---|---|---|---|---|---|")
    for row in real:
        caught = f"{len(row.seeded) - len(row.missed)}/{len(row.seeded)}" + (
            f" (missed: {', '.join(row.missed)})" if row.missed else "")
        alarms = (str(len(row.false_alarms)) + (f" ({', '.join(row.false_alarms)})" if row.false_alarms else "")
                  ) if row.well_filled else "–"
        print(f"| {row.canvas} | {len(row.seams)} | {'; '.join(row.lost) or 0} | {caught} | {alarms} "
              f"| {'yes' if row.theme_example else 'NO'} |")
    for row in real:
        for seam in row.seams:
            print(f"  seam in {row.canvas}: {seam}")
    print("\nCritic rules on the paraphrase set (nb, nn, en; tuned on dev only; goal on test: recall and "
          f"precision ≥ {GOAL})\n")
    print("| rule | dev recall | dev precision | test recall | test precision | test wordings "
          "| test recall / precision nb · nn · en |")
    print("|---|---|---|---|---|---|---|")
    by_rule = {(r["rule"], r["split"]): r for r in rules}
    for rule in critic.RULE_TESTS:
        dev, test = by_rule[rule, "dev"], by_rule[rule, "test"]
        per_lang = " · ".join(f"{f['recall']:.2f} / {f['precision']:.2f}" for f in test["languages"].values())
        print(f"| {rule} | {dev['recall']:.2f} | {dev['precision']:.2f} | {test['recall']:.2f} "
              f"| {test['precision']:.2f} | {test['n']} | {per_lang} |")
    print("\nAll targets met." if ok else "\nSome targets were missed.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
