"""A follow-up in the chat, in Chromium, without a language model: «der» and «det» refer to what
the previous question was about (issue 9)."""

from __future__ import annotations

import gnist_testapp as g
import pytest
from test_browser import ask, bot_messages, open_app

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]


def test_a_follow_up_inherits_the_subject_of_the_question_before(app, browsing):
    page = browsing.page()
    open_app(page, app.url)
    ask(page, "Hva gjorde Vang i Gnist?")
    ask(page, "Hvem vant der?")
    answer = bot_messages(page).last.inner_text()
    assert "Klokkarhaugen" in answer, answer
    assert "2021-vang.md" in page.locator("#sources").inner_text()
    # «det» after a question about the programme is the programme's cost, in the same conversation.
    ask(page, "Hva er Gnist?")
    ask(page, "Hva koster det?")
    answer = bot_messages(page).last.inner_text()
    assert "200 000" in answer, answer
    assert page.locator("#chat [data-testid='user']").count() == 4
    # Follow-ups do not resend the conversation list: it still shows this conversation.
    assert page.get_by_label("Tidligere samtaler", exact=True).input_value() == "Hva gjorde Vang i Gnist?"
    assert browsing.foreign_requests() == []


def test_long_tail_questions_in_english_and_nynorsk_with_follow_ups(app, browsing):
    """Issue 19: answers from the case file's structured data, in the asker's language; «there» and
    «der» point at the case just named."""
    page = browsing.page(locale="en-GB")
    box = open_app(page, app.url, question_label="Your question")
    ask(page, "What was Vang's challenge?", box)
    answer = bot_messages(page).last.inner_text()
    assert "Vang's challenge in Gnist 2021" in answer and "town centre" in answer, answer
    ask(page, "Who was on the team there?", box)
    answer = bot_messages(page).last.inner_text()
    assert "The team in Vang" in answer and "Marius Waagard" in answer, answer
    assert "2021-vang.md" in page.locator("#sources").inner_text()
    nynorsk = browsing.page(locale="nn-NO")
    open_app(nynorsk, app.url)
    ask(nynorsk, "Kva kom ut av Gnist i Vang?")
    answer = bot_messages(nynorsk).last.inner_text()
    assert "Klynga på Klokkarhaugen" in answer and "bustader" in answer, answer
    ask(nynorsk, "Kva la juryen vekt på der?")
    answer = bot_messages(nynorsk).last.inner_text()
    assert "nedanfrå og opp" in answer and "Gnist 2021" in answer, answer
    assert browsing.foreign_requests() == []
