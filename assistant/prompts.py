"""Prompts and user-facing answer texts are data: files in prompts/, one per task and language."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from assistant.settings import Settings


class PromptLibrary:
    def __init__(self, prompts_dir: Path) -> None:
        self.prompts_dir = prompts_dir

    def _path(self, task: str, lang: str, suffix: str) -> Path:
        path = self.prompts_dir / f"{task}.{lang}.{suffix}"
        return path if path.exists() else self.prompts_dir / f"{task}.nb.{suffix}"

    def text(self, task: str, lang: str) -> str:
        return _read(self._path(task, lang, "md")).strip()

    def message(self, key: str, lang: str, **values) -> str:
        messages = json.loads(_read(self._path("messages", lang, "json")))
        return messages[key].format(**values)

    def bilingual(self, key: str, **values) -> str:
        """Bokmål and English in one text, where the user's language is not known (the login
        page, a refusal before the app runs)."""
        return f"{self.message(key, 'nb', **values)} / {self.message(key, 'en', **values)}"


# The repository's own prompts/ folder, for texts made where no container is at hand (an
# exception's Bokmål ``str()`` for the command line and the logs).
BUILT_IN = PromptLibrary(Settings.model_fields["prompts_dir"].default)


@lru_cache(maxsize=64)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")
