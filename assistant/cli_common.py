"""What every `gnist` command module shares (cli.py, cli_workshop.py, cli_db.py), so none imports another."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.catalog import TextCatalog
    from assistant.container import Container


def emit(text: str, out: str | None, written_message: str) -> None:
    """Print, or write to --out and say so."""
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
        print(written_message)
    else:
        print(text)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def container(settings: Settings) -> Container:
    # Imported late: building the container pulls in Chroma, the embedder and the database.
    from assistant.container import Container

    return Container(settings)


def catalog(settings: Settings) -> TextCatalog:
    return container(settings).catalog
