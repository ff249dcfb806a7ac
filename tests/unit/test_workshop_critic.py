"""The quality check: a good canvas passes; each bad canvas gets the finding it deserves."""

from __future__ import annotations

import json
import re

import pytest
from test_workshop_canvas import good_canvas

from assistant.workshop import critic
from assistant.workshop.canvas import Canvas, set_field


def codes(findings) -> dict[str, critic.Finding]:
    return {f.code: f for f in findings}


def with_(canvas: Canvas, **paths) -> Canvas:
    for path, value in paths.items():
        canvas = set_field(canvas, path.replace("__", "."), value)
    return canvas


def test_good_canvas_has_no_problems():
    findings = critic.check(good_canvas())
    assert [f for f in findings if f.severity in ("mangler", "advarsel")] == []


def test_findings_are_serialisable_and_sorted():
    canvas = Canvas(owner="x", raw_problem="Vi trenger et kjøpesenter")
    findings = critic.check(canvas)
    data = critic.findings_as_dicts(findings)
    json.dumps(data, ensure_ascii=False)
    assert set(data[0]) == {"criterion", "severity", "field", "message", "code", "label", "source"}
    order = [critic.SEVERITY_ORDER[f.severity] for f in findings]
    assert order == sorted(order)
    assert all(f.criterion in critic.CRITERIA for f in findings)
    assert critic.summary(findings)["mangler"] >= 3


def test_the_rules_are_one_registry():
    """Each rule is one object: a unique id, a known criterion, canvas fields it reads, and
    messages that exist in every language; the measured one-text tests come from the rules."""
    from assistant.catalog import BUILT_IN
    from assistant.workshop.canvas import get_field

    ids = [r.id for r in critic.RULES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    canvas = good_canvas()
    for rule in critic.RULES:
        assert rule.criterion in critic.CRITERIA and rule.severity in critic.SEVERITY_ORDER
        assert rule.reads, rule.id
        for path in rule.reads:
            get_field(canvas, path)  # raises for a field the canvas does not have
        for lang in ("nb", "nn", "en"):
            messages = BUILT_IN.workshop("messages", lang)
            assert all(key in messages for key in rule.message_keys), (rule.id, lang)
    assert set(critic.RULE_TESTS) == {"solution_named", "decision_not_made", "money_uncertain",
                                      "budget_no_fee", "criterion_unmeasurable"}
    assert {f.code for f in critic.check(Canvas(owner="x"))} <= {r.finding_code for r in critic.RULES}


def test_solution_as_challenge():
    canvas = with_(good_canvas(), raw_problem="Vi trenger et nytt kulturhus",
                   need__statement="Kommunen må bygge et kjøpesenter")
    found = codes(critic.check(canvas))
    raw, need = found["solution_raw_problem"], found["solution_need"]
    assert raw.severity == need.severity == "mangler"
    assert raw.criterion == "behov-ikke-løsning" and raw.field == "raw_problem"
    assert "«et nytt kulturhus»" in raw.message
    assert need.field == "need.statement" and "«bygge et kjøpesenter»" in need.message


def test_reframing_that_names_a_solution():
    canvas = with_(good_canvas(), reframing_to="en ny app for unge")
    finding = codes(critic.check(canvas))["solution_reframing"]
    assert finding.severity == "mangler" and finding.field == "reframing_to"


def test_no_evidence():
    finding = codes(critic.check(with_(good_canvas(), need__evidence=[])))["no_evidence"]
    assert (finding.criterion, finding.severity, finding.field) == ("innsikt", "mangler", "need.evidence")
    assert "SSB" in finding.message and "innbyggerundersøkelse" in finding.message


@pytest.mark.parametrize("backing", ["", "Nei, ikke behandlet politisk ennå", "ikke ennå"])
def test_no_political_backing(backing):
    finding = codes(critic.check(with_(good_canvas(), forankring__political_backing=backing)))["no_political"]
    assert (finding.criterion, finding.severity) == ("forankring", "mangler")
    assert finding.field == "forankring.political_backing"
    assert "vedtak" in finding.message


@pytest.mark.parametrize("informed", [None, False])
def test_county_council_not_informed(informed):
    finding = codes(critic.check(with_(good_canvas(), forankring__county_council_informed=informed)))[
        "county_not_informed"]
    assert (finding.criterion, finding.severity) == ("forankring", "advarsel")


@pytest.mark.parametrize("percent, code", [(10, "resource_range"), (50, "resource_range"), (None, "resource_missing")])
def test_project_resource_outside_20_to_30(percent, code):
    finding = codes(critic.check(with_(good_canvas(), forankring__project_resource_percent=percent)))[code]
    assert finding.severity == "advarsel" and finding.criterion == "engasjement"
    assert finding.label == "Prosjektressurs"
    if percent is not None:
        assert f"{percent} %" in finding.message
    for ok in (20, 25, 30):
        assert not {"resource_range", "resource_missing"} & set(codes(critic.check(
            with_(good_canvas(), forankring__project_resource_percent=ok))))


@pytest.mark.parametrize("question", [
    "Hvordan kan vi gjøre Vang mer attraktiv?",
    "Hvordan kan vi gjøre det bedre?",
    "Hvordan kan vi utvikle kommunen?",
    "How might we make it better?",
])
def test_hkv_too_broad(question):
    finding = codes(critic.check(with_(good_canvas(), hkv_questions=[question])))["hkv_too_broad"]
    assert (finding.severity, finding.criterion, finding.field) == ("advarsel", "innovasjonspotensial",
                                                                   "hkv_questions.0")
    assert question in finding.message


def test_hkv_without_target_group():
    canvas = with_(good_canvas(), hkv_questions=["Hvordan kan vi skape mer liv i sentrum etter klokka fire?"])
    finding = codes(critic.check(canvas))["hkv_no_group"]
    assert finding.severity == "advarsel" and "unge voksne" in finding.message


@pytest.mark.parametrize("question, phrase", [
    ("Hvordan kan vi få unge voksne til å bli ved å bygge et ungdomshus?", "bygge et ungdomshus"),
    ("Hvordan kan vi lage en app for unge voksne?", "lage en app"),
    ("Hvordan kan vi samle unge voksne i sentrum gjennom å lage flere arrangementer?", "gjennom å"),
    ("How might we keep young adults here by building a youth centre?", "building a youth centre"),
])
def test_hkv_already_containing_the_answer(question, phrase):
    finding = codes(critic.check(with_(good_canvas(), hkv_questions=[question])))["hkv_has_answer"]
    assert (finding.severity, finding.criterion) == ("mangler", "behov-ikke-løsning")
    assert f"«{phrase}»" in finding.message


def test_missing_hkv():
    assert codes(critic.check(with_(good_canvas(), hkv_questions=[])))["hkv_missing"].severity == "advarsel"


def test_insight_and_engagement_rules():
    canvas = with_(good_canvas(), target_groups=[{"name": "Unge voksne"}], personas=[],
                   resident_input={"kritikk": [], "positivitet": [], "drommen": [], "virkeliggjoring": []})
    found = codes(critic.check(canvas))
    assert found["few_target_groups"].severity == "advarsel" and "(dere har 1)" in found["few_target_groups"].message
    assert found["no_personas"].severity == "info"
    assert found["no_resident_input"].severity == "advarsel"
    assert found["no_resident_input"].criterion == "engasjement"


def test_actor_rules():
    only_internal = [{"name": "Planavdelingen", "category": "internal_plan"}]
    found = codes(critic.check(with_(good_canvas(), actors=only_internal)))
    assert found["no_youth"].criterion == "engasjement" and found["no_youth"].severity == "advarsel"
    assert found["no_business"].criterion == "aktører" and found["no_business"].severity == "advarsel"
    assert found["no_residents"].criterion == "aktører"
    # Category "other" is re-read from the name.
    named = [{"name": "Ungdomsrådet"}, {"name": "Handelsstanden"}, {"name": "Grendelaget"}]
    found = codes(critic.check(with_(good_canvas(), actors=named)))
    assert not {"no_youth", "no_business", "no_residents"} & set(found)
    assert "no_actors" in codes(critic.check(with_(good_canvas(), actors=[])))


def test_principles_sustainability_and_transfer():
    canvas = with_(good_canvas(), principles=[{"name": "Tenk helhetlig"}], sustainability="",
                   scenario_2030="Folk på torget.", vision="Et levende sentrum.", transfer_value="",
                   success_criteria=["Flere folk i sentrum"])
    found = codes(critic.check(canvas))
    assert found["few_principles"].severity == "advarsel" and "(dere har 1)" in found["few_principles"].message
    assert found["no_sustainability"].severity == "info" and found["no_sustainability"].criterion == "bærekraft"
    assert found["no_transfer"].severity == "info" and found["no_transfer"].criterion == "overføringsverdi"
    # A climate principle, or transfer words in the vision, are enough.
    climate = with_(canvas, principles=[{"name": "Prioriter klima og miljø"}])
    assert "no_sustainability" not in codes(critic.check(climate))
    shared = with_(canvas, vision="En modell for andre kommuner med tomme sentrum.")
    assert "no_transfer" not in codes(critic.check(shared))
    joint = with_(canvas, partners=["Sørbygda"])
    assert "no_transfer" not in codes(critic.check(joint))
    five = with_(good_canvas(), principles=[{"name": str(n)} for n in range(1, 6)])
    assert codes(critic.check(five))["many_principles"].severity == "info"


def test_messages_follow_the_canvas_language():
    empty_nn = Canvas(owner="x", language="nn", raw_problem="Sentrum er daudt")
    messages = {f.code: f.message for f in critic.check(empty_nn)}
    assert messages["no_political"].startswith("Utfordringa må vere politisk forankra.")
    assert "kommuneplanen" in messages["no_evidence"]
    empty_en = Canvas(owner="x", language="en", raw_problem="The centre is dead")
    messages = {f.code: f.message for f in critic.check(empty_en)}
    assert messages["no_political"].startswith("The challenge must have political backing.")


class FakeChat:
    def __init__(self, reply):
        self.reply = reply
        self.calls = 0

    def invoke(self, messages):
        self.calls += 1
        if isinstance(self.reply, Exception):
            raise self.reply
        return type("Message", (), {"content": self.reply})()


def test_llm_findings_are_validated():
    reply = ('Her er funnene:\n```json\n[{"criterion": "overføringsverdi", "severity": "info", '
             '"field": "transfer_value", "message": "Nevn nabokommunene."}, '
             '{"criterion": "ukjent", "severity": "info", "message": "dropp meg"}, '
             '{"criterion": "innsikt", "severity": "kritisk", "message": "dropp meg også"}]\n```')
    model = FakeChat(reply)
    findings = critic.llm_findings(good_canvas(), model)
    assert model.calls == 1
    assert [(f.criterion, f.source, f.code) for f in findings] == [("overføringsverdi", "llm", "llm")]


@pytest.mark.parametrize("reply", ["beklager, jeg kan ikke", '{"findings": "nei"}', RuntimeError("nede"), ""])
def test_failing_llm_is_ignored(reply):
    assert critic.llm_findings(good_canvas(), FakeChat(reply)) == []


def test_no_llm_no_findings():
    assert critic.llm_findings(good_canvas(), None) == []


# -- the jury's reading, rule by rule, in Bokmål, Nynorsk and English -------------------------------

LANGS = ["nb", "nn", "en"]
NEXT_STEP = {"nb": ("Skriv", "Snakk", "Ta"), "nn": ("Skriv", "Snakk", "Ta"), "en": ("Write", "Talk", "Take")}


def jury(lang: str, **paths) -> dict[str, critic.Finding]:
    return codes(critic.check(with_(good_canvas(lang), **paths)))


def says_what_to_do(finding: critic.Finding, lang: str) -> bool:
    return any(re.search(rf"\b{verb}\b", finding.message, re.IGNORECASE) for verb in NEXT_STEP[lang])


@pytest.mark.parametrize("lang, text, phrase", [
    ("nb", "Formannskapet skal behandle saken 15. januar.", "skal behandle"),
    ("nb", "Vi planlegger å legge saken fram for kommunestyret i mars.", "planlegger å"),
    ("nn", "Formannskapet skal handsame saka 15. januar.", "skal handsame"),
    ("nn", "Vi planlegg å leggje saka fram for kommunestyret i mars.", "planlegg å"),
    ("en", "The executive committee will consider the matter on 15 January.", "will consider"),
    ("en", "We plan to present it to the council in March.", "plan to"),
])
def test_pending_political_decision(lang, text, phrase):
    finding = jury(lang, forankring__political_backing=text)["pending_decision"]
    assert (finding.criterion, finding.severity, finding.field) == ("forankring", "advarsel",
                                                                   "forankring.political_backing")
    assert finding.label == {"nb": "Politisk forankring", "nn": "Politisk forankring",
                             "en": "Political backing"}[lang]
    assert phrase in finding.message and says_what_to_do(finding, lang)
    assert "no_political" not in jury(lang, forankring__political_backing=text)


@pytest.mark.parametrize("lang, text, phrase", [
    ("nb", "Vi håper fylkeskommunen dekker halve deltakeravgiften.", "håper"),
    ("nb", "Vi søker om tilskudd fra fylkeskommunen.", "søker om"),
    ("nb", "Medfinansieringen er ikke avklart.", "ikke avklart"),
    ("nn", "Vi håpar fylkeskommunen dekkjer halve deltakaravgifta.", "håpar"),
    ("nn", "Vi søkjer om tilskot frå fylkeskommunen.", "søkjer om"),
    ("nn", "Finansieringa er ikkje avklart.", "ikkje avklart"),
    ("en", "We hope the county council will pay half the fee.", "hope"),
    ("en", "We are applying for a county grant.", "applying for"),
])
def test_uncertain_money(lang, text, phrase):
    finding = jury(lang, forankring__cofinancing=text)["uncertain_money"]
    assert (finding.criterion, finding.field) == ("forankring", "forankring.cofinancing")
    assert finding.label in ("Finansiering", "Funding")
    assert f"«{phrase}»" in finding.message or f"“{phrase}”" in finding.message
    assert says_what_to_do(finding, lang)
    assert "uncertain_money" not in jury(lang, forankring__cofinancing="Fylkeskommunen dekker 100 000 kr (vedtatt 3. "
                                                                       "mars).")


@pytest.mark.parametrize("lang, who", [("nb", "Alle"), ("nb", "alle innbyggere"), ("nn", "alle innbyggjarane"),
                                       ("en", "Everyone")])
def test_vague_who(lang, who):
    finding = jury(lang, need__who=[who])["vague_who"]
    assert (finding.criterion, finding.field) == ("innsikt", "need.who")
    assert f"«{who}»" in finding.message or f"“{who}”" in finding.message
    assert says_what_to_do(finding, lang)
    assert "vague_who" not in jury(lang, need__who=["alle unge voksne som pendler", "barnefamilier"])
    assert jury(lang, target_groups=[{"name": who}, {"name": "Unge voksne"}])["vague_who"].field == "target_groups"


@pytest.mark.parametrize("lang, text", [("nb", "Folketallet har gått ned 8 % siden 2012"),
                                        ("nn", "Folketalet har gått ned 8 % sidan 2012"),
                                        ("en", "Population down 8 % since 2012")])
def test_evidence_without_a_source(lang, text):
    evidence = [{"kind": "statistics", "text": text},
                {"kind": "tried", "text": "Vi prøvde en pop-up-kafé i 2021"}]
    finding = jury(lang, need__evidence=evidence)["evidence_no_source"]
    assert (finding.criterion, finding.field) == ("innsikt", "need.evidence")
    assert text in finding.message and ("SSB: …" in finding.message or "Statistics Norway: …" in finding.message)
    sourced = [{"kind": "statistics", "source": "SSB", "text": text}]
    assert "evidence_no_source" not in jury(lang, need__evidence=sourced)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("percent", [10, 50])
def test_project_resource_outside_the_range_in_every_language(lang, percent):
    finding = jury(lang, forankring__project_resource_percent=percent)["resource_range"]
    assert f"{percent} %" in finding.message and "20–30 %" in finding.message and says_what_to_do(finding, lang)


@pytest.mark.parametrize("lang, question, phrase", [
    ("nb", "Hvordan kan vi få unge voksne til å bli ved å bygge et ungdomshus?", "bygge et ungdomshus"),
    ("nn", "Korleis kan vi få unge vaksne til å bli ved å byggje eit ungdomshus?", "byggje eit ungdomshus"),
    ("en", "How might we keep young adults here by building a youth centre?", "building a youth centre"),
])
def test_hkv_that_names_a_solution(lang, question, phrase):
    finding = jury(lang, hkv_questions=[question])["hkv_has_answer"]
    assert finding.label == {"nb": "«Hvordan kan vi …?»-spørsmål", "nn": "«Korleis kan vi …?»-spørsmål",
                             "en": "“How might we …?” questions"}[lang]
    assert phrase in finding.message and ("Ta ut" in finding.message or "Take the solution out" in finding.message)


def test_plan_and_naering_count_where_they_were_said():
    only_plan = [{"name": "Planavdelingen", "category": "internal_plan"},
                 {"name": "Ungdomsrådet", "category": "youth"}, {"name": "Handelsstanden"}, {"name": "Grendelaget"}]
    canvas = with_(good_canvas(), actors=only_plan,
                   forankring__administrative_backing="Kommunedirektøren eier prosjektet, og næringssjefen er med.")
    assert critic.plan_and_naering(canvas) == {"plan": ["Planavdelingen"], "naering": ["næringssjefen"]}
    assert not {"no_plan", "no_naering"} & set(codes(critic.check(canvas)))
    silent = with_(canvas, forankring__administrative_backing="Kommunedirektøren eier prosjektet.",
                   contact_role="Rådgiver")
    finding = codes(critic.check(silent))["no_naering"]
    assert finding.field == "forankring.administrative_backing" and "næringssjefen" in finding.message


@pytest.mark.parametrize("lang", LANGS)
def test_findings_name_fields_by_label_and_say_what_to_do(lang):
    findings = critic.check(Canvas(owner="x", language=lang, raw_problem="Vi trenger et kjøpesenter",
                                   need={"who": ["alle"], "evidence": [{"text": "40 % er over 67 år"}]},
                                   forankring={"political_backing": "skal behandles i januar",
                                               "cofinancing": "vi håper på fylket", "project_resource_percent": 5}))
    internal = {f.field for f in findings}
    for finding in findings:
        assert finding.label and finding.label not in internal and "." not in finding.label
        assert not any(path in finding.message for path in internal if "." in path or "_" in path)
    assert {"pending_decision", "uncertain_money", "vague_who", "evidence_no_source", "resource_range",
            "solution_raw_problem"} <= {f.code for f in findings}
