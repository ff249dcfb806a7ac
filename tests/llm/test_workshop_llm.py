"""The workshop's language-model path against the real llama.cpp server: structured extraction
becomes suggestions (validated against the canvas model, never applied without consent), and the
model's extra quality findings are validated. The rule-based path is tested without a model in
tests/unit and tests/integration."""

from __future__ import annotations

import pytest

from assistant.adapters.database import Database
from assistant.adapters.llm import build_chat_model, free_port
from assistant.catalog import TextCatalog
from assistant.workshop import critic
from assistant.workshop.canvas import Actor, TargetGroup
from assistant.workshop.service import WorkshopService
from assistant.workshop.store import CanvasStore

pytestmark = pytest.mark.llm

FREE_TEXT = {
    "malgrupper": "Unge voksne mellom 20 og 35 som vil ha jobb og møteplasser, og barnefamilier som trenger "
                  "barnehageplass og trygge uteområder.",
    "aktorer": "Næringsforeningen vet mye om handelen i sentrum, ungdomsrådet kjenner de unges ønsker, og "
               "fylkeskommunen kan bidra med kompetanse og penger.",
    "fra_til": "Vi vil gå fra et tomt sentrum etter klokka fire til et sentrum der folk møtes hele dagen.",
}


@pytest.fixture
def workshop(llm_settings_factory, tmp_path):
    settings = llm_settings_factory(llm_max_tokens=300)
    return WorkshopService(CanvasStore(Database.sqlite(tmp_path / "ws.sqlite3")), TextCatalog.from_settings(settings),
                           chat_model=build_chat_model(settings))


def _answer_at(service: WorkshopService, step: str, text: str):
    canvas = service.start("kari", "Vang", "Sentrum er dødt etter klokka fire")
    service.goto("kari", canvas.id, step)
    return service.submit("kari", canvas.id, text)


def test_model_suggestions_are_validated_and_wait_for_consent(workshop):
    replies = {step: _answer_at(workshop, step, text) for step, text in FREE_TEXT.items()}
    suggested = {step: reply for step, reply in replies.items() if reply.suggestions}
    assert suggested, "the real model gave no usable structured reading for any of the answers"
    for _step, reply in suggested.items():
        suggestion = reply.suggestions[0]
        stored = workshop.get("kari", reply.canvas.id)
        # The user's own words (the rule parse) are on the canvas; the model's reading waits.
        assert suggestion in stored.suggestions
        if suggestion.field == "target_groups":
            assert all(TargetGroup.model_validate(item) for item in suggestion.value)
            assert [g.model_dump(mode="json") for g in stored.target_groups] != suggestion.value
        elif suggestion.field == "actors":
            assert all(Actor.model_validate(item) for item in suggestion.value)
        elif suggestion.field == "reframing":
            assert suggestion.value["from"] and suggestion.value["to"]
        accepted = workshop.accept_suggestion("kari", reply.canvas.id, suggestion.id)
        assert suggestion.id not in [s.id for s in accepted.suggestions]
        if suggestion.field == "target_groups":
            assert [g.model_dump(mode="json") for g in accepted.target_groups] == suggestion.value
        if suggestion.field == "reframing":
            assert accepted.reframing_to == suggestion.value["to"]


def test_model_quality_findings_are_valid_findings(workshop):
    canvas = workshop.start("kari", "Vang", "Vi trenger et nytt kjøpesenter i sentrum")
    findings = critic.llm_findings(workshop.get("kari", canvas.id), workshop.chat_model)
    for finding in findings:
        assert finding.source == "llm"
        assert finding.criterion in critic.CRITERIA and finding.severity in {"info", "advarsel", "mangler"}
        assert finding.message.strip()
    # The deterministic rules always run and flag the solution, whatever the model says.
    rule_findings = workshop.check("kari", canvas.id, use_llm=True)
    assert any(f.criterion == "behov-ikke-løsning" and f.severity == "mangler" for f in rule_findings)


def test_an_unreachable_model_leaves_the_rule_path_working(llm_settings_factory, tmp_path):
    settings = llm_settings_factory(llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout=2)
    service = WorkshopService(CanvasStore(Database.sqlite(tmp_path / "ws.sqlite3")),
                              TextCatalog.from_settings(settings),
                              chat_model=build_chat_model(settings))
    reply = _answer_at(service, "malgrupper", FREE_TEXT["malgrupper"])
    assert reply.canvas.target_groups and not reply.suggestions
    assert critic.llm_findings(reply.canvas, service.chat_model) == []
