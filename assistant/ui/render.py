"""Pure rendering helpers for the web UI (kept out of the Gradio wiring so they are unit-testable)."""

from __future__ import annotations

import html

from assistant.services.conversations import StoredMessage

SNIPPET_CHARS = 700


def sources_markdown(citations: list[dict], empty_text: str) -> str:
    """The sources panel: one block per citation, numbered like the [n] markers in the answer."""
    if not citations:
        return empty_text
    blocks = []
    for citation in citations:
        snippet = " ".join(citation["text"].split())
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 1].rstrip() + "…"
        links = " ".join(f"<{url}>" for url in citation.get("links", []))
        blocks.append(
            f"**[{citation['n']}] {_md(citation['title'])}**  \n"
            f"{_md(citation['locator'])} · `{_md(citation['source'])}`\n\n"
            f"> {_md(snippet)}"
            + (f"\n\n{links}" if links else "")
        )
    return "\n\n---\n\n".join(blocks)


def answer_content(text: str, notices: list[str]) -> str:
    """What the chat shows for an answer: warnings first, so the user sees why it looks as it does."""
    prefix = "".join(f"⚠️ {notice}\n\n" for notice in notices)
    return prefix + text


def chat_messages(messages: list[StoredMessage]) -> list[dict]:
    return [
        {"role": m.role, "content": answer_content(m.content, m.notices) if m.role == "assistant" else m.content}
        for m in messages
    ]


def _md(text: str) -> str:
    """Passage text is untrusted: escape HTML so a document cannot inject markup into the page."""
    return html.escape(str(text), quote=False)
