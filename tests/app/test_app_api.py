"""The real app over HTTP, through gradio_client: chat, streaming, documents, isolation, export,
feedback. Each Client is its own Gradio session and so its own user (the app falls back to the
session hash as owner when the browser's load event has not run)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import gnist_testapp as g
import httpx
import pytest
from gradio_client import handle_file

from assistant.ui.render import safe_markdown

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

COST_QUESTION = "Hva koster det å delta i Gnist?"
MARKER = re.compile(r"\[(\d+)\]")



def ask(client, question: str):
    """(chat, sources, history dropdown update); the dropdown is updated in the first output only."""
    job = client.submit(question, api_name="/respond")
    chat, sources, _history, _question_box = job.result(timeout=120)
    history = next((out[2] for out in job.outputs() if isinstance(out[2], dict) and "choices" in out[2]), {})
    return chat, sources, history


def last_answer(chat) -> str:
    assert chat and chat[-1]["role"] == "assistant", chat
    return g.text_of(chat[-1]["content"])


def upload(client, *paths: Path):
    status, table, _choice, _files = client.predict([handle_file(str(p)) for p in paths], api_name="/upload")
    return status, table["data"]


@pytest.fixture(scope="module")
def plan_pdf(files_dir) -> Path:
    return g.labelled_pdf(files_dir / "kommuneplan.pdf")


# -- chat -----------------------------------------------------------------------------------------

def test_answer_has_markers_and_sources_name_file_and_locator(client_for):
    client = client_for()
    chat, sources, _ = ask(client, COST_QUESTION)
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert g.text_of(chat[0]["content"]) == COST_QUESTION
    answer = last_answer(chat)
    numbers = {int(n) for n in MARKER.findall(answer)}
    assert numbers, answer
    assert "200 000" in answer
    # Every [n] in the answer has its block in the sources panel, naming title, locator and file.
    for n in numbers:
        assert f"**[{n}] " in sources, (n, sources)
    assert "delta-i-gnist.md" in sources
    assert "Deltakeravgift" in sources  # the section heading is the locator
    assert "knowledge/" not in sources  # the file's name, never a path on the server


def test_an_extractive_answer_arrives_whole_with_its_sources(client_for):
    """Without a language model the answer is computed at once, so it is sent once: no
    placeholder, no word-by-word pieces (they only cost the server time under load)."""
    client = client_for()
    job = client.submit(COST_QUESTION, api_name="/respond")
    final = job.result(timeout=120)
    texts = [last_answer(out[0]) for out in job.outputs() if out[0] and out[0][-1]["role"] == "assistant"]
    assert texts and all(text == last_answer(final[0]) for text in texts), texts
    assert "200 000" in texts[0]
    assert "delta-i-gnist.md" in final[1]
    assert final[3] == ""  # the question box is emptied in the same update


def test_follow_up_in_same_session_keeps_the_conversation(app, client_for):
    client = client_for()
    _chat, _sources, first_history = ask(client, COST_QUESTION)
    chat, sources, history = ask(client, "Og hva med arbeidstid i kommunen?")
    assert [m["role"] for m in chat] == ["user", "assistant", "user", "assistant"]
    assert g.text_of(chat[0]["content"]) == COST_QUESTION
    # The follow-up is read in the frame of the first question (heuristic rewrite without an LLM).
    assert "prosjektressurs" in last_answer(chat).lower()
    conversations = app.container.conversations.list(g.owner_of(app, client))
    assert len(conversations) == 1
    assert conversations[0].title == COST_QUESTION
    assert [c[1] for c in first_history["choices"]] == [conversations[0].id]
    assert history == {}  # the list is unchanged by a follow-up, so it is not sent again
    stored = app.container.conversations.messages(g.owner_of(app, client), conversations[0].id)
    assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]
    assert stored[-1].citations and "delta-i-gnist.md" in sources


def test_asking_in_an_older_conversation_moves_it_to_the_top_of_the_list(client_for):
    client = client_for()
    older = ask(client, COST_QUESTION)[2]["value"]
    client.predict(api_name="/new_conversation")
    newer = ask(client, "Hvem står bak Gnist?")[2]["value"]
    time.sleep(1.1)  # conversations are ordered by their last change, to the second
    client.predict(older, api_name="/select_conversation")
    _chat, _sources, history = ask(client, "Og hva med arbeidstid i kommunen?")
    assert [c[1] for c in history["choices"]] == [older, newer]
    assert history["value"] == older


def test_empty_question_changes_nothing(app, client_for):
    client = client_for()
    client.predict("   ", api_name="/respond")
    assert app.container.conversations.list(g.owner_of(app, client)) == []


# -- documents ------------------------------------------------------------------------------------

def test_uploaded_pdf_is_cited_with_its_printed_page_label(app, client_for, plan_pdf):
    client = client_for()
    status, rows = upload(client, plan_pdf)
    assert g.plain(status).startswith("✓") and "kommuneplan.pdf" in status, status
    assert rows == [["kommuneplan.pdf", len(g.PLAN_PAGES)]]

    chat, sources, _ = ask(client, g.FACT_QUESTION)
    answer = last_answer(chat)
    assert all(word in answer for word in g.FACT_WORDS), answer
    assert "kommuneplan.pdf" in sources
    conversation = app.container.conversations.list(g.owner_of(app, client))[0]
    citations = app.container.conversations.messages(g.owner_of(app, client), conversation.id)[-1].citations
    fact = [c for c in citations if "Soltoppen" in c["text"]]
    assert fact and fact[0]["source"] == "kommuneplan.pdf"
    # Printed label 7, not the PDF page index (8) or its 1-based number (9).
    assert fact[0]["locator"] == f"s. {g.FACT_PAGE_LABEL}"
    assert f"s. {g.FACT_PAGE_LABEL} · kommuneplan.pdf" in sources
    assert f"[{fact[0]['n']}]" in answer


def test_uploaded_document_title_is_not_the_temporary_name(app, client_for, plan_pdf):
    client = client_for()
    upload(client, plan_pdf)
    _, sources, _ = ask(client, g.FACT_QUESTION)
    assert ".incoming" not in sources
    assert "**[1] kommuneplan" in sources


BAD_FILES = {
    "corrupt": ("skadet.pdf", g.corrupt_pdf, "skadet"),
    "encrypted": ("hemmelig.pdf", g.encrypted_pdf, "passordbeskyttet"),
    "exe-renamed": ("program.pdf", g.exe_as_pdf, "ikke en PDF"),
    "empty": ("tom.pdf", lambda p: (p.write_bytes(b""), p)[1], "tom"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_upload_gives_clear_message_and_indexes_nothing(app, client_for, files_dir, kind):
    name, make, reason = BAD_FILES[kind]
    path = make(files_dir / name)
    client = client_for()
    status, rows = upload(client, path)
    assert g.plain(status).startswith(f"✗ {name}:") and reason in status, status
    assert rows == []
    owner = g.owner_of(app, client)
    assert app.container.documents.list(owner) == []
    owner_dir = app.settings.uploads_dir / g_owner_dir(owner)
    assert not owner_dir.exists() or list(owner_dir.iterdir()) == []  # no copy, no half-written temp file


def g_owner_dir(owner: str) -> str:
    from assistant.services.documents import _owner_dir_name

    return _owner_dir_name(owner)


def test_bad_file_does_not_stop_good_files_in_the_same_upload(app, client_for, files_dir, plan_pdf):
    client = client_for()
    status, rows = upload(client, g.corrupt_pdf(files_dir / "skadet2.pdf"), plan_pdf)
    lines = [g.plain(line) for line in status.split("\n\n")]
    assert lines[0].startswith("✗ skadet2.pdf") and lines[1].startswith("✓ kommuneplan.pdf"), status
    assert [row[0] for row in rows] == ["kommuneplan.pdf"]


def test_too_big_upload_is_refused_with_a_clear_message(app, client_for, files_dir):
    big = g.big_pdf(files_dir / "stor.pdf", 1.5)  # the module's app allows 1 MB
    client = client_for()
    # gradio_client checks the app's limit before sending ...
    with pytest.raises(ValueError, match="exceeds the maximum file size"):
        upload(client, big)
    # ... the server refuses it too when a client does not ...
    with big.open("rb") as handle:
        response = httpx.post(app.url + "gradio_api/upload", files={"files": ("stor.pdf", handle, "application/pdf")},
                          timeout=30)
    assert response.status_code == 413, response.text
    assert "1mb" in response.text.lower() or "maximum" in response.text.lower()
    # ... and the document service refuses it with a Norwegian message (a second line of defence).
    result = app.container.documents.upload("session:direct", big, "stor.pdf")
    assert not result.ok and "for stor" in result.message and "Grensen er 1 MB" in result.message
    assert app.container.documents.list(g.owner_of(app, client)) == []
    assert app.container.documents.list("session:direct") == []


def test_delete_document(app, client_for, plan_pdf):
    client = client_for()
    upload(client, plan_pdf)
    owner = g.owner_of(app, client)
    stored = app.settings.uploads_dir / g_owner_dir(owner) / "kommuneplan.pdf"
    assert not stored.exists()  # no copy of the file is kept: its text is in the index only
    status, table, _choice = client.predict("kommuneplan.pdf", api_name="/delete_document")
    assert status == "kommuneplan.pdf er slettet."
    assert table["data"] == []
    assert app.container.documents.list(owner) == []
    assert not stored.exists()
    _, sources, _ = ask(client, g.FACT_QUESTION)
    assert "kommuneplan.pdf" not in sources


# -- isolation between users ----------------------------------------------------------------------

def test_users_cannot_see_each_others_documents_or_conversations(app, client_for, plan_pdf):
    alice, bob = client_for(), client_for()
    assert alice.session_hash != bob.session_hash
    upload(alice, plan_pdf)
    _chat_a, sources_a, _ = ask(alice, g.FACT_QUESTION)
    assert "kommuneplan.pdf" in sources_a

    chat_b, sources_b, history_b = ask(bob, g.FACT_QUESTION)
    assert "kommuneplan.pdf" not in sources_b
    assert "Soltoppen" not in sources_b and "2027" not in last_answer(chat_b)
    assert len(history_b["choices"]) == 1

    # Bob's export of all his data holds only his own conversation and no documents.
    data_b = json.loads(g.file_value(bob.predict(api_name="/export_all")).read_text(encoding="utf-8"))
    # A file made for download never carries the owner id (it would let its reader act as Bob).
    assert "owner" not in data_b and g.owner_of(app, bob) not in json.dumps(data_b)
    assert data_b["documents"] == []
    alice_ids = {c.id for c in app.container.conversations.list(g.owner_of(app, alice))}
    assert alice_ids and not alice_ids & {c["id"] for c in data_b["conversations"]}
    assert len(data_b["conversations"]) == 1
    assert "kommuneplan.pdf" not in json.dumps(data_b, ensure_ascii=False)

    data_a = json.loads(g.file_value(alice.predict(api_name="/export_all")).read_text(encoding="utf-8"))
    assert {c["id"] for c in data_a["conversations"]} == alice_ids
    assert [d["source"] for d in data_a["documents"]] == ["kommuneplan.pdf"]

    # Bob cannot open Alice's conversation even with its id: the history list passes on an id it did
    # not offer (a page that failed over to another replica sends one), and the store answers only
    # for the owner; his next question starts a conversation of his own.
    alice_id = next(iter(alice_ids))
    alice_messages = app.container.conversations.messages(g.owner_of(app, alice), alice_id)
    chat, _sources = bob.predict(alice_id, api_name="/select_conversation")
    assert chat == []
    bob.predict("Hvem kan søke?", api_name="/respond")
    assert app.container.conversations.messages(g.owner_of(app, alice), alice_id) == alice_messages
    conversations = app.container.conversations
    assert conversations.get(g.owner_of(app, bob), alice_id) is None
    assert conversations.messages(g.owner_of(app, bob), alice_id) == []


# -- export and feedback --------------------------------------------------------------------------

def test_export_conversation_markdown(client_for):
    client = client_for()
    chat, _sources, _ = ask(client, COST_QUESTION)
    markdown = g.file_value(client.predict(api_name="/export_conversation")).read_text(encoding="utf-8")
    assert markdown.startswith(f"# {COST_QUESTION}")
    assert "**Du:**" in markdown and COST_QUESTION in markdown
    answer = last_answer(chat)
    assert "**Gnist-assistenten:**" in markdown and g.plain(answer)[:40] in markdown.replace("**", "")
    assert "Kilder:" in markdown
    assert re.search(r"- \[1\] .+ \(Deltakeravgift[^)]*\), .*delta-i-gnist\.md: «", markdown), markdown


def test_export_without_conversation_warns(client_for):
    client = client_for()
    update = client.predict(api_name="/export_conversation")
    assert update in (None, {"__type__": "update", "value": None, "visible": False}) or not update.get("value")


def test_feedback_is_stored_with_question_answer_and_sources(app, client_for):
    client = client_for()
    chat, _, _ = ask(client, COST_QUESTION)
    assert client.predict("Klart og kort svar.", api_name="/feedback_good") == ""
    ask(client, "Kan vi søke sammen med nabokommunen?")
    assert client.predict("", api_name="/feedback_bad") == ""
    rows = [r for r in app.container.conversations.export_feedback() if r["owner"] == g.owner_of(app, client)]
    assert [(r["rating"], r["comment"]) for r in rows] == [(1, "Klart og kort svar."), (-1, "")]
    assert rows[0]["question"] == COST_QUESTION
    assert rows[0]["answer"] and safe_markdown(rows[0]["answer"]) in last_answer(chat)
    assert rows[0]["sources"] and rows[0]["sources"][0]["source"].endswith("delta-i-gnist.md")
    assert rows[1]["question"] == "Kan vi søke sammen med nabokommunen?"
    assert rows[0]["conversation_id"] == rows[1]["conversation_id"] and rows[0]["message_id"] < rows[1]["message_id"]


def test_feedback_before_any_answer_stores_nothing(app, client_for):
    client = client_for()
    before = len(app.container.conversations.export_feedback())
    assert client.predict("hei", api_name="/feedback_good") == "hei"  # the comment is kept
    assert len(app.container.conversations.export_feedback()) == before
