"""A draft as plain content (title, headings, paragraphs, lists, tables), rendered to Markdown
and to Word from the same blocks.

Word: A4 with 2.5 cm margins, Word's own styles (Title, Heading 1, Heading 2, Normal, List
Bullet, Quote, Table Grid) so the navigation pane and a table of contents work, title, author
and language in the core properties, the document language on the Normal style, and "Side 1
av 3" in the footer from PAGE and NUMPAGES fields. Gaps («[Mangler: …]») are highlighted so
they are easy to find.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from assistant.workshop import grammar

Style = Literal["heading1", "heading2", "paragraph", "note", "bullets", "quote", "table"]
LANG_TAGS = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}
_GAP = re.compile(r"(\[(?:Mangler|Manglar|Missing): [^\]]*\])")
A4 = (Mm(210), Mm(297))
MARGIN = Mm(25)


@dataclass
class Block:
    style: Style
    text: str = ""
    items: list[tuple[str, str]] = field(default_factory=list)  # (lead, text) for bullets
    rows: list[list[str]] = field(default_factory=list)  # header first, for tables


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph (see ``grammar.split_sentences``: «kl. 14.30» stays whole)."""
    return grammar.split_sentences(text)


_LIST_MARK = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s+")


def lines_of(part: str) -> list[str]:
    """A user's answer written as lines or a list («- Ungdomsrådet\n- Biblioteket»): each line
    without its bullet, to be read as a sentence of its own rather than as «… - Ungdomsrådet - …»."""
    return [line for line in (_LIST_MARK.sub("", raw).strip() for raw in part.splitlines()) if line]


def _key(sentence: str) -> str:
    return re.sub(r"\W+", " ", sentence).strip().casefold()


@dataclass
class Document:
    title: str
    author: str
    lang: str
    subject: str = ""
    blocks: list[Block] = field(default_factory=list)
    _said: set[str] = field(default_factory=set, repr=False)

    # -- building ---------------------------------------------------------------------------

    def heading(self, text: str, level: int = 1) -> None:
        self.blocks.append(Block("heading1" if level == 1 else "heading2", text))

    def note(self, text: str) -> None:
        self.blocks.append(Block("note", text))

    def paragraph(self, *parts: str) -> None:
        """A paragraph from sentences (each written as one sentence); a sentence this document
        already says is left out, so nothing is repeated."""
        kept: list[str] = []
        for part in parts:
            for one in [s for line in lines_of(part or "") for s in sentences(grammar.sentence(line))]:
                one = grammar.capitalise(one)  # a sentence's first letter, the one letter that may change
                key = _key(one)
                if key and key not in self._said:
                    self._said.add(key)
                    kept.append(one)
        if kept:
            self.blocks.append(Block("paragraph", " ".join(kept)))

    def bullets(self, items: Sequence[str | tuple[str, str]]) -> None:
        pairs = [item if isinstance(item, tuple) else ("", item) for item in items]
        pairs = [(lead, grammar.capitalise(text)) for lead, text in pairs if text]
        if pairs:
            self.blocks.append(Block("bullets", items=pairs))

    def quote(self, text: str) -> None:
        self.blocks.append(Block("quote", text))

    def table(self, rows: list[list[str]]) -> None:
        self.blocks.append(Block("table", rows=rows))

    # -- reading ----------------------------------------------------------------------------

    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.style == "paragraph"]

    def text(self) -> str:
        """Everything the reader sees, one block per line (for checks and search)."""
        lines = [self.title]
        for block in self.blocks:
            if block.style == "bullets":
                lines += [f"{lead}: {text}" if lead else text for lead, text in block.items]
            elif block.style == "table":
                lines += [" | ".join(row) for row in block.rows]
            else:
                lines.append(block.text)
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "/")


def to_markdown(document: Document) -> str:
    out = [f"# {document.title}"]
    for block in document.blocks:
        if block.style == "heading1":
            out.append(f"## {block.text}")
        elif block.style == "heading2":
            out.append(f"### {block.text}")
        elif block.style == "note":
            out.append(f"_{block.text}_")
        elif block.style == "quote":
            out.append(f"> **{block.text}**")
        elif block.style == "bullets":
            out.append("\n".join(f"- **{lead}:** {text}" if lead else f"- {text}" for lead, text in block.items))
        elif block.style == "table":
            header, *rows = block.rows
            lines = ["| " + " | ".join(_cell(c) for c in header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
            out.append("\n".join(lines))
        else:
            out.append(block.text)
    return "\n\n".join(out).strip() + "\n"


# ---------------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------------

def _runs(paragraph, text: str, bold: bool = False, italic: bool = False) -> None:
    """``text`` as runs; a gap marker («[Mangler: …]») is highlighted."""
    for part in _GAP.split(text):
        if not part:
            continue
        run = paragraph.add_run(part)
        run.bold = bold or None
        run.italic = italic or None
        if _GAP.fullmatch(part):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _set_language(document, lang: str) -> None:
    tag = LANG_TAGS.get(lang, "nb-NO")
    rpr = document.styles["Normal"].element.get_or_add_rPr()
    element = rpr.find(qn("w:lang"))
    if element is None:
        element = rpr.makeelement(qn("w:lang"), {})
        rpr.append(element)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        element.set(qn(attribute), tag)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays out the pages."""
    def fld_char(kind: str):
        run = paragraph.add_run()
        element = run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
        run._r.append(element)

    fld_char("begin")
    run = paragraph.add_run()
    instr = run._r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld_char("separate")
    paragraph.add_run("1")
    fld_char("end")


def _page_numbers(section, page_words: tuple[str, str]) -> None:
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{page_words[0]} ")
    _field(footer, "PAGE")
    footer.add_run(f" {page_words[1]} ")
    _field(footer, "NUMPAGES")


def _table(document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = document.styles["Table Grid"]
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            _runs(cell.paragraphs[0], text, bold=r == 0)
    tr_pr = table.rows[0]._tr.get_or_add_trPr()  # repeat the header row, and mark it as a header
    tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))


def to_docx(document: Document, page_words: tuple[str, str] = ("Side", "av"), path: Path | str | None = None) -> bytes:
    """The Word document as bytes (and written to ``path`` when given)."""
    word = docx.Document()
    section = word.sections[0]
    section.page_width, section.page_height = A4
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    _set_language(word, document.lang)
    word.styles["Normal"].font.size = Pt(11)
    word.add_paragraph(document.title, style="Title")
    for block in document.blocks:
        if block.style in ("heading1", "heading2"):
            word.add_paragraph(block.text, style="Heading 1" if block.style == "heading1" else "Heading 2")
        elif block.style == "note":
            _runs(word.add_paragraph(style="Normal"), block.text, italic=True)
        elif block.style == "quote":
            _runs(word.add_paragraph(style="Quote"), block.text, bold=True)
        elif block.style == "bullets":
            for lead, text in block.items:
                paragraph = word.add_paragraph(style="List Bullet")
                if lead:
                    _runs(paragraph, f"{lead}: ", bold=True)
                _runs(paragraph, text)
        elif block.style == "table":
            _table(word, block.rows)
            word.add_paragraph(style="Normal")
        else:
            _runs(word.add_paragraph(style="Normal"), block.text)
    _page_numbers(section, page_words)
    properties = word.core_properties
    properties.title = document.title
    properties.author = document.author
    properties.subject = document.subject
    properties.language = LANG_TAGS.get(document.lang, "nb-NO")
    properties.keywords = "Gnist"
    buffer = io.BytesIO()
    word.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
