"""A browser comes back after the server has been restarted (same data dir, same address)."""

from __future__ import annotations

import gnist_testapp as g
import pytest
from test_browser import ask, bot_messages, open_app

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]


def test_browser_finds_its_conversation_after_a_server_restart(seed_dirs, browser, tmp_path):
    """The browser's identity cookie is signed with a key kept in the data dir; a fresh random key
    per start would leave every user without their history."""
    first = g.launch_app(seed_dirs, tmp_path / "data")
    context = browser.new_context(locale="nb-NO")
    try:
        page = context.new_page()
        open_app(page, first.url)
        question = "Hva koster det å delta i Gnist?"
        ask(page, question)
        first.close()

        second = g.launch_app(seed_dirs, tmp_path / "data", port=first.settings.port)
        try:
            assert second.url == first.url  # the same origin, so the same cookie
            page.reload()
            open_app(page, second.url)
            page.locator("#chat [data-testid='user']").get_by_text(question).wait_for()
            assert "200 000" in bot_messages(page).last.inner_text()
            assert page.get_by_label("Tidligere samtaler", exact=True).input_value() == question
        finally:
            second.close()
    finally:
        context.close()
