"""WorkshopService behaviour, one turn at a time (SQLite in tmp_path, fake language models)."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
from test_workshop_canvas import good_canvas

from assistant.adapters.database import Database
from assistant.workshop.canvas import CanvasImportError, to_json
from assistant.workshop.service import WorkshopError, WorkshopService
from assistant.workshop.store import CanvasNotFound, CanvasStore


class FakeChat:
    """Returns canned replies in order (the last one repeats); an Exception is raised."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.prompts = []

    def invoke(self, messages):
        self.prompts.append(messages)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return type("Message", (), {"content": reply})()


@pytest.fixture
def store(tmp_path):
    return CanvasStore(Database.sqlite(tmp_path / "gnist.sqlite3"))


@pytest.fixture
def service(store):
    return WorkshopService(store, detect_language=lambda text: "nb")


def goto_question(service, canvas, step_id, key):
    reply = service.goto("kari", canvas.id, step_id)
    while reply.question.key != key:
        reply = service.skip("kari", canvas.id, scope="question")
    return reply


def test_start_saves_and_positions_after_the_problem(service, store):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    assert store.get("kari", canvas.id).raw_problem == "Sentrum er dødt etter klokka fire"
    assert (canvas.current_step, canvas.current_question) == ("problem", 1)
    reply = service.current("kari", canvas.id)
    assert reply.message.startswith("Hei! Sammen gjør vi «Sentrum er dødt etter klokka fire» om til en utfordring")
    assert "**Steg 1 av 12: Problemet**" in reply.message
    assert reply.question.key == "need.who" and reply.message.rstrip().endswith("»")
    assert reply.progress.current_number == 1 and reply.progress.percent == 0
    json.dumps(reply.as_dict(), ensure_ascii=False)


def test_start_with_a_solution_pushes_back_in_the_opening(service):
    canvas = service.start("kari", "Vang", "Vi trenger et kjøpesenter")
    assert canvas.current_question == 0 and canvas.solution_ideas == ["et kjøpesenter"]
    reply = service.current("kari", canvas.id)
    assert "«et kjøpesenter» høres ut som en løsning" in reply.message
    assert reply.question.key == "raw_problem"
    reply = service.submit("kari", canvas.id, "Butikkene stenger og unge drar til byen for å handle")
    assert reply.advanced and reply.question.key == "need.who"
    assert reply.canvas.raw_problem == "Butikkene stenger og unge drar til byen for å handle"


def test_detected_language_drives_texts(tmp_path):
    service = WorkshopService(CanvasStore(Database.sqlite(tmp_path / "db.sqlite3")))
    english = service.start("kari", "Vang", "The town centre is dead after four o'clock, and young people move away.")
    assert english.language == "en"
    assert "Step 1 of 12: The problem" in service.current("kari", english.id).message
    nynorsk = service.start("kari", "Vang", "Sentrum er daudt etter klokka fire", language="nn")
    reply = service.current("kari", nynorsk.id)
    assert "Kven merkar problemet?" in reply.message and "Saman gjer vi" in reply.message


def test_solution_in_a_need_field_gets_one_kind_push_back(service):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    goto_question(service, canvas, "behov", "need.statement")
    reply = service.submit("kari", canvas.id, "Vi trenger et kjøpesenter")
    assert not reply.advanced and reply.question.key == "need.statement"
    assert reply.bias and reply.bias[0].kind == "building"
    assert reply.message.startswith("«et kjøpesenter» høres ut som en løsning.")
    assert "idébanken" in reply.message
    assert reply.canvas.solution_ideas == ["et kjøpesenter"]
    # The user insists: the answer is kept as written and the workshop moves on.
    reply = service.submit("kari", canvas.id, "Vi trenger et kjøpesenter, det er det folk vil ha")
    assert reply.advanced and reply.question.key == "need.evidence"
    assert "Jeg lagrer svaret slik du skrev det." in reply.message
    assert reply.canvas.need.statement == "Vi trenger et kjøpesenter, det er det folk vil ha"


def test_solutions_are_welcome_in_the_dream(service):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    goto_question(service, canvas, "innbyggerinnspill", "resident_input.drommen")
    reply = service.submit("kari", canvas.id, "Et nytt kulturhus med kino")
    assert reply.advanced and not reply.bias
    assert reply.canvas.resident_input.drommen == ["Et nytt kulturhus med kino"]


def test_unparseable_answers_are_asked_again_once(service):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    goto_question(service, canvas, "forankring", "forankring.project_resource_percent")
    reply = service.submit("kari", canvas.id, "en del")
    assert not reply.advanced and reply.message.startswith("Jeg fant ikke et tall.")
    reply = service.submit("kari", canvas.id, "tja, vi får se")
    assert reply.advanced and reply.message.startswith("Jeg lar dette stå åpent.")
    assert reply.canvas.forankring.project_resource_percent is None
    reply = service.submit("kari", canvas.id, "Tja")
    assert not reply.advanced and "ja eller nei" in reply.message
    reply = service.submit("kari", canvas.id, "Ja, i april")
    assert reply.canvas.forankring.county_council_informed is True
    assert reply.message.startswith("Takk! Jeg noterte: ja.")


def test_reframing_without_fra_til_is_kept_as_the_opportunity(service):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    service.goto("kari", canvas.id, "fra_til")
    assert "«Fra … til …»" in service.submit("kari", canvas.id, "Et levende sentrum").message
    reply = service.submit("kari", canvas.id, "Et levende sentrum for alle")
    assert reply.canvas.reframing_to == "Et levende sentrum for alle" and reply.canvas.reframing_from == ""
    assert reply.step.id == "hkv"


def test_skip_words_empty_answers_and_none_lists(service):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    reply = service.submit("kari", canvas.id, "   ")
    assert not reply.advanced and reply.message.startswith("Jeg fikk ikke noe svar.")
    reply = service.submit("kari", canvas.id, "Hopp over")
    assert reply.advanced and reply.question.key == "need.consequences" and reply.canvas.need.who == []
    goto_question(service, canvas, "forankring", "partners")
    reply = service.submit("kari", canvas.id, "Nei")
    assert reply.canvas.partners == [] and reply.question.key == "forankring.partners"


def test_skip_step_goto_and_progress(service):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    reply = service.skip("kari", canvas.id)
    assert reply.step.id == "behov" and "vi hopper over «Problemet»" in reply.message
    assert reply.progress.skipped == ["problem"]
    reply = service.goto("kari", canvas.id, "hkv")
    assert reply.message.startswith("Vi går til «Hvordan kan vi …?».") and reply.question.key == "hkv_questions"
    reply = service.submit("kari", canvas.id, "få unge voksne til å møtes i sentrum etter jobb")
    assert reply.canvas.hkv_questions == ["Hvordan kan vi få unge voksne til å møtes i sentrum etter jobb?"]
    reply = service.submit("kari", canvas.id, "Flere folk i sentrum; unge er med")
    assert reply.step.id == "visjon" and "Fint, da er «Hvordan kan vi …?» ferdig." in reply.message
    progress = service.progress("kari", canvas.id)
    statuses = {s["id"]: s["status"] for s in progress.steps}
    assert statuses["problem"] == "skipped" and statuses["hkv"] == "done" and statuses["visjon"] == "current"
    assert progress.completed == ["hkv"] and progress.percent == 8
    with pytest.raises(WorkshopError):
        service.goto("kari", canvas.id, "nonsense")


def test_update_field_parses_strings_and_validates(service):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    updated = service.update_field("kari", canvas.id, "need.who", "unge voksne\npendlere\n- eldre")
    assert updated.need.who == ["unge voksne", "pendlere", "eldre"]
    updated = service.update_field("kari", canvas.id, "forankring.project_resource_percent", "en kvart stilling")
    assert updated.forankring.project_resource_percent == 25
    updated = service.update_field("kari", canvas.id, "reframing", "Fra tomt sentrum til felles stue")
    assert (updated.reframing_from, updated.reframing_to) == ("tomt sentrum", "felles stue")
    updated = service.update_field("kari", canvas.id, "actors", "Næringsforeningen – butikkene\nUngdomsrådet")
    assert [a.category for a in updated.actors] == ["business", "youth"]
    updated = service.update_field("kari", canvas.id, "target_groups", [{"name": "Hyttefolk", "needs": ["nett"]}])
    assert updated.target_groups[0].name == "Hyttefolk"
    with pytest.raises(WorkshopError) as invalid:
        service.update_field("kari", canvas.id, "personas", [{"name": str(i)} for i in range(4)])
    assert "høyst 3" in str(invalid.value)
    with pytest.raises(WorkshopError):
        service.update_field("kari", canvas.id, "forankring.county_council_informed", "tja")
    with pytest.raises(WorkshopError):
        service.update_field("kari", canvas.id, "nope", "x")
    assert service.get("kari", canvas.id).need.who == ["unge voksne", "pendlere", "eldre"]


LLM_GROUPS = json.dumps({"value": [
    {"name": "Unge voksne", "needs": ["møteplasser", "jobb"]},
    {"name": "Barnefamilier", "needs": ["aktiviteter"]},
]}, ensure_ascii=False)


def test_llm_reading_becomes_a_suggestion_not_an_overwrite(store):
    model = FakeChat(f"Her er det:\n```json\n{LLM_GROUPS}\n```")
    service = WorkshopService(store, chat_model=model, detect_language=lambda text: "nb")
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    service.goto("kari", canvas.id, "malgrupper")
    text = "Unge voksne som vil ha møteplasser og jobb, og barnefamilier som vil ha aktiviteter"
    reply = service.submit("kari", canvas.id, text)
    assert reply.advanced and len(reply.suggestions) == 1
    assert "Jeg har laget et forslag" in reply.message
    # The user's own words are on the canvas; the model's structure waits for consent.
    assert [g.name for g in reply.canvas.target_groups] == [text]
    suggestion = reply.suggestions[0]
    assert suggestion.field == "target_groups" and suggestion.value[1]["name"] == "Barnefamilier"
    assert "target_groups" in model.prompts[0][0].content and "Ikke finn på fakta" in model.prompts[0][0].content
    accepted = service.accept_suggestion("kari", canvas.id, suggestion.id)
    assert [g.name for g in accepted.target_groups] == ["Unge voksne", "Barnefamilier"]
    assert accepted.suggestions == []
    with pytest.raises(WorkshopError):
        service.accept_suggestion("kari", canvas.id, suggestion.id)


def test_edited_suggestion_and_rejection(store):
    actors = json.dumps({"value": [{"name": "Næringsforeningen", "category": "business", "knows": "butikkene"},
                                   {"name": "Ungdomsrådet", "category": "youth", "knows": "hva unge vil"}]})
    service = WorkshopService(store, chat_model=FakeChat(actors), detect_language=lambda text: "nb")
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    service.goto("kari", canvas.id, "aktorer")
    reply = service.submit("kari", canvas.id, "næringsforeningen vet om butikkene og ungdomsrådet vet hva unge vil")
    suggestion = reply.suggestions[0]
    assert suggestion.mode == "merge" and suggestion.field == "actors"
    edited = [{"name": "Ungdomsrådet", "category": "youth", "knows": "hva unge savner"}]
    accepted = service.accept_suggestion("kari", canvas.id, suggestion.id, value=edited)
    assert any(a.name == "Ungdomsrådet" and a.knows == "hva unge savner" for a in accepted.actors)
    reply = service.submit("kari", canvas.id, "Gårdeierne – lokaler")
    rejected = service.reject_suggestion("kari", canvas.id, reply.suggestions[0].id)
    assert rejected.suggestions == []


@pytest.mark.parametrize("reply", [RuntimeError("server nede"), "jeg forstår ikke", '{"value": [{"nome": 1}]}',
                                   '{"value": []}'])
def test_failing_llm_falls_back_to_rule_parsing(store, reply):
    service = WorkshopService(store, chat_model=FakeChat(reply), detect_language=lambda text: "nb")
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    service.goto("kari", canvas.id, "malgrupper")
    result = service.submit("kari", canvas.id, "Unge voksne: møteplasser\nBarnefamilier: aktiviteter")
    assert result.advanced and result.suggestions == [] and result.canvas.suggestions == []
    assert [g.name for g in result.canvas.target_groups] == ["Unge voksne", "Barnefamilier"]


def test_llm_reframing_suggestion(store):
    model = FakeChat('{"value": {"from": "tomt sentrum", "to": "felles stue for bygda"}}')
    service = WorkshopService(store, chat_model=model, detect_language=lambda text: "nb")
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    service.goto("kari", canvas.id, "fra_til")
    reply = service.submit("kari", canvas.id, "Fra et tomt sentrum til ei felles stue for bygda")
    assert reply.canvas.reframing_from == "et tomt sentrum"
    accepted = service.accept_suggestion("kari", canvas.id, reply.suggestions[0].id)
    assert (accepted.reframing_from, accepted.reframing_to) == ("tomt sentrum", "felles stue for bygda")


def test_check_draft_export_import(service):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    codes = {f.code for f in service.check("kari", canvas.id)}
    assert {"no_evidence", "no_political"} <= codes
    assert "[Mangler: politisk forankring" in service.draft("kari", canvas.id, "application")
    exported = service.export_json("kari", canvas.id)
    copy = service.import_json("ola", exported)
    assert copy.owner == "ola" and copy.id != canvas.id
    assert service.get("ola", copy.id).raw_problem == canvas.raw_problem
    with pytest.raises(CanvasImportError):
        service.import_json("ola", '{"language": "de"}')
    imported = service.import_json("ola", to_json(good_canvas(owner="someone-else")))
    assert imported.owner == "ola"
    assert [s.id for s in service.list("ola")] == [imported.id, copy.id]
    assert service.delete_all("ola") == 2 and service.list("ola") == []
    with pytest.raises(CanvasNotFound):
        service.get("ola", copy.id)


def test_check_can_add_llm_findings(store):
    model = FakeChat('[{"criterion": "engasjement", "severity": "info", "message": "Inviter hyttefolket."}]')
    service = WorkshopService(store, chat_model=model, detect_language=lambda text: "nb")
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    assert all(f.source == "rule" for f in service.check("kari", canvas.id))
    findings = service.check("kari", canvas.id, use_llm=True)
    assert findings[-1].source == "llm" and findings[-1].message == "Inviter hyttefolket."


def test_inspiration_from_search_once_per_case(store):
    class Hit:
        source = "knowledge/caser/2021-vang.md"
        title = "Vang kommune: Gnist 2021"
        score = 0.9
        locator = "Vang"
        text = "..."
        metadata: ClassVar[dict] = {"type": "case", "municipality": "Vang", "round": "2021",
                    "reframing": "Fra lav sentrumsaktivitet til stedsidentitet"}

    queries = []

    def search(query, k):
        queries.append(query)
        return [Hit()]

    service = WorkshopService(store, search=search, detect_language=lambda text: "nb")
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    reply = service.current("kari", canvas.id)
    assert reply.inspiration[0].municipality == "Vang"
    line = ("Til inspirasjon fra Vang (2021): «Fra lav sentrumsaktivitet til stedsidentitet». "
            "Kilde: Vang kommune: Gnist 2021.")
    assert line in reply.message and "Sentrum er dødt" in queries[0]
    assert "knowledge/" not in reply.message
    assert service.similar("kari", canvas.id)[0].source.endswith("2021-vang.md")
    # The whole session: the same case is never offered twice, in any step or after a reload.
    messages = [reply.message, service.current("kari", canvas.id).message]
    for step in ("fra_til", "hkv", "problem"):
        messages.append(service.goto("kari", canvas.id, step).message)
    while not reply.finished:
        reply = service.skip("kari", canvas.id)
        messages.append(reply.message)
    assert sum(m.count("Til inspirasjon") for m in messages) == 1
    assert service.get("kari", canvas.id).inspiration_shown == [Hit.source]


def test_what_the_canvas_already_has_is_not_asked_again(store):
    service = WorkshopService(store, detect_language=lambda text: "nn")
    canvas = service.start("kari", "Nordal", "Unge flyttar frå bygdene", partners=["Vestbygd", "Austbygd"])
    reply = goto_question(service, canvas, "forankring", "forankring.cofinancing")
    reply = service.submit("kari", canvas.id, "Kommunane betaler ein tredjedel kvar.")
    # The joint municipalities were given at the start; whether each has decided is asked.
    assert reply.question.key == "forankring.partner_backing"
    assert reply.canvas.partners == ["Vestbygd", "Austbygd"]
    reply = service.submit("kari", canvas.id, "Vestbygd: vedteke i formannskapet 3. mars. austbygd skal handsame saka "
                                              "i mai")
    assert reply.question.key == "forankring.partners"
    assert [(p.name, p.status) for p in reply.canvas.forankring.partner_backing] == [
        ("Vestbygd", "decided"), ("Austbygd", "scheduled")]
    # A step opened again on purpose is asked from the top, answered or not.
    service.submit("kari", canvas.id, "Fylkeskommunen")
    service.submit("kari", canvas.id, "Rådgivar")
    assert "forankring" in service.get("kari", canvas.id).completed_steps
    reply = goto_question(service, canvas, "forankring", "forankring.cofinancing")
    assert service.submit("kari", canvas.id, "Kommunane betaler.").question.key == "partners"


def test_an_acknowledged_question_ends_once(store):
    service = WorkshopService(store, detect_language=lambda text: "nb")
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    service.goto("kari", canvas.id, "hkv")
    reply = service.submit("kari", canvas.id, "Hvordan kan vi få unge voksne til å bli i sentrum etter jobb?")
    assert "etter jobb?." not in reply.message and "etter jobb?" in reply.message


def test_acknowledgements_agree_in_number(store):
    for lang, one, two in (("nb", "Jeg noterte ett punkt:", "Jeg noterte to punkter:"),
                           ("nn", "Eg noterte eitt punkt:", "Eg noterte to punkt:"),
                           ("en", "I noted one point:", "I noted two points:")):
        service = WorkshopService(store)
        canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire", language=lang)
        assert one in service.submit("kari", canvas.id, "Unge voksne").message
        assert two in service.submit("kari", canvas.id, "Butikker legger ned\nUnge flytter").message


def test_from_settings_and_current_when_finished(tmp_path):
    from assistant.catalog import BUILT_IN
    from assistant.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    service = WorkshopService.from_settings(Database.sqlite(settings.database_path), BUILT_IN)
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire", language="nb")
    for _ in range(12):
        reply = service.skip("kari", canvas.id)
    assert reply.finished and len(reply.progress.skipped) == 12
    reply = service.current("kari", canvas.id)
    assert reply.finished and reply.message.startswith("Da har vi vært gjennom alle stegene.")
    assert service.submit("kari", canvas.id, "mer").finished
    assert (tmp_path / "data" / "gnist.sqlite3").is_file()


# -- issue 18: size limits on what a user sends (answers, canvas fields, comments) ----------------

LIMIT_WORDS = {"nb": ("for lang", "tegn"), "nn": ("for lang", "teikn"), "en": ("too long", "characters")}


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_an_answer_a_field_and_a_comment_over_their_limits_are_refused_in_the_canvas_language(store, lang):
    from assistant.services.limits import TextLimits

    limits = TextLimits(workshop_answer=300, workshop_comment=120)
    service = WorkshopService(store, detect_language=lambda text: lang, limits=limits)
    canvas = service.start("kari", "Lillevik", "Lite liv i sentrum om kvelden", language=lang)
    before = store.get("kari", canvas.id)
    too_long_words, unit = LIMIT_WORDS[lang]
    for attempt in (lambda: service.submit("kari", canvas.id, "a" * 301),
                    lambda: service.edit_field("kari", canvas.id, "need.statement", "b" * 301, None),
                    lambda: service.update_field("kari", canvas.id, "need.statement", "c" * 301),
                    lambda: service.start("kari", "Lillevik", "d" * 301, language=lang)):
        with pytest.raises(WorkshopError) as refused:
            attempt()
        assert (too_long_words in str(refused.value) and "301" in str(refused.value)
                and f"300 {unit}" in str(refused.value))
    with pytest.raises(WorkshopError, match="121") as refused:
        service.comment("kari", canvas.id, "need.statement", "e" * 121)
    assert f"120 {unit}" in str(refused.value)
    assert store.get("kari", canvas.id) == before  # nothing half-saved
    assert service.comments("kari", canvas.id, "need.statement") == []
    service.comment("kari", canvas.id, "need.statement", "e" * 120)  # at the limit: kept whole
    assert service.comments("kari", canvas.id, "need.statement")[0].text == "e" * 120


def test_the_two_halves_of_from_to_are_saved_each_in_its_own_field(service, store):
    """The field editor shows «Fra … til …» as one thing with a box per half (issue 25: an edit went
    silently into the «Fra» half): each box lands in its half, one save, one history row per half."""
    canvas = service.start("kari", "Vang", "Sentrum er tomt om kveldene")
    service.update_field("kari", canvas.id, "reframing", "Fra tomme lokaler til et levende sentrum")
    saved, conflict = service.edit_fields("kari", canvas.id, [
        ("reframing_from", "tomme lokaler og stengte butikker", "tomme lokaler"),
        ("reframing_to", "et levende sentrum", "et levende sentrum")])  # unchanged: not touched
    assert not conflict
    assert (saved.reframing_from, saved.reframing_to) == ("tomme lokaler og stengte butikker", "et levende sentrum")
    history = service.history("kari", canvas.id, "reframing")
    assert len(history) == 3 and history[0].field == "reframing_from"  # the first save set both halves

    # A colleague changed «Til» meanwhile; this user changed only «Fra»: the colleague's «Til» stays.
    link = service.share("kari", canvas.id, "edit")
    service.join("ola", link.token)
    service.edit_field("ola", canvas.id, "reframing_to", "et sentrum der unge vil være", "et levende sentrum")
    saved, conflict = service.edit_fields("kari", canvas.id, [
        ("reframing_from", "tomme lokaler", "tomme lokaler og stengte butikker"),
        ("reframing_to", "et levende sentrum", "et levende sentrum")])
    assert not conflict and saved.reframing_to == "et sentrum der unge vil være"
    assert saved.reframing_from == "tomme lokaler"
    assert store.get("kari", canvas.id).reframing_to == "et sentrum der unge vil være"
