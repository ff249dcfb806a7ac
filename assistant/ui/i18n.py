"""UI translations (gr.I18n) from the JSON files beside this module: Bokmål, Nynorsk, English."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import gradio as gr

LOCALES_DIR = Path(__file__).parent / "locales"
UI_LANGUAGES = ("nb", "nn", "en")


@lru_cache(maxsize=1)
def translations() -> dict[str, dict[str, str]]:
    return {lang: json.loads((LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8")) for lang in UI_LANGUAGES}


def build_i18n() -> gr.I18n:
    table = translations()
    # Browsers that ask for Norwegian without a written form ("no") get Bokmål, the default.
    return gr.I18n(**table, no=table["nb"])


def ui_text(key: str, lang: str, **values) -> str:
    """A text for messages made while the app runs (toasts, progress), in the user's language."""
    table = translations()
    text = table.get(lang, table["nb"]).get(key) or table["nb"][key]
    return text.format(**values)
