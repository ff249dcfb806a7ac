"""Drafts: Markdown from the templates (HKV in it, placeholders where empty, no invented facts)
and Word documents that python-docx can open, with real Heading styles."""

from __future__ import annotations

import io

import docx
import pytest
from test_workshop_canvas import good_canvas

from assistant.workshop import drafts
from assistant.workshop.canvas import Canvas, new_canvas
from assistant.workshop.mdocx import markdown_to_docx

HKV = "Hvordan kan vi gjøre sentrum til et sted der unge voksne vil møtes og starte bedrift etter arbeidstid?"


def empty() -> Canvas:
    return new_canvas("kari", "Vang", "Sentrum er dødt etter klokka fire")


@pytest.mark.parametrize("kind", drafts.KINDS)
@pytest.mark.parametrize("lang", drafts.LANGS)
def test_every_kind_renders_in_every_language(kind, lang):
    for canvas in (good_canvas(), empty()):
        text = drafts.render(canvas, kind, lang)
        assert text.startswith("# ") and "Vang" in text
        assert "{{" not in text and "{%" not in text and "\n\n\n" not in text


@pytest.mark.parametrize("kind", ["challenge", "application", "brief", "workshop-plan"])
def test_markdown_contains_the_hkv_question(kind):
    assert HKV in drafts.render(good_canvas(), kind, "nb")


def test_challenge_states_need_who_why_now_and_criteria_without_prescribing():
    text = drafts.render(good_canvas(), "challenge")
    assert "## Behovet\n\nUnge voksne mangler uformelle møteplasser i sentrum etter arbeidstid" in text
    assert "## Hvem merker det" in text and "- unge voksne" in text
    assert "## Hvorfor nå\n\nNy sentrumsplan skal vedtas neste år" in text
    assert "## Dette må en god løsning oppnå" in text and "- Flere folk i sentrum etter klokka fire" in text
    assert "Fra **lav sentrumsaktivitet** til **stedsidentitet" in text
    assert "ikke hvordan" in text
    assert "[Mangler" not in text


def test_empty_canvas_gets_placeholders_not_facts():
    text = drafts.render(empty(), "application")
    assert "[Mangler: politisk forankring – beskriv vedtak eller støtte]" in text
    assert "[Mangler: «Hvordan kan vi …?»-spørsmålet]" in text
    assert "[Mangler: innsikt – tall, undersøkelser, planer]" in text
    assert "[Mangler: er fylkeskommunen orientert?]" in text
    assert "Formannskapet" not in text and "vedtok" not in text
    # The open findings from the quality check are listed at the end.
    assert "## Før innsending: dette bør på plass" in text
    assert "**Mangler (Forankring):**" in text
    challenge = drafts.render(empty(), "challenge")
    assert "[Mangler: «Hvordan kan vi …?»-spørsmålet – hvem det gjelder og hva som skal bli bedre]" in challenge


def test_placeholders_in_nynorsk_and_english():
    assert "[Manglar: politisk forankring – beskriv vedtak eller støtte]" in drafts.render(empty(), "application", "nn")
    assert "[Missing: political backing – describe the decision or support]" in drafts.render(empty(), "application", "en")


def test_application_is_organised_by_the_selection_criteria():
    text = drafts.render(good_canvas(), "application")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:6] == ["## Utfordringen", "## 1. Forankring", "## 2. Innovasjonspotensial",
                            "## 3. Overføringsverdi", "## 4. Engasjement", "## 5. Bærekraft"]
    assert "- **Politisk forankring:** Formannskapet vedtok 12. mai å søke Gnist." in text
    assert "- **Fylkeskommunen orientert:** ja" in text
    assert "- **Prosjektressurs:** 25 % av en stilling" in text
    assert "- **Plan og næring med:** Planavdelingen, Næringssjefen" in text
    assert "[Mangler" not in text
    assert "Før innsending" not in text  # nothing serious left


def test_application_flags_county_council_not_informed():
    canvas = good_canvas()
    canvas.forankring.county_council_informed = False
    text = drafts.render(canvas, "application")
    assert "[Mangler: fylkeskommunen er ikke orientert ennå – må gjøres før søknad]" in text


def test_brief_and_workshop_plan_content():
    brief = drafts.render(good_canvas(), "brief")
    for heading in ("## Bakgrunn", "## Behovet", "## Målgrupper", "## Lokale premisser og fortrinn",
                    "## Hva vi forventer", "## Kriterier for vurdering"):
        assert heading in brief
    assert "- Fjellet rett utenfor døra" in brief and "**Sara** (27, sykepleier)" in brief

    plan = drafts.render(good_canvas(), "workshop-plan")
    for exercise in ("Innbyggerinput", "Målgrupper og brukerbehov", "Personas", "Aktørkartlegging",
                     "Fremtidsscenario 2030", "Veikartet som verktøy", "Felles visjon"):
        assert exercise in plan
    assert "| 0:15–0:45 | Innbyggerinput |" in plan
    assert "Hva savner du i kommunen i dag?" in plan
    assert "## Materiell" in plan
    assert "Bruk målgruppene fra lerretet: Unge voksne, Barnefamilier." in plan
    assert "Einstein" not in plan  # the saying is not attributed


def test_unknown_kind_format_or_language():
    with pytest.raises(ValueError):
        drafts.render(good_canvas(), "poem")
    with pytest.raises(ValueError):
        drafts.render(good_canvas(), "challenge", fmt="pdf")
    with pytest.raises(ValueError):
        drafts.render(good_canvas(), "challenge", language="de")


def test_docx_opens_and_has_heading_styles(tmp_path):
    path = tmp_path / "soknad.docx"
    data = drafts.render(good_canvas(), "application", fmt="docx", path=path)
    assert isinstance(data, bytes) and data[:2] == b"PK"
    assert path.read_bytes() == data
    document = docx.Document(str(path))
    styles = [(p.style.name, p.text) for p in document.paragraphs]
    assert styles[0] == ("Heading 1", "Søknad til Gnist: Vang")
    assert ("Heading 2", "1. Forankring") in styles
    assert any(style == "Heading 3" for style, _ in styles)
    assert any(style == "List Bullet" for style, _ in styles)
    assert ("Quote", HKV) in styles
    bullet = next(p for p in document.paragraphs if p.text.startswith("Politisk forankring:"))
    assert bullet.runs[0].bold and bullet.runs[0].text == "Politisk forankring:"
    assert "**" not in "\n".join(text for _, text in styles)
    assert document.core_properties.title == "Søknad til Gnist: Vang"
    normal_lang = document.styles["Normal"].element.rPr.xpath("./w:lang/@w:val")
    assert normal_lang == ["nb-NO"]


def test_docx_workshop_plan_has_a_table():
    document = docx.Document(io.BytesIO(drafts.render(good_canvas(), "workshop-plan", "en", "docx")))
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == ["Time", "Exercise", "What participants do"]
    assert table.rows[2].cells[1].text == "Resident input"
    assert document.styles["Normal"].element.rPr.xpath("./w:lang/@w:val") == ["en-GB"]


def test_markdown_converter_details():
    markdown = (
        "# Tittel\n\nEn **fet** og *kursiv* og _også kursiv_ tekst med `kode`.\nSamme avsnitt.\n\n"
        "## Liste\n\n- ett\n  - under\n1. først\n2. så\n\n> sitat\n\n---\n\n### Tabell\n\n"
        "| A | B |\n|---|---|\n| 1 | 2 |\n"
    )
    document = docx.Document(io.BytesIO(markdown_to_docx(markdown, "nn")))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    assert paragraphs[0] == ("Heading 1", "Tittel")
    assert paragraphs[1] == ("Normal", "En fet og kursiv og også kursiv tekst med kode. Samme avsnitt.")
    assert ("List Bullet", "ett") in paragraphs and ("List Bullet 2", "under") in paragraphs
    assert ("List Number", "først") in paragraphs and ("Quote", "sitat") in paragraphs
    runs = document.paragraphs[1].runs
    assert [r.text for r in runs if r.bold] == ["fet"]
    assert [r.text for r in runs if r.italic] == ["kursiv", "også kursiv"]
    assert document.tables[0].cell(1, 1).text == "2"


def test_filename_is_safe():
    assert drafts.filename(good_canvas(), "application", "docx") == "gnist-soknad-vang.docx"
    odd = new_canvas("x", "Nore og Uvdal / Ål", "")
    assert drafts.filename(odd, "workshop-plan", "md") == "gnist-verkstedplan-nore-og-uvdal-al.md"
