"""All user data through SQLAlchemy: a SQLite file in the data dir by default, PostgreSQL (psycopg 3)
for a shared deployment. The schema is Alembic's (``assistant/migrations``), brought up to date on
start under a lock (so replicas starting at once migrate once), or by a separate job
(``gnist db upgrade``).

Rolling upgrades: every revision file says whether code of the revision before it keeps working
against its schema (``backward_compatible = True``: an *expand* step: new tables, nullable columns,
indexes) or not (a *contract* step: drops, renames, new constraints). Migrating records each applied
revision with that marker in ``gnist_schema_revisions``, so an older replica, which has no file for
a newer revision, can still tell from the database whether it may run against it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from filelock import FileLock
from sqlalchemy import Boolean, Column, Connection, Engine, MetaData, String, Table, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any fixed 64-bit number: the PostgreSQL advisory lock every replica takes while migrating.
MIGRATION_LOCK_KEY = 0x676E697374
log = logging.getLogger(__name__)

# Kept beside Alembic's own alembic_version, by this module (not by a migration): what each applied
# revision is, for code that has no file for it.
_REVISIONS = Table(
    "gnist_schema_revisions", MetaData(),
    Column("revision", String, primary_key=True),
    Column("down_revision", String, nullable=True),
    Column("backward_compatible", Boolean, nullable=False),
)

SchemaState = Literal["current", "behind", "ahead_compatible", "ahead_incompatible"]


@dataclass(frozen=True)
class SchemaStatus:
    """The database's schema against this code's migrations. ``newer``: revisions in the database
    this code has no file for; ``blocking``: those of them not marked backward compatible (or
    unknown to the database's own record)."""

    database: str | None
    code: str | None
    state: SchemaState
    newer: tuple[str, ...] = ()
    blocking: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """This code may serve requests against the database as it is."""
        return self.state in ("current", "ahead_compatible")


class SchemaIncompatible(RuntimeError):
    """The database has revisions this code cannot run against (a contract step it does not know)."""

    def __init__(self, status: SchemaStatus) -> None:
        super().__init__(f"database schema {status.database} is not compatible with this code's {status.code} "
                         f"(not backward compatible: {', '.join(status.blocking)})")
        self.status = status


class DowngradeRefused(RuntimeError):
    """A downgrade to a revision this code does not know, or through one that cannot be undone."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


class Database:
    def __init__(self, url: str, pool_size: int = 5, migrations_dir: Path = MIGRATIONS_DIR) -> None:
        self.migrations_dir = Path(migrations_dir)
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            Path(self.url.database or "").parent.mkdir(parents=True, exist_ok=True)
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
        another replica got there first, or when the database is already ahead of this code and
        compatible with it). Raises SchemaIncompatible when it is ahead and not compatible."""
        applied: list[str] = []
        config = self._config()
        config.attributes["on_version_apply"] = lambda *, step, **_: applied.append(step.up_revision_id)
        with self._locked() as connection:
            status = self._status(connection)
            if status.state == "ahead_incompatible":
                raise SchemaIncompatible(status)
            if status.state == "ahead_compatible":
                log.info("database schema %s is newer than this code's %s and backward compatible: not migrating",
                         status.database, status.code)
                return []
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            self._record(connection)
        if applied:
            log.info("database migrated: %s", ", ".join(applied))
        return applied

    def downgrade(self, target: str) -> list[str]:
        """Undo revisions down to ``target`` (a rollback); returns those undone. Refused when the
        database has revisions this code does not know (downgrade with the newer code) or a
        revision on the way has no downgrade."""
        undone: list[str] = []
        config = self._config()
        config.attributes["on_version_apply"] = lambda *, step, **_: undone.append(step.up_revision_id)
        scripts = self._scripts()
        with self._locked() as connection:
            status = self._status(connection)
            if status.newer or (target != "base" and not _known(scripts, target)):
                raise DowngradeRefused(target)
            for script in scripts.iterate_revisions(status.database, target):
                if script.revision != target and not getattr(script.module, "reversible", True):
                    raise DowngradeRefused(script.revision)
            config.attributes["connection"] = connection
            command.downgrade(config, target)
            self._record(connection)
        log.info("database downgraded to %s", target)
        return undone

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def schema_status(self) -> SchemaStatus:
        with self.engine.connect() as connection:
            return self._status(connection)

    @staticmethod
    def head(migrations_dir: Path = MIGRATIONS_DIR) -> str | None:
        return ScriptDirectory.from_config(_config(migrations_dir)).get_current_head()

    def _config(self) -> Config:
        return _config(self.migrations_dir)

    def _scripts(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(self._config())

    def _status(self, connection: Connection) -> SchemaStatus:
        scripts = self._scripts()
        code = scripts.get_current_head()
        current = MigrationContext.configure(connection).get_current_revision()
        known = {script.revision for script in scripts.walk_revisions()}
        if current == code:
            return SchemaStatus(current, code, "current")
        if current is None or current in known:
            return SchemaStatus(current, code, "behind")
        # Newer than this code: walk the database's record back to a revision this code knows.
        recorded = {} if _REVISIONS.name not in _table_names(connection) else {
            row.revision: row for row in connection.execute(_REVISIONS.select())}
        newer, blocking, revision = [], [], current
        while revision is not None and revision not in known:
            newer.append(revision)
            row = recorded.get(revision)
            if row is None:  # migrated by code that kept no record: nothing says it is compatible
                blocking.append(revision)
                break
            if not row.backward_compatible:
                blocking.append(revision)
            revision = row.down_revision
        if revision != code and not blocking:  # built on another line of revisions than this code's
            blocking.append(current)
        state: SchemaState = "ahead_incompatible" if blocking else "ahead_compatible"
        return SchemaStatus(current, code, state, tuple(newer), tuple(blocking))

    def _record(self, connection: Connection) -> None:
        """The applied revisions (this code's chain up to the database's revision) with their marker."""
        _REVISIONS.create(connection, checkfirst=True)
        scripts = self._scripts()
        current = MigrationContext.configure(connection).get_current_revision()
        applied = {script.revision: script for script in scripts.iterate_revisions(current, "base")} if current else {}
        for revision, script in applied.items():
            connection.execute(self.upsert(_REVISIONS, revision=revision, down_revision=script.down_revision,
                                           backward_compatible=bool(getattr(script.module, "backward_compatible",
                                                                            False))))
        undone = [script.revision for script in scripts.walk_revisions() if script.revision not in applied]
        if undone:
            connection.execute(_REVISIONS.delete().where(_REVISIONS.c.revision.in_(undone)))

    @contextmanager
    def _locked(self) -> Iterator[Connection]:
        """A transaction that holds the migration lock (one schema change at a time)."""
        with self._migration_lock(), self.engine.begin() as connection:
            if not self.is_sqlite:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            yield connection

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
                busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
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


def _config(migrations_dir: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    return config


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:  # not a revision of this code (or ambiguous)
        return False


def _table_names(connection: Connection) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(connection).get_table_names())
