"""Residents' input on both databases (SQLite and a real PostgreSQL): forms owned through the canvas
store, validation, masking before storing, duplicates stored once, exports, and erasure."""

from __future__ import annotations

import csv
import threading

import numpy as np
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from test_database import database  # noqa: F401 - the migrated database, on SQLite and PostgreSQL

from assistant.adapters.database import Database
from assistant.adapters.schema import resident_inputs
from assistant.catalog import BUILT_IN
from assistant.services.residents import AGE_GROUPS, FormClosed, FormNotFound, InvalidInput, ResidentInputService
from assistant.settings import Settings
from assistant.workshop.canvas import Canvas
from assistant.workshop.store import CanvasNotFound, CanvasStore

pytestmark = pytest.mark.integration


@pytest.fixture
def service(database, tmp_path) -> ResidentInputService:
    return ResidentInputService(database, Settings(data_dir=tmp_path / "data", resident_max_chars=200), BUILT_IN)


def canvas_for(database, owner: str, language: str = "nb") -> Canvas:
    canvas = Canvas(owner=owner, municipality="Bjørkedal", raw_problem="Sentrum er dødt etter klokka fire",
                    language=language)
    return CanvasStore(database).create(canvas)


def test_migrations_create_both_residents_tables(database):
    from sqlalchemy import inspect

    assert database.revision() == Database.head()
    assert {"resident_forms", "resident_inputs"} <= set(inspect(database.engine).get_table_names())


def test_a_form_belongs_to_the_owner_of_its_workshop(service, database):
    canvas = canvas_for(database, "anon:kari", language="nn")
    form = service.open_form("anon:kari", canvas.id)
    assert form.open and form.language == "nn" and form.canvas_id == canvas.id
    assert "kari" not in form.id and len(form.id) >= 20
    assert service.open_form("anon:kari", canvas.id).id == form.id  # one form per workshop
    with pytest.raises(CanvasNotFound):
        service.open_form("anon:ola", canvas.id)
    for call in (lambda: service.close("anon:ola", form.id), lambda: service.list_inputs("anon:ola", form.id),
                 lambda: service.count("anon:ola", form.id)):
        with pytest.raises(FormNotFound):
            call()
    assert service.get(form.id).id == form.id
    assert service.get("not-a-token") is None and service.get("x" * 22) is None


def test_submit_validates_masks_and_stores_once(service, database):
    form = service.open_form("anon:kari", canvas_for(database, "anon:kari").id)
    with pytest.raises(InvalidInput) as empty:
        service.submit(form.id, {"kritikk": "  ", "drommen": ""})
    assert empty.value.errors == {"form": "res.error.empty"}
    with pytest.raises(InvalidInput) as wrong:
        service.submit(form.id, {"kritikk": "x" * 201}, age_group="99", place="p" * 81)
    assert wrong.value.errors == {"kritikk": "res.error.too_long", "age_group": "res.error.age_group",
                                  "place": "res.error.place_too_long"}

    first = service.submit(form.id, {"kritikk": "Et sted å møtes. Ring meg på 912 34 567 eller kari@example.no",
                                     "drommen": "Badstue på kaia"}, age_group=AGE_GROUPS[1], place="Torget",
                                     language="nb")
    assert first.stored and first.masked
    again = service.submit(form.id, {"kritikk": "et sted å møtes!  ring meg på 912 34 567 eller KARI@example.no",
                                     "drommen": "Badstue på kaia."}, language="nb")
    assert not again.stored and again.masked  # the same words: accepted, stored once
    other = service.submit(form.id, {"positivitet": "Fjorden og 200 000 kr til lag og foreninger i 2027"},
                           language="en")
    assert other.stored and not other.masked

    stored = service.list_inputs("anon:kari", form.id)
    assert [item.id for item in stored] == sorted((item.id for item in stored), reverse=True)
    assert service.count("anon:kari", form.id) == 2
    kritikk = stored[1].answers["kritikk"]
    assert "912" not in kritikk and "@" not in kritikk and "[telefonnummer fjernet]" in kritikk
    assert stored[1].age_group == "16-19" and stored[1].place == "Torget" and stored[1].masked
    assert stored[0].answers["positivitet"] == "Fjorden og 200 000 kr til lag og foreninger i 2027"
    assert service.counts("anon:kari") == {form.canvas_id: 2}
    with database.connect() as c:  # nothing in the database but the masked text
        everything = " ".join(str(value) for row in c.execute(select(resident_inputs)).all() for value in row)
    assert "912 34 567" not in everything and "kari@example.no" not in everything


def test_a_closed_form_takes_nothing_until_reopened(service, database):
    form = service.open_form("anon:kari", canvas_for(database, "anon:kari").id)
    assert not service.close("anon:kari", form.id).open
    with pytest.raises(FormClosed):
        service.submit(form.id, {"kritikk": "Lys i gatene"})
    assert service.reopen("anon:kari", form.id).open
    assert service.submit(form.id, {"kritikk": "Lys i gatene"}).stored
    with pytest.raises(FormNotFound):
        service.submit("A" * 22, {"kritikk": "Lys i gatene"})


def test_concurrent_submissions_are_all_stored(service, database):
    form = service.open_form("anon:kari", canvas_for(database, "anon:kari").id)
    errors = []

    def send(i: int) -> None:
        try:
            service.submit(form.id, {"drommen": f"Idé nummer {i}: en benk ved sjøen"})
            service.submit(form.id, {"virkeliggjoring": "Dugnad på lørdag"})  # the same from everyone
        except Exception as error:  # noqa: BLE001 - collected, asserted
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert service.count("anon:kari", form.id) == 21


def test_exports_open_in_excel_with_norwegian_letters(service, database, tmp_path):
    form = service.open_form("anon:kari", canvas_for(database, "anon:kari").id)
    service.submit(form.id, {"kritikk": "Møteplass for unge; «kafé» i sentrum", "positivitet": "=1+1"},
                   age_group="67plus")
    service.submit(form.id, {"drommen": "Båthavn\nmed badstue"}, place="Øvre Å")
    raw = service.export_csv("anon:kari", form.id, tmp_path / "innspill.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True), delimiter=";"))
    assert [row["kritikk"] for row in rows] == ["Møteplass for unge; «kafé» i sentrum", ""]
    assert rows[0]["positivitet"] == "'=1+1" and rows[1]["drommen"] == "Båthavn\nmed badstue"
    assert rows[1]["place"] == "Øvre Å" and rows[0]["age_group"] == "67plus"
    sheet = load_workbook(service.export_xlsx("anon:kari", form.id, tmp_path / "innspill.xlsx")).active
    values = list(sheet.values)
    assert values[0][:4] == ("id", "created", "language", "kritikk")
    assert values[1][3] == "Møteplass for unge; «kafé» i sentrum" and values[2][8] == "Øvre Å"


def test_erasure_removes_forms_and_inputs(service, database):
    kari = service.open_form("anon:kari", canvas_for(database, "anon:kari").id)
    ola = service.open_form("anon:ola", canvas_for(database, "anon:ola").id)
    service.submit(kari.id, {"kritikk": "Hemmelig innspill om Kirkegata"})
    service.submit(ola.id, {"kritikk": "Ola sitt innspill"})
    exported = service.export_owner("anon:kari")
    assert exported[0]["inputs"][0]["kritikk"] == "Hemmelig innspill om Kirkegata"
    assert service.delete_owner("anon:kari") == 1
    assert service.get(kari.id) is None and service.export_owner("anon:kari") == []
    assert service.count("anon:ola", ola.id) == 1
    with database.connect() as c:
        assert c.execute(select(resident_inputs.c.form_id)).scalars().all() == [ola.id]


def _wait_for_vectors(service, owner: str, token: str, count: int) -> dict:
    """The background embedding of new inputs has no deadline to meet; the test waits generously."""
    import time

    deadline = time.monotonic() + 300
    while len(kept := service.theme_vectors(owner, token)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return kept


def test_an_input_is_embedded_when_it_arrives_and_grouping_reuses_it(database, tmp_path, embedder):
    from assistant.services import themes

    service = ResidentInputService(database, Settings(data_dir=tmp_path / "data"), BUILT_IN, embeddings=embedder)
    form = service.open_form("anon:kari", canvas_for(database, "anon:kari").id)
    sent = ["Det finst ingen utleigebustader for unge i sentrum", "Bussen går for sjelden til byen",
            "Vi mangler leiligheter unge har råd til", "Busstilbodet om kvelden er altfor dårleg"]
    for text in sent:
        service.submit(form.id, {"kritikk": text})
    kept = _wait_for_vectors(service, "anon:kari", form.id, len(sent))
    items, _questions = service.theme_items("anon:kari", form.id)
    assert sorted(kept) == sorted(item_id for item_id, _text in items)
    for item_id, text in items:  # the vector grouping would make itself
        assert np.allclose(kept[item_id], themes.input_vector(text, embedder), atol=1e-5)
    with pytest.raises(FormNotFound):
        service.theme_vectors("anon:ola", form.id)

    newly_embedded: list[str] = []
    reused = themes.group(items, embedder, known=kept, embedded=lambda vectors: newly_embedded.extend(vectors))
    fresh = themes.group(items, embedder)
    assert newly_embedded == []
    assert [(t.label, t.members) for t in reused] == [(t.label, t.members) for t in fresh]

    # An input whose vector is missing (made by another embedder, or never) is embedded by the
    # grouping, and what it computed is kept.
    missing = items[0][0]
    partial = {key: vector for key, vector in kept.items() if key != missing}

    def keep(vectors: dict) -> None:
        service.keep_vectors("anon:kari", form.id, vectors)
        newly_embedded.extend(vectors)

    themes.group(items, embedder, known=partial, embedded=keep)
    assert newly_embedded == [missing]
    assert sorted(service.theme_vectors("anon:kari", form.id)) == sorted(kept)

    # Erasure takes the vectors with the inputs.
    service.delete_owner("anon:kari")
    with database.connect() as c:
        assert c.execute(select(resident_inputs.c.vector)).scalars().all() == []
