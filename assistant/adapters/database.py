"""All user data through SQLAlchemy: a SQLite file in the data dir by default, PostgreSQL (psycopg 3)
for a shared deployment. The schema is Alembic's (``assistant/migrations``), brought up to date on
start under a lock, so replicas starting at once migrate once."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any fixed 64-bit number: the PostgreSQL advisory lock every replica takes while migrating.
MIGRATION_LOCK_KEY = 0x676E697374
log = logging.getLogger(__name__)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


class Database:
    def __init__(self, url: str, pool_size: int = 5) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(self.url, connect_args={"timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(self.url, pool_size=pool_size, pool_pre_ping=True)

    @classmethod
    def sqlite(cls, path: Path | str) -> Database:
        """A migrated SQLite database at ``path`` (tests and tools that work on one file)."""
        database = cls(sqlite_url(Path(path)))
        database.migrate()
        return database

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.begin() as connection:
            yield connection

    def upsert(self, table: Table, **values):
        """INSERT, or UPDATE the row with the same primary key (one statement, no race)."""
        keys = [column.name for column in table.primary_key]
        return self._insert(table, values).on_conflict_do_update(
            index_elements=keys, set_={k: v for k, v in values.items() if k not in keys})

    def insert_new(self, table: Table, **values):
        """INSERT unless a row with the same primary key exists (then nothing changes)."""
        return self._insert(table, values).on_conflict_do_nothing()

    def _insert(self, table: Table, values: dict):
        return (sqlite_insert if self.is_sqlite else postgresql_insert)(table).values(**values)

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    # -- schema ----------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply the migrations this database lacks; returns the revisions applied here (none when
        another replica got there first)."""
        applied: list[str] = []
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["on_version_apply"] = lambda *, step, **_: applied.append(step.up_revision_id)
        with self._migration_lock(), self.engine.begin() as connection:
            if not self.is_sqlite:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        if applied:
            log.info("database migrated: %s", ", ".join(applied))
        return applied

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @staticmethod
    def head() -> str | None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        return ScriptDirectory.from_config(config).get_current_head()

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        # PostgreSQL's lock is taken inside the migration's transaction; SQLite's DDL is
        # serialised with a lock file beside the database (replicas on one host).
        if not self.is_sqlite:
            yield
            return
        with FileLock(f"{self.url.database}.migrate.lock", timeout=120):
            yield

    # -- erasure ---------------------------------------------------------------------------

    def reclaim(self, tables: tuple[str, ...] = (), attempts: int = 50) -> bool:
        """After deleting personal data, leave no copy of it in the database files. SQLite (with
        ``secure_delete``): copy the WAL back and truncate it; a reader in progress blocks a full
        checkpoint, so it is retried briefly. PostgreSQL: VACUUM the tables, which removes the dead
        rows from their pages. False if it never completed."""
        if not self.is_sqlite:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                for table in tables:
                    connection.execute(text(f'VACUUM "{table}"'))
            return True
        for _ in range(attempts):
            with self.engine.connect() as connection:
                busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return True
            time.sleep(0.1)
        return False

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    # In WAL mode a commit survives a crash of the process without an fsync per transaction; only
    # a power cut can lose the last commits (three writes per answer made fsync the tail's cost).
    cursor.execute("PRAGMA synchronous = NORMAL")
    # Deleted rows are overwritten, not left readable in free pages (the right to erasure).
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.close()
