"""Pure rendering helpers for the web UI (kept out of the Gradio wiring so they are unit-testable)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from assistant.catalog import TextCatalog
from assistant.services.conversations import StoredMessage
from assistant.services.extractive import source_text
from assistant.ui import icons

SNIPPET_CHARS = 700
_IMAGE = re.compile(r"!\[([^\]]*)\]\s*(?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S.*$", re.MULTILINE)
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def document_table(rows: list[list], catalog: TextCatalog, lang: str) -> dict:
    """A documents table's new value, its headers in the user's language: once the value is
    replaced, Gradio shows a translated header as its raw i18n key."""
    return {"headers": [catalog.ui("docs.column_document", lang), catalog.ui("docs.column_chunks", lang)], "data": rows}


def safe_markdown(text: str) -> str:
    """Markdown from documents, users or a language model, made inert: no HTML (so no <img>,
    <iframe> or autolinks), no images (an image is a request to any server, a beacon), no
    reference definitions an image could point at, and links only to http(s) and mail."""
    text = str(text).replace("<", "&lt;")
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(0) if m.group(2).strip().lower().startswith(SAFE_SCHEMES) else m.group(1), text)
    return _REFERENCE_DEFINITION.sub("", text)


SHOWN_TIME_ZONE = ZoneInfo("Europe/Oslo")  # the users are in Norway; times are stored in UTC


def local_time(stored: str) -> str:
    """A stored UTC time as Norwegian local time, to the minute ("2026-12-02 10:04")."""
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError:
        return stored.replace("T", " ")[:16]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHOWN_TIME_ZONE).strftime("%Y-%m-%d %H:%M")


def browser_language(request) -> str | None:
    """The browser's Accept-Language header (the app language until the user chooses one)."""
    return request.headers.get("accept-language") if request is not None else None


def sources_markdown(citations: list[dict], empty_text: str) -> str:
    """The sources panel: one block per citation, numbered like the [n] markers in the answer:
    title, section or page, the file's name (never a path on the server) and links, and the passage without the knowledge base's notes
    to the assistant (answers stored before those were left out may still carry them)."""
    if not citations:
        return empty_text
    blocks = []
    for citation in citations:
        snippet = " ".join(source_text(citation["text"]).split())
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 1].rstrip() + "…"
        links = " ".join(f"<{url}>" for url in citation.get("links", []) if url.startswith(SAFE_SCHEMES[:2]))
        blocks.append(
            f"**[{citation['n']}] {_md(citation['title'])}**  \n"
            f"{_md(citation['locator'])} · {_md(PurePosixPath(citation['source']).name)}\n\n"
            f"> {_md(snippet)}"
            + (f"\n\n{links}" if links else "")
        )
    return "\n\n---\n\n".join(blocks)


def answer_content(text: str, notices: list[str]) -> str:
    """What the chat shows for an answer: warnings first, so the user sees why it looks as it does."""
    prefix = "".join(f"{icons.WARNING} {notice}\n\n" for notice in notices)
    return safe_markdown(prefix + text)


def chat_messages(messages: list[StoredMessage]) -> list[dict]:
    return [
        {"role": m.role, "content": answer_content(m.content, m.notices) if m.role == "assistant" else safe_markdown(m.content)}
        for m in messages
    ]


def _md(text: str) -> str:
    """Passage text is untrusted: escape HTML and drop images so a document cannot inject markup
    into the page or make the browser fetch anything."""
    return safe_markdown(html.escape(str(text), quote=False))


def upload_progress_markdown(jobs, prompts: TextCatalog, lang: str) -> str:
    """One line per file, in words in the user's language (the icon is decoration): queued, being
    indexed, done or failed."""
    lines = []
    for job in jobs:
        if job.state == "queued":
            lines.append(f"{icons.TODO} " + _md(prompts.message("upload.queued", lang, name=job.filename, position=job.position)))
        elif job.state == "running":
            percent = round(job.progress * 100)
            lines.append(f"{icons.WAITING} " + _md(prompts.message("upload.running", lang, name=job.filename, percent=percent)))
        else:
            lines.append((f"{icons.DONE} " if job.state == "done" else f"{icons.FAILED} ") + _md(job.result.render(prompts, lang)))
    return "\n\n".join(lines)


def discard_upload(path: Path) -> None:
    """Gradio keeps each upload in its cache folder; once handled, the user's file must not stay
    there (nor be served from there)."""
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass  # not empty or already gone
