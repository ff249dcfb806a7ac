"""The one text catalog: every text a user sees, in Bokmål, Nynorsk and English, read from files
(one per language) by one object that the container builds from settings and hands to every layer.

The files, by what they hold:

- ``prompts/messages.{lang}.json``: messages and errors of the services and the command line (``message``)
- ``prompts/{task}.{lang}.md``: prompt templates for the language model (``text``)
- ``prompts/workshop/{name}.{lang}.json`` and ``.md``: workshop texts and prompts (``workshop``,
  ``workshop_message``, ``workshop_text``)
- ``prompts/drafts/{name}.{lang}.json`` and ``.md``: draft templates (``drafts``, ``drafts_text``)
- ``assistant/ui/locales/{lang}.json``: the web page (``ui``)
- ``assistant/ui/locales/gradio.{lang}.json``: Gradio's own texts (buttons, toasts, upload areas,
  screen-reader labels), all of them in every language: Gradio ships none for Nynorsk and leaves
  some keys untranslated in Bokmål (``gradio_i18n``)

A text missing in Nynorsk or English falls back to Bokmål: a whole file, or one key of a table.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.settings import Settings

LANGUAGES = ("nb", "nn", "en")
FALLBACK = "nb"


class TextCatalog:
    def __init__(self, prompts_dir: Path | str, locales_dir: Path | str) -> None:
        self.prompts_dir = Path(prompts_dir)
        self.locales_dir = Path(locales_dir)
        self._files: dict[Path, str] = {}
        self._tables: dict[Path, dict] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> TextCatalog:
        return cls(settings.prompts_dir, settings.locales_dir)

    # Files, read once.

    def _path(self, folder: Path, name: str, lang: str, suffix: str) -> Path:
        lang = lang if lang in LANGUAGES else FALLBACK  # never a file name made of what a request says
        path = folder / ".".join(filter(None, (name, lang, suffix)))
        return path if path.exists() else folder / ".".join(filter(None, (name, FALLBACK, suffix)))

    def _file(self, folder: Path, name: str, lang: str, suffix: str = "md") -> str:
        path = self._path(folder, name, lang, suffix)
        if path not in self._files:
            self._files[path] = path.read_text(encoding="utf-8")
        return self._files[path]

    def _table(self, folder: Path, name: str, lang: str) -> dict:
        path = self._path(folder, name, lang, "json")
        if path not in self._tables:
            self._tables[path] = json.loads(self._file(folder, name, lang, "json"))
        return self._tables[path]

    def _lookup(self, folder: Path, name: str, key: str, lang: str, values: dict) -> str:
        text = self._table(folder, name, lang).get(key)
        if not text:
            text = self._table(folder, name, FALLBACK)[key]
        return text.format(**values)

    # Messages, errors and prompts of the services (prompts/).

    def message(self, key: str, lang: str, **values) -> str:
        return self._lookup(self.prompts_dir, "messages", key, lang, values)

    def bilingual(self, key: str, **values) -> str:
        """Bokmål and English in one text, where the user's language is not known (the login
        page, a refusal before the app runs)."""
        return f"{self.message(key, 'nb', **values)} / {self.message(key, 'en', **values)}"

    def text(self, task: str, lang: str) -> str:
        """A prompt template for the language model, prompts/{task}.{lang}.md."""
        return self._file(self.prompts_dir, task, lang).strip()

    # The web page (assistant/ui/locales/).

    def ui(self, key: str, lang: str, **values) -> str:
        """A text of the page, or of a message made while the app runs (toasts, progress)."""
        return self._lookup(self.locales_dir, "", key, lang, values)

    def ui_table(self, lang: str) -> dict[str, str]:
        return self._table(self.locales_dir, "", lang)

    def gradio_table(self, lang: str) -> dict[str, str]:
        return self._table(self.locales_dir, "gradio", lang)

    def gradio_i18n(self):
        """The page's texts and Gradio's own for gr.I18n; browsers that ask for Norwegian without a
        written form ("no") get Bokmål, the default."""
        import gradio as gr

        tables = {lang: {**self.gradio_table(lang), **self.ui_table(lang)} for lang in LANGUAGES}
        return gr.I18n(**tables, no=tables[FALLBACK])

    # The workshop (prompts/workshop/) and its drafts (prompts/drafts/).

    def workshop(self, name: str, lang: str) -> dict:
        return self._table(self.prompts_dir / "workshop", name, lang)

    def workshop_message(self, key: str, lang: str, **values) -> str:
        return self._lookup(self.prompts_dir / "workshop", "messages", key, lang, values)

    def workshop_text(self, name: str, lang: str) -> str:
        return self._file(self.prompts_dir / "workshop", name, lang).strip()

    def drafts(self, name: str, lang: str) -> dict:
        return self._table(self.prompts_dir / "drafts", name, lang)

    def drafts_text(self, name: str, lang: str) -> str:
        return self._file(self.prompts_dir / "drafts", name, lang).strip()


# The repository's own texts, for a text made where no container is at hand: an exception's
# Bokmål ``str()`` (command line, logs) and the default of workshop functions called on their own
# (tests, scripts). The app and the command line pass the container's catalog.
BUILT_IN = TextCatalog.from_settings(Settings.model_construct())
