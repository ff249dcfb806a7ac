"""The backup procedure in docs/deploy.md §8, run as written (deploy/backup.sh and restore.sh, the
commands the guide shows) against a real PostgreSQL server and a real Chroma folder: the dump is
not empty, and a restore brings back a conversation and a user's document deleted after the backup."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from assistant.adapters.database import Database
from assistant.services.conversations import ConversationService
from assistant.settings import REPO_ROOT

pytestmark = pytest.mark.integration

GUIDE = REPO_ROOT / "docs" / "deploy.md"


def commands(script: Path) -> list[str]:
    """The script's command lines (no comments, no blank lines)."""
    return [line.strip() for line in script.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("name", ["backup.sh", "restore.sh"])
def test_the_guide_shows_the_scripts_commands(name):
    guide = GUIDE.read_text(encoding="utf-8")
    missing = [line for line in commands(REPO_ROOT / "deploy" / name) if line not in guide]
    assert missing == [], f"docs/deploy.md does not show these lines of deploy/{name}"


def _chroma(path: Path):
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def _stop_chroma() -> None:
    """As the guide asks: the Chroma server is stopped (here: this process lets go of the folder)
    while its folder is copied or put back."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def test_backup_and_restore_as_documented(postgres_url, tmp_path):
    database = Database(postgres_url)
    database.migrate()
    conversations = ConversationService(database)
    kept = conversations.create("user:kari", "Hva koster Gnist?")
    chroma_dir = tmp_path / "chroma"
    _chroma(chroma_dir).create_collection("u_kari").add(ids=["plan-1"], documents=["Kommuneplanen for Bjørkedal"],
                                                       embeddings=[[0.1, 0.2, 0.3]])
    _stop_chroma()
    environment = {**os.environ, "DATABASE_URL": postgres_url.replace("+psycopg", ""),
                   "CHROMA_DIR": str(chroma_dir), "BACKUP_DIR": str(tmp_path / "backups")}
    made = subprocess.run(["sh", str(REPO_ROOT / "deploy" / "backup.sh")], env=environment, capture_output=True,
                          text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert re.fullmatch(r"gnist-\d{8}T\d{6}Z", backup.name)
    assert (backup / "gnist.dump").stat().st_size > 1000 and (backup / "chroma.tar.gz").stat().st_size > 0

    # After the backup: the conversation and the document are deleted, something new is written.
    conversations.delete("user:kari", kept.id)
    _chroma(chroma_dir).delete_collection("u_kari")
    _stop_chroma()
    database.dispose()

    restored = subprocess.run(["sh", str(REPO_ROOT / "deploy" / "restore.sh")],
                              env=environment | {"BACKUP": str(backup)}, capture_output=True, text=True, timeout=300)
    assert restored.returncode == 0, restored.stderr
    database = Database(postgres_url)
    assert database.schema_status().state == "current"
    assert [c.title for c in ConversationService(database).list("user:kari")] == ["Hva koster Gnist?"]
    assert _chroma(chroma_dir).get_collection("u_kari").get(ids=["plan-1"])["documents"] == ["Kommuneplanen for "
                                                                                             "Bjørkedal"]
    database.dispose()
