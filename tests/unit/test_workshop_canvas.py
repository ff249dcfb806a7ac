"""The workshop canvas: model, dotted-path access, JSON export/import with clear messages, schema.

``good_canvas()`` is also used by the other workshop test modules."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from assistant.workshop.canvas import (
    MAX_PERSONAS,
    PRINCIPLE_NAMES,
    Canvas,
    CanvasImportError,
    Principle,
    canvas_schema,
    from_json,
    get_field,
    match_principle,
    new_canvas,
    principle_label,
    set_field,
    to_dict,
    to_json,
)


def good_canvas(language: str = "nb", owner: str = "kari") -> Canvas:
    """A complete, need-driven canvas for a (made-up) run of Vang's centre problem."""
    return Canvas.model_validate({
        "owner": owner,
        "language": language,
        "municipality": "Vang",
        "partners": [],
        "contact_role": "Næringssjef",
        "contact_name": "Kari Nordmann",
        "contact_email": "kari.nordmann@vang.kommune.no",
        "contact_phone": "900 12 345",
        "raw_problem": "Sentrum er dødt etter klokka fire",
        "why_now": "Ny sentrumsplan skal vedtas neste år, og to butikker har varslet at de stenger.",
        "need": {
            "statement": "Unge voksne mangler uformelle møteplasser i sentrum etter arbeidstid",
            "who": ["unge voksne", "barnefamilier", "butikkeierne i sentrum"],
            "consequences": ["Butikker legger ned", "Unge flytter ut"],
            "evidence": [
                {"kind": "statistics", "source": "SSB", "text": "folketallet har gått ned 8 % siden 2012"},
                {"kind": "survey", "source": "Innbyggerundersøkelsen 2023", "text": "6 av 10 savner et sted å møtes"},
                {"kind": "tried", "text": "Vi prøvde en pop-up-kafé i 2021, men den stengte etter tre måneder"},
            ],
        },
        "target_groups": [
            {"name": "Unge voksne", "needs": ["møteplasser", "jobb med kolleger"]},
            {"name": "Barnefamilier", "needs": ["aktiviteter etter skolen"]},
        ],
        "personas": [{
            "name": "Sara", "age_role": "27, sykepleier",
            "day_in_life": "Jobber turnus og er alene om kvelden.",
            "motivations": ["natur", "venner"], "frustrations": ["ingen steder å gå etter jobb"],
        }],
        "resident_input": {
            "kritikk": ["Et sted å sitte inne som ikke koster penger"],
            "positivitet": ["Naturen", "folka"],
            "drommen": ["Et levende torg hele året"],
            "virkeliggjoring": ["Låne ut tomme lokaler gratis i et halvt år"],
        },
        "resources": ["Tomme butikklokaler", "Kommunal tomt ved torget"],
        "fortrinn": ["Fjellet rett utenfor døra", "Sterk dugnadskultur"],
        "barriers": ["Lite penger"],
        "actors": [
            {"name": "Ungdomsrådet", "category": "youth", "knows": "hva unge savner"},
            {"name": "Næringsforeningen", "category": "business", "contributes": "kontakt med butikkene"},
            {"name": "Velforeningen", "category": "residents", "involve_how": "folkemøte i mars"},
            {"name": "Planavdelingen", "category": "internal_plan", "contributes": "sentrumsplanen"},
            {"name": "Næringssjefen", "category": "internal_naering"},
        ],
        "scenario_2030": "Det er folk på torget klokka sju en tirsdag. Unge jobber i et kontorfellesskap.",
        "principles": [
            {"name": "Sett innbyggerne i sentrum", "why": "løsningen må starte med det innbyggerne trenger"},
            {"name": "Vektlegg inkludering og samskaping", "why": "unge skal være med å lage den"},
            {"name": "Prioriter klima og miljø", "why": "bruke det som finnes"},
        ],
        "sustainability": "Bruke bygg som står tomme i stedet for å bygge nytt.",
        "reframing_from": "lav sentrumsaktivitet",
        "reframing_to": "stedsidentitet som grunnlag for nye bolig- og næringsmodeller",
        "hkv_questions": [
            "Hvordan kan vi gjøre sentrum til et sted der unge voksne vil møtes og starte bedrift etter arbeidstid?"
        ],
        "success_criteria": ["Flere folk i sentrum etter klokka fire", "Unge er med på å lage den"],
        "vision": "Et sentrum der unge og gamle møtes hver dag.",
        "transfer_value": "Mange små kommuner har tomme sentrum; modellen kan brukes av andre kommuner.",
        "place_development": "Sentrumsplanen vil ha flere arbeidsplasser i sentrum, og næringsforeningen ser tomme "
                             "lokaler som en mulighet.",
        "forankring": {
            "political_backing": "Formannskapet vedtok 12. mai å søke Gnist.",
            "administrative_backing": "Kommunedirektøren er prosjekteier; næringssjef og arealplanlegger deltar.",
            "project_resource_percent": 25,
            "county_council_informed": True,
            "budget": "Deltakeravgift 200 000 kr og 25 % stilling i åtte måneder",
            "cofinancing": "Fylkeskommunen dekker halve deltakeravgiften",
            "partners": ["Fylkeskommunen", "Næringsforeningen"],
        },
    })


def test_new_canvas_defaults():
    canvas = new_canvas("kari", "Vang", "Sentrum er dødt etter klokka fire")
    assert canvas.owner == "kari" and canvas.language == "nb"
    assert canvas.need.evidence == [] and canvas.forankring.county_council_informed is None
    assert len(canvas.id) == 32 and canvas.created.tzinfo is not None


def test_json_roundtrip_is_lossless():
    canvas = good_canvas()
    text = to_json(canvas)
    assert json.loads(text)["need"]["evidence"][0]["kind"] == "statistics"
    again = from_json(text)
    assert again == canvas
    assert to_dict(again)["forankring"]["project_resource_percent"] == 25.0


def test_schema_lists_the_fields():
    schema = canvas_schema()
    properties = schema["properties"]
    for name in ("need", "target_groups", "personas", "resident_input", "actors", "principles",
                 "reframing_from", "reframing_to", "hkv_questions", "vision", "forankring",
                 "completed_steps", "skipped_steps", "language"):
        assert name in properties
    assert properties["language"]["enum"] == ["nb", "nn", "en"]
    assert "Actor" in schema["$defs"] and "Evidence" in schema["$defs"]


def test_import_assigns_owner_and_new_id():
    canvas = good_canvas(owner="ola")
    imported = from_json(to_json(canvas), owner="kari", new_id=True)
    assert imported.owner == "kari" and imported.id != canvas.id
    assert imported.need == canvas.need


def test_import_errors_are_clear_norwegian():
    with pytest.raises(CanvasImportError) as broken:
        from_json("{ikke json")
    assert "ikke gyldig JSON" in str(broken.value)
    with pytest.raises(CanvasImportError) as not_object:
        from_json("[1, 2]")
    assert "verkstedlerret" in str(not_object.value)

    data = json.loads(to_json(good_canvas()))
    data["need"]["evidence"][0]["kind"] = "rykter"
    data["personas"] = data["personas"] * 4
    data["forankring"]["project_resource_percent"] = "mye"
    with pytest.raises(CanvasImportError) as invalid:
        from_json(json.dumps(data))
    message = str(invalid.value)
    assert message.startswith("Filen kunne ikke leses som et verkstedlerret:")
    assert "«behov → innsikt → nr. 1 → type» må være en av" in message
    assert f"høyst {MAX_PERSONAS}" in message
    assert "prosjektressurs (%)» må være et tall" in message
    assert "ValidationError" not in message and "pydantic" not in message


def test_import_error_in_english_and_nynorsk():
    with pytest.raises(CanvasImportError) as english:
        from_json('{"owner": "x", "language": "de"}', lang="en")
    assert "must be one of" in str(english.value)
    with pytest.raises(CanvasImportError) as nynorsk:
        from_json('{"language": "nb"}', lang="nn")
    assert "«eigar» manglar" in str(nynorsk.value)


def test_get_and_set_field_by_path_validates():
    canvas = good_canvas()
    assert get_field(canvas, "forankring.project_resource_percent") == 25
    updated = set_field(canvas, "forankring.project_resource_percent", 30)
    assert updated.forankring.project_resource_percent == 30
    assert canvas.forankring.project_resource_percent == 25  # the original is unchanged
    assert updated.updated >= canvas.updated
    with pytest.raises(ValidationError):
        set_field(canvas, "forankring.project_resource_percent", 250)
    with pytest.raises(KeyError):
        set_field(canvas, "need.nonsense", "x")
    with pytest.raises(KeyError):
        get_field(canvas, "nope")


def test_personas_are_limited_to_three():
    with pytest.raises(ValidationError):
        Canvas(owner="x", personas=[{"name": f"P{i}"} for i in range(4)])


@pytest.mark.parametrize("text, expected", [
    ("Sett innbyggerne i sentrum", "Sett innbyggerne i sentrum"),
    ("sett innbyggarane i sentrum", "Sett innbyggerne i sentrum"),
    ("Tenk heilheitleg", "Tenk helhetlig"),
    ("klima og miljø", "Prioriter klima og miljø"),
    ("Share and use open data", "Del og ta i bruk åpne data"),
    ("3", "Prioriter klima og miljø"),
    ("Begynn lokalt, tenk globalt", "Begynn lokalt, men tenk globalt"),
    ("kompetanseheving", "Sats på kompetanseutvikling, omstilling og innovasjon"),
])
def test_principles_are_normalised(text, expected):
    assert match_principle(text) == expected
    assert Principle(name=text).name == expected


def test_unknown_principle_is_rejected():
    assert match_principle("Ha det gøy") is None
    with pytest.raises(ValidationError):
        Principle(name="Ha det gøy")


def test_principle_labels_per_language():
    assert len(PRINCIPLE_NAMES) == 8
    assert principle_label("Tenk helhetlig", "nn") == "Tenk heilheitleg"
    assert principle_label("Tenk helhetlig", "en") == "Think holistically"
    assert principle_label("Tenk helhetlig", "nb") == "Tenk helhetlig"
