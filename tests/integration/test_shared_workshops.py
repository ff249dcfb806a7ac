"""Sharing a workshop on both databases (SQLite and a real PostgreSQL): capability links with roles,
revoking, each field's history with undo, comments, edits that collide keep both texts, colleagues
saving different fields at the same moment lose nothing, and erasure reaches all of it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from test_database import database  # noqa: F401 - the migrated database, on SQLite and PostgreSQL

from assistant.adapters.schema import canvas_comments, canvas_history, workshop_members, workshop_shares
from assistant.catalog import BUILT_IN
from assistant.workshop.service import LinkNotFound, NotAllowed, QuestionMoved, WorkshopError, WorkshopService
from assistant.workshop.store import CanvasNotFound

pytestmark = pytest.mark.integration

KARI, OLA, PER = "user:kari", "anon:" + "a" * 32, "user:per"


@pytest.fixture
def service(database) -> WorkshopService:
    return WorkshopService.from_settings(database, BUILT_IN)


@pytest.fixture
def canvas(service):
    return service.start(KARI, "Bjørkedal", "Sentrum er dødt etter klokka fire", "nb")


def rows(database, table) -> int:
    with database.connect() as db:
        return db.execute(select(func.count()).select_from(table)).scalar()


def test_a_link_lets_a_colleague_in_with_its_role_and_nobody_else(service, canvas):
    with pytest.raises(CanvasNotFound):
        service.get(OLA, canvas.id)
    edit = service.share(KARI, canvas.id, "edit")
    read = service.share(KARI, canvas.id, "read")
    assert len({edit.token, read.token}) == 2 and canvas.id not in edit.token and KARI not in edit.token
    assert len(edit.token) >= 32

    assert service.join(OLA, edit.token).id == canvas.id
    assert service.role(OLA, canvas.id) == "edit"
    assert service.join(PER, read.token).id == canvas.id
    assert service.role(PER, canvas.id) == "read"
    assert [(s.id, s.role) for s in service.list(OLA)] == [(canvas.id, "edit")]
    assert [s.role for s in service.list(KARI)] == ["owner"]
    assert {link.token: link.members for link in service.links(KARI, canvas.id)} == {edit.token: 1, read.token: 1}

    service.update_field(OLA, canvas.id, "why_now", "Butikken stengte i fjor.")
    assert service.get(KARI, canvas.id).why_now == "Butikken stengte i fjor."
    with pytest.raises(NotAllowed, match="bare lese"):
        service.update_field(PER, canvas.id, "why_now", "Noe annet")
    with pytest.raises(NotAllowed, match="bare lese"):
        service.submit(PER, canvas.id, "Unge mellom 16 og 25")
    with pytest.raises(NotAllowed, match="bare lese"):
        service.comment(PER, canvas.id, "why_now", "Stemmer dette?")
    assert service.current(PER, canvas.id).canvas.why_now == "Butikken stengte i fjor."  # reading is fine
    with pytest.raises(NotAllowed, match="eier"):
        service.share(OLA, canvas.id, "edit")
    with pytest.raises(NotAllowed):
        service.revoke(OLA, canvas.id, edit.id)
    with pytest.raises(LinkNotFound):
        service.join(OLA, "not-a-token")


def test_revoking_a_link_stops_it_and_everyone_who_came_in_through_it(service, canvas, database):
    link = service.share(KARI, canvas.id, "edit")
    other = service.share(KARI, canvas.id, "read")
    service.join(OLA, link.token)
    service.join(PER, other.token)
    assert service.revoke(KARI, canvas.id, link.id)
    with pytest.raises(CanvasNotFound):
        service.get(OLA, canvas.id)
    with pytest.raises(CanvasNotFound):
        service.revision(OLA, canvas.id)
    with pytest.raises(LinkNotFound):
        service.join(OLA, link.token)
    assert service.list(OLA) == []
    assert service.role(PER, canvas.id) == "read"  # the other link still works
    assert [link.token for link in service.links(KARI, canvas.id)] == [other.token]


def test_a_link_of_another_workshop_is_not_revoked_through_this_one(service, canvas, database):
    """The store's revoke checks which workshop a token belongs to: naming another workshop's token
    with one's own workshop removes neither that link nor anyone who joined through it."""
    mine = service.start(OLA, "Lom", "Torget er tomt etter stengetid")
    theirs = service.share(KARI, canvas.id, "edit")
    service.join(PER, theirs.token)
    assert not service.sharing.revoke(mine.id, theirs.token)
    assert not service.revoke(OLA, mine.id, theirs.id)
    assert service.role(PER, canvas.id) == "edit"
    assert [link.token for link in service.links(KARI, canvas.id)] == [theirs.token]


def test_every_change_has_a_history_and_undo_gives_the_previous_text_back(service, canvas):
    link = service.share(KARI, canvas.id, "edit")
    service.join(OLA, link.token)
    service.update_field(KARI, canvas.id, "need.statement", "Unge mangler et sted å være etter skolen.")
    service.update_field(OLA, canvas.id, "need.statement", "Unge mellom 13 og 18 mangler en møteplass.")
    history = service.history(KARI, canvas.id, "need.statement")
    assert [(h.author, h.kind, h.previous, h.value) for h in history] == [
        (OLA, "edit", "Unge mangler et sted å være etter skolen.", "Unge mellom 13 og 18 mangler en møteplass."),
        (KARI, "edit", "", "Unge mangler et sted å være etter skolen."),
    ]
    before = service.revision(OLA, canvas.id)
    undone = service.undo(KARI, canvas.id, "need.statement")
    assert undone.need.statement == "Unge mangler et sted å være etter skolen."
    assert service.revision(OLA, canvas.id) != before  # the colleague's page sees it
    assert service.history(OLA, canvas.id, "need.statement")[0].kind == "undo"
    service.undo(KARI, canvas.id, "need.statement")  # the undo is undone: the newer text is back
    assert service.get(KARI, canvas.id).need.statement == "Unge mellom 13 og 18 mangler en møteplass."

    # A list field back to empty, and a question that edits two fields (from → to)
    service.update_field(OLA, canvas.id, "barriers", "- Lang vei\n- Lite penger")
    assert service.undo(OLA, canvas.id, "barriers").barriers == []
    service.update_field(KARI, canvas.id, "reframing", "Fra: et kjøpesenter\nTil: et sentrum folk vil være i")
    assert {h.field for h in service.history(KARI, canvas.id, "reframing")} == {"reframing_from", "reframing_to"}
    with pytest.raises(WorkshopError, match="ingen endringer"):
        service.undo(KARI, canvas.id, "vision")


def test_the_chat_records_who_answered(service, canvas):
    link = service.share(KARI, canvas.id, "edit")
    service.join(OLA, link.token)
    question = service.current(OLA, canvas.id).canvas.current_step
    service.submit(OLA, canvas.id, "Ungdom, pendlere og eldre")
    changes = [h for path in ("need.who", "raw_problem") for h in service.history(KARI, canvas.id, path)]
    assert question == "problem" and changes and {h.author for h in changes} == {OLA}


def test_edits_that_collide_keep_both_texts_and_flag_the_field(service, canvas):
    link = service.share(KARI, canvas.id, "edit")
    service.join(OLA, link.token)
    service.update_field(KARI, canvas.id, "vision", "Et levende sentrum.")
    base = service.field_text(service.get(OLA, canvas.id), "vision")  # both open the field
    saved, conflict = service.edit_field(KARI, canvas.id, "vision", "Et levende sentrum for alle aldre.", base)
    assert not conflict
    saved, conflict = service.edit_field(OLA, canvas.id, "vision", "Et sentrum der unge vil bo.", base)
    assert conflict
    assert "Et levende sentrum for alle aldre." in saved.vision and "Et sentrum der unge vil bo." in saved.vision
    assert service.flagged(KARI, canvas.id) == {"vision"}
    assert service.history(KARI, canvas.id, "vision")[0].kind == "conflict"
    # Tidying the text clears the flag
    tidy = service.field_text(saved, "vision")
    service.edit_field(KARI, canvas.id, "vision", "Et levende sentrum der unge vil bo.", tidy)
    assert service.flagged(KARI, canvas.id) == set()

    # List fields keep every line once
    service.update_field(KARI, canvas.id, "resources", "- Kulturhuset")
    base = service.field_text(service.get(KARI, canvas.id), "resources")
    service.edit_field(KARI, canvas.id, "resources", "- Kulturhuset\n- Biblioteket", base)
    saved, conflict = service.edit_field(OLA, canvas.id, "resources", "- Kulturhuset\n- Idrettslaget", base)
    assert conflict and saved.resources == ["Kulturhuset", "Biblioteket", "Idrettslaget"]


def test_colleagues_saving_different_fields_at_once_lose_nothing(service, canvas):
    link = service.share(KARI, canvas.id, "edit")
    service.join(OLA, link.token)
    fields = ["why_now", "vision", "scenario_2030", "sustainability", "transfer_value", "raw_problem"]
    errors: list[Exception] = []

    def write(user: str, path: str) -> None:
        try:
            service.update_field(user, canvas.id, path, f"Tekst fra {user} i {path}.")
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(KARI if n % 2 else OLA, path)) for n, path in enumerate(fields)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    saved = service.get(KARI, canvas.id)
    for n, path in enumerate(fields):
        assert getattr(saved, path) == f"Tekst fra {KARI if n % 2 else OLA} i {path}."
        assert len(service.history(KARI, canvas.id, path)) == 1


def test_comments_are_kept_per_field_and_bounded(service, canvas):
    link = service.share(KARI, canvas.id, "edit")
    service.join(OLA, link.token)
    service.comment(OLA, canvas.id, "need.statement", "Har vi tall på dette?")
    shown = service.comment(KARI, canvas.id, "need.statement", "Ja, fra ungdata 2024.")
    assert [(c.author, c.text) for c in shown] == [(OLA, "Har vi tall på dette?"), (KARI, "Ja, fra ungdata 2024.")]
    assert service.comments(KARI, canvas.id, "vision") == []
    with pytest.raises(WorkshopError):
        service.comment(OLA, canvas.id, "vision", "   ")
    with pytest.raises(WorkshopError, match="for lang"):
        service.comment(OLA, canvas.id, "vision", "x" * 2001)


def test_erasure_reaches_links_members_history_and_comments(service, canvas, database):
    link = service.share(KARI, canvas.id, "edit")
    service.join(OLA, link.token)
    service.update_field(OLA, canvas.id, "vision", "Et levende sentrum.")
    service.comment(OLA, canvas.id, "vision", "Mitt forslag")
    mine = service.start(OLA, "Eikevik", "Fraflytting", "nb")
    service.update_field(OLA, mine.id, "vision", "Folk blir boende.")

    assert [(c["field"], c["text"]) for c in service.sharing.comments_by(OLA)] == [("vision", "Mitt forslag")]
    service.store.delete_all(OLA)  # the colleague deletes their data
    assert service.sharing.comments_by(OLA) == []
    assert service.list(OLA) == []
    assert service.comments(KARI, canvas.id, "vision") == []
    assert [h.author for h in service.history(KARI, canvas.id, "vision")] == [""]
    assert service.get(KARI, canvas.id).vision == "Et levende sentrum."  # the owner's canvas keeps its text
    assert rows(database, workshop_members) == 0

    service.store.delete_all(KARI)  # the owner deletes theirs: nothing of the workshop is left
    for table in (workshop_shares, workshop_members, canvas_history, canvas_comments):
        assert rows(database, table) == 0


def test_a_colleague_deleting_a_shared_workshop_only_leaves_it(service, canvas):
    link = service.share(KARI, canvas.id, "edit")
    service.join(OLA, link.token)
    assert service.delete(OLA, canvas.id)
    assert service.get(KARI, canvas.id).id == canvas.id
    with pytest.raises(CanvasNotFound):
        service.get(OLA, canvas.id)
    assert service.delete(KARI, canvas.id)
    with pytest.raises(LinkNotFound):
        service.join(OLA, link.token)


def test_an_answer_to_a_question_a_colleague_answered_first_is_not_filed_under_the_next(service, canvas):
    link = service.share(KARI, canvas.id, "edit")
    service.join(OLA, link.token)
    shown = service.current(OLA, canvas.id).canvas
    asked = (shown.current_step, shown.current_question)
    service.submit(KARI, canvas.id, "Ungdom og pendlere", asked)  # Kari answers first
    moved_to = service.get(OLA, canvas.id)
    with pytest.raises(QuestionMoved, match="Teksten din står fortsatt i feltet"):
        service.submit(OLA, canvas.id, "Eldre og barnefamilier", asked)
    after = service.get(KARI, canvas.id)
    assert after.need.who == moved_to.need.who and "Eldre og barnefamilier" not in after.model_dump_json()
    assert (after.current_step, after.current_question) == (moved_to.current_step, moved_to.current_question)


def test_a_colleague_is_welcomed_to_whose_workshop_it_is_once_then_welcomed_back(service, canvas):
    """Issue 25: a colleague opening a link for the first time was told «Velkomen tilbake! Vi held fram
    der du slapp.»."""
    link = service.share(KARI, canvas.id, "edit")
    first, is_first = service.open_link(PER, link.token, language="nn")
    assert is_first and first.message.startswith("Velkomen! kari har delt denne verkstaden med deg.")
    again, is_first = service.open_link(PER, link.token, language="nn")
    assert not is_first and again.message.startswith("Velkomen tilbake til verkstaden kari har delt med deg!")
    own, is_first = service.open_link(KARI, link.token, language="nb")
    assert not is_first and "har delt" not in own.message  # the owner following her own link


def test_a_colleague_works_in_their_own_language_and_the_workshop_keeps_its_own(service, canvas):
    link = service.share(KARI, canvas.id, "edit")
    reply, _ = service.open_link(PER, link.token, language="nn")
    nynorsk = {step.id: step for step in service.steps("nn")}
    assert reply.step is not None and reply.step.title == nynorsk[reply.step.id].title
    assert reply.question is not None and reply.question.text in reply.message
    answered = service.submit(PER, canvas.id, "- Unge mellom 16 og 25\n- Pendlarar", language="nn")
    assert answered.message.startswith("Takk! Eg noterte to punkt:")
    stored = service.get(KARI, canvas.id)
    assert stored.language == "nb" and stored.need.who == ["Unge mellom 16 og 25", "Pendlarar"]
    assert service.current(KARI, canvas.id, language="nn").message.startswith("Velkommen tilbake!")  # the owner's own


def test_the_conversation_so_far_is_read_back_from_the_canvas(service, canvas):
    ((first, problem),) = service.transcript(KARI, canvas.id)  # the problem the workshop was started with
    assert problem == "Sentrum er dødt etter klokka fire"
    asked = service.current(KARI, canvas.id).question
    service.submit(KARI, canvas.id, "Unge mellom 16 og 25, særlig de som pendler\nEldre som bor alene")
    assert service.transcript(KARI, canvas.id) == [
        (first, problem), (asked.text, "- Unge mellom 16 og 25, særlig de som pendler\n- Eldre som bor alene")]
    link = service.share(KARI, canvas.id, "read")
    service.join(PER, link.token)
    questions = [question for question, _ in service.transcript(PER, canvas.id, language="en")]
    assert questions[1] == next(q.text for step in service.steps("en") for q in step.questions if q.key == asked.key)
    with pytest.raises(CanvasNotFound):
        service.transcript(OLA, canvas.id)
