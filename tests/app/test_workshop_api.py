"""The workshop tab over HTTP, through gradio_client: the guided chat with its kind push-back,
skipping and jumping between steps, editing a field, the quality check, Markdown and Word drafts,
JSON export/import, two sessions kept apart, and a workshop that survives an app restart.

Each Client is its own user (the server sets its identity cookie on the first request); the current
workshop id lives in that session's gr.State, so calls on one Client continue the same workshop.
The app runs without a language model: everything here is the rule-based path."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import gnist_testapp as g
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

MUNICIPALITY = "Vang"
PROBLEM = "Sentrum er dødt etter klokka fire"
SOLUTION = "Vi trenger et kjøpesenter"
WHO = "Unge voksne, barnefamilier og butikkeierne i sentrum"
CONSEQUENCES = "- Butikker legger ned\n- Unge flytter ut\n- Færre besøkende stopper"
WHY_NOW = "Ny sentrumsplan skal vedtas neste år, og to butikker har varslet at de stenger."
HKV_ANSWER = "gjøre sentrum til et sted der unge voksne vil møtes etter arbeidstid"
HKV = "Hvordan kan vi gjøre sentrum til et sted der unge voksne vil møtes etter arbeidstid?"
POLITICAL = "Formannskapet vedtok 12. mai å søke Gnist."
NOT_FOUND = "Fant ikke verkstedet"


# -- helpers --------------------------------------------------------------------------------------


def value_of(update):
    """A component output from gradio_client: the bare value, or an update dict holding one."""
    return update.get("value") if isinstance(update, dict) and "value" in update else update


def choice_values(update) -> list:
    """The values of a dropdown's choices in an update dict (choices are [label, value] pairs)."""
    choices = update.get("choices", []) if isinstance(update, dict) else []
    return [c[1] if isinstance(c, (list, tuple)) else c for c in choices]


def last_reply(chat) -> str:
    assert chat and chat[-1]["role"] == "assistant", chat
    return g.text_of(chat[-1]["content"])


def file_path(update) -> Path:
    value = value_of(update)
    if isinstance(value, dict):
        value = value.get("path") or value.get("value")
    assert value, update
    path = Path(value)
    assert path.is_file(), update
    return path


class Panels:
    """The outputs every workshop event shares: chat, canvas, progress, the three dropdowns and
    the final step's text, draft files and findings (its column's visibility is not an API value)."""

    def __init__(self, outputs) -> None:
        (self.chat, self.canvas, self.progress, self.steps, self.fields, self.workshops, self.final_text,
         self.final_files, self.final_findings) = outputs

    @property
    def reply(self) -> str:
        return last_reply(self.chat)

    @property
    def canvas_id(self) -> str:
        return value_of(self.workshops)

    @property
    def current_step(self) -> str:
        return value_of(self.steps)


def start(client, problem: str = PROBLEM, municipality: str = MUNICIPALITY) -> Panels:
    return Panels(client.predict(municipality, problem, api_name="/workshop_start"))


def answer(client, text: str, chat=None) -> Panels:
    box, *outputs = client.predict(text, chat or [], api_name="/workshop_answer")
    assert box == ""  # the answer box is cleared after every answer
    return Panels(outputs)


def current_line(progress: str) -> str:
    lines = [line for line in g.plain(progress).splitlines() if line.startswith("→")]
    assert len(lines) == 1, progress
    return lines[0].strip()


# -- the guided chat ------------------------------------------------------------------------------

def test_start_shows_the_first_question_and_the_live_canvas(client_for, app):
    client = client_for()
    panels = start(client)
    assert [m["role"] for m in panels.chat] == ["user", "assistant"]
    assert g.text_of(panels.chat[0]["content"]) == PROBLEM
    assert "Steg 1 av 12: Problemet" in panels.reply
    assert "Hvem merker problemet?" in panels.reply
    assert current_line(panels.progress) == "→ 1. Problemet (nå)"
    assert panels.progress.startswith("**0 %**")
    assert panels.canvas.startswith(f"<p><strong>{MUNICIPALITY}</strong> · 0 %")  # rendered and cleaned
    assert PROBLEM in panels.canvas
    assert panels.current_step == "problem"
    # The workshop is saved for this session's owner and offered in "Mine verksteder".
    assert panels.canvas_id in choice_values(panels.workshops)
    stored = app.container.workshop.get(g.owner_of(app, client), panels.canvas_id)
    assert (stored.municipality, stored.raw_problem) == (MUNICIPALITY, PROBLEM)


def test_a_solution_gets_a_kind_push_back_that_asks_for_the_need(client_for, app):
    client = client_for()
    panels = start(client)
    pushed = answer(client, SOLUTION, panels.chat)
    reply = pushed.reply
    assert "løsning" in reply and "kjøpesenter" in reply
    assert "behovet" in reply  # asks for the need instead
    assert "Hvem merker problemet?" in reply  # the same question again, not the next one
    assert current_line(pushed.progress) == "→ 1. Problemet (nå)"
    # The idea is parked, not lost, and shown in the canvas.
    assert "et kjøpesenter" in app.container.workshop.get(g.owner_of(app, client), panels.canvas_id).solution_ideas
    assert "Løsningsideer (parkert til senere)" in pushed.canvas
    # The chat keeps growing from the history the client sends.
    assert [g.text_of(m["content"]) for m in pushed.chat[:3]] == [PROBLEM, g.text_of(panels.chat[1]["content"]),
                                                                    SOLUTION]

    # Answered with a need, the workshop moves on.
    moved = answer(client, WHO, pushed.chat)
    assert "Hva skjer hvis ingen gjør noe?" in moved.reply
    assert "Unge voksne" in moved.canvas


def test_a_pushed_back_solution_is_not_stored_as_the_need(client_for, app):
    client = client_for()
    panels = start(client)
    answer(client, SOLUTION, panels.chat)
    stored = app.container.workshop.get(g.owner_of(app, client), panels.canvas_id)
    assert stored.need.who == []


def test_answers_skip_and_goto_move_through_the_steps(client_for, app):
    client = client_for()
    panels = start(client)
    panels = answer(client, WHO, panels.chat)
    panels = answer(client, CONSEQUENCES, panels.chat)
    panels = answer(client, WHY_NOW, panels.chat)
    # Step 1 is done: the next step starts, the progress and the canvas say so.
    assert "Steg 2 av 12: Behov og ressurser" in panels.reply
    assert "Skriv behovet i én setning" in panels.reply
    assert panels.progress.startswith("**8 %**")
    assert "✓ 1. Problemet (ferdig)" in g.plain(panels.progress)
    assert current_line(panels.progress) == "→ 2. Behov og ressurser (nå)"
    # The finished step is folded to one line with its first answer; the new step is open.
    assert f"✓ 1. Problemet (ferdig) · {PROBLEM}" in g.plain(panels.canvas)
    assert "Butikker legger ned" not in panels.canvas and "Skriv behovet i én setning" in panels.canvas
    assert panels.current_step == "behov"

    skipped = Panels(client.predict(panels.chat, api_name="/workshop_skip"))
    assert "Steg 3 av 12: Målgrupper" in skipped.reply
    assert "↷ 2. Behov og ressurser (hoppet over)" in g.plain(skipped.progress)
    assert current_line(skipped.progress) == "→ 3. Målgrupper (nå)"
    assert skipped.current_step == "malgrupper"

    jumped = Panels(client.predict("hkv", skipped.chat, api_name="/workshop_goto"))
    assert jumped.reply.startswith("<p>Vi går til «Hvordan kan vi …?».</p>")
    assert "Steg 10 av 12: Hvordan kan vi …?" in jumped.reply
    assert current_line(jumped.progress) == "→ 10. Hvordan kan vi …? (nå)"
    assert jumped.current_step == "hkv"

    stored = app.container.workshop.get(g.owner_of(app, client), panels.canvas_id)
    assert stored.completed_steps == ["problem"] and stored.skipped_steps == ["behov"]
    assert stored.current_step == "hkv"
    assert stored.need.consequences == ["Butikker legger ned", "Unge flytter ut", "Færre besøkende stopper"]


def test_an_unknown_step_is_refused(client_for):
    client = client_for()
    start(client)
    with pytest.raises(AppError, match="not in the list of choices"):
        client.predict("finnes-ikke", [], api_name="/workshop_goto")


def test_answering_without_a_workshop_gives_a_clear_error(client_for):
    client = client_for()
    with pytest.raises(AppError, match="Start et verksted"):
        client.predict(WHO, [], api_name="/workshop_answer")
    with pytest.raises(AppError, match="Skriv problemet"):
        client.predict(MUNICIPALITY, "   ", api_name="/workshop_start")


# -- editing, quality check, drafts ---------------------------------------------------------------

def test_quality_check_flags_missing_political_backing_until_the_field_is_saved(client_for, app):
    client = client_for()
    panels = start(client)
    findings, similar = client.predict(api_name="/workshop_check")
    flagged = [line for line in findings.splitlines() if "Politisk forankring" in line]
    assert len(flagged) == 1 and flagged[0].startswith(
        '<li><span class="gnist-icon gnist-icon-failed" aria-hidden="true">✗</span> <strong>Mangler · Forankring · '
        'Politisk forankring:</strong>'), findings
    assert "politisk forankret" in flagged[0]
    assert "forankring.political_backing" not in findings and "need." not in findings  # labels, not internal names
    # Similar cases come from the knowledge index (the seed holds Vang's case), shown by title.
    assert "<strong>Vang (2021)</strong>" in similar and "Kilde: Vang kommune: Gnist 2021" in similar
    assert ".md" not in similar and "knowledge/" not in similar and "kildene ikke dekker" not in similar

    canvas, progress, saved, *_halves = client.predict("forankring.political_backing", POLITICAL,
                                                       api_name="/workshop_save_field")
    assert value_of(saved) == POLITICAL  # the field box shows what was stored
    assert POLITICAL in canvas and progress.startswith("**0 %**")
    stored = app.container.workshop.get(g.owner_of(app, client), panels.canvas_id)
    assert stored.forankring.political_backing == POLITICAL

    findings, _ = client.predict(api_name="/workshop_check")
    assert "Politisk forankring" not in findings
    assert "Det dere vet (tall, undersøkelser, planer, forsøk)" in findings  # other gaps remain


def test_save_field_parses_lists_and_refuses_a_missing_field(client_for, app):
    client = client_for()
    panels = start(client)
    canvas, *_ = client.predict("need.consequences", CONSEQUENCES, api_name="/workshop_save_field")
    assert "Unge flytter ut" in canvas
    stored = app.container.workshop.get(g.owner_of(app, client), panels.canvas_id)
    assert stored.need.consequences == ["Butikker legger ned", "Unge flytter ut", "Færre besøkende stopper"]
    with pytest.raises(AppError, match="Velg feltet"):
        client.predict(None, "noe", api_name="/workshop_save_field")


STRUCTURED = [
    # (step to go to, answers in order)
    ("malgrupper", ["Unge voksne: møteplasser, jobb med kolleger\nBarnefamilier: aktiviteter etter skolen",
                    "Navn: Sara\nAlder: 27, sykepleier\nEn dag i livet: Jobber turnus og er alene om kvelden.\n"
                    "Motivasjoner: natur, venner\nFrustrasjoner: ingen steder å gå etter jobb\n\n"
                    "Ola, 16 år, elev\nTar bussen hjem klokka tre."]),
    ("aktorer", ["Næringsforeningen – kjenner butikkeierne\nUngdomsrådet – vet hva unge savner",
                 "Gårdeierne – tomme lokaler\nNæringsforeningen – nettverk"]),
    ("behov", ["Unge voksne mangler uformelle møteplasser i sentrum etter arbeidstid",
               "SSB: folketallet har gått ned 8 % siden 2012\n"
               "Innbyggerundersøkelsen 2023: 6 av 10 savner et sted å møtes\n"
               "Vi prøvde en pop-up-kafé i 2021, men den stengte etter tre måneder"]),
]


def test_opening_a_field_and_saving_it_unchanged_keeps_the_canvas(client_for, app):
    """The "Felt som skal endres" box shows a structured field in the format its question asks
    for, so saving it back changes nothing (target groups, personas, actors, evidence)."""
    client = client_for()
    panels = start(client)
    chat = panels.chat
    for step, answers in STRUCTURED:
        chat = Panels(client.predict(step, chat, api_name="/workshop_goto")).chat
        for text in answers:
            chat = answer(client, text, chat).chat
    service, owner = app.container.workshop, g.owner_of(app, client)
    filled = service.get(owner, panels.canvas_id)
    assert [g.name for g in filled.target_groups] == ["Unge voksne", "Barnefamilier"]
    assert [p.name for p in filled.personas] == ["Sara", "Ola"]
    assert [e.kind for e in filled.need.evidence] == ["statistics", "survey", "tried"]
    assert {a.name for a in filled.actors} == {"Næringsforeningen", "Ungdomsrådet", "Gårdeierne"}

    paths = ["target_groups", "personas", "actors.knows", "actors.contributes", "need.evidence", "need.who"]
    offered = choice_values(Panels(client.predict("behov", chat, api_name="/workshop_goto")).fields)
    assert set(paths) <= set(offered) and len(offered) == len(set(offered)), offered
    before = service.get(owner, panels.canvas_id).model_dump(exclude={"updated"})
    shown = {}
    for path in paths:
        shown[path] = value_of(client.predict(path, api_name="/show_field")[0])
        client.predict(path, shown[path], api_name="/workshop_save_field")
        assert service.get(owner, panels.canvas_id).model_dump(exclude={"updated"}) == before, (path, shown[path])
    assert "Unge voksne: møteplasser; jobb med kolleger" in shown["target_groups"]
    assert "Navn: Sara" in shown["personas"] and "Motivasjoner: natur; venner" in shown["personas"]
    assert "Næringsforeningen – kjenner butikkeierne" in shown["actors.knows"]
    assert "Næringsforeningen – nettverk" in shown["actors.contributes"]

    # Editing one actor attribute adds to the actors; it does not wipe what the others hold.
    client.predict("actors.contributes", shown["actors.contributes"] + "\nVelforeningen – dugnad",
                   api_name="/workshop_save_field")
    actors = {a.name: a for a in service.get(owner, panels.canvas_id).actors}
    assert actors["Velforeningen"].contributes == "dugnad"
    assert actors["Næringsforeningen"].knows == "kjenner butikkeierne"
    assert actors["Gårdeierne"].contributes == "tomme lokaler"


def test_from_to_is_one_field_edited_in_a_box_per_half(client_for, app):
    """«Fra … til …» was offered twice in the field editor, and an edit went silently into «Fra»:
    it is one choice now, and each half is saved from its own box."""
    client = client_for()
    panels = start(client)
    offered = choice_values(panels.fields)
    assert offered.count("reframing") == 1 and not {"reframing_from", "reframing_to"} & set(offered)
    canvas, _progress, value, half_from, half_to = client.predict(
        "reframing", "", "tomme lokaler etter stengetid", "et sentrum der unge vil være",
        api_name="/workshop_save_field")
    stored = app.container.workshop.get(g.owner_of(app, client), panels.canvas_id)
    assert (stored.reframing_from, stored.reframing_to) == ("tomme lokaler etter stengetid",
                                                            "et sentrum der unge vil være")
    assert value_of(value) == "" and value_of(half_from) == "tomme lokaler etter stengetid"
    assert value_of(half_to) == "et sentrum der unge vil være" and "tomme lokaler etter stengetid" in canvas
    shown = [value_of(part) for part in client.predict("reframing", api_name="/show_field")]
    assert shown == ["", "tomme lokaler etter stengetid", "et sentrum der unge vil være"]
    # Only «Til» changed: one history row, naming its half; undo gives «Til» its text back.
    client.predict("reframing", "", "tomme lokaler etter stengetid", "et sentrum for alle",
                   api_name="/workshop_save_field")
    _canvas, _progress, _value, half_from, half_to, history, _comments = client.predict(
        "reframing", api_name="/workshop_undo")
    assert value_of(half_from) == "tomme lokaler etter stengetid"
    assert value_of(half_to) == "et sentrum der unge vil være"
    assert "Til (slik vi vil ha det)" in history


def test_markdown_draft_has_the_hkv_question_once_given(client_for):
    client = client_for()
    panels = start(client)
    _shown, before = client.predict("challenge", "nb", api_name="/workshop_draft")
    assert MUNICIPALITY in before and HKV not in before

    jumped = Panels(client.predict("hkv", panels.chat, api_name="/workshop_goto"))
    answered = answer(client, HKV_ANSWER, jumped.chat)
    assert HKV in answered.canvas
    shown, draft = client.predict("challenge", "nb", api_name="/workshop_draft")
    assert HKV in draft
    assert draft.lstrip().startswith("#") and shown.startswith("<h1>")
    assert "kjøpesenter" not in draft


def test_word_draft_downloads_and_opens_with_heading_styles(client_for):
    client = client_for()
    panels = start(client)
    jumped = Panels(client.predict("hkv", panels.chat, api_name="/workshop_goto"))
    answer(client, HKV_ANSWER, jumped.chat)
    client.predict("forankring.political_backing", POLITICAL, api_name="/workshop_save_field")

    path = file_path(client.predict("application", "nb", api_name="/workshop_draft_docx"))
    assert path.suffix == ".docx"
    data = path.read_bytes()
    assert data[:2] == b"PK"  # a zip container, as every .docx is
    document = docx.Document(io.BytesIO(data))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Normal"} <= styles, styles
    text = "\n".join(p.text for p in document.paragraphs)
    assert MUNICIPALITY in text and HKV in text and POLITICAL in text


def test_the_last_step_shows_the_findings_and_the_four_drafts(client_for, app):
    client = client_for()
    panels = start(client)
    assert not value_of(panels.final_text) and not value_of(panels.final_files) and not panels.final_findings
    panels = answer(client, WHO, panels.chat)
    client.predict("forankring.political_backing", "Formannskapet skal behandle saken 15. januar.",
                   api_name="/workshop_save_field")
    for _ in range(12):
        if "Ferdig" in panels.reply:
            break
        panels = Panels(client.predict(panels.chat, api_name="/workshop_skip"))
    assert "Rett under samtalen finner du «Ferdig: kvalitetssjekk og utkast»" in panels.reply
    assert panels.final_text.startswith("## Ferdig: kvalitetssjekk og utkast")
    assert "Word-filer under «Utkast» rett nedenfor" in panels.final_text
    assert ("<strong>Bør rettes · Forankring · Politisk forankring:</strong> Dette er ikke bestemt ennå "
            "(«skal behandle»)" in panels.final_findings)
    files = [Path(f["path"] if isinstance(f, dict) else f) for f in value_of(panels.final_files)]
    assert sorted(f.name for f in files) == ["gnist-designbrief-vang.docx", "gnist-sjekkliste-vang.docx",
                                             "gnist-soknad-vang.docx", "gnist-utfordring-vang.docx",
                                             "gnist-verkstedplan-vang.docx"]  # the checklist is its own document
    application = docx.Document(io.BytesIO(next(f for f in files if "soknad" in f.name).read_bytes()))
    assert application.paragraphs[0].text == "Søknad til Gnist: Vang"
    assert any(p.text.startswith("Den politiske behandlingen er ikke ferdig.") for p in application.paragraphs)


def test_export_and_import_a_canvas_as_json(client_for, app):
    first, second = client_for(), client_for()
    panels = start(first)
    answer(first, WHO, panels.chat)
    exported = file_path(first.predict(api_name="/workshop_export"))
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["raw_problem"] == PROBLEM and data["municipality"] == MUNICIPALITY

    imported = Panels(second.predict(handle_file(str(exported)), api_name="/workshop_import"))
    assert imported.canvas_id != panels.canvas_id  # a copy under a new id, owned by the importer
    assert "Velkommen tilbake" in imported.reply
    assert "Unge voksne" in imported.canvas
    assert [s.id for s in app.container.workshop.list(g.owner_of(app, second))] == [imported.canvas_id]
    assert [s.id for s in app.container.workshop.list(g.owner_of(app, first))] == [panels.canvas_id]


# -- users, restarts ------------------------------------------------------------------------------

def test_two_sessions_cannot_see_each_others_workshops(client_for, app):
    alice, bob = client_for(), client_for()
    alices = start(alice, "Unge flytter fra bygda", "Lom")
    bobs = start(bob)
    assert alices.canvas_id != bobs.canvas_id
    assert choice_values(bobs.workshops) == [bobs.canvas_id]
    assert choice_values(alices.workshops) == [alices.canvas_id]

    service = app.container.workshop
    assert [s.id for s in service.list(g.owner_of(app, alice))] == [alices.canvas_id]
    assert [s.id for s in service.list(g.owner_of(app, bob))] == [bobs.canvas_id]

    # Bob cannot open Alice's workshop by its id: his session only offers his own ids, and below
    # that the service is keyed by owner (see the next test) ...
    with pytest.raises(AppError, match=f"not in the list of choices|{NOT_FOUND}") as refused:
        bob.predict(alices.canvas_id, api_name="/workshop_resume")
    assert "Lom" not in str(refused.value) and "Unge flytter" not in str(refused.value)
    # ... and his own calls keep working on his own workshop only.
    bob.predict("forankring.political_backing", "Ordføreren står bak søknaden.", api_name="/workshop_save_field")
    assert service.get(g.owner_of(app, alice), alices.canvas_id).forankring.political_backing == ""
    assert (service.get(g.owner_of(app, bob), bobs.canvas_id).forankring.political_backing
            == "Ordføreren står bak søknaden.")
    # Alice can resume hers.
    resumed = Panels(alice.predict(alices.canvas_id, api_name="/workshop_resume"))
    assert resumed.canvas_id == alices.canvas_id and "Lom" in resumed.canvas
    assert "Unge flytter fra bygda" in resumed.canvas


def test_shared_workshops_are_enforced_by_the_server_not_by_disabled_buttons(client_for, app):
    """Through the HTTP API, with no page to disable anything: a reader's writes are refused, an
    editor's land (with history), and after revoking, the editor reaches nothing."""
    owner, editor, reader = client_for(), client_for(), client_for()
    panels = start(owner, "Unge flytter fra bygda", "Lom")
    link = owner.predict("edit", api_name="/workshop_share")[0]
    assert "?lerret=" in link and panels.canvas_id not in link
    service = app.container.workshop
    token = link.rsplit("=", 1)[1]
    read_token = owner.predict("read", api_name="/workshop_share")[0].rsplit("=", 1)[1]
    # Joining happens when the page loads with ?lerret=…; the API client joins the same way below it.
    service.join(g.owner_of(app, editor), token)
    service.join(g.owner_of(app, reader), read_token)

    # The page lists shared workshops under «Mine verksteder» once it loads; here, once a call renews the list.
    start(reader, "Et eget verksted", "Lom")
    start(editor, "Et eget verksted", "Lom")
    resumed = Panels(reader.predict(panels.canvas_id, api_name="/workshop_resume"))
    assert "Lom" in resumed.canvas and "delt med deg, kan lese" in str(resumed.workshops)
    with pytest.raises(AppError, match="bare lese"):
        reader.predict("vision", "Overtatt", api_name="/workshop_save_field")
    with pytest.raises(AppError, match="bare lese"):
        reader.predict("vision", "Hei", api_name="/workshop_comment")
    with pytest.raises(AppError, match="eier"):
        reader.predict("edit", api_name="/workshop_share")

    editor.predict(panels.canvas_id, api_name="/workshop_resume")
    editor.predict("vision", "Folk blir boende.", api_name="/workshop_save_field")
    assert service.get(g.owner_of(app, owner), panels.canvas_id).vision == "Folk blir boende."
    assert service.history(g.owner_of(app, owner), panels.canvas_id, "vision")[0].author == g.owner_of(app, editor)

    link_id = next(link.id for link in service.links(g.owner_of(app, owner), panels.canvas_id) if link.token == token)
    owner.predict(link_id, api_name="/workshop_revoke_link")
    with pytest.raises(AppError, match=NOT_FOUND):
        editor.predict("vision", "Etter tilbaketrekking", api_name="/workshop_save_field")
    assert service.get(g.owner_of(app, owner), panels.canvas_id).vision == "Folk blir boende."


def test_the_handler_refuses_another_owners_id_even_past_the_dropdown(app):
    """Defence in depth below the UI: the service is keyed by owner, whatever id arrives."""
    from assistant.workshop.store import CanvasNotFound

    service = app.container.workshop
    canvas = service.start("session:alice", MUNICIPALITY, PROBLEM)
    with pytest.raises(CanvasNotFound):
        service.current("session:bob", canvas.id)
    with pytest.raises(CanvasNotFound):
        service.update_field("session:bob", canvas.id, "vision", "overtatt")
    assert service.get("session:alice", canvas.id).vision == ""


def test_a_workshop_survives_an_app_restart(seed_dirs, tmp_path):
    data_dir = tmp_path / "data"
    first = g.launch_app(seed_dirs, data_dir)
    try:
        client = Client(first.url, verbose=False)
        owner = g.owner_of(first, client)
        panels = start(client)
        panels = answer(client, WHO, panels.chat)
        canvas_id = panels.canvas_id
        client.close()
    finally:
        first.close()

    second = g.launch_app(seed_dirs, data_dir)  # same data dir: nothing is copied over it
    try:
        assert second.url != first.url
        listed = second.container.workshop.list(owner)
        assert [s.id for s in listed] == [canvas_id]
        stored = second.container.workshop.get(owner, canvas_id)
        assert stored.raw_problem == PROBLEM
        assert stored.need.who == [WHO]  # one line the user wrote: one item (issue 25)
        reply = second.container.workshop.current(owner, canvas_id)
        assert reply.message.startswith("Velkommen tilbake!")
        assert reply.question.key == "need.consequences"
    finally:
        second.close()


def test_a_colleague_with_an_edit_link_works_on_the_owners_residents_form(client_for, app):
    """The residents' form belongs to the workshop: an editor opens, counts and exports the owner's
    form (the download is the editor's own); a reader may look but not open or close it."""
    owner, editor, reader = client_for(), client_for(), client_for()
    panels = start(owner, "Torget er tomt", "Lom")
    service = app.container.workshop
    for client, role in ((editor, "edit"), (reader, "read")):
        token = owner.predict(role, api_name="/workshop_share")[0].rsplit("=", 1)[1]
        service.join(g.owner_of(app, client), token)
        start(client, "Et eget verksted", "Lom")
        client.predict(panels.canvas_id, api_name="/workshop_resume")
    with pytest.raises(AppError, match="bare lese"):
        reader.predict(api_name="/residents_open")
    _status, link, *_ = editor.predict(api_name="/residents_open")
    form = app.container.residents.form_for_canvas(g.owner_of(app, owner), panels.canvas_id)
    assert form is not None and form.open and form.id in str(link)
    assert "0 innspill" in reader.predict(api_name="/residents_show")[0]
    exported = g.file_value(editor.predict(api_name="/residents_export_csv"))
    assert exported.read_text(encoding="utf-8-sig").startswith("id;created;")  # semicolons: Excel in Norway
