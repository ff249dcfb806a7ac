"""A whole workshop through WorkshopService without a language model, from a raw problem to a
Word draft; persistence across store instances; owners kept apart; past cases from the real index."""

from __future__ import annotations

import io
import sys

import docx
import pytest

from assistant.adapters.database import Database
from assistant.catalog import BUILT_IN, TextCatalog
from assistant.cli import main
from assistant.workshop import critic, drafts
from assistant.workshop.canvas import CanvasImportError
from assistant.workshop.service import WorkshopService
from assistant.workshop.steps import STEP_DEFS, STEP_IDS
from assistant.workshop.store import CanvasNotFound, CanvasStore

pytestmark = pytest.mark.integration

ANSWERS = {
    "need.who": "Unge voksne, barnefamilier og butikkeierne i sentrum",
    "need.consequences": "- Butikker legger ned\n- Unge flytter ut\n- Færre besøkende stopper",
    "why_now": "Ny sentrumsplan skal vedtas neste år, og to butikker har varslet at de stenger.",
    "need.statement": "Unge voksne mangler uformelle møteplasser i sentrum etter arbeidstid",
    "need.evidence": ("SSB: folketallet har gått ned 8 % siden 2012\n"
                      "Innbyggerundersøkelsen 2023: 6 av 10 savner et sted å møtes\n"
                      "Vi prøvde en pop-up-kafé i 2021, men den stengte etter tre måneder"),
    "resources": "Tomme butikklokaler; kommunal tomt ved torget; aktiv næringsforening",
    "fortrinn": "Fjellet rett utenfor døra, sterk dugnadskultur og mange hyttefolk",
    "barriers": "Lite penger. Eiere som ikke vil leie ut.",
    "target_groups": "Unge voksne: møteplasser, jobb med kolleger\nBarnefamilier: aktiviteter etter skolen",
    "personas": ("Navn: Sara\nAlder: 27, sykepleier\nEn dag i livet: Jobber turnus og er alene om kvelden.\n"
                 "Motivasjoner: natur, venner\nFrustrasjoner: ingen steder å gå etter jobb\n\n"
                 "Ola, 16 år, elev\nTar bussen hjem klokka tre."),
    "resident_input.kritikk": "Et sted å sitte inne som ikke koster penger",
    "resident_input.positivitet": "Naturen, folka og dugnadsånden",
    "resident_input.drommen": "Et levende torg med kafé og konserter hele året",
    "resident_input.virkeliggjoring": "Låne ut tomme lokaler gratis i et halvt år",
    "actors.knows": "Næringsforeningen – kjenner butikkeierne\nUngdomsrådet – vet hva unge savner",
    "actors.contributes": "Gårdeierne – tomme lokaler\nPlanavdelingen – sentrumsplanen\nNæringssjefen – nettverk",
    "actors.involve_how": "Velforeningen – folkemøte i mars\nFylkeskommunen – orienteringsmøte",
    "scenario_2030": "Det er folk på torget klokka sju en tirsdag. Unge jobber i et kontorfellesskap i banken.",
    "principles": ("1: løsningen må starte med det innbyggerne trenger\n"
                   "Vektlegg inkludering og samskaping – unge skal være med å lage den\n"
                   "Prioriter klima og miljø fordi vi vil bruke det som finnes"),
    "sustainability": "Bruke bygg som står tomme i stedet for å bygge nytt, og skape helårsarbeidsplasser.",
    "reframing": "Fra lav sentrumsaktivitet til stedsidentitet som grunnlag for nye bolig- og næringsmodeller",
    "hkv_questions": "gjøre sentrum til et sted der unge voksne vil møtes og starte bedrift etter arbeidstid",
    "success_criteria": "Flere folk i sentrum etter klokka fire; unge er med på å lage den",
    "vision": "Et sentrum der unge og gamle møtes hver dag, og der nye bedrifter vil starte.",
    "transfer_value": "Mange små kommuner har tomme sentrum. Modellen kan brukes av andre kommuner.",
    "place_development": "Sentrumsplanen vil ha flere arbeidsplasser og mer handel i sentrum.",
    "forankring.political_backing": "Formannskapet vedtok 12. mai å søke Gnist.",
    "forankring.administrative_backing": "Kommunedirektøren er prosjekteier. Næringssjef og arealplanlegger er med.",
    "forankring.project_resource_percent": "25 %",
    "forankring.county_council_informed": "Ja, vi hadde møte med regionalavdelingen i april.",
    "forankring.budget": "Deltakeravgift 200 000 kr og 25 % stilling i åtte måneder",
    "forankring.cofinancing": "Fylkeskommunen dekker halve deltakeravgiften",
    "partners": "nei",
    "forankring.partners": "Fylkeskommunen, næringsforeningen",
    "contact_role": "Kari Nordmann, næringssjef, kari.nordmann@vang.kommune.no, 900 12 345",
}


def test_scripted_workshop_from_raw_problem_to_docx(tmp_path):
    db = tmp_path / "gnist.sqlite3"
    service = WorkshopService(CanvasStore(Database.sqlite(db)))
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    assert canvas.language == "nb"
    reply = service.current("kari", canvas.id)
    assert reply.step.id == "problem" and reply.question.key == "need.who"

    asked: list[str] = []
    pushed_back = retried = False
    seen_steps: list[str] = []
    for _ in range(80):
        if reply.finished:
            break
        key = reply.question.key
        if reply.step.id not in seen_steps:
            seen_steps.append(reply.step.id)
        asked.append(key)
        if key == "need.statement" and not pushed_back:
            reply = service.submit("kari", canvas.id, "Vi trenger et kjøpesenter")
            assert not reply.advanced and "høres ut som en løsning" in reply.message
            pushed_back = True
            continue
        if key == "forankring.project_resource_percent" and not retried:
            retried = True
            reply = service.submit("kari", canvas.id, "vet ikke helt")
            assert reply.question.key == key and "Jeg fant ikke et tall" in reply.message
            continue
        reply = service.submit("kari", canvas.id, ANSWERS[key])
        assert reply.advanced, (key, reply.message)
    assert reply.finished and reply.step is None and reply.question is None
    assert "Da har vi vært gjennom alle stegene." in reply.message
    assert seen_steps == list(STEP_IDS)
    assert set(ANSWERS) <= set(asked)

    final = service.get("kari", canvas.id)
    assert final.completed_steps == list(STEP_IDS) and final.skipped_steps == []
    assert final.need.statement == ANSWERS["need.statement"]
    assert final.solution_ideas == ["et kjøpesenter"]
    assert [e.kind for e in final.need.evidence] == ["statistics", "survey", "tried"]
    assert [a.category for a in final.actors][:2] == ["business", "youth"]
    assert {a.name for a in final.actors} >= {"Gårdeierne", "Velforeningen", "Fylkeskommunen"}
    assert [p.name for p in final.principles] == ["Sett innbyggerne i sentrum", "Vektlegg inkludering og samskaping",
                                                  "Prioriter klima og miljø"]
    assert (final.reframing_from, final.forankring.project_resource_percent) == ("lav sentrumsaktivitet", 25.0)
    hkv = "Hvordan kan vi gjøre sentrum til et sted der unge voksne vil møtes og starte bedrift etter arbeidstid?"
    assert final.hkv_questions == [hkv]
    assert final.forankring.county_council_informed is True and final.partners == []
    assert [p.name for p in final.personas] == ["Sara", "Ola"]

    findings = service.check("kari", canvas.id)
    assert [f for f in findings if f.severity == "mangler"] == []
    assert {f.code for f in findings if f.severity == "advarsel"} == set()

    path = tmp_path / "soknad.docx"
    data = service.draft("kari", canvas.id, "application", fmt="docx", path=path)
    document = docx.Document(io.BytesIO(data))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Normal", "List Bullet", "Quote"} <= styles
    text = "\n".join(p.text for p in document.paragraphs)
    assert hkv in text and "Formannskapet vedtok 12. mai å søke Gnist." in text
    # The user's words, with their sources, in connected prose.
    assert "Folketallet har gått ned 8 % siden 2012, ifølge SSB." in text
    assert "6 av 10 savner et sted å møtes, ifølge Innbyggerundersøkelsen 2023." in text
    assert text.count("pop-up-kafé") == 1
    assert "[Mangler" not in text
    assert docx.Document(str(path)).paragraphs[0].text == "Søknad til Gnist: Vang"
    challenge = service.draft("kari", canvas.id, "challenge")
    assert hkv in challenge and "kjøpesenter" not in challenge


class Polisher:
    """A language model that finds nothing to criticise and gives the text back unchanged."""

    def invoke(self, messages):
        return type("Message", (), {"content": "[]" if "JSON" in messages[0].content else messages[-1].content})()


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_the_workshop_speaks_only_through_the_catalog_it_was_given(tmp_path, monkeypatch, lang):
    """The app's catalog (from settings) reaches every text of a whole workshop, the quality check
    and every draft: the built-in catalog is never asked."""
    def unreachable(*args, **kwargs):
        raise AssertionError("the built-in catalog was used")

    given = TextCatalog(BUILT_IN.prompts_dir, BUILT_IN.locales_dir)
    monkeypatch.setattr(BUILT_IN, "_table", unreachable)
    monkeypatch.setattr(BUILT_IN, "_file", unreachable)
    service = WorkshopService(CanvasStore(Database.sqlite(tmp_path / "gnist.sqlite3")), given, chat_model=Polisher(),
                              detect_language=lambda text: lang)
    canvas = service.start("kari", "Vang", "Vi trenger et kjøpesenter", language=lang)
    reply = service.current("kari", canvas.id)
    for _ in range(80):
        if reply.finished:
            break
        reply = service.submit("kari", canvas.id, ANSWERS.get(reply.question.key, "nei"))
    assert reply.finished
    service.check("kari", canvas.id, use_llm=True)
    assert service.check("kari", service.start("kari", "Vang", "", language=lang).id)  # an empty canvas lacks a lot
    for kind in drafts.KINDS:
        assert service.draft("kari", canvas.id, kind, polish=True)
        assert service.draft("kari", canvas.id, kind, fmt="docx", path=tmp_path / f"{kind}.docx")
    with pytest.raises(CanvasImportError):
        service.import_json("kari", '{"language": "xx"}')
    assert given._tables and given._files


def test_a_workshop_survives_a_restart(tmp_path):
    db = tmp_path / "gnist.sqlite3"
    first = WorkshopService(CanvasStore(Database.sqlite(db)))
    canvas = first.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    first.submit("kari", canvas.id, ANSWERS["need.who"])
    first.submit("kari", canvas.id, ANSWERS["need.consequences"])
    before = first.get("kari", canvas.id)

    # Next week: a new process, a new store instance on the same file.
    again = WorkshopService(CanvasStore(Database.sqlite(db)))
    after = again.get("kari", canvas.id)
    assert after == before
    reply = again.current("kari", canvas.id)
    assert reply.message.startswith("Velkommen tilbake!")
    assert reply.question.key == "why_now"
    reply = again.submit("kari", canvas.id, ANSWERS["why_now"])
    assert reply.step.id == "behov" and reply.progress.completed == ["problem"]
    assert [s.id for s in CanvasStore(Database.sqlite(db)).list("kari")] == [canvas.id]


def test_owners_cannot_reach_each_others_canvases(database_url):
    database = Database(database_url)
    database.migrate()
    store = CanvasStore(database)
    service = WorkshopService(store)
    karis = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    olas = service.start("ola", "Lom", "Unge flytter fra bygda")

    assert [s.id for s in service.list("kari")] == [karis.id]
    assert [s.id for s in service.list("ola")] == [olas.id]
    for call in (
        lambda: service.get("ola", karis.id),
        lambda: service.submit("ola", karis.id, "Hei"),
        lambda: service.current("ola", karis.id),
        lambda: service.update_field("ola", karis.id, "vision", "overtatt"),
        lambda: service.draft("ola", karis.id, "application"),
        lambda: service.check("ola", karis.id),
        lambda: service.goto("ola", karis.id, "hkv"),
    ):
        with pytest.raises(CanvasNotFound):
            call()
    assert service.delete("ola", karis.id) is False

    # Saving a canvas under another owner's id is refused, and nothing changes.
    stolen = store.get("kari", karis.id).model_copy(update={"owner": "ola", "vision": "overtatt"})
    with pytest.raises(CanvasNotFound):
        store.save(stolen)
    with pytest.raises(CanvasNotFound):
        store.save(store.get("kari", karis.id), owner="ola")
    assert store.get("kari", karis.id).vision == ""

    assert service.delete_all("ola") == 1
    assert service.get("kari", karis.id).municipality == "Vang"
    assert service.delete("kari", karis.id) is True and service.list("kari") == []


def test_similar_cases_from_the_real_index(container):
    """The retriever's search fits the similar-cases hook (tiny corpus: only Vang and Utsira are cases)."""
    container.ensure_knowledge_index()
    store = CanvasStore(container.database)
    service = WorkshopService(store, search=container.retriever.search)
    canvas = service.start("kari", "Vang", "Unge vil ikke bo i fjellbygda, og sentrum er tomt")
    cases = service.similar("kari", canvas.id)
    assert cases and {c.source.rsplit("/", 1)[-1] for c in cases} <= {"2021-vang.md", "pilot-utsira.md"}
    assert len({c.source for c in cases}) == len(cases)
    assert all(c.municipality in {"Vang", "Utsira"} for c in cases)
    reply = service.current("kari", canvas.id)
    # These tiny case files have no challenge or «Fra … til …» in their front matter, so there is
    # nothing to quote as inspiration, and a file path is never shown instead.
    assert reply.inspiration == [] and "knowledge/" not in reply.message and ".md" not in reply.message
    assert critic.check(reply.canvas)  # an empty canvas has findings


def test_similar_cases_speak_the_workshops_language(tmp_path, embedder):
    """A real case file gives its challenge, «Fra … til …», concept and jury per language in its
    front matter: a Nynorsk workshop is shown the Nynorsk texts, never the index's raw form."""
    import shutil

    import yaml

    from assistant.container import Container
    from assistant.settings import REPO_ROOT, Settings

    knowledge = tmp_path / "knowledge" / "caser"
    knowledge.mkdir(parents=True)
    for path in (REPO_ROOT / "knowledge" / "caser").glob("2021-lund*.md"):
        shutil.copy(path, knowledge / path.name)
    container = Container(Settings(data_dir=tmp_path / "data", knowledge_dir=tmp_path / "knowledge",
                                   vector_cache_dir=None))
    container.embeddings = embedder
    container.ensure_knowledge_index()
    front = yaml.safe_load((knowledge / "2021-lund.md").read_text(encoding="utf-8").split("---")[1])
    service = WorkshopService(CanvasStore(container.database), search=container.retriever.search)
    for lang in ("nn", "en"):
        canvas = service.start("kari", "Bjørkedal", "Industribedriftene får ikkje tak i fagfolk", language=lang)
        lund = service.similar("kari", canvas.id)[0]
        assert lund.reframing == front["reframing"][lang] and lund.concept == front["concept"][lang]
        assert "{" not in lund.inspiration_line(lang) and "'nb'" not in lund.jury


def test_a_whole_workshop_in_the_terminal(settings, embedder, monkeypatch, tmp_path, capsys):
    """`gnist workshop`: answers on standard input (an empty line ends each), the quality check and
    four Word drafts at the end; a workshop stopped half-way is saved and resumed by id."""
    import assistant.container

    monkeypatch.setattr(assistant.container.Container, "embeddings", embedder, raising=False)
    answers = []
    for definition in STEP_DEFS:
        for question in definition.questions:
            # The partners' decisions are asked only in a joint application (this one is not).
            if question.key not in ("raw_problem", "forankring.partner_backing"):
                answers.append(ANSWERS[question.key].replace("\n\n", "\n---\n"))
    half = len(answers) // 2
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n\n".join(answers[:half]) + "\n"))
    out = tmp_path / "utkast"
    assert main(["workshop", "--municipality", "Vang", "--problem", "Sentrum er dødt etter klokka fire",
                 "--out", str(out)], settings) == 0
    printed = capsys.readouterr().out
    assert "Hvem merker problemet?" in printed and "Jeg noterte tre punkter:" in printed
    canvas_id = printed.rsplit("--resume ", 1)[1].split()[0]

    monkeypatch.setattr(sys, "stdin", io.StringIO("\n\n".join(answers[half:]) + "\n"))
    assert main(["workshop", "--resume", canvas_id, "--out", str(out)], settings) == 0
    printed = capsys.readouterr().out
    assert "## Ferdig: kvalitetssjekk og utkast" in printed and "Rett under samtalen" in printed
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"gnist-{name}-vang.docx" for name in drafts.FILE_NAMES.values())  # with the checklist
    application = docx.Document(str(out / "gnist-soknad-vang.docx"))
    assert application.paragraphs[0].text == "Søknad til Gnist: Vang"
    assert any("ifølge SSB" in p.text for p in application.paragraphs)
