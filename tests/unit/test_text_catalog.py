"""The one text catalog (assistant/catalog.py): lookup, Bokmål fallback, formatting, the three
languages agree, and the container builds it once and hands it to every layer."""

from __future__ import annotations

import ast
import json
import string
from pathlib import Path

import gradio as gr
import pytest

from assistant.catalog import BUILT_IN, LANGUAGES, TextCatalog
from assistant.container import Container
from assistant.settings import REPO_ROOT, Settings

PROMPTS = BUILT_IN.prompts_dir
# Texts only some languages have, and why.
ONE_LANGUAGE_ONLY = {
    ("workshop/import_errors", "labels"): "Norwegian names of the canvas' fields; English uses the field names",
    ("workshop/situations", "money_uncertain"): "prototype statements written in each language, not translations",
    ("workshop/situations", "decision_not_made"): "prototype statements written in each language, not translations",
    ("workshop/situations", "criterion_unmeasurable"):
        "prototype statements written in each language, not translations",
    ("workshop/situations", "solution_named"): "prototype statements written in each language, not translations",
    **{("workshop/municipal_themes", theme, part): "statements and cue words to match by, not translations: "
       "each written form has as many as it needs"
       for theme in json.loads((PROMPTS / "workshop" / "municipal_themes.nb.json").read_text(encoding="utf-8"))
       for part in ("prototypes", "cues")},
}


def excepted(name: str, key: tuple) -> bool:
    path = (name, *key)
    return any(path[:n] in ONE_LANGUAGE_ONLY for n in range(2, len(path) + 1))


def write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def small(tmp_path) -> TextCatalog:
    """A catalog with Bokmål complete and Nynorsk and English partly translated."""
    prompts, locales = tmp_path / "prompts", tmp_path / "locales"
    write(prompts / "messages.nb.json", {"hello": "Hei, {name}!", "bye": "Ha det"})
    write(prompts / "messages.nn.json", {"hello": "Hei, {name}!"})
    write(prompts / "answer.nb.md", "Svar kort.\n")
    write(prompts / "answer.en.md", "Answer briefly.\n")
    write(prompts / "workshop" / "messages.nb.json", {"welcome": "Velkommen til {place}", "skip": "Hopp over"})
    write(prompts / "workshop" / "messages.en.json", {"welcome": "Welcome to {place}", "skip": ""})
    write(prompts / "workshop" / "steps.nb.json", {"problem": {"title": "Problemet"}})
    write(prompts / "workshop" / "extract.nb.md", "Les svaret.")
    write(prompts / "drafts" / "phrases.nb.json", {"title": "Utkast"})
    write(prompts / "drafts" / "phrases.nn.json", {"title": "Utkast (nn)"})
    write(prompts / "drafts" / "polish.nb.md", "Vask språket.")
    write(locales / "nb.json", {"ask.send": "Send", "toast.error": "Feil", "index.wait": "{percent} % klar"})
    write(locales / "nn.json", {"ask.send": "Send"})
    write(locales / "gradio.nb.json", {"common.or": "eller", "ask.send": "Gradio's own"})
    write(locales / "gradio.nn.json", {"common.or": "eller"})
    write(locales / "en.json", {"ask.send": "Send", "toast.error": "Error", "index.wait": "{percent} % ready"})
    return TextCatalog(prompts, locales)


def test_lookup_in_each_kind_of_file(small):
    assert small.message("hello", "nn", name="Kari") == "Hei, Kari!"
    assert small.text("answer", "en") == "Answer briefly."
    assert small.ui("toast.error", "en") == "Error"
    assert small.gradio_table("nn")["common.or"] == "eller"
    assert small.workshop_message("welcome", "en", place="Vang") == "Welcome to Vang"
    assert small.workshop("steps", "nb") == {"problem": {"title": "Problemet"}}
    assert small.workshop_text("extract", "nb") == "Les svaret."
    assert small.drafts("phrases", "nn") == {"title": "Utkast (nn)"}
    assert small.drafts_text("polish", "en") == "Vask språket."
    assert small.bilingual("bye") == "Ha det / Ha det"


def test_a_missing_text_falls_back_to_bokmal(small):
    assert small.message("bye", "nn") == "Ha det"  # a key missing in the file
    assert small.message("bye", "en") == "Ha det"  # the whole file missing
    assert small.text("answer", "nn") == "Svar kort."
    assert small.ui("toast.error", "nn") == "Feil"
    assert small.ui("index.wait", "nn", percent=40) == "40 % klar"
    assert small.ui("toast.error", "de") == "Feil"  # a language we do not have
    assert small.message("bye", "../prompts/messages.nb") == "Ha det"
    assert small.workshop_message("skip", "en") == "Hopp over"  # an empty text counts as missing
    assert small.workshop("steps", "en") == {"problem": {"title": "Problemet"}}
    assert small.drafts("phrases", "en") == {"title": "Utkast"}
    with pytest.raises(KeyError):
        small.message("nowhere", "en")


def test_formatting_needs_every_value(small):
    assert small.ui("index.wait", "en", percent=5) == "5 % ready"
    with pytest.raises(KeyError):
        small.message("hello", "nb")


def test_files_are_read_once(small, tmp_path):
    assert small.message("bye", "nb") == "Ha det"
    write(tmp_path / "prompts" / "messages.nb.json", {"hello": "x", "bye": "Endret"})
    assert small.message("bye", "nb") == "Ha det"
    assert TextCatalog(tmp_path / "prompts", tmp_path / "locales").message("bye", "nb") == "Endret"


def test_gradio_translations_cover_norwegian_without_a_written_form(small):
    i18n = small.gradio_i18n()
    assert isinstance(i18n, gr.I18n)
    assert i18n.translations["no"] == i18n.translations["nb"]
    assert i18n.translations["nb"]["ask.send"] == "Send"  # the page's own text wins over Gradio's key
    assert i18n.translations["nn"]["common.or"] == "eller"
    assert i18n.translations["en"]["common.or"] == "eller"  # a missing file falls back to Bokmål


# The repository's own catalog: every text in all three languages, with the same placeholders.

def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def leaves(data, path=()) -> dict[tuple, str]:
    """Every text of a (nested) table by its path of keys; a list's items by position."""
    if isinstance(data, dict):
        return {k: v for key, value in data.items() for k, v in leaves(value, (*path, key)).items()}
    if isinstance(data, list):
        return {k: v for n, value in enumerate(data) for k, v in leaves(value, (*path, n)).items()}
    return {path: data}


def text_files() -> dict[str, dict[str, Path]]:
    """Each catalog file by name (``workshop/steps.json``), per language."""
    found: dict[str, dict[str, Path]] = {}
    for path in [*PROMPTS.rglob("*.*.json"), *PROMPTS.rglob("*.*.md")]:
        stem, lang, suffix = path.name.rsplit(".", 2)
        found.setdefault(f"{path.parent.relative_to(PROMPTS).as_posix()}/{stem}.{suffix}".lstrip("./"), {})[lang] = path
    for lang in LANGUAGES:
        found.setdefault("ui.json", {})[lang] = BUILT_IN.locales_dir / f"{lang}.json"
        found.setdefault("ui/gradio.json", {})[lang] = BUILT_IN.locales_dir / f"gradio.{lang}.json"
    return found


def test_every_catalog_file_exists_in_every_language():
    files = text_files()
    assert {"messages.json", "answer.md", "workshop/steps.json", "drafts/phrases.json", "ui.json"} <= set(files)
    assert {name: sorted(langs) for name, langs in files.items() if set(langs) != set(LANGUAGES)} == {}


@pytest.mark.parametrize("name", sorted(name for name in text_files() if name.endswith(".json")))
def test_every_key_is_in_every_language_with_the_same_placeholders(name):
    tables = {lang: leaves(json.loads(path.read_text(encoding="utf-8"))) for lang, path in text_files()[name].items()}
    stem = name.removesuffix(".json")
    nb = {key for key in tables["nb"] if not excepted(stem, key)}
    for lang in ("nn", "en"):
        keys = {key for key in tables[lang] if not excepted(stem, key)}
        extra = keys - nb
        if name == "ui.json" and lang == "nn":
            # Gradio ships no Nynorsk, so its own texts («blocks.», «upload_text.») are translated
            # here for gr.I18n; none of them in a namespace of ours.
            ours = {key[0].split(".")[0] for key in nb}
            extra = {key for key in extra if key[0].split(".")[0] in ours}
        assert sorted(nb - keys) == [], f"{name}: missing in {lang}"
        assert sorted(extra) == [], f"{name}: only in {lang}"
        for key in nb & keys:
            if isinstance(tables["nb"][key], str):
                assert placeholders(tables[lang][key]) == placeholders(tables["nb"][key]), (name, lang, key)
                assert tables[lang][key].strip() or not tables["nb"][key].strip(), (name, lang, key)


# One catalog, built by the container, in every layer.

def test_the_container_builds_one_catalog_from_settings(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", prompts_dir=tmp_path / "prompts", locales_dir=tmp_path / "loc")
    container = Container(settings)
    assert container.catalog is container.catalog
    assert (container.catalog.prompts_dir, container.catalog.locales_dir) == (tmp_path / "prompts", tmp_path / "loc")
    container.embeddings = container.chroma = object()  # the catalog is handed on without them
    container.knowledge_store = container.knowledge_embeddings = object()
    assert container.answer_service.prompts is container.catalog
    assert container.workshop.catalog is container.workshop.conversation.catalog is container.catalog


def test_only_the_catalog_reads_text_files_and_only_the_container_builds_one():
    """No other module reads prompts/ or the locales, and a TextCatalog is made in two places only:
    the container, and the one documented built-in instance (catalog.BUILT_IN)."""
    builders, readers = [], []
    for path in sorted((REPO_ROOT / "assistant").rglob("*.py")):
        name = path.relative_to(REPO_ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
                if called == "TextCatalog" or (owner == "TextCatalog" and called == "from_settings"):
                    builders.append(name)
            if isinstance(node, ast.Attribute) and node.attr in {"prompts_dir", "locales_dir"}:
                readers.append(name)
            if isinstance(node, ast.Constant) and node.value in {"locales", "prompts"}:
                readers.append(name)
    assert sorted(set(builders)) == ["assistant/catalog.py", "assistant/container.py"]
    assert sorted(set(readers)) == ["assistant/catalog.py", "assistant/settings.py"]
    assert not (REPO_ROOT / "assistant" / "prompts.py").exists()
    assert not (REPO_ROOT / "assistant" / "ui" / "i18n.py").exists()
    assert not (REPO_ROOT / "assistant" / "workshop" / "texts.py").exists()
