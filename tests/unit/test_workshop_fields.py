"""The field-kind registry: each kind reads an answer, shows a field as text that reads back to the
same value, acknowledges it in the chat, and writes it to the canvas."""

from __future__ import annotations

import pytest
from test_workshop_canvas import good_canvas

from assistant.workshop.canvas import get_field
from assistant.workshop.fields import KINDS, Context, ParseProblem, label
from assistant.workshop.steps import PATH_KINDS, kind_of

NB = Context("nb")


def test_reading_answers_by_kind():
    assert KINDS["list"].read_answer("- a\n- b", NB) == ["a", "b"]
    assert KINDS["list"].read_answer("a; b", NB) == ["a; b"]  # the user's own line stays one item
    assert KINDS["text"].read_answer("  Et  sentrum \n\n  for alle ", NB) == "Et sentrum\n\nfor alle"
    assert KINDS["percent"].read_answer("25 %", NB) == 25.0
    assert KINDS["yesno"].read_answer("ja", NB) is True
    assert KINDS["hkv"].read_answer("få unge til å bli", Context("nn")) == ["Korleis kan vi få unge til å bli?"]
    assert KINDS["actors:contributes"].read_answer("Bygdelaget – dugnad", NB)[0].contributes == "dugnad"
    for kind, text in (("from_to", "et levende sentrum"), ("percent", "mye"), ("yesno", "tja"),
                       ("principles", "ha det gøy")):
        with pytest.raises(ParseProblem) as problem:
            KINDS[kind].read_answer(text, NB)
        assert str(problem.value) == kind
    assert KINDS["from_to"].fallback("Et levende sentrum") == ("", "Et levende sentrum")


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize("path", sorted(PATH_KINDS))
def test_text_of_a_field_reads_back_to_the_same_canvas(path, lang):
    canvas = good_canvas(lang)
    kind = kind_of(path)
    context = Context(lang, ("Vang",))
    shown = kind.text_of(canvas, path, context)
    if not shown:
        return
    again = kind.apply(canvas, path, kind.read_answer(shown, context))
    # A status answer also records the status read from the words (which the canvas, written
    # by hand, did not have); everything else reads back unchanged.
    derived = {"updated": True, "forankring": {"political_status", "political_body", "political_date",
                                               "political_case", "funding_status", "funding_amount"}}
    assert again.model_dump(exclude=derived) == canvas.model_dump(exclude=derived), (path, shown)


def test_evidence_shows_its_source_and_kind():
    canvas = good_canvas()
    text = kind_of("need.evidence").text_of(canvas, "need.evidence", NB)
    assert text.splitlines()[0] == "SSB: folketallet har gått ned 8 % siden 2012"
    canvas.need.evidence[0].kind = "other"
    assert kind_of("need.evidence").text_of(canvas, "need.evidence", NB).startswith("Annet: SSB: folketallet")


def test_actor_questions_merge_into_one_list():
    canvas = good_canvas()
    kind = kind_of("actors.knows")
    canvas = kind.apply(canvas, "actors.knows", kind.read_answer("Ungdomsrådet – hva unge savner\nBondelaget", NB))
    assert [a.name for a in canvas.actors][-1] == "Bondelaget"
    assert next(a for a in canvas.actors if a.name == "Næringsforeningen").contributes == "kontakt med butikkene"
    assert kind.is_answered(canvas, "actors.knows")
    assert not kind_of("actors.involve_how").is_answered(canvas.model_copy(update={"actors": []}), "actors.involve_how")


def test_reframing_fills_two_fields():
    canvas = good_canvas()
    kind = kind_of("reframing")
    assert kind.text_of(canvas, "reframing", NB).startswith("Fra lav sentrumsaktivitet til stedsidentitet")
    updated = kind.apply(canvas, "reframing", kind.fallback("Et levende sentrum"))
    assert (updated.reframing_from, updated.reframing_to) == ("lav sentrumsaktivitet", "Et levende sentrum")


@pytest.mark.parametrize("lang, one, many, none", [
    ("nb", "Takk! Jeg noterte ett punkt: Unge voksne.", "Takk! Jeg noterte to punkter: a; b.",
     "Takk! Jeg noterte: ingen."),
    ("nn", "Takk! Eg noterte eitt punkt: Unge voksne.", "Takk! Eg noterte to punkt: a; b.", "Takk! Eg noterte: ingen."),
    ("en", "Thank you! I noted one point: Unge voksne.", "Thank you! I noted two points: a; b.",
     "Thank you! I noted: none."),
])
def test_acknowledgements(lang, one, many, none):
    context = Context(lang)
    assert KINDS["list"].describe(["Unge voksne"], context) == one
    assert KINDS["list"].describe(["a", "b"], context) == many
    assert KINDS["list"].describe([], context) == none
    assert "25 %" in KINDS["percent"].describe(25.0, context)


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_field_has_a_label_that_is_not_its_path(lang):
    for path in PATH_KINDS:
        shown = label(path, lang)
        assert shown and shown != path and "." not in shown and "_" not in shown, (path, shown)
    assert label("hkv_questions.0", lang) == label("hkv_questions", lang)
    assert label("forankring.political_backing", "nb") == "Politisk forankring"


def test_unknown_path_has_no_kind():
    with pytest.raises(KeyError):
        kind_of("owner")
    assert get_field(good_canvas(), "municipality") == "Vang"


@pytest.mark.parametrize(("value", "shown"), [
    (("Tomme lokaler", "Et levende sentrum"), "Fra Tomme lokaler til Et levende sentrum"),
    (("Tomme lokaler", ""), "Fra Tomme lokaler"),
    (("", "Et levende sentrum"), "Et levende sentrum"),
])
def test_a_reframing_reads_as_what_is_written_of_it(value, shown):
    assert KINDS["from_to"].to_text(value, NB) == shown
