"""The knowledge base in Bokmål, Nynorsk and English: which file translates which, and a check
that a translation states the same facts as its original.

Layout: ``name.md`` is the original (front matter ``language: nb`` unless it says otherwise);
``name.nn.md`` and ``name.en.md`` beside it are its translations (front matter ``language`` and
``translation_of: name.md``). Structured front matter (a case's data) lives only in the original;
its chunks lend it to the translations' chunks. Each chunk says which answer languages it serves
(``for_nb``, ``for_nn``, ``for_en``): a translation serves its own language, the original every
language it has no usable translation for, so a missing translation falls back to the original.

The check compares the original with each translation: every number written in digits in one
must occur in the other (digits or a written-out number), the same months, the same source URLs,
and every name of the original must occur in the translation. A translation that fails is named
with what differs and is not used (its language falls back to the original).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from assistant.catalog import BUILT_IN
from assistant.ingest.loaders import IngestError, LoadedDocument
from assistant.services.cards import _NUMBER, _name_occurs, known_names, names_in, numbers_in
from assistant.services.language import LANGUAGES, Lang

_TRANSLATION = re.compile(r"^(?P<stem>.+)\.(?P<lang>nn|en|nb)$")
NORWEGIAN_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
                    "november", "desember")
ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                  "november", "december")
# Names the translations write in their own language's form (the original's form, lower case, to
# the other forms a translation may use).
NAME_FORMS: dict[str, tuple[str, ...]] = {
    "norge": ("noreg", "norway", "norwegian"),
    "norges": ("noregs", "norway", "norwegian"),
    "nordisk": ("nordic",),
    "nordiske": ("nordic",),
    "nord-norge": ("northern norway", "nord-noreg"),
    "norden": ("nordic countries", "the nordics"),
    "vestlandet": ("western norway",),
    "sørlandet": ("southern norway",),
    "østlandet": ("eastern norway", "austlandet"),
    "fn": ("un", "united nations", "sn", "sameinte nasjonar"),
    "fns": ("un", "united nations", "sn"),
}


def translation_parts(path: Path) -> tuple[Path, Lang] | None:
    """(the original's path, the language) for ``name.nn.md`` / ``name.en.md``; None otherwise."""
    match = _TRANSLATION.match(path.stem)
    if path.suffix.lower() != ".md" or not match:
        return None
    return path.with_name(match["stem"] + path.suffix), cast(Lang, match["lang"])


def is_translation(path: Path) -> bool:
    return translation_parts(path) is not None


def document_language(document: LoadedDocument) -> Lang:
    language = str(document.metadata.get("language") or "nb").strip().lower()
    return language if language in LANGUAGES else "nb"


@dataclass
class Group:
    """An original and its translations (paths by language)."""

    original: Path
    translations: dict[Lang, Path] = field(default_factory=dict)

    @property
    def members(self) -> list[Path]:
        return [self.original, *self.translations.values()]


def group_files(paths: Iterable[Path]) -> tuple[dict[Path, Group], list[Path]]:
    """(groups by original path, translations whose original is missing). Every file that is not a
    translation is an original (most have no translations)."""
    paths = list(paths)
    present = set(paths)
    groups: dict[Path, Group] = {p: Group(p) for p in paths if not is_translation(p)}
    orphans: list[Path] = []
    for path in paths:
        parts = translation_parts(path)
        if parts is None:
            continue
        original, lang = parts
        if original in present:
            groups[original].translations[lang] = path
        else:
            orphans.append(path)
    return groups, orphans


def serving_flags(language: Lang, is_original: bool, usable: Iterable[Lang]) -> dict[str, bool]:
    """Chunk metadata: the answer languages a file's chunks serve. ``usable``: the languages the
    group has a usable file in."""
    usable = set(usable)
    return {f"for_{lang}": lang == language or (is_original and lang not in usable) for lang in LANGUAGES}


# -- the cross-language fact check -----------------------------------------------------------


def _text(document: LoadedDocument) -> str:
    """Headings and text, without Markdown emphasis (a bold word after a list dash starts its item),
    each table cell on a line of its own (a cell starts like a sentence)."""
    text = re.sub(r"[*_]+", "", "\n".join(f"{s.locator}\n{s.text}" for s in document.sections)).replace("|", "\n")
    # A sentence also ends before a closing quote or bracket, and «1) Skriv …» starts one.
    return re.sub(r"(?<=[.!?:;])[»\")]+\s+|\s\d+\)\s+", "\n", text)


def _digit_numbers(text: str) -> set[int]:
    return {int(re.sub(r"\D", "", m.group())) for m in _NUMBER.finditer(text)}


def _months(text: str) -> set[int]:
    """The months named (1–12). Norwegian month names are written in lower case, English ones
    capitalised («may» is a verb)."""
    found = set()
    for word in re.findall(r"[A-Za-zæøå]+", text):
        if word.islower() and word in NORWEGIAN_MONTHS:
            found.add(NORWEGIAN_MONTHS.index(word) + 1)
        elif word.istitle() and word.lower() in ENGLISH_MONTHS:
            found.add(ENGLISH_MONTHS.index(word.lower()) + 1)
    return found


def _urls(document: LoadedDocument) -> set[str]:
    return {str(u).strip() for u in document.metadata.get("sources") or () if str(u).startswith("http")}


def _name_in(name: str, text: str) -> bool:
    lowered = name.lower()
    return _name_occurs(name, text) or any(form in text for form in NAME_FORMS.get(lowered, ()))


def fact_differences(original: LoadedDocument, translation: LoadedDocument, lang: Lang,
                     names: set[str]) -> list[str]:
    """What the translation states differently from the original, in Bokmål (empty: same facts)."""
    source, target = _text(original), _text(translation)
    problems: list[str] = []

    def problem(key: str, items: Iterable) -> None:
        items = sorted({str(item) for item in items})
        if items:
            problems.append(BUILT_IN.message(f"translations.{key}", "nb", items=", ".join(items)))

    source_all = numbers_in(source, "nb") | numbers_in(source, "nn")
    target_all = numbers_in(target, lang)
    problem("numbers_missing", _digit_numbers(source) - target_all)
    problem("numbers_added", _digit_numbers(target) - source_all)
    problem("months_differ", (NORWEGIAN_MONTHS[n - 1] for n in _months(source) ^ _months(target)))
    problem("links_differ", _urls(original) ^ _urls(translation))
    lowered = target.lower()
    problem("names_missing", (name for name in names_in(source, names) if not _name_in(name, lowered)))
    return problems


def check_group(documents: dict[Lang, LoadedDocument], original_lang: Lang) -> tuple[set[Lang], list[IngestError]]:
    """(the languages with a usable file, the translations refused and why)."""
    original = documents[original_lang]
    names = known_names([_text(original)])
    usable = {original_lang}
    errors: list[IngestError] = []
    for lang, translation in documents.items():
        if lang == original_lang:
            continue
        differences = fact_differences(original, translation, lang, names)
        if differences:
            errors.append(IngestError(translation.source, "ingest.translation_differs",
                                      original=original.source, problems="; ".join(differences)))
        else:
            usable.add(lang)
    return usable, errors
