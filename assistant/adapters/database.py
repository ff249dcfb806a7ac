"""SQLite under the data dir: one short-lived connection per operation, so Gradio's worker
threads never share a connection."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Database:
    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as connection:
            connection.executescript(schema)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA journal_mode = WAL")
        # Deleted rows are overwritten, not left readable in free pages (the right to erasure).
        connection.execute("PRAGMA secure_delete = ON")
        try:
            with connection:
                yield connection
        finally:
            connection.close()

    def ping(self) -> None:
        with self.connect() as connection:
            connection.execute("SELECT 1")

    def reclaim(self, attempts: int = 50) -> bool:
        """After deleting personal data: copy the WAL (with the overwritten pages) back into the
        database and truncate it, so the deleted text is left in neither file. A reader still in
        progress blocks a full checkpoint, so it is retried briefly; False if it never completed."""
        for _ in range(attempts):
            with self.connect() as connection:
                busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return True
            time.sleep(0.1)
        return False
