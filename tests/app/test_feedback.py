"""Feedback works on every stored answer: the latest one, and any answer of a conversation reopened
from the history (issue 11); the stored rating keeps its question, answer and sources."""

from __future__ import annotations

import pytest

import gnist_testapp as g

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

FIRST = "Hva koster det å delta i Gnist?"
SECOND = "Hvor mye arbeidstid må kommunen sette av til prosjektet?"


def test_feedback_on_a_reopened_conversation(app, client_for):
    client = client_for()
    client.predict(FIRST, api_name="/respond")
    owner = g.owner_of(app, client)
    first_id = app.container.conversations.list(owner)[0].id
    client.predict(api_name="/new_conversation")
    client.predict(SECOND, api_name="/respond")
    assert len(app.container.conversations.list(owner)) == 2

    # Reopen the first conversation from the history, then rate its answer with a comment.
    client.predict(first_id, api_name="/select_conversation")
    assert client.predict("Tydelig svar", api_name="/feedback_good") == ""
    stored = [f for f in app.container.conversations.export_feedback() if f["owner"] == owner]
    assert len(stored) == 1
    feedback = stored[0]
    assert (feedback["conversation_id"], feedback["rating"], feedback["comment"]) == (first_id, 1, "Tydelig svar")
    assert feedback["question"] == FIRST and "200 000" in feedback["answer"] and feedback["sources"]


def test_feedback_without_an_answer_says_so(app, client_for):
    client = client_for()
    assert client.predict("Hei", api_name="/feedback_bad") == "Hei"  # the comment is kept for later
    assert [f for f in app.container.conversations.export_feedback() if f["owner"] == g.owner_of(app, client)] == []
