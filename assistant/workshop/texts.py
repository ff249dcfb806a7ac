"""User-facing workshop texts are data: JSON and Markdown files in prompts/workshop/ and
prompts/drafts/, one per language, with Bokmål as the fallback."""

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


def _localised(base: Path, name: str, lang: str, ext: str) -> Path:
    path = base / f"{name}.{lang}.{ext}"
    return path if path.exists() else base / f"{name}.nb.{ext}"


def load(name: str, lang: str, prompts_dir: Path | str | None = None, drafts: bool = False) -> dict:
    """prompts/workshop/{name}.{lang}.json (prompts/drafts/ with ``drafts``), falling back to Bokmål."""
    base = drafts_dir(prompts_dir) if drafts else workshop_dir(prompts_dir)
    return _load_json(_localised(base, name, lang, "json"))


def message(key: str, lang: str, prompts_dir: Path | str | None = None, **values) -> str:
    messages = load("messages", lang, prompts_dir)
    if key not in messages:
        messages = load("messages", "nb", prompts_dir)
    return messages[key].format(**values)


def text_file(name: str, lang: str, prompts_dir: Path | str | None = None, drafts: bool = False) -> str:
    base = drafts_dir(prompts_dir) if drafts else workshop_dir(prompts_dir)
    return _localised(base, name, lang, "md").read_text(encoding="utf-8").strip()
