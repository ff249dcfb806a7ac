"""Permission decided in the services (issue 18, item 8): every use case called directly, without the
UI, as the workshop's owner, a colleague with an edit link, one with a read link, and a stranger.

One rule for all (services/authorization.py): the owner may do everything, an editor may change the
workshop and its residents' form and themes, a reader may look and export, a stranger learns nothing
(the workshop or form behaves as one that does not exist). Refusals are ``NotAllowed`` with the
catalog's message. The matrix runs on SQLite; the last test runs it once more on PostgreSQL.
"""

from __future__ import annotations

import pytest

from assistant.adapters.database import Database
from assistant.catalog import BUILT_IN
from assistant.services.admin import AdminService
from assistant.services.authorization import Actor, NotAllowed
from assistant.services.conversations import ConversationService
from assistant.services.residents import FormNotFound, ResidentInputService
from assistant.settings import Settings
from assistant.workshop.service import WorkshopService
from assistant.workshop.store import CanvasNotFound

OWNER, EDITOR, READER, STRANGER = "user:kari", "user:ola", "anon:" + "c" * 32, "user:eva"
ROLES = {"owner": OWNER, "edit": EDITOR, "read": READER, "stranger": STRANGER}
ALLOWED = {"read": {"owner", "edit", "read"}, "edit": {"owner", "edit"}, "owner": {"owner"}}


class World:
    """A workshop of OWNER shared with EDITOR (edit link) and READER (read link), its form open with
    one resident's input."""

    def __init__(self, database: Database, tmp_path) -> None:
        self.workshops = WorkshopService.from_settings(database, BUILT_IN)
        self.residents = ResidentInputService(database, Settings(data_dir=tmp_path / "data"), BUILT_IN,
                                              self.workshops.store, self.workshops.access)
        self.canvas = self.workshops.start(OWNER, "Bjørkedal", "Sentrum er tomt etter klokka fire", "nb")
        self.workshops.join(EDITOR, self.workshops.share(OWNER, self.canvas.id, "edit").token)
        self.workshops.join(READER, self.workshops.share(OWNER, self.canvas.id, "read").token)
        self.form = self.residents.open_form(OWNER, self.canvas.id)
        self.residents.submit(self.form.id, {"kritikk": "Et sted for ungdom på kvelden"})
        self.tmp_path = tmp_path


# (use case, what it needs, the call as `user`)
CASES = [
    ("workshop.get", "read", lambda w, u: w.workshops.get(u, w.canvas.id)),
    ("workshop.history", "read", lambda w, u: w.workshops.history(u, w.canvas.id, "vision")),
    ("workshop.comments", "read", lambda w, u: w.workshops.comments(u, w.canvas.id, "vision")),
    ("workshop.revision", "read", lambda w, u: w.workshops.revision(u, w.canvas.id)),
    ("workshop.update_field", "edit", lambda w, u: w.workshops.update_field(u, w.canvas.id, "vision", "Folk blir")),
    ("workshop.submit", "edit", lambda w, u: w.workshops.submit(u, w.canvas.id, "Unge mellom 16 og 25")),
    ("workshop.comment", "edit", lambda w, u: w.workshops.comment(u, w.canvas.id, "vision", "Stemmer dette?")),
    ("workshop.share", "owner", lambda w, u: w.workshops.share(u, w.canvas.id, "read")),
    ("workshop.links", "owner", lambda w, u: w.workshops.links(u, w.canvas.id)),
    ("workshop.revoke", "owner", lambda w, u: w.workshops.revoke(u, w.canvas.id, "0" * 16)),
    ("residents.form_for_canvas", "read", lambda w, u: w.residents.form_for_canvas(u, w.canvas.id)),
    ("residents.list_inputs", "read", lambda w, u: w.residents.list_inputs(u, w.form.id)),
    ("residents.count", "read", lambda w, u: w.residents.count(u, w.form.id)),
    ("residents.theme_items", "read", lambda w, u: w.residents.theme_items(u, w.form.id)),
    ("residents.theme_edits", "read", lambda w, u: w.residents.theme_edits(u, w.form.id)),
    ("residents.export_csv", "read", lambda w, u: w.residents.export_csv(u, w.form.id, w.tmp_path / f"{u[-4:]}.csv")),
    ("residents.open_form", "edit", lambda w, u: w.residents.open_form(u, w.canvas.id)),
    ("residents.close", "edit", lambda w, u: w.residents.close(u, w.form.id)),
    ("residents.reopen", "edit", lambda w, u: w.residents.reopen(u, w.form.id)),
    ("residents.add_theme_edit", "edit", lambda w, u: w.residents.add_theme_edit(
        u, w.form.id, {"op": "rename", "theme": "t1", "label": "Ungdom", "members": ["1"]})),
]


@pytest.fixture
def world(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'gnist.sqlite3'}")
    database.migrate()
    yield World(database, tmp_path)
    database.dispose()


def check(world: World, case, need: str, role: str) -> None:
    user = ROLES[role]
    if role in ALLOWED[need]:
        case(world, user)
    elif role == "stranger":  # no access: as if nothing existed
        with pytest.raises((CanvasNotFound, FormNotFound)):
            case(world, user)
    else:
        with pytest.raises(NotAllowed) as refused:
            case(world, user)
        assert refused.value.reason == ("read_only" if need == "edit" else "owner_only")
        assert str(refused.value) == BUILT_IN.workshop_message(refused.value.reason, "nb")
        assert refused.value.message(BUILT_IN, "en") == BUILT_IN.workshop_message(refused.value.reason, "en")


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("name, need, case", CASES, ids=[name for name, _need, _case in CASES])
def test_each_use_case_checks_the_acting_user(world, name, need, case, role):
    check(world, case, need, role)


def test_refusals_change_nothing(world):
    before = world.workshops.get(OWNER, world.canvas.id)
    for user in (READER, STRANGER):
        with pytest.raises((NotAllowed, CanvasNotFound, FormNotFound)):
            world.workshops.update_field(user, world.canvas.id, "vision", "Overtatt")
        with pytest.raises((NotAllowed, CanvasNotFound, FormNotFound)):
            world.residents.close(user, world.form.id)
        with pytest.raises((NotAllowed, CanvasNotFound, FormNotFound)):
            world.residents.add_theme_edit(user, world.form.id,
                                           {"op": "rename", "theme": "t1", "label": "X", "members": ["1"]})
    assert world.workshops.get(OWNER, world.canvas.id).vision == before.vision
    assert world.residents.form_for_canvas(OWNER, world.canvas.id).open
    assert world.residents.theme_edits(OWNER, world.form.id) == []
    # An editor's change is the workshop's: the owner sees the form closed by a colleague.
    world.residents.close(EDITOR, world.form.id)
    assert not world.residents.form_for_canvas(OWNER, world.canvas.id).open


def test_a_stranger_reaches_no_conversation_and_only_administrators_administer(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'gnist.sqlite3'}")
    database.migrate()
    try:
        conversations = ConversationService(database)
        mine = conversations.create(OWNER, "Hva koster Gnist?")
        assert conversations.get(STRANGER, mine.id) is None and conversations.messages(STRANGER, mine.id) == []
        assert not conversations.delete(STRANGER, mine.id) and conversations.get(OWNER, mine.id) is not None
        admin = AdminService(conversations, documents=None, catalog=BUILT_IN)
        for actor in (Actor(OWNER, "nn"), Actor(STRANGER, "en")):
            with pytest.raises(NotAllowed) as refused:
                admin.feedback(actor)
            assert (refused.value.message(BUILT_IN, actor.language)
                    == BUILT_IN.message("identity.not_admin", actor.language))
        assert admin.feedback(Actor("user:admin", admin=True)) == []
    finally:
        database.dispose()


def test_the_matrix_holds_on_postgresql(postgres_url, tmp_path):
    database = Database(postgres_url)
    database.migrate()
    try:
        world = World(database, tmp_path)
        for _name, need, case in CASES:
            for role in ROLES:
                check(world, case, need, role)
    finally:
        database.dispose()
