"""The workshop commands of `gnist` (assistant/cli_workshop.py)."""

from __future__ import annotations

import json

import docx
import pytest
from test_workshop_canvas import good_canvas

from assistant.cli import main
from assistant.settings import Settings
from assistant.workshop.canvas import from_json, to_json


def run(argv, settings):
    return main(argv, settings)


@pytest.fixture
def cli_settings(tmp_path):
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def canvas_file(tmp_path):
    path = tmp_path / "lerret.json"
    path.write_text(to_json(good_canvas()), encoding="utf-8")
    return path


def test_canvas_new_prints_a_valid_canvas(capsys, cli_settings, tmp_path):
    assert run(["canvas-new", "--municipality", "Vang", "--problem", "Sentrum er dødt etter klokka fire",
                "--lang", "nb", "--partners", "Vestre Slidre, Øystre Slidre"], cli_settings) == 0
    canvas = from_json(capsys.readouterr().out)
    assert (canvas.municipality, canvas.raw_problem, canvas.language) == ("Vang", "Sentrum er dødt etter klokka fire",
                                                                          "nb")
    assert canvas.partners == ["Vestre Slidre", "Øystre Slidre"] and canvas.current_step == "problem"
    out = tmp_path / "ny.json"
    assert run(["canvas-new", "--municipality", "Vang", "--problem", "x", "--lang", "en", "--out", str(out)],
               cli_settings) == 0
    assert from_json(out.read_text(encoding="utf-8")).language == "en"


def test_canvas_schema(capsys, cli_settings):
    assert run(["canvas-schema"], cli_settings) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Canvas" and "forankring" in schema["properties"]


def test_check_json_and_text(capsys, cli_settings, canvas_file, tmp_path):
    assert run(["check", "--canvas", str(canvas_file), "--json"], cli_settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] == {"mangler": 0, "advarsel": 0, "info": 0}

    bad = good_canvas()
    bad.need.evidence = []
    bad.forankring.political_backing = ""
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(to_json(bad), encoding="utf-8")
    assert run(["check", "--canvas", str(bad_file)], cli_settings) == 0
    out = capsys.readouterr().out
    assert "[Mangler · Innsikt · Det dere vet (tall, undersøkelser, planer, forsøk)] Dere har ikke" in out
    assert "[Mangler · Forankring · Politisk forankring]" in out
    assert "need.evidence" not in out and "political_backing" not in out
    assert "2 mangler, 0 bør rettes, 0 tips." in out
    assert run(["check", "--canvas", str(bad_file), "--json", "--lang", "en"], cli_settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert {f["code"] for f in report["findings"]} == {"no_evidence", "no_political"}
    assert report["findings"][0]["message"].startswith(("Nothing shows", "The challenge"))


def test_check_reports_missing_or_invalid_files(capsys, cli_settings, tmp_path):
    assert run(["check", "--canvas", str(tmp_path / "finnes-ikke.json")], cli_settings) == 2
    assert "Fant ikke lerretsfilen" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text('{"owner": "x", "personas": "mange"}', encoding="utf-8")
    assert run(["check", "--canvas", str(broken)], cli_settings) == 2
    assert "«personas» må være en liste" in capsys.readouterr().err


def test_draft_markdown_to_stdout_and_docx_to_file(capsys, cli_settings, canvas_file, tmp_path):
    assert run(["draft", "--canvas", str(canvas_file), "--kind", "challenge"], cli_settings) == 0
    assert capsys.readouterr().out.startswith("# Utfordring: Vang")
    assert run(["draft", "--canvas", str(canvas_file), "--kind", "brief", "--lang", "nn"], cli_settings) == 0
    assert "## Lokale premissar og fortrinn" in capsys.readouterr().out
    # Without a language model, --polish says so and the template text stands.
    assert run(["draft", "--canvas", str(canvas_file), "--kind", "challenge", "--polish"], cli_settings) == 0
    polished = capsys.readouterr()
    assert polished.out.startswith("# Utfordring: Vang") and "Ingen språkmodell" in polished.err
    out = tmp_path / "soknad.docx"
    assert run(["draft", "--canvas", str(canvas_file), "--kind", "application", "--format", "docx",
                "--out", str(out)], cli_settings) == 0
    assert f"Skrev {out}" in capsys.readouterr().out
    document = docx.Document(str(out))
    assert (document.paragraphs[0].style.name, document.paragraphs[0].text) == ("Title", "Søknad til Gnist: Vang")
    with pytest.raises(SystemExit):
        run(["draft", "--canvas", str(canvas_file), "--kind", "poem"], cli_settings)
