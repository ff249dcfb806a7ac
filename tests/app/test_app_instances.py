"""App instances with their own settings: a restart on the same data dir, and an unreachable LLM."""

from __future__ import annotations

import json

import gnist_testapp as g
import pytest
from gradio_client import Client, handle_file

from assistant.ui.identity import COOKIE_NAME
from assistant.ui.render import safe_markdown

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

QUESTION = "Hva koster det å delta i Gnist?"


def test_conversations_and_documents_survive_a_restart(seed_dirs, tmp_path, files_dir):
    data_dir = tmp_path / "data"
    first = g.launch_app(seed_dirs, data_dir)
    try:
        client = Client(first.url, verbose=False)
        owner = g.owner_of(first, client)
        cookie = client.cookies[COOKIE_NAME]
        client.predict([handle_file(str(g.labelled_pdf(files_dir / "kommuneplan.pdf")))], api_name="/upload")
        chat, _sources, _history, _box = client.predict(QUESTION, api_name="/respond")
        answer = g.text_of(chat[-1]["content"])
        client.close()
    finally:
        first.close()
    # The key that signs each browser's identity cookie is kept (private) in the data dir, so browsers
    # still find their conversations after the restart (see tests/e2e/test_browser_restart.py).
    key_file = data_dir / "server-secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = key_file.read_text()

    second = g.launch_app(seed_dirs, data_dir)  # same data dir: nothing is copied over it
    try:
        assert second.url != first.url
        listed = second.container.conversations.list(owner)
        assert [c.title for c in listed] == [QUESTION]
        messages = second.container.conversations.messages(owner, listed[0].id)
        assert [m.role for m in messages] == ["user", "assistant"] and messages[0].content == QUESTION
        assert safe_markdown(messages[1].content) == answer  # the stored answer is the one shown
        assert messages[1].citations
        assert [d["source"] for d in second.container.documents.list(owner)] == ["kommuneplan.pdf"]
        assert key_file.read_text() == key
        # The same browser (its cookie) is the same user after the restart: its export holds it all.
        again = Client(second.url, verbose=False, httpx_kwargs={"cookies": {COOKIE_NAME: cookie}})
        exported = json.loads(g.file_value(again.predict(api_name="/export_all")).read_text(encoding="utf-8"))
        again.close()
        assert [c["title"] for c in exported["conversations"]] == [QUESTION]
        assert [d["source"] for d in exported["documents"]] == ["kommuneplan.pdf"]
        # The knowledge index was reused, not rebuilt.
        report = second.container.sync_knowledge(show_progress=False)
        assert report.chunks_embedded == 0 and len(report.unchanged) == len(g.KNOWLEDGE_FILES)
    finally:
        second.close()


@pytest.fixture(scope="module")
def app_without_llm(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("nollm") / "data",
                           llm_base_url="http://127.0.0.1:9/v1", llm_model="x", llm_timeout=2)
    yield running
    running.close()


def test_unreachable_llm_falls_back_to_extractive_answer_with_notice(app_without_llm):
    client = Client(app_without_llm.url, verbose=False)
    try:
        job = client.submit(QUESTION, api_name="/respond")
        chat, sources, _history, _box = job.result(timeout=120)
        text = g.text_of(chat[-1]["content"])
        assert g.plain(text).startswith("⚠︎ Språkmodellen svarte ikke"), text
        assert "200 000" in text and "[1]" in text  # the extractive answer, with citations
        assert "delta-i-gnist.md" in sources
        # The notice is visible while the fallback streams, not only at the end.
        partials = [g.text_of(out[0][-1]["content"]) for out in job.outputs() if out[0]]
        assert any(g.plain(p).startswith("⚠︎ Språkmodellen svarte ikke") and p != text for p in partials)
        owner = g.owner_of(app_without_llm, client)
        conversation = app_without_llm.container.conversations.list(owner)[0]
        stored = app_without_llm.container.conversations.messages(owner, conversation.id)[-1]
        assert stored.mode == "extractive" and stored.notices and "Språkmodellen svarte ikke" in stored.notices[0]
        # The settings tab says so too.
        # The settings tab says so in plain words; the address only under «for administrators».
        message, details = client.predict(api_name="/test_connection")
        assert g.plain(message).startswith("✗ Fikk ikke kontakt med språkmodellen") and "127.0.0.1:9" not in message
        assert "http://127.0.0.1:9/v1" in details and "ConnectionError" in details
    finally:
        client.close()


def test_first_start_serves_the_page_at_once_and_answers_once_the_index_is_ready(tmp_path):
    """An empty data dir, an empty vector cache and one folder of the real knowledge base (a minute or
    more of embedding): the index builds in the background; a question asked meanwhile waits with a
    message and is answered when the index is ready. (With the vector cache ``make install`` fills,
    the build is over before a question can be asked.)"""
    import shutil
    import time

    import httpx

    from assistant.settings import REPO_ROOT

    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge" / "programmet", knowledge / "programmet")
    started = time.monotonic()
    running = g.launch_app((knowledge, None), tmp_path / "data", copy_index=False,
                           vector_cache_dir=tmp_path / "empty-vector-cache")
    try:
        assert httpx.get(running.url, timeout=10).status_code == 200
        served = time.monotonic() - started
        assert served < 10, served
        assert not running.container.knowledge_index.ready  # still building: the page did not wait
        readiness = httpx.get(running.url + "readyz")  # a load balancer sends no users here yet
        assert readiness.status_code == 503 and readiness.json()["checks"]["index"] is False
        client = Client(running.url, verbose=False)
        job = client.submit(QUESTION, api_name="/respond")
        # The first build embeds every chunk and its sentences (a minute or two on one busy core).
        chat, _sources, _history, _box = job.result(timeout=600)
        assert "200 000" in g.text_of(chat[-1]["content"])
        waiting = [g.text_of(out[0][-1]["content"]) for out in job.outputs() if out[0]]
        assert any("Søkeindeksen bygges for første gang" in text for text in waiting), waiting
        assert running.container.knowledge_index.ready and not running.container.knowledge_index.failed
        assert httpx.get(running.url + "readyz").status_code == 200
        client.close()
    finally:
        running.close()
