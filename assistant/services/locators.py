"""Where in a document a quote is, said in the asker's language («p. 1» in English, «s. 1» in
Norwegian). Loaders store the kind of place (page, paragraph, table, whole text) and its number
with each chunk; a Markdown file's heading path is its own text and stays as it is."""

from __future__ import annotations

from assistant.adapters.vectorstore import Hit
from assistant.catalog import TextCatalog
from assistant.services.language import Lang

PLACES = ("paragraph", "table", "text")


def localized_locator(hit: Hit, lang: Lang, prompts: TextCatalog) -> str:
    meta = hit.metadata
    if meta.get("kind") == "pdf" and meta.get("page") is not None:
        return prompts.message("locator.page", lang, page=meta["page"])
    place = meta.get("locator_kind")
    if place in PLACES:
        return prompts.message(f"locator.{place}", lang, number=meta.get("locator_number", ""))
    return hit.locator
