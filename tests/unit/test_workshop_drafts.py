"""Drafts: connected prose from the canvas in three languages (the user's words and sources kept,
gaps marked in place, nothing repeated), Word documents on A4 with Word's own styles, and an
optional language-model polish that must keep every fact."""

from __future__ import annotations

import io
import re

import docx
import pytest
from docx.shared import Mm
from test_workshop_canvas import good_canvas

from assistant.workshop import drafts
from assistant.workshop.canvas import Canvas, new_canvas, set_field
from assistant.workshop.document import Document, sentences, to_markdown
from assistant.workshop.polish import facts, keeps_facts

HKV = "Hvordan kan vi gjøre sentrum til et sted der unge voksne vil møtes og starte bedrift etter arbeidstid?"
INTERNAL = re.compile(r"\b(need\.|forankring\.|resident_input|hkv_questions|target_groups|raw_problem|why_now|"
                      r"reframing_|internal_|county_council)\b|\((statistics|survey|statistikk|undersøkelse)\)")


def empty() -> Canvas:
    return new_canvas("kari", "Vang", "Sentrum er dødt etter klokka fire")


def with_(canvas: Canvas, **paths) -> Canvas:
    for path, value in paths.items():
        canvas = set_field(canvas, path.replace("__", "."), value)
    return canvas


def moving_away() -> Canvas:
    """Three municipalities whose young people move away."""
    return Canvas.model_validate({
        "owner": "ola", "language": "nb", "municipality": "Lom", "partners": ["Skjåk", "Vågå"],
        "raw_problem": "Unge flytter fra bygdene og kommer ikke tilbake",
        "need": {"statement": "Unge som vokser opp her, mangler grunner til å bli",
                 "who": ["ungdom på videregående", "unge voksne som har flyttet ut"],
                 "evidence": [{"kind": "statistics", "source": "SSB",
                               "text": "andelen under 30 år har falt fra 32 % til 24 % siden 2010"}]},
        "actors": [{"name": "Ungdomsrådet", "category": "youth"}],
    })


@pytest.mark.parametrize("kind", drafts.KINDS)
@pytest.mark.parametrize("lang", drafts.LANGS)
def test_every_kind_renders_in_every_language(kind, lang):
    for canvas in (good_canvas(), empty(), moving_away()):
        text = drafts.render(canvas, kind, lang)
        assert text.startswith("# ") and ("Vang" in text or "Lom" in text)
        assert "{" not in text and "\n\n\n" not in text
        assert not INTERNAL.search(text), INTERNAL.search(text)


@pytest.mark.parametrize("kind", drafts.KINDS)
@pytest.mark.parametrize("lang", drafts.LANGS)
def test_no_sentence_is_said_twice(kind, lang):
    for canvas in (good_canvas(), empty(), moving_away()):
        document = drafts.compose(canvas, kind, lang)
        said = [s for paragraph in document.paragraphs() for s in sentences(paragraph)]
        assert len(said) == len(set(said)), [s for s in said if said.count(s) > 1]


@pytest.mark.parametrize("kind", drafts.KINDS)
def test_every_draft_has_the_hkv_question(kind):
    assert HKV in drafts.render(good_canvas(), kind, "nb")


def test_application_is_prose_organised_by_the_criteria():
    document = drafts.compose(good_canvas(), "application")
    text = to_markdown(document)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:6] == ["## Utfordringen", "## 1. Forankring", "## 2. Innovasjonspotensial",
                            "## 3. Overføringsverdi", "## 4. Engasjement", "## 5. Bærekraft"]
    # Connected paragraphs, each criterion in 1–3 paragraphs of several sentences.
    long = [p for p in document.paragraphs() if len(sentences(p)) >= 2]
    assert len(long) >= 8
    assert ("Utfordringen er politisk forankret. Formannskapet vedtok 12. mai å søke Gnist.") in text
    assert "Vi setter av 25 % av en stilling til prosjektet." in text
    assert "Problemet merkes særlig av unge voksne, barnefamilier og butikkeierne i sentrum." in text
    # The consequences are the user's own clauses: each its own sentence, not joined into a frame.
    assert "Hvis ingen gjør noe, får det følger. Butikker legger ned. Unge flytter ut." in text
    assert "Stedet har fortrinn vi kan bygge på: fjellet rett utenfor døra og sterk dugnadskultur." in text
    assert "[Mangler" not in text and "Før innsending" not in text  # nothing serious left


def test_evidence_keeps_its_source():
    text = drafts.render(good_canvas(), "application")
    assert "Folketallet har gått ned 8 % siden 2012, ifølge SSB." in text
    assert "6 av 10 savner et sted å møtes, ifølge Innbyggerundersøkelsen 2023." in text
    assert "(statistikk)" not in text and "(undersøkelse)" not in text
    assert "Vi prøvde en pop-up-kafé i 2021" in text and text.count("pop-up-kafé") == 1
    assert "(source: SSB)." in drafts.render(good_canvas(), "application", "en")
    assert "ifølgje SSB." in drafts.render(good_canvas(), "application", "nn")


def test_roles_count_where_they_were_said():
    canvas = with_(good_canvas(), actors=[{"name": "Planavdelingen", "category": "internal_plan"}],
                   contact_role="Rådgiver",
                   forankring__administrative_backing="Kommunedirektøren eier prosjektet, og næringssjefen er med.")
    text = drafts.render(canvas, "application")
    # The backing text already says the næringssjef takes part: not said again, not marked missing.
    # The actor's name keeps the capital the user gave it.
    assert "Kommunedirektøren eier prosjektet, og næringssjefen er med.\n\nFra plan deltar Planavdelingen." in text
    assert "[Mangler: hvem fra næring" not in text and text.count("næringssjefen") == 1
    silent = with_(canvas, forankring__administrative_backing="Kommunedirektøren eier prosjektet.")
    assert ("Fra plan deltar Planavdelingen. [Mangler: hvem fra næring som deltar]"
            in drafts.render(silent, "application"))


def test_no_category_label_before_a_name_and_no_leftover_and():
    canvas = with_(good_canvas(), actors=[{"name": "Innbyggerne", "category": "residents", "knows": "hverdagen"},
                                          {"name": "og Ungdomsrådet", "category": "youth"}],
                   need__who=["unge voksne", "og pendlere"])
    text = drafts.render(canvas, "application")
    assert "Innbyggere: Innbyggerne" not in text and "Innbyggerne vet hverdagen." in text  # one sentence per actor
    assert " og og " not in text and "Og Ungdomsrådet" not in text and "Ungdomsrådet er med." in text
    assert "Problemet merkes særlig av unge voksne og pendlere." in text


def test_pending_decision_and_uncertain_money_are_not_written_as_settled():
    canvas = with_(good_canvas(), forankring__political_backing="Formannskapet skal behandle saken 15. januar.",
                   forankring__cofinancing="Vi håper fylkeskommunen dekker halve deltakeravgiften.")
    text = drafts.render(canvas, "application")
    assert "Den politiske behandlingen er ikke ferdig. Formannskapet skal behandle saken 15. januar." in text
    assert "Utfordringen er politisk forankret." not in text
    assert "## Før innsending" not in text  # the checklist is a document of its own
    before = drafts.render(canvas, "checklist")
    assert "«skal behandle»" in before and "«håper»" in before
    assert "Bør rettes · Forankring · Politisk forankring" in before and "forankring.political" not in before


def test_empty_canvas_gets_gaps_in_place_not_facts():
    text = drafts.render(empty(), "application")
    assert "[Mangler: politisk forankring – beskriv vedtak eller støtte]" in text
    assert "[Mangler: «Hvordan kan vi …?»-spørsmålet – hvem det gjelder og hva som skal bli bedre]" in text
    assert "[Mangler: er fylkeskommunen orientert?]" in text
    assert "]." not in text  # a gap is not a sentence of its own with a full stop after it
    assert "Formannskapet" not in text and "vedtok" not in text
    checklist = drafts.render(empty(), "checklist")
    assert "## Før innsending: dette bør på plass" in checklist and "## Før innsending" not in text
    assert "**Mangler · Forankring · Politisk forankring:**" in checklist


def test_gaps_in_nynorsk_and_english():
    assert "[Manglar: politisk forankring – beskriv vedtak eller støtte]" in drafts.render(empty(), "application", "nn")
    assert ("[Missing: political backing – describe the decision or support]"
            in drafts.render(empty(), "application", "en"))


def test_brief_and_challenge_content():
    brief = drafts.render(good_canvas(), "brief")
    for heading in ("## Bakgrunn", "## Utfordringen", "## Målgrupper og behov", "## Lokale premisser og fortrinn",
                    "## Hva vi forventer", "## Kriterier for vurdering", "### Personas"):
        assert heading in brief
    assert "Sara (27, sykepleier) er en av dem vi vil hjelpe. En dag i livet til Sara: jobber turnus" in brief
    assert "Det som frustrerer Sara: ingen steder å gå etter jobb." in brief
    challenge = drafts.render(good_canvas(), "challenge")
    assert "## Dette må en god løsning oppnå" in challenge and "- Flere folk i sentrum etter klokka fire" in challenge
    assert "Vi må ta tak i dette nå. Ny sentrumsplan skal vedtas neste år" in challenge
    assert "kjøpesenter" not in challenge


def test_workshop_plan_fits_the_problem():
    centre = drafts.render(good_canvas(), "workshop-plan")
    assert "- Kart over sentrum" in centre and "| Vi står midt i sentrum i 2030 |" in centre
    assert "Vi er i år 2030. Dere står midt i sentrum." in centre
    assert "Bruk målgruppene fra lerretet: unge voksne og barnefamilier." in centre
    assert "| 0:15–0:45 | Innbyggerinput |" in centre and "Einstein" not in centre

    moving = drafts.render(moving_away(), "workshop-plan")
    assert moving.startswith("# Verkstedplan: samskaping i Lom, Skjåk og Vågå")
    assert "sentrum" not in moving.lower()
    assert "- Kart over Lom, Skjåk og Vågå" in moving and "| Vi står i bygda i 2030 |" in moving
    assert "Dere står midt i bygda, der de unge har valgt å bli." in moving
    assert "Inviter deltakere fra alle kommunene: Lom, Skjåk og Vågå." in moving
    assert "Velg to målgrupper sammen, for eksempel ungdom og unge voksne som har flyttet ut." in moving
    assert "- Andelen under 30 år har falt fra 32 % til 24 % siden 2010, ifølge SSB." in moving
    english = drafts.render(moving_away(), "workshop-plan", "en")
    assert "You are standing in the middle of the village" in english and "centre" not in english


def test_joint_application_names_every_municipality():
    text = drafts.render(moving_away(), "application")
    assert "Lom kommune søker om å bli Gnist-kommune sammen med Skjåk kommune og Vågå kommune." in text
    assert "Vi søker sammen med Skjåk kommune og Vågå kommune" in text


def test_unknown_kind_format_or_language():
    with pytest.raises(ValueError):
        drafts.render(good_canvas(), "poem")
    with pytest.raises(ValueError):
        drafts.render(good_canvas(), "challenge", fmt="pdf")
    with pytest.raises(ValueError):
        drafts.render(good_canvas(), "challenge", language="de")


# -- Word -----------------------------------------------------------------------------------------

def word(canvas: Canvas, kind: str, lang: str = "nb") -> docx.document.Document:
    return docx.Document(io.BytesIO(drafts.render(canvas, kind, lang, "docx")))


@pytest.mark.parametrize("kind", drafts.KINDS)
@pytest.mark.parametrize("lang", drafts.LANGS)
def test_docx_is_a4_with_word_styles_and_no_repeats(kind, lang):
    document = word(good_canvas(), kind, lang)
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    styles = [p.style.name for p in document.paragraphs]
    assert styles[0] == "Title" and {"Heading 1", "Normal"} <= set(styles)
    assert "List Bullet" in styles or document.tables
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    assert len(texts) == len(set(texts)), [t for t in texts if texts.count(t) > 1]
    assert "**" not in "\n".join(texts)
    assert document.core_properties.title == texts[0]
    assert document.core_properties.author == {"nb": "Vang kommune", "nn": "Vang kommune",
                                               "en": "Vang Municipality"}[lang]
    lang_tag = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}[lang]
    assert document.styles["Normal"].element.rPr.xpath("./w:lang/@w:val") == [lang_tag]
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer


def test_docx_application_and_plan_details(tmp_path):
    path = tmp_path / "soknad.docx"
    data = drafts.render(good_canvas(), "application", fmt="docx", path=path)
    assert path.read_bytes() == data and data[:2] == b"PK"
    document = docx.Document(str(path))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 1", "1. Forankring") in paragraphs and ("Quote", HKV) in paragraphs
    budget = next(p for p in document.paragraphs if p.text.startswith("Budsjett:"))
    assert budget.style.name == "List Bullet" and budget.runs[0].bold and budget.runs[0].text == "Budsjett: "

    plan = word(moving_away(), "workshop-plan", "en")
    assert [c.text for c in plan.tables[0].rows[0].cells] == ["Time", "Exercise", "What participants do"]
    assert any(p.style.name == "Heading 2" for p in plan.paragraphs)
    assert plan.core_properties.author == "Lom Municipality, Skjåk Municipality and Vågå Municipality"

    gaps = word(empty(), "application")
    marked = [r for p in gaps.paragraphs for r in p.runs if r.text.startswith("[Mangler:")]
    assert marked and all(r.font.highlight_color is not None for r in marked)


def test_filename_is_safe():
    assert drafts.filename(good_canvas(), "application", "docx") == "gnist-soknad-vang.docx"
    odd = new_canvas("x", "Nore og Uvdal / Ål", "")
    assert drafts.filename(odd, "workshop-plan", "md") == "gnist-verkstedplan-nore-og-uvdal-al.md"


# -- the optional polish ---------------------------------------------------------------------------

class FakeChat:
    def __init__(self, rewrite):
        self.rewrite = rewrite
        self.calls = 0

    def invoke(self, messages):
        self.calls += 1
        result = self.rewrite(messages[-1].content)
        if isinstance(result, Exception):
            raise result
        return type("Message", (), {"content": result})()


def test_polish_keeps_facts_or_the_template_stands():
    political = "Utfordringen er politisk forankret. Formannskapet vedtok 12. mai å søke Gnist."
    assert {"12. mai", "Gnist"} <= facts(political)
    assert keeps_facts(political, "Formannskapet vedtok 12. mai å søke Gnist, så utfordringen er forankret.")
    assert not keeps_facts(political, "Formannskapet har vedtatt å søke Gnist.")  # the date is gone
    assert not keeps_facts("[Mangler: budsjett]", "Budsjettet kommer.")

    def smoother(text):
        return text.replace("Utfordringen er politisk forankret. ", "Saken er forankret politisk: ")

    chat = FakeChat(smoother)
    text = drafts.render(good_canvas(), "application", chat_model=chat)
    assert "Saken er forankret politisk: Formannskapet vedtok 12. mai å søke Gnist." in text
    assert chat.calls == len(drafts.compose(good_canvas(), "application").paragraphs())

    forgetful = FakeChat(lambda text: re.sub(r"\d+", "", text))
    assert (drafts.render(good_canvas(), "application", chat_model=forgetful)
            == drafts.render(good_canvas(), "application"))
    broken = FakeChat(lambda text: RuntimeError("nede"))
    assert drafts.render(good_canvas(), "application", chat_model=broken) == drafts.render(good_canvas(), "application")
    assert broken.calls == 1  # a failing model is not asked again for every paragraph


def test_document_blocks_render_to_markdown():
    document = Document(title="Tittel", author="Vang kommune", lang="nb")
    document.paragraph("første setning", "Andre setning.", "første setning")
    document.bullets([("Budsjett", "200 000 kr"), "uten ledd"])
    document.table([["A", "B"], ["1", "2|3"]])
    assert to_markdown(document) == ("# Tittel\n\nFørste setning. Andre setning.\n\n- **Budsjett:** 200 000 kr\n"
                                     "- Uten ledd\n\n| A | B |\n|---|---|\n| 1 | 2/3 |\n")
