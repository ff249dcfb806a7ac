"""An optional pass by a language model over each prose paragraph of a draft.

A paragraph is replaced only when the model's version keeps every fact of the template text:
names, numbers, dates, quotes and gap markers («[Mangler: …]»). On anything else (a dropped
date, a new claim that makes it much longer, an error) the template text stands.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.workshop import grammar
from assistant.workshop.document import Document
from assistant.workshop.llm import message_text

log = logging.getLogger(__name__)

_MONTHS = ("januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember|"
           "January|February|March|April|May|June|July|August|September|October|November|December")
_PROTECTED = re.compile(
    rf"\[(?:Mangler|Manglar|Missing): [^\]]*\]|«[^»]*»|“[^”]*”|\d{{1,2}}\.?\s+(?:{_MONTHS})|\d+(?:[.,]\d+)*")
MAX_GROWTH = 1.5


def facts(text: str, keep: Iterable[str] = ()) -> set[str]:
    """What a rewrite must keep: gap markers, quotes, dates, numbers, names (capitalised inside
    a sentence) and the words in ``keep`` that occur in ``text``."""
    found = set(_PROTECTED.findall(text)) | grammar.proper_nouns(text)
    return found | {word for word in keep if word and word in text}


def keeps_facts(original: str, rewritten: str, keep: Iterable[str] = ()) -> bool:
    rewritten = rewritten.strip()
    return (bool(rewritten) and "\n" not in rewritten and len(rewritten) <= MAX_GROWTH * len(original) + 40
            and all(fact in rewritten for fact in facts(original, keep)))


def polish(document: Document, chat_model, keep: Iterable[str] = (), catalog: TextCatalog = BUILT_IN) -> int:
    """Polish the paragraphs of ``document`` in place; returns how many were replaced."""
    from langchain_core.messages import HumanMessage, SystemMessage

    keep = tuple(keep)
    system = catalog.drafts_text("polish", document.lang)
    replaced = 0
    for block in document.blocks:
        if block.style != "paragraph":
            continue
        try:
            rewritten = message_text(chat_model.invoke([SystemMessage(system), HumanMessage(block.text)])).strip()
        except Exception as exc:  # noqa: BLE001 - the model is optional; the template text stands
            log.warning("Draft polish skipped: %s", exc)
            return replaced
        if rewritten != block.text and keeps_facts(block.text, rewritten, keep):
            block.text = rewritten
            replaced += 1
    return replaced
