"""Gradio's own texts (buttons, toasts, upload areas, screen-reader labels) come from keys in its
frontend bundle; Gradio ships no Nynorsk and leaves some keys untranslated in Bokmål, so a page
showed «common.complete» or English. Every key of the kinds we translate must be in our tables."""

import json
import re
from pathlib import Path

import gradio
import pytest

from assistant.catalog import BUILT_IN, LANGUAGES

ASSETS = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"


def ours(lang: str) -> dict[str, str]:
    return json.loads((BUILT_IN.locales_dir / f"gradio.{lang}.json").read_text(encoding="utf-8"))


def bundle_keys(namespaces: set[str]) -> set[str]:
    pattern = re.compile(r"[`\"'](({})\.[a-z_0-9]+)[`\"']".format("|".join(sorted(namespaces))))
    return {match.group(1) for path in ASSETS.glob("*.js")
            for match in pattern.finditer(path.read_text("utf-8", "ignore"))}


def test_the_bundle_is_where_we_read_it():
    assert len(list(ASSETS.glob("*.js"))) > 50


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_gradio_key_of_the_kinds_we_use_is_translated(lang):
    namespaces = {key.split(".")[0] for key in ours("nb")}
    used = bundle_keys(namespaces)
    assert {"common.complete", "chatbot.copy_message", "upload_text.drop_file"} <= used
    assert sorted(used - set(ours(lang))) == []


def test_nynorsk_is_not_bokmal_where_the_languages_differ():
    nb, nn = ours("nb"), ours("nn")
    assert nn["upload_text.drop_file"] != nb["upload_text.drop_file"]
    assert nn["common.loading"] == "Lastar"
