"""A small Markdown → Word converter for the drafts (python-docx).

Supports what the draft templates write: ``#``/``##``/``###`` headings (Word's Heading 1–3
styles, so the navigation pane and a table of contents work), ``-``/``*`` bullets (two
levels), ``1.`` numbered lists, ``>`` quotes, pipe tables, ``---`` rules, and inline
``**bold**``, ``*italic*``/``_italic_`` and ``code``. The document language is set so
spell-checkers and screen readers use the right language.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.shared import Pt

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBER = re.compile(r"^(\s*)\d+[.)]\s+(.*)$")
_QUOTE = re.compile(r"^>\s?(.*)$")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_INLINE = re.compile(r"(\*\*(?P<bold>.+?)\*\*|__(?P<bold2>.+?)__|(?<![\w*])\*(?P<it>[^*\s][^*]*?)\*(?!\w)|"
                     r"(?<![\w_])_(?P<it2>[^_\s][^_]*?)_(?![\w])|`(?P<code>[^`]+)`)")
LANG_TAGS = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}


def add_inline(paragraph, text: str, bold: bool = False) -> None:
    """Add ``text`` to ``paragraph`` as runs, honouring **bold**, *italic* and `code`."""
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            run = paragraph.add_run(text[position:match.start()])
            run.bold = bold or None
        if match.group("bold") or match.group("bold2"):
            add_inline(paragraph, match.group("bold") or match.group("bold2"), bold=True)
        elif match.group("it") or match.group("it2"):
            run = paragraph.add_run(match.group("it") or match.group("it2"))
            run.italic = True
            run.bold = bold or None
        else:
            run = paragraph.add_run(match.group("code"))
            run.font.name = "Courier New"
        position = match.end()
    if position < len(text):
        run = paragraph.add_run(text[position:])
        run.bold = bold or None


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [cell.strip() for cell in line.split("|")]


def _set_language(document, lang: str) -> None:
    tag = LANG_TAGS.get(lang, "nb-NO")
    rpr = document.styles["Normal"].element.get_or_add_rPr()
    element = rpr.find(qn("w:lang"))
    if element is None:
        element = rpr.makeelement(qn("w:lang"), {})
        rpr.append(element)
    element.set(qn("w:val"), tag)
    element.set(qn("w:eastAsia"), tag)
    element.set(qn("w:bidi"), tag)


def markdown_to_document(markdown: str, lang: str = "nb", title: str | None = None):
    document = docx.Document()
    _set_language(document, lang)
    document.styles["Normal"].font.size = Pt(11)
    lines = markdown.replace("\r\n", "\n").split("\n")
    paragraph_lines: list[str] = []
    first_heading: str | None = None

    def flush() -> None:
        if paragraph_lines:
            paragraph = document.add_paragraph()
            add_inline(paragraph, " ".join(line.strip() for line in paragraph_lines))
            paragraph_lines.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            flush()
            index += 1
            continue
        heading = _HEADING.match(stripped)
        if heading:
            flush()
            level = min(len(heading.group(1)), 3)
            paragraph = document.add_paragraph(style=f"Heading {level}")
            add_inline(paragraph, heading.group(2))
            first_heading = first_heading or re.sub(r"[*_`]", "", heading.group(2))
            index += 1
            continue
        if stripped.startswith("|") and index + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[index + 1].strip()):
            flush()
            header = _cells(stripped)
            rows = []
            index += 2
            while index < len(lines) and lines[index].strip().startswith("|"):
                rows.append(_cells(lines[index]))
                index += 1
            table = document.add_table(rows=1 + len(rows), cols=len(header))
            table.style = document.styles["Table Grid"]
            for col, text in enumerate(header):
                cell = table.cell(0, col)
                cell.paragraphs[0].text = ""
                add_inline(cell.paragraphs[0], text, bold=True)
            for row_index, row in enumerate(rows, start=1):
                for col in range(len(header)):
                    cell = table.cell(row_index, col)
                    add_inline(cell.paragraphs[0], row[col] if col < len(row) else "")
            _mark_header_row(table)
            document.add_paragraph()
            continue
        if _RULE.match(stripped):
            flush()
            index += 1
            continue
        bullet = _BULLET.match(line)
        number = _NUMBER.match(line)
        quote = _QUOTE.match(stripped)
        if bullet or number:
            flush()
            match = bullet or number
            level = 2 if len(match.group(1).replace("\t", "    ")) >= 2 else 1
            base = "List Bullet" if bullet else "List Number"
            style = base if level == 1 else f"{base} 2"
            paragraph = document.add_paragraph(style=style)
            add_inline(paragraph, match.group(2).strip())
            index += 1
            continue
        if quote:
            flush()
            quoted = [quote.group(1)]
            index += 1
            while index < len(lines) and _QUOTE.match(lines[index].strip()):
                quoted.append(_QUOTE.match(lines[index].strip()).group(1))
                index += 1
            paragraph = document.add_paragraph(style="Quote")
            add_inline(paragraph, " ".join(q.strip() for q in quoted if q.strip()))
            continue
        paragraph_lines.append(line)
        index += 1
    flush()
    document.core_properties.title = title or first_heading or ""
    document.core_properties.language = LANG_TAGS.get(lang, "nb-NO")
    return document


def _mark_header_row(table) -> None:
    """Repeat the header row on each page and tell screen readers it is a header."""
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    tr_pr.append(header)


def markdown_to_docx(markdown: str, lang: str = "nb", title: str | None = None, path: Path | str | None = None) -> bytes:
    """The Word document as bytes (and written to ``path`` when given)."""
    document = markdown_to_document(markdown, lang, title)
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
