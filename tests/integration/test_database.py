"""The user database on both backends the product supports: a SQLite file (the default) and a real
PostgreSQL server (``initdb`` in a temp dir, see tests/postgres.py). Migrations, the services'
queries, erasure, and replicas that start at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import inspect, text

from assistant.adapters.database import Database
from assistant.services.answer import Answer
from assistant.services.conversations import ConversationService
from assistant.services.preferences import PreferenceService

pytestmark = pytest.mark.integration


@pytest.fixture
def database(database_url) -> Database:
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


def test_migrations_run_once_and_reach_head(database_url):
    database = Database(database_url)
    assert database.migrate() == ["0001", "0002", "0003", "0004", "0005", "0006"]
    assert database.migrate() == []
    assert database.revision() == Database.head() == "0006"
    tables = set(inspect(database.engine).get_table_names())
    assert {"conversations", "messages", "feedback", "preferences", "workshop_canvases", "sessions",
            "downloads", "resident_forms", "resident_inputs", "workshop_shares", "workshop_members",
            "canvas_history", "canvas_comments", "question_outcomes", "published_knowledge",
            "knowledge_edits"} <= tables


def test_a_data_dir_from_before_migrations_is_adopted_with_its_data(tmp_path):
    """Earlier releases created their tables themselves: the first migration keeps them and their rows."""
    path = tmp_path / "gnist.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript("""
            CREATE TABLE conversations (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,
                                        created TEXT NOT NULL, updated TEXT NOT NULL);
            CREATE TABLE preferences (owner TEXT PRIMARY KEY, language TEXT NOT NULL, updated TEXT NOT NULL);
            INSERT INTO conversations VALUES ('c1', 'kari', 'Hva koster Gnist?', '2026-01-01', '2026-01-01');
            INSERT INTO preferences VALUES ('kari', 'nn', '2026-01-01');
        """)
    database = Database.sqlite(path)
    assert database.revision() == Database.head()
    assert [c.title for c in ConversationService(database).list("kari")] == ["Hva koster Gnist?"]
    assert PreferenceService(database).language("kari") == "nn"


def test_conversations_feedback_and_erasure(database):
    conversations = ConversationService(database)
    talk = conversations.create("kari", "Hva koster det å delta i Gnist?")
    conversations.add_question("kari", talk.id, "Hva koster det å delta i Gnist?")
    answer_id = conversations.add_answer("kari", talk.id, Answer(
        "Hva koster det å delta i Gnist?", "200 000 kr per kommune.", [], "extractive", "nb", True, "kostnad"))
    other = conversations.create("ola", "Hvem kan søke?")

    stored = conversations.messages("kari", talk.id)
    assert [(m.role, m.id) for m in stored][1] == ("assistant", answer_id)
    assert conversations.messages("ola", talk.id) == []  # another owner sees nothing
    with pytest.raises(KeyError):
        conversations.add_question("ola", talk.id, "Kan jeg skrive her?")
    assert conversations.feedback_on("kari", talk.id, rating=1, comment=" Nyttig ")
    assert [(r["rating"], r["comment"], r["question"]) for r in conversations.export_feedback()] == [
        (1, "Nyttig", "Hva koster det å delta i Gnist?")]

    conversations.delete_owner("kari")
    assert conversations.list("kari") == [] and conversations.export_feedback() == []
    with database.connect() as c:  # the messages went with their conversation
        assert c.execute(text("SELECT count(*) FROM messages")).scalar() == 0
    assert [c.id for c in conversations.list("ola")] == [other.id]


def test_language_preference_is_one_row_per_owner(database):
    preferences = PreferenceService(database)
    assert preferences.language("kari") is None
    preferences.set_language("kari", "nn")
    preferences.set_language("kari", "en")
    assert preferences.app_language("kari") == "en"
    with database.connect() as c:
        assert c.execute(text("SELECT count(*) FROM preferences")).scalar() == 1
    preferences.delete_owner("kari")
    assert preferences.language("kari") is None


MIGRATE_IN_A_PROCESS = textwrap.dedent("""
    import sys, time
    from assistant.adapters.database import Database
    database = Database(sys.argv[1])
    while time.time() < float(sys.argv[2]):  # both processes start migrating at the same moment
        time.sleep(0.005)
    print(",".join(database.migrate()))
""")


def test_two_replicas_starting_at_once_migrate_once(database_url):
    import time

    start_at = str(time.time() + 3)
    replicas = [subprocess.Popen([sys.executable, "-c", MIGRATE_IN_A_PROCESS, database_url, start_at],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [replica.communicate(timeout=120) for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0], [err for _out, err in results]
    applied = sorted(out.strip() for out, _err in results)
    assert applied == ["", "0001,0002,0003,0004,0005,0006"]
    assert Database(database_url).revision() == Database.head()


def test_a_session_belongs_to_the_owner_who_used_it_first_on_every_replica(database):
    from assistant.services.sessions import SessionBindings

    replica_a, replica_b = SessionBindings(database), SessionBindings(Database(str(database.url)))
    assert replica_a.claim("sess-1", "kari") == "kari"
    assert replica_b.claim("sess-1", "ola") == "kari"  # a replayed session hash stays Kari's
    assert replica_b.claim("sess-1", "kari") == "kari"
    replica_a.delete_owner("kari")
    assert replica_b.claim("sess-1", "ola") == "ola"


def test_a_download_made_on_one_replica_is_served_by_another(database, tmp_path):
    from assistant.services.exports import ExportStore, owner_key

    secret = b"s" * 32
    made_on_a = ExportStore(tmp_path / "a" / "exports", secret, ttl_minutes=5, database=database)
    path = made_on_a.path_for("kari", "gnist-samtale.md")
    path.write_text("# Hva koster Gnist?\n", encoding="utf-8")
    made_on_a.share(path)

    # Replica B has its own cache folder at the same place (same data dir path on every host).
    relative = path.relative_to(tmp_path / "a")
    served_by_b = ExportStore(tmp_path / "b" / "exports", secret, ttl_minutes=5, database=database)
    on_b = tmp_path / "b" / relative
    assert served_by_b.belongs_to(on_b, "kari") and not served_by_b.belongs_to(on_b, "ola")
    assert served_by_b.restore(on_b) and on_b.read_text(encoding="utf-8") == "# Hva koster Gnist?\n"
    assert not served_by_b.restore(tmp_path / "b" / "exports" / owner_key(secret, "kari") / "x" / "nope.md")

    made_on_a.delete_owner("kari")
    on_b.unlink()
    assert not served_by_b.restore(on_b)  # deleting the user's data deletes it for every replica


def test_downloads_expire_in_the_database_too(database, tmp_path):
    import time

    from assistant.services.exports import ExportStore

    store = ExportStore(tmp_path / "exports", b"s" * 32, ttl_minutes=1, database=database)
    path = store.path_for("kari", "gnist-mine-data.json")
    path.write_text("{}", encoding="utf-8")
    store.share(path)
    store.expire(now=time.time() + 120)
    assert not path.exists() and not store.restore(path)
