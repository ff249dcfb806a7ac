"""User-facing workshop texts are data: JSON files in prompts/workshop/, one per language."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from assistant.settings import REPO_ROOT

DEFAULT_WORKSHOP_DIR = REPO_ROOT / "prompts" / "workshop"
DEFAULT_DRAFTS_DIR = REPO_ROOT / "prompts" / "drafts"


def workshop_dir(prompts_dir: Path | str | None = None) -> Path:
    """prompts_dir may be the prompts/ root or prompts/workshop itself."""
    if prompts_dir is None:
        return DEFAULT_WORKSHOP_DIR
    path = Path(prompts_dir)
    return path / "workshop" if (path / "workshop").is_dir() else path


def drafts_dir(prompts_dir: Path | str | None = None) -> Path:
    if prompts_dir is None:
        return DEFAULT_DRAFTS_DIR
    path = Path(prompts_dir)
    if (path / "drafts").is_dir():
        return path / "drafts"
    if path.name == "workshop" and (path.parent / "drafts").is_dir():
        return path.parent / "drafts"
    return path


@lru_cache(maxsize=32)
def _load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def load(name: str, lang: str, prompts_dir: Path | str | None = None) -> dict:
    """prompts/workshop/{name}.{lang}.json, falling back to Bokmål."""
    base = workshop_dir(prompts_dir)
    path = base / f"{name}.{lang}.json"
    if not path.exists():
        path = base / f"{name}.nb.json"
    return _load_json(path)


def message(key: str, lang: str, prompts_dir: Path | str | None = None, **values) -> str:
    messages = load("messages", lang, prompts_dir)
    if key not in messages:
        messages = load("messages", "nb", prompts_dir)
    return messages[key].format(**values)


def text_file(name: str, lang: str, prompts_dir: Path | str | None = None) -> str:
    base = workshop_dir(prompts_dir)
    path = base / f"{name}.{lang}.md"
    if not path.exists():
        path = base / f"{name}.nb.md"
    return path.read_text(encoding="utf-8").strip()
