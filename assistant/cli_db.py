"""Database commands for the `gnist` command line: `gnist db upgrade | current | check | downgrade`.

A rolling upgrade runs `gnist db upgrade` as a job of its own (with GNIST_MIGRATE_ON_START=false on
the replicas), and `gnist db check` tells whether this version of the code may run against the
database as it is. Exit codes of `check`: 0 usable, 1 the database needs `upgrade`, 2 incompatible.
"""

from __future__ import annotations

import sys

from assistant.adapters.database import Database, DowngradeRefused, SchemaIncompatible, SchemaStatus
from assistant.cli_common import catalog as _catalog
from assistant.settings import Settings

CHECK_EXIT = {"current": 0, "ahead_compatible": 0, "behind": 1, "ahead_incompatible": 2}


def _database(settings: Settings) -> Database:
    return Database(settings.effective_database_url, pool_size=1)


def describe(status: SchemaStatus, catalog, lang: str = "nb") -> str:
    """The schema state in words, for the operator (`gnist db current|check`, a refused start)."""
    return catalog.message(f"db.state.{status.state}", lang, database=status.database or "–", code=status.code or "–",
                           newer=", ".join(status.newer), blocking=", ".join(status.blocking))


def cmd_upgrade(args, settings: Settings) -> int:
    catalog = _catalog(settings)
    try:
        applied = _database(settings).migrate()
    except SchemaIncompatible as refused:
        print(describe(refused.status, catalog), file=sys.stderr)
        return 2
    print(catalog.message("db.upgraded" if applied else "db.nothing_to_do", "nb", revisions=", ".join(applied),
                          revision=_database(settings).revision() or "–"))
    return 0


def cmd_current(args, settings: Settings) -> int:
    print(describe(_database(settings).schema_status(), _catalog(settings)))
    return 0


def cmd_check(args, settings: Settings) -> int:
    status = _database(settings).schema_status()
    print(describe(status, _catalog(settings)), file=sys.stdout if status.usable else sys.stderr)
    return CHECK_EXIT[status.state]


def cmd_downgrade(args, settings: Settings) -> int:
    catalog = _catalog(settings)
    try:
        undone = _database(settings).downgrade(args.revision)
    except DowngradeRefused as refused:
        print(catalog.message("db.downgrade_refused", "nb", revision=str(refused)), file=sys.stderr)
        return 2
    print(catalog.message("db.downgraded", "nb", revision=args.revision, revisions=", ".join(undone) or "–"))
    return 0


def register(subparsers, say) -> None:
    """Add `gnist db …` to `gnist`'s subparsers; ``say(key)`` gives a help text."""
    db = subparsers.add_parser("db", help=say("db"))
    commands = db.add_subparsers(dest="db_command", required=True)
    commands.add_parser("upgrade", help=say("db_upgrade")).set_defaults(func=cmd_upgrade)
    commands.add_parser("current", help=say("db_current")).set_defaults(func=cmd_current)
    commands.add_parser("check", help=say("db_check")).set_defaults(func=cmd_check)
    downgrade = commands.add_parser("downgrade", help=say("db_downgrade"))
    downgrade.add_argument("revision", help=say("db_revision"))
    downgrade.set_defaults(func=cmd_downgrade)
