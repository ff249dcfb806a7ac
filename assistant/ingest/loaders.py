"""Turn files into titled sections that know where they came from (heading or printed page).

Every failure is an ``IngestError`` that names the file and says what went wrong and what to do
(a message in prompts/messages.*.json), so one bad file never stops the rest of an ingest. The work one file may cause
(pages, characters, unpacked size, XML depth, front matter) is bounded by ``IngestLimits``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import filetype
import yaml
from frontmatter.default_handlers import YAMLHandler
from langchain_text_splitters import MarkdownHeaderTextSplitter

from assistant.catalog import BUILT_IN, TextCatalog
from assistant.settings import Settings

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".pdf", ".docx"}
# Sections with only reference lists are kept as metadata, not as searchable text.
REFERENCE_HEADINGS = {"kilder", "kjelder", "sources", "references"}
# The only front-matter key the code reads from a user's own document; the rest could pose as
# curated metadata (type: case, sources: links) and is dropped.
USER_FRONT_MATTER_KEYS = frozenset({"title"})
MAX_FRONT_MATTER_CHARS = 16_000  # the largest in knowledge/ is about 2 200
MAX_FRONT_MATTER_DEPTH = 20  # knowledge/ uses 3 (a list in a mapping)
# A DOCX part larger than this that grew more than MAX_COMPRESSION_RATIO times when unpacked is
# treated as a zip bomb; Word's own XML compresses 5-20 times.
COMPRESSION_CHECK_BYTES = 1 << 20
MAX_COMPRESSION_RATIO = 100


class IngestError(Exception):
    """A file that could not be read: a message key (prompts/messages.*.json) and its values.
    ``reason`` and ``str()`` are in Bokmål (command line, logs); ``render`` speaks the user's language."""

    def __init__(self, source: str, key: str, **values) -> None:
        self.source = source
        self.key = key
        self.values = values
        super().__init__(source, key)

    def render(self, prompts: TextCatalog, lang: str) -> str:
        return prompts.message(self.key, lang, **self.values)

    @property
    def reason(self) -> str:
        return self.render(BUILT_IN, "nb")

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


def _setting_default(name: str):
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class IngestLimits:
    """How much work one file may cause. The defaults (Settings' defaults, all front-matter keys kept)
    are for the curated knowledge/ files; ``for_uploads`` applies the configured limits to users' files."""

    max_pdf_pages: int = _setting_default("max_pdf_pages")
    max_document_chars: int = _setting_default("max_document_chars")
    max_chunks_per_document: int = _setting_default("max_chunks_per_document")
    max_docx_uncompressed_mb: int = _setting_default("max_docx_uncompressed_mb")
    max_xml_depth: int = _setting_default("max_xml_depth")
    max_docx_paragraphs: int = _setting_default("max_docx_paragraphs")
    max_docx_seconds: float = _setting_default("max_docx_seconds")
    front_matter_keys: frozenset[str] | None = None  # None keeps every key
    max_chunks_per_store: int | None = None  # chunks one collection may hold (a user's documents)

    @classmethod
    def for_uploads(cls, settings: Settings) -> IngestLimits:
        return cls(
            max_pdf_pages=settings.max_pdf_pages,
            max_document_chars=settings.max_document_chars,
            max_chunks_per_document=settings.max_chunks_per_document,
            max_docx_uncompressed_mb=settings.max_docx_uncompressed_mb,
            max_xml_depth=settings.max_xml_depth,
            max_docx_paragraphs=settings.max_docx_paragraphs,
            max_docx_seconds=settings.max_docx_seconds,
            front_matter_keys=USER_FRONT_MATTER_KEYS,
            max_chunks_per_store=settings.max_chunks_per_user,
        )


DEFAULT_LIMITS = IngestLimits()


def number(value: int) -> str:
    """600000 -> '600 000', as numbers are written in Norwegian."""
    return f"{value:,}".replace(",", " ")


def check_limit(value: int, limit: int, source: str, key: str) -> None:
    """Refuse with message ``key`` (``value`` and ``limit`` written out) when value exceeds limit."""
    if value > limit:
        raise IngestError(source, key, value=number(value), limit=number(limit))


TOO_LONG = "ingest.too_long"
TOO_MANY_PAGES = "ingest.pdf_too_many_pages"
TOO_DEEP = "ingest.docx_too_deep"
TOO_MANY_PARAGRAPHS = "ingest.docx_too_many_paragraphs"


@dataclass
class Section:
    text: str
    locator: str  # a heading path for text formats, "s. <printed label>" for PDFs
    heading: str = ""
    page: str | None = None
    # A place without a heading (paragraph, table, text): shown in the asker's language at answer time.
    place: str | None = None
    place_number: int | None = None


@dataclass
class LoadedDocument:
    source: str
    title: str
    kind: str  # md, pdf, docx, txt
    sections: list[Section]
    metadata: dict = field(default_factory=dict)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_kind(path: Path, source: str | None = None) -> str:
    """The file's real type, judged by content; raises IngestError on a mismatch or unknown type."""
    suffix = path.suffix.lower()
    source = source or path.name
    if not suffix:
        raise IngestError(source, "ingest.no_suffix")
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(source, "ingest.unsupported_type", suffix=suffix)
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as exc:
        raise IngestError(source, "ingest.unreadable", error=exc.strerror or exc) from exc
    if not head:
        raise IngestError(source, "ingest.empty")
    guessed = filetype.guess(head)
    if suffix == ".pdf":
        if not head.startswith(b"%PDF"):
            raise IngestError(source, "ingest.not_pdf")
        return "pdf"
    if suffix == ".docx":
        if not head.startswith(b"PK"):
            raise IngestError(source, "ingest.not_docx")
        return "docx"
    if b"\x00" in head or (guessed is not None
                           and guessed.mime.split("/")[0] in {"image", "video", "audio", "application"}):
        raise IngestError(source, "ingest.binary")
    return "md" if suffix in {".md", ".markdown"} else "txt"


def _read_text(path: Path, source: str | None = None) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(source or path.name, "ingest.unknown_encoding")


def _clean(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\x00", "")
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class _FrontMatterRefused(yaml.YAMLError):
    """Front matter refused before it is built: a message key and its values for the IngestError."""

    def __init__(self, key: str, **values) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors (&) and aliases (*), whose nesting ("billion laughs") makes
    a few hundred bytes expand to gigabytes, and nesting deeper than MAX_FRONT_MATTER_DEPTH, which
    pyyaml scans in quadratic time. Nodes are composed lazily, so refusing stops the scan."""

    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _FrontMatterRefused("ingest.front_matter_anchors")
        if self.depth >= MAX_FRONT_MATTER_DEPTH:
            raise _FrontMatterRefused("ingest.front_matter_too_deep", limit=number(MAX_FRONT_MATTER_DEPTH))
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_YAML_FRONT_MATTER = YAMLHandler()


def _front_matter(text: str, source: str, limits: IngestLimits) -> tuple[dict, str]:
    """(metadata, content) of a Markdown text; only YAML front matter is recognised."""
    text = text.strip()
    if not _YAML_FRONT_MATTER.detect(text):
        return {}, text
    try:
        raw, content = _YAML_FRONT_MATTER.split(text)
    except ValueError:  # an opening "---" without a closing one: plain text
        return {}, text
    if len(raw) > MAX_FRONT_MATTER_CHARS:
        raise IngestError(source, "ingest.front_matter_too_long", limit=number(MAX_FRONT_MATTER_CHARS))
    try:
        meta = yaml.load(raw, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except _FrontMatterRefused as refused:
        raise IngestError(source, refused.key, **refused.values) from refused
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is None:
            raise IngestError(source, "ingest.front_matter_invalid") from exc
        raise IngestError(source, "ingest.front_matter_invalid_at_line", line=mark.line + 1) from exc
    if not isinstance(meta, dict):
        return {}, content.strip()
    if limits.front_matter_keys is not None:
        meta = {key: value for key, value in meta.items() if key in limits.front_matter_keys}
    return meta, content.strip()


def load_markdown(path: Path, source: str, limits: IngestLimits) -> LoadedDocument:
    text = _read_text(path, source)
    check_limit(len(text), limits.max_document_chars, source, TOO_LONG)
    meta, content = _front_matter(text, source, limits)
    splitter = MarkdownHeaderTextSplitter(
        headers_to_split_on=[("#", "h1"), ("##", "h2"), ("###", "h3")], strip_headers=True
    )
    title = str(meta.get("title") or "").strip()
    sections: list[Section] = []
    for part in splitter.split_text(content):
        headings = [part.metadata[h] for h in ("h1", "h2", "h3") if part.metadata.get(h)]
        if not title and part.metadata.get("h1"):
            title = part.metadata["h1"]
        if headings and headings[-1].strip().lower() in REFERENCE_HEADINGS:
            continue
        text = _clean(part.page_content)
        if not text:
            continue
        # The h1 is the document's title: cite the section below it.
        section_path = [part.metadata[h] for h in ("h2", "h3") if part.metadata.get(h)] or headings or [title or source]
        sections.append(Section(text=text, locator=" > ".join(section_path), heading=section_path[-1]))
    if not sections:
        raise IngestError(source, "ingest.no_text")
    return LoadedDocument(source=source, title=title or Path(source).stem, kind="md", sections=sections, metadata=meta)


def load_pdf(path: Path, source: str, limits: IngestLimits) -> LoadedDocument:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            # Many "protected" PDFs only restrict editing and open with an empty password
            # (AES needs the cryptography package).
            try:
                opened = bool(reader.decrypt(""))
            except Exception as exc:  # noqa: BLE001 - unsupported or broken encryption
                log.info("%s: could not decrypt: %r", source, exc)
                opened = False
            if not opened:
                raise IngestError(source, "ingest.pdf_protected")
        else:
            # The declared count is free to read and refuses most long PDFs before the page tree
            # is walked; it can lie, so the real count is checked below.
            check_limit(int(reader.root_object["/Pages"].get("/Count", 0)),  # type: ignore[attr-defined]  # a dictionary
                        limits.max_pdf_pages, source, TOO_MANY_PAGES)
        check_limit(len(reader.pages), limits.max_pdf_pages, source, TOO_MANY_PAGES)
        labels = list(reader.page_labels)
        sections = []
        chars = 0
        for index, page in enumerate(reader.pages):
            text = _clean(page.extract_text() or "")
            chars += len(text)
            check_limit(chars, limits.max_document_chars, source, TOO_LONG)
            if text:
                label = labels[index] if index < len(labels) else str(index + 1)
                sections.append(Section(text=text, locator=f"s. {label}", page=label))
        title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or Path(source).stem
    except IngestError:
        raise
    except Exception as exc:
        log.info("%s: unreadable PDF: %r", source, exc)
        raise IngestError(source, "ingest.pdf_damaged") from exc
    if not sections:
        raise IngestError(source, "ingest.pdf_no_text")
    return LoadedDocument(source=source, title=str(title), kind="pdf", sections=sections)


def _check_xml(stream, source: str, limits: IngestLimits) -> None:
    """Stream one XML part through expat and stop as soon as elements nest deeper than the limit
    or paragraphs (``w:p``, empty ones too) exceed theirs, before python-docx builds a tree of them.
    DTDs (the way to entity expansion) are refused: Word never writes them."""
    parser = expat.ParserCreate()
    depth = 0
    paragraphs = 0

    def start(name, _attrs):
        nonlocal depth, paragraphs
        depth += 1
        check_limit(depth, limits.max_xml_depth, source, TOO_DEEP)
        if name == "w:p":
            paragraphs += 1
            if paragraphs > limits.max_docx_paragraphs:
                raise IngestError(source, TOO_MANY_PARAGRAPHS, limit=number(limits.max_docx_paragraphs))

    def end(_name):
        nonlocal depth
        depth -= 1

    def doctype(*_args):
        raise IngestError(source, "ingest.docx_dtd")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    while block := stream.read(1 << 16):
        parser.Parse(block, False)
    parser.Parse(b"", True)


def _check_docx_container(path: Path, source: str, limits: IngestLimits) -> None:
    """Refuse zip and XML bombs before python-docx unpacks and parses everything."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(member.file_size for member in members)
            if total > limits.max_docx_uncompressed_mb * 1_048_576:
                raise IngestError(source, "ingest.docx_too_big", size=number(round(total / 1_048_576)),
                                  limit=number(limits.max_docx_uncompressed_mb))
            for member in members:
                if (member.file_size > COMPRESSION_CHECK_BYTES
                        and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)):
                    raise IngestError(source, "ingest.docx_compression", ratio=number(MAX_COMPRESSION_RATIO))
            # zipfile stops at each member's declared size, so the sizes checked above bound this.
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as stream:
                        _check_xml(stream, source, limits)
    except IngestError:
        raise
    except Exception as exc:
        log.info("%s: unreadable DOCX container: %r", source, exc)
        raise IngestError(source, "ingest.docx_damaged") from exc


def load_docx(path: Path, source: str, limits: IngestLimits) -> LoadedDocument:
    import docx

    _check_docx_container(path, source, limits)
    deadline = time.monotonic() + limits.max_docx_seconds
    try:
        document = docx.Document(str(path))
    except Exception as exc:
        log.info("%s: unreadable DOCX: %r", source, exc)
        raise IngestError(source, "ingest.docx_damaged") from exc
    sections: list[Section] = []
    headings: list[str] = []
    buffer: list[str] = []
    chars = 0

    def add(text: str) -> None:
        nonlocal chars
        chars += len(text)
        check_limit(chars, limits.max_document_chars, source, TOO_LONG)
        if time.monotonic() > deadline:
            raise IngestError(source, "ingest.docx_too_slow", limit=f"{limits.max_docx_seconds:g}")

    def flush() -> None:
        text = _clean("\n".join(buffer))
        if text:
            if headings:
                sections.append(Section(text=text, locator=" > ".join(headings), heading=headings[-1]))
            else:
                sections.append(Section(text=text, locator=f"avsnitt {len(sections) + 1}", place="paragraph",
                                        place_number=len(sections) + 1))
        buffer.clear()

    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        match = re.match(r"(?:Heading|Overskrift)\s*(\d)", style)
        if match and paragraph.text.strip():
            flush()
            level = int(match.group(1))
            headings[:] = headings[: level - 1] + [paragraph.text.strip()]
        elif style == "Title" and paragraph.text.strip():
            continue
        else:
            add(paragraph.text)
            buffer.append(paragraph.text)
    flush()
    for number, table in enumerate(document.tables, start=1):
        rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
        text = _clean("\n".join(rows))
        add(text)
        if text:
            sections.append(Section(text=text, locator=f"tabell {number}", heading=f"tabell {number}", place="table",
                                    place_number=number))
    if not sections:
        raise IngestError(source, "ingest.docx_no_text")
    title = document.core_properties.title or Path(source).stem
    return LoadedDocument(source=source, title=title, kind="docx", sections=sections)


def load_text(path: Path, source: str, limits: IngestLimits) -> LoadedDocument:
    text = _read_text(path, source)
    check_limit(len(text), limits.max_document_chars, source, TOO_LONG)
    text = _clean(text)
    if not text:
        raise IngestError(source, "ingest.no_text")
    return LoadedDocument(source=source, title=Path(source).stem, kind="txt",
                          sections=[Section(text=text, locator="tekst", place="text")])


LOADERS = {"md": load_markdown, "pdf": load_pdf, "docx": load_docx, "txt": load_text}


def load_file(path: Path, source: str | None = None, limits: IngestLimits = DEFAULT_LIMITS) -> LoadedDocument:
    """Load any supported file; ``source`` is the name shown in citations (default: file name)."""
    source = source or path.name
    if not path.is_file():
        raise IngestError(source, "ingest.not_a_file")
    kind = detect_kind(path, source)
    return LOADERS[kind](path, source, limits)
