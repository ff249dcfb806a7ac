"""Rule parsing of free-text answers (no language model)."""

from __future__ import annotations

import pytest

from assistant.workshop.fields import KINDS, Context
from assistant.workshop.parsing import (
    classify_actor,
    classify_evidence,
    has_source,
    merge_actors,
    named_roles,
    needs_source,
    normalize_hkv,
    parse_actors,
    parse_evidence,
    parse_from_to,
    parse_hkv,
    parse_percent,
    parse_personas,
    parse_principles,
    parse_target_groups,
    parse_yes_no,
    split_items,
    written_items,
)


@pytest.mark.parametrize("text, expected", [
    ("- Unge voksne\n- Barnefamilier\n* Pendlere", ["Unge voksne", "Barnefamilier", "Pendlere"]),
    ("1. Lite penger\n2) Eiere som ikke vil leie ut\n3. Lang reisevei",
     ["Lite penger", "Eiere som ikke vil leie ut", "Lang reisevei"]),
    ("• fjellet\n• dugnadskultur", ["fjellet", "dugnadskultur"]),
    ("tomme lokaler; kommunal tomt; aktiv næringsforening", ["tomme lokaler", "kommunal tomt",
                                                             "aktiv næringsforening"]),
    ("Unge voksne, barnefamilier og pendlere", ["Unge voksne", "barnefamilier", "pendlere"]),
    ("young adults, families and commuters", ["young adults", "families", "commuters"]),
    ("Butikker legger ned. Unge flytter ut.", ["Butikker legger ned", "Unge flytter ut"]),
    ("naturen\n\nfolka\n", ["naturen", "folka"]),
    ("A\nA\na", ["A"]),
    ("", []),
    ("   ", []),
])
def test_split_items(text, expected):
    assert split_items(text) == expected


def test_split_items_keeps_a_sentence_with_a_comma_whole():
    text = "Sentrum er tomt etter klokka fire fordi butikkene stenger, og det er ingen kafeer eller benker"
    assert split_items(text) == [text]


@pytest.mark.parametrize("text", [
    "Et levende sentrum med kafé, bibliotek og kontorfellesskap",
    "Eit levande sentrum med kafé, bibliotek og kontorfellesskap",
    "A lively centre with a café, library and shared offices",
])
def test_a_list_that_a_preposition_takes_stays_one_item(text):
    """Issue 25: the answer came back as «Et levende sentrum med kafé; bibliotek og kontorfellesskap»."""
    assert split_items(text) == [text]


@pytest.mark.parametrize("text, expected", [
    # Issue 25: a sentence or phrase with commas or semicolons is one item, in every language.
    ("Et levende sentrum med kafé; bibliotek og kontorfellesskap",
     ["Et levende sentrum med kafé; bibliotek og kontorfellesskap"]),
    ("Unge vaksne, barnefamiliar og pendlarar", ["Unge vaksne, barnefamiliar og pendlarar"]),
    ("Businesses lose workers, the school loses pupils; the shop closes.",
     ["Businesses lose workers, the school loses pupils; the shop closes"]),
    # One item per line, bullet or number the user wrote.
    ("- Unge voksne\n- Barnefamilier\n* Pendlere", ["Unge voksne", "Barnefamilier", "Pendlere"]),
    ("1) For få bustader\n2) Lite arbeid\n\n3) Lang veg", ["For få bustader", "Lite arbeid", "Lang veg"]),
    ("1. Too few homes 2. Few jobs 3. Long way to school", ["Too few homes", "Few jobs", "Long way to school"]),
    ("• fjellet • dugnadskultur", ["fjellet", "dugnadskultur"]),
    ("naturen\nfolka,\nfjorden;", ["naturen", "folka", "fjorden"]),
    # A number inside a sentence is no list.
    ("Vi prøvde i 2. klasse, 3. og 4. trinn", ["Vi prøvde i 2. klasse, 3. og 4. trinn"]),
    # A wrapped line goes on; a lead-in to bullets is no item.
    ("- Unge som har flyttet ut og\n  vil tilbake\n- Eldre", ["Unge som har flyttet ut og vil tilbake", "Eldre"]),
    ("Tourists come in summer but\nit is dead in winter", ["Tourists come in summer but it is dead in winter"]),
    ("Dette merkar vi:\n- tomme lokale\n- få folk", ["tomme lokale", "få folk"]),
    # Bullets on some lines only: each line is still an item.
    ("Unge voksne\n- Butikkeierne\nEldre som bor alene", ["Unge voksne", "Butikkeierne", "Eldre som bor alene"]),
    ("A\na\n-  \n", ["A"]),
    ("", []),
])
def test_written_items_are_kept_as_the_user_wrote_them(text, expected):
    assert written_items(text) == expected


@pytest.mark.parametrize("lang, text, said", [
    ("nb", "Lokaler står tomme\nUnge flytter\nFå arbeidsplasser, særlig for kvinner\nLang vei til sykehus",
     "Jeg noterte fire punkter:"),
    ("nn", "- bustad, jobb og barnehage\n- møteplassar; både ute og inne",
     "Eg noterte to punkt: «bustad, jobb og barnehage»; «møteplassar; både ute og inne»."),
    ("en", "Businesses lose workers, the municipality loses tax income, and the school loses pupils.",
     "I noted one point:"),
])
def test_the_count_said_is_the_number_of_items_written(lang, text, said):
    """Issue 25: «Jeg noterte 6 punkter» was said for four lines."""
    context = Context(lang)
    kind = KINDS["list"]
    assert said in kind.describe(kind.read_answer(text, context), context)


def test_plain_and_is_not_split():
    assert split_items("Plan og næring") == ["Plan og næring"]


@pytest.mark.parametrize("text, expected", [
    ("Fra lav sentrumsaktivitet til stedsidentitet som utgangspunkt for fremtidens bolig- og næringsmodeller",
     ("lav sentrumsaktivitet", "stedsidentitet som utgangspunkt for fremtidens bolig- og næringsmodeller")),
    ("Frå fråflytting til Noregs første digitale tilflyttingskommune",
     ("fråflytting", "Noregs første digitale tilflyttingskommune")),
    ("From skills shortage to cornerstone industry as a starting point.",
     ("skills shortage", "cornerstone industry as a starting point")),
    ("«Fra kompetansemangel til hjørnesteinsindustri»", ("kompetansemangel", "hjørnesteinsindustri")),
    ("Fra: tomt sentrum\nTil: levende møteplass", ("tomt sentrum", "levende møteplass")),
    ("fraflytting → tilflytting", ("fraflytting", "tilflytting")),
    ("Fra tomme lokaler -> til et levende torg", ("tomme lokaler", "et levende torg")),
])
def test_parse_from_to(text, expected):
    assert parse_from_to(text) == expected


@pytest.mark.parametrize("text", ["", "Vi vil ha et levende sentrum", "Fra og med i dag"])
def test_parse_from_to_without_a_pair(text):
    assert parse_from_to(text) is None


@pytest.mark.parametrize("text, lang, expected", [
    ("gjøre sentrum levende for unge voksne", "nb", "Hvordan kan vi gjøre sentrum levende for unge voksne?"),
    ("Hvordan kan vi gjøre sentrum levende.", "nb", "Hvordan kan vi gjøre sentrum levende?"),
    ("hvordan kan vi gjøre sentrum levende???", "nb", "Hvordan kan vi gjøre sentrum levende?"),
    ("Hvordan skal vi få unge til å bli", "nb", "Hvordan kan vi få unge til å bli?"),
    ("HKV: få unge til å bli", "nb", "Hvordan kan vi få unge til å bli?"),
    ("Få unge til å bli", "nn", "Korleis kan vi få unge til å bli?"),
    ("korleis kan vi få unge til å bli", "nn", "Korleis kan vi få unge til å bli?"),
    ("Korleis få unge vaksne til å flytte heim", "nn", "Korleis kan vi få unge vaksne til å flytte heim?"),
    ("make the centre lively for young adults", "en", "How might we make the centre lively for young adults?"),
    ("How can we make the centre lively", "en", "How might we make the centre lively?"),
    ("how might we help commuters stay", "en", "How might we help commuters stay?"),
    ("- å gjøre torget til en møteplass", "nb", "Hvordan kan vi gjøre torget til en møteplass?"),
])
def test_normalize_hkv(text, lang, expected):
    assert normalize_hkv(text, lang) == expected


def test_normalize_hkv_keeps_proper_nouns():
    assert normalize_hkv("Vang sentrum bli et sted for unge", "nb", ["Vang"]) == \
        "Hvordan kan vi Vang sentrum bli et sted for unge?"
    assert normalize_hkv("gjøre SSB-tallene kjent", "nb") == "Hvordan kan vi gjøre SSB-tallene kjent?"


def test_parse_hkv_splits_several_questions():
    text = "Hvordan kan vi få unge til å bli? Hvordan kan vi trekke hyttefolk til sentrum?\n- hjelpe pendlere"
    assert parse_hkv(text, "nb") == [
        "Hvordan kan vi få unge til å bli?",
        "Hvordan kan vi trekke hyttefolk til sentrum?",
        "Hvordan kan vi hjelpe pendlere?",
    ]


@pytest.mark.parametrize("text, expected", [
    ("25 %", 25.0), ("25%", 25.0), ("30 prosent", 30.0), ("20-30 %", 25.0), ("20–30 %", 25.0),
    ("0,25 stilling", 25.0), ("0.2 FTE", 20.0), ("en kvart stilling", 25.0), ("ei kvart stilling", 25.0),
    ("halv stilling", 50.0), ("tjue prosent", 20.0), ("30", 30.0), ("0,3", 30.0),
    ("Ca. 20 prosent av en stilling fra februar", 20.0), ("a quarter of a position", 25.0),
    ("twenty percent", 20.0), ("12,5 %", 12.5),
])
def test_parse_percent(text, expected):
    assert parse_percent(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "ingen", "vet ikke ennå", "250 %"])
def test_parse_percent_none(text):
    assert parse_percent(text) is None


@pytest.mark.parametrize("text, expected", [
    ("Ja", True), ("ja, men bare muntlig", True), ("Jepp", True), ("Selvsagt", True), ("Sjølvsagt", True),
    ("Yes", True), ("Yes, in April", True), ("of course", True),
    ("Fylkeskommunen er orientert", True), ("Vi har informert regionalavdelinga", True),
    ("Formannskapet vedtok i mai", True),
    ("Nei", False), ("nei, ikke ennå", False), ("Ikke ennå", False), ("Ikkje enno", False), ("Enno ikkje", False),
    ("No", False), ("Not yet", False), ("We have not informed them", False), ("Vi har ikkje orientert dei", False),
    ("Vi mangler vedtak", False),
    ("No har vi eit vedtak i formannskapet", True),
    ("Vet ikke", None), ("Veit ikkje", None), ("kanskje", None), ("", None), ("Møte i april", None),
])
def test_parse_yes_no(text, expected):
    assert parse_yes_no(text) is expected


def test_parse_evidence_classifies_kinds():
    items = parse_evidence(
        "SSB: folketallet har gått ned 8 % siden 2012\n"
        "Innbyggerundersøkelsen 2023 viste at 60 % savner en kafé\n"
        "Kommuneplanens samfunnsdel peker på sentrum\n"
        "Vi prøvde en pop-up-butikk i 2021\n"
        "Ordføreren hører det ofte"
    )
    assert [e.kind for e in items] == ["statistics", "survey", "plan", "tried", "other"]
    # A leading source name is the source, never dropped.
    assert (items[0].source, items[0].text) == ("SSB", "folketallet har gått ned 8 % siden 2012")
    assert items[1].source == "" and items[1].text.startswith("Innbyggerundersøkelsen 2023 viste")
    assert classify_evidence("We tried a shuttle bus in 2019") == "tried"
    assert classify_evidence("Resident survey: 6 in 10 miss a café") == "survey"


def test_parse_target_groups_with_and_without_needs():
    groups = parse_target_groups("Unge voksne: møteplasser, jobb med kolleger\nBarnefamilier – trygg skolevei")
    assert [(g.name, g.needs) for g in groups] == [
        ("Unge voksne", ["møteplasser", "jobb med kolleger"]),
        ("Barnefamilier", ["trygg skolevei"]),
    ]
    plain = parse_target_groups("unge voksne, barnefamilier og hyttefolk")
    assert [g.name for g in plain] == ["unge voksne", "barnefamilier", "hyttefolk"]
    assert all(g.needs == [] for g in plain)


def test_parse_personas_labelled_and_loose():
    text = (
        "Navn: Sara\nAlder: 27, sykepleier\nEn dag i livet: Jobber turnus.\n"
        "Motivasjoner: natur, venner\nFrustrasjoner: ingen steder å gå etter jobb\n\n"
        "Ola, 17 år, elev\nTar bussen hjem klokka tre og spiller på nett.\n\n"
        "Name: Amir\nRole: engineer\nMotivations: climbing\n\n"
        "Fjerde person som er for mye"
    )
    personas = parse_personas(text)
    assert len(personas) == 3
    sara, ola, amir = personas
    assert (sara.name, sara.age_role, sara.day_in_life) == ("Sara", "27, sykepleier", "Jobber turnus.")
    assert sara.motivations == ["natur", "venner"] and sara.frustrations == ["ingen steder å gå etter jobb"]
    assert (ola.name, ola.age_role) == ("Ola", "17 år, elev")
    assert ola.day_in_life == "Tar bussen hjem klokka tre og spiller på nett."
    assert (amir.name, amir.age_role, amir.motivations) == ("Amir", "engineer", ["climbing"])


def test_parse_actors_with_categories_and_attribute():
    actors = parse_actors(
        "Næringsforeningen – kjenner butikkeierne\nUngdomsrådet: vet hva unge savner\nFylkeskommunen\n"
        "Velforeningen\nFrivillige lag og foreninger\nOrdføreren\nPlanavdelingen – sentrumsplanen",
        "knows",
    )
    assert [(a.name, a.category) for a in actors] == [
        ("Næringsforeningen", "business"), ("Ungdomsrådet", "youth"), ("Fylkeskommunen", "county_council"),
        ("Velforeningen", "residents"), ("Frivillige lag og foreninger", "volunteers"),
        ("Ordføreren", "internal_political"), ("Planavdelingen", "internal_plan"),
    ]
    assert actors[0].knows == "kjenner butikkeierne" and actors[2].knows == ""
    assert classify_actor("Local shops") == "business" and classify_actor("Youth council") == "youth"


def test_merge_actors_by_name():
    first = parse_actors("Næringsforeningen – kjenner butikkene", "knows")
    second = parse_actors("næringsforeningen – kan skaffe lokaler\nUngdomsrådet", "contributes")
    merged = merge_actors(first, second)
    assert [a.name for a in merged] == ["Næringsforeningen", "Ungdomsrådet"]
    assert merged[0].knows == "kjenner butikkene" and merged[0].contributes == "kan skaffe lokaler"


@pytest.mark.parametrize("text, expected", [
    ("Sett innbyggerne i sentrum: fordi løsningen må starte med folk\nKlima og miljø – bruke det som finnes\n4",
     [("Sett innbyggerne i sentrum", "løsningen må starte med folk"),
      ("Prioriter klima og miljø", "bruke det som finnes"),
      ("Vektlegg inkludering og samskaping", "")]),
    ("1, 3 og 4", [("Sett innbyggerne i sentrum", ""), ("Prioriter klima og miljø", ""),
                   ("Vektlegg inkludering og samskaping", "")]),
    ("Tenk heilheitleg fordi alt heng saman", [("Tenk helhetlig", "alt heng saman")]),
    ("Open data because others can build services", [("Del og ta i bruk åpne data", "others can build services")]),
])
def test_parse_principles(text, expected):
    assert [(p.name, p.why) for p in parse_principles(text)] == expected


@pytest.mark.parametrize("line, kind, source, text", [
    ("SSB: folketallet har gått ned 8 % siden 2012", "statistics", "SSB", "folketallet har gått ned 8 % siden 2012"),
    ("Innbyggerundersøkelsen 2023: 6 av 10 savner et sted å møtes", "survey", "Innbyggerundersøkelsen 2023",
     "6 av 10 savner et sted å møtes"),
    ("Statistikk: SSB: 40 % er over 67 år", "statistics", "SSB", "40 % er over 67 år"),
    ("Statistikk: folketalet har gått ned", "statistics", "", "folketalet har gått ned"),
    ("Vi prøvde kveldsåpent: det varte i tre uker", "tried", "", "Vi prøvde kveldsåpent: det varte i tre uker"),
    ("Ungdata 2022: 7 av 10 unge vil flytte", "statistics", "Ungdata 2022", "7 av 10 unge vil flytte"),
    ("Statistics Norway: population down 8 % since 2012", "statistics", "Statistics Norway",
     "population down 8 % since 2012"),
])
def test_evidence_keeps_its_source(line, kind, source, text):
    (item,) = parse_evidence(line)
    assert (item.kind, item.source, item.text) == (kind, source, text)


def test_which_evidence_needs_a_source():
    statistic, tried, sourced, inline, plan = parse_evidence(
        "Folketallet har gått ned 8 % siden 2012\nVi prøvde kveldsåpent i 2022\nSSB: 40 % er over 67 år\n"
        "Ifølge Ungdata vil 7 av 10 flytte\nKommuneplanen peker på sentrum")
    assert needs_source(statistic) and not has_source(statistic)
    assert not needs_source(tried) and not needs_source(plan)
    assert has_source(sourced) and has_source(inline)


@pytest.mark.parametrize("text, expected", [
    ("Unge voksne, barnefamilier, og pendlere", ["Unge voksne", "barnefamilier", "pendlere"]),
    ("- tomme lokaler og\n- og en aktiv næringsforening", ["tomme lokaler", "en aktiv næringsforening"]),
    ("young adults, families, and commuters", ["young adults", "families", "commuters"]),
])
def test_no_leftover_conjunctions(text, expected):
    assert split_items(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Ungdom som tek vidaregåande, unge vaksne som har flytta ut og bedriftene som manglar folk",
     ["Ungdom som tek vidaregåande", "unge vaksne som har flytta ut", "bedriftene som manglar folk"]),
    ("Fjellet, sterke lag og foreiningar, og mange utflytta som framleis har hytte her",
     ["Fjellet", "sterke lag og foreiningar", "mange utflytta som framleis har hytte her"]),
    ("Vi prøvde en pop-up-kafé i 2021, men den stengte etter tre måneder",
     ["Vi prøvde en pop-up-kafé i 2021, men den stengte etter tre måneder"]),
    ("Butikkene stenger tidlig, og det er ingen kafeer", ["Butikkene stenger tidlig, og det er ingen kafeer"]),
])
def test_longer_list_items_split_but_clauses_stay_whole(text, expected):
    assert split_items(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Vestbygd og Austbygd", ["Vestbygd", "Austbygd"]),
    ("Nore og Uvdal", ["Nore", "Uvdal"]),
    ("Plan og næring", ["Plan og næring"]),
    ("Fylkeskommunen og næringshagen", ["Fylkeskommunen og næringshagen"]),
])
def test_names_joined_by_og_split(text, expected):
    assert split_items(text) == expected


def test_roles_named_in_free_text():
    assert named_roles("Kommunedirektøren eier prosjektet, og næringssjefen er med.") == {"naering": ["næringssjefen"]}
    assert named_roles("Arealplanleggeren og næringsrådgiveren deltar") == {
        "plan": ["Arealplanleggeren"], "naering": ["næringsrådgiveren"]}
    assert named_roles("Ny sentrumsplan skal vedtas") == {}
