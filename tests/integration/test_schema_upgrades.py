"""Rolling upgrades on both databases: a newer release's revision, written here into a copy of the
migrations folder (never into assistant/migrations), is applied; this code, which has no file for
it, runs against that schema when the revision is marked backward compatible and refuses with a
clear state otherwise; the newer release rolls back; `gnist db` reports and migrates."""

from __future__ import annotations

import subprocess
import sys

import pytest
from schema_release import NEWER, newer_release
from sqlalchemy import inspect

from assistant.adapters.database import (
    Database,
    DowngradeRefused,
    SchemaIncompatible,
)
from assistant.services.conversations import ConversationService

pytestmark = pytest.mark.integration

def test_this_code_runs_against_a_newer_additive_schema_and_the_newer_release_rolls_back(database_url, tmp_path):
    Database(database_url).migrate()
    newer = Database(database_url, migrations_dir=newer_release(tmp_path, backward_compatible=True))
    assert newer.migrate() == [NEWER]
    assert "reactions" in inspect(newer.engine).get_table_names()

    # This release (an old replica during the rollout, or after a rollback of the code): no file
    # for 9001, yet it starts, does not migrate, and works.
    this = Database(database_url)
    status = this.schema_status()
    assert (status.state, status.database, status.code, status.newer) == (
        "ahead_compatible", NEWER, Database.head(), (NEWER,))
    assert status.usable
    assert this.migrate() == []
    conversations = ConversationService(this)
    conversation = conversations.create("kari", "Hva koster Gnist?")
    assert [c.id for c in conversations.list("kari")] == [conversation.id]

    # This code cannot undo a revision it has no file for; the newer release can.
    with pytest.raises(DowngradeRefused):
        this.downgrade(Database.head())
    assert newer.downgrade(Database.head()) == [NEWER]
    assert "reactions" not in inspect(newer.engine).get_table_names()
    assert this.schema_status().state == "current"
    assert [c.id for c in conversations.list("kari")] == [conversation.id]  # the data survived
    for database in (newer, this):
        database.dispose()


def test_this_code_refuses_a_newer_schema_that_is_not_backward_compatible(database_url, tmp_path):
    Database(database_url).migrate()
    newer = Database(database_url, migrations_dir=newer_release(tmp_path, backward_compatible=False,
                                                                reversible=False))
    newer.migrate()
    this = Database(database_url)
    status = this.schema_status()
    assert (status.state, status.blocking, status.usable) == ("ahead_incompatible", (NEWER,), False)
    with pytest.raises(SchemaIncompatible) as refused:
        this.migrate()
    assert refused.value.status == status
    with pytest.raises(DowngradeRefused):  # its downgrade cannot bring the dropped data back
        newer.downgrade(Database.head())
    for database in (newer, this):
        database.dispose()


def test_an_older_database_is_behind_until_upgraded(database_url):
    database = Database(database_url)
    assert database.schema_status().state == "behind"
    assert database.migrate()
    assert database.schema_status().state == "current"
    previous = database.downgrade("0004")
    assert previous == ["0006", "0005"] and database.schema_status().state == "behind"
    assert database.migrate() == ["0005", "0006"]
    database.dispose()


def test_gnist_db_commands(tmp_path):
    env = {"GNIST_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}

    def gnist(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "assistant.cli", "db", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    assert gnist("check").returncode == 1  # a new database: nothing applied yet
    upgraded = gnist("upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert Database.head() in upgraded.stdout
    assert gnist("upgrade").returncode == 0
    checked = gnist("check")
    assert checked.returncode == 0 and Database.head() in checked.stdout
    assert gnist("downgrade", "0003").returncode == 0
    assert "0003" in gnist("current").stdout and gnist("check").returncode == 1
    refused = gnist("downgrade", "nonsense")
    assert refused.returncode == 2 and "nonsense" in refused.stderr and "Traceback" not in refused.stderr
