"""Pure rendering helpers for the web UI (kept out of the Gradio wiring so they are unit-testable)."""

from __future__ import annotations

import contextlib
import html
from datetime import UTC, datetime
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import cast
from zoneinfo import ZoneInfo

from assistant.catalog import TextCatalog
from assistant.services.conversations import StoredMessage
from assistant.services.extractive import source_text
from assistant.ui import icons

SNIPPET_CHARS = 700
SAFE_SCHEMES = ("http://", "https://", "mailto:")
# What rendered Markdown may contain: text structure and links, nothing that loads anything by
# itself (no img, iframe, style, form, script) and no attributes but a link's address and title.
ALLOWED_TAGS = {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "hr",
                "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Left as text, these pairs would be read again as an image, a link or a reference definition by
# the page's own Markdown renderer (Gradio renders what it is given): written as character
# references, they are shown the same and parsed as nothing.
_RESYNTAX = {"![": "&#33;[", "](": "&#93;(", "][": "&#93;[", "]:": "&#93;:"}


def document_table(rows: list[list], catalog: TextCatalog, lang: str) -> dict:
    """A documents table's new value, its headers in the user's language: once the value is
    replaced, Gradio shows a translated header as its raw i18n key."""
    return {"headers": [catalog.ui("docs.column_document", lang), catalog.ui("docs.column_chunks", lang)], "data": rows}


@lru_cache(maxsize=1)
def _markdown():
    """CommonMark with tables and strikethrough, raw HTML shown as text; an image becomes its
    description and a link to anything but http(s) or mail becomes its text."""
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML

    parser = MarkdownIt("commonmark", {"breaks": True, "html": False}).enable(["table", "strikethrough"])
    # every link is judged below, so its text is kept either way
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    renderer = cast(RendererHTML, parser.renderer)

    def image(_renderer, tokens, index, options, env):
        return html.escape(renderer.renderInlineAsText(tokens[index].children or [], options, env), quote=False)

    def safe_link(token) -> bool:
        return str(token.attrGet("href") or "").strip().lower().startswith(SAFE_SCHEMES)

    def link_open(_renderer, tokens, index, options, env):
        return renderer.renderToken(tokens, index, options, env) if safe_link(tokens[index]) else ""

    def link_close(_renderer, tokens, index, options, env):
        opening = next(t for t in reversed(tokens[:index]) if t.type == "link_open" and t.level == tokens[index].level)
        return renderer.renderToken(tokens, index, options, env) if safe_link(opening) else ""

    parser.add_render_rule("image", image)
    parser.add_render_rule("link_open", link_open)
    parser.add_render_rule("link_close", link_close)
    return parser


class _InertText(HTMLParser):
    """Re-emits clean HTML with the text's image and link syntax written as character references."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        text = html.escape(data, quote=False)
        for pair, inert in _RESYNTAX.items():
            text = text.replace(pair, inert)
        self.out.append(icons.draw(text))


def safe_markdown(text: str) -> str:
    """Markdown from documents, users or a language model, rendered by a parser (markdown-it) and
    cleaned by an allow-list sanitiser (nh3): no raw HTML, no images (an image is a request to any
    server, a beacon; its description is kept), links only to http(s) and mail. A text of one line
    is read as inline Markdown and comes back inline (it may sit inside a list item or a quote:
    «1. mars» stays a date, not a list); longer texts come back as HTML blocks."""
    import nh3

    text = str(text)
    rendered = _markdown().render(text) if "\n" in text.strip() else _markdown().renderInline(text)
    clean = nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_URL_SCHEMES,
                      link_rel="noopener noreferrer nofollow", strip_comments=True)
    inert = _InertText()
    inert.feed(clean)
    inert.close()
    return "".join(inert.out).strip()


SHOWN_TIME_ZONE = ZoneInfo("Europe/Oslo")  # the users are in Norway; times are stored in UTC


def local_time(stored: str) -> str:
    """A stored UTC time as Norwegian local time, to the minute ("2026-12-02 10:04")."""
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError:
        return stored.replace("T", " ")[:16]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHOWN_TIME_ZONE).strftime("%Y-%m-%d %H:%M")


def browser_language(request) -> str | None:
    """The browser's Accept-Language header (the app language until the user chooses one)."""
    return request.headers.get("accept-language") if request is not None else None


def sources_markdown(citations: list[dict], empty_text: str) -> str:
    """The sources panel: one block per citation, numbered like the [n] markers in the answer:
    title, section or page, the file's name (never a path on the server) and links, and the passage without the
    knowledge base's notes to the assistant (answers stored before those were left out may still carry them)."""
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
        {"role": m.role, "content": answer_content(m.content, m.notices) if m.role == "assistant"
         else safe_markdown(m.content)}
        for m in messages
    ]


def _md(text: str) -> str:
    """Passage text is untrusted: rendered inert like any Markdown (no HTML, no images)."""
    return safe_markdown(str(text))


def upload_progress_markdown(jobs, prompts: TextCatalog, lang: str) -> str:
    """One line per file, in words in the user's language (the icon is decoration): queued, being
    indexed, done or failed."""
    lines = []
    for job in jobs:
        if job.state == "queued":
            lines.append(f"{icons.TODO} " + _md(prompts.message("upload.queued", lang, name=job.filename,
                                                                position=job.position)))
        elif job.state == "running":
            percent = round(job.progress * 100)
            lines.append(f"{icons.WAITING} " + _md(prompts.message("upload.running", lang, name=job.filename,
                                                                   percent=percent)))
        else:
            lines.append((f"{icons.DONE} " if job.state == "done"
                          else f"{icons.FAILED} ") + _md(job.result.render(prompts, lang)))
    return icons.draw("\n\n".join(lines))


def discard_upload(path: Path) -> None:
    """Gradio keeps each upload in its cache folder; once handled, the user's file must not stay
    there (nor be served from there)."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty or already gone
        path.parent.rmdir()
