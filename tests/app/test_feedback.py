"""Feedback works on every stored answer: the latest one, and any answer of a conversation reopened
from the history (issue 11); the stored rating keeps its question, answer and sources."""

from __future__ import annotations

import gnist_testapp as g
import pytest

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


# -- issue 18: size limits (the app's defaults; the text stays where it was typed) ----------------

TOO_LONG_MESSAGE = {"nb": "Spørsmålet er for langt", "nn": "Spørsmålet er for langt", "en": "The question is too long"}
COMMENT_MESSAGE = {"nb": "Kommentaren er for lang", "nn": "Kommentaren er for lang", "en": "The comment is too long"}


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_a_question_over_the_limit_is_refused_in_the_users_language_and_not_stored(app, client_for, lang):
    from gradio_client.exceptions import AppError

    client = client_for()
    client.predict("", api_name="/feedback_bad")  # the first request sets the identity cookie
    owner = g.owner_of(app, client)
    app.container.preferences.set_language(owner, lang)
    limit = app.settings.max_question_chars
    with pytest.raises(AppError, match=TOO_LONG_MESSAGE[lang]) as refused:
        client.predict("Hvorfor? " + "😀" * limit, api_name="/respond")
    assert f"{limit:,}".replace(",", "\u00a0") in str(refused.value)
    assert app.container.conversations.list(owner) == []  # nothing stored, nothing embedded
    # Just under the limit is answered.
    chat, *_ = client.predict("Hva koster det å delta i Gnist? " + "x" * (limit - 40), api_name="/respond")
    assert chat[-1]["role"] == "assistant"


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_a_feedback_comment_over_the_limit_is_kept_in_its_box_and_not_stored(app, client_for, lang):
    client = client_for()
    client.predict(FIRST, api_name="/respond")
    owner = g.owner_of(app, client)
    app.container.preferences.set_language(owner, lang)
    comment = "Bra svar. " * app.settings.max_feedback_chars
    assert client.predict(comment, api_name="/feedback_good") == comment  # kept for shortening
    assert [f for f in app.container.conversations.export_feedback() if f["owner"] == owner] == []
    assert COMMENT_MESSAGE[lang] in app.container.catalog.ui("msg.feedback_too_long", lang, length="1", limit="1")
