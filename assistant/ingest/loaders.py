"""Turn files into titled sections that know where they came from (heading or printed page).

Every failure is an ``IngestError`` that names the file and says, in Norwegian, what went wrong
and what to do, so one bad file never stops the rest of an ingest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import filetype
import frontmatter
from langchain_text_splitters import MarkdownHeaderTextSplitter

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".pdf", ".docx"}
# Sections with only reference lists are kept as metadata, not as searchable text.
REFERENCE_HEADINGS = {"kilder", "kjelder", "sources", "references"}


class IngestError(Exception):
    """A file that could not be read. ``str()`` is a user-facing Norwegian message."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


@dataclass
class Section:
    text: str
    locator: str  # a heading path for text formats, "s. <printed label>" for PDFs
    heading: str = ""
    page: str | None = None


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
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(source, f"filtypen «{suffix or 'uten endelse'}» støttes ikke. Bruk PDF, DOCX, TXT eller Markdown.")
    try:
        head = path.read_bytes()[:8192]
    except OSError as exc:
        raise IngestError(source, f"filen kunne ikke leses ({exc.strerror or exc}).") from exc
    if not head:
        raise IngestError(source, "filen er tom.")
    guessed = filetype.guess(head)
    if suffix == ".pdf":
        if not head.startswith(b"%PDF"):
            raise IngestError(source, "filen heter .pdf, men innholdet er ikke en PDF. Er den skadet?")
        return "pdf"
    if suffix == ".docx":
        if not head.startswith(b"PK"):
            raise IngestError(source, "filen heter .docx, men innholdet er ikke et Word-dokument.")
        return "docx"
    if b"\x00" in head or (guessed is not None and guessed.mime.split("/")[0] in {"image", "video", "audio", "application"}):
        raise IngestError(source, "filen ser ut til å være binær, ikke tekst. Last opp PDF, DOCX, TXT eller Markdown.")
    return "md" if suffix in {".md", ".markdown"} else "txt"


def _read_text(path: Path, source: str | None = None) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(source or path.name, "teksten kunne ikke leses (ukjent tegnkoding). Lagre filen som UTF-8.")


def _clean(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\x00", "")
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def load_markdown(path: Path, source: str) -> LoadedDocument:
    try:
        post = frontmatter.loads(_read_text(path, source))
    except IngestError:
        raise
    except Exception as exc:  # yaml errors come in many types
        raise IngestError(source, f"front matter kunne ikke tolkes ({exc}).") from exc
    meta = {key: value for key, value in post.metadata.items()}
    splitter = MarkdownHeaderTextSplitter(
        headers_to_split_on=[("#", "h1"), ("##", "h2"), ("###", "h3")], strip_headers=True
    )
    title = str(meta.get("title") or "").strip()
    sections: list[Section] = []
    for part in splitter.split_text(post.content):
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
        raise IngestError(source, "filen inneholder ingen tekst.")
    return LoadedDocument(source=source, title=title or Path(source).stem, kind="md", sections=sections, metadata=meta)


def load_pdf(path: Path, source: str) -> LoadedDocument:
    from pypdf import PdfReader
    # DependencyError: AES decryption needs the optional cryptography package.
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            # Many "protected" PDFs only restrict editing and open with an empty password.
            try:
                if not reader.decrypt(""):
                    raise FileNotDecryptedError("password required")
            except (FileNotDecryptedError, NotImplementedError, DependencyError) as exc:
                raise IngestError(source, "PDF-en er passordbeskyttet. Fjern passordet og last den opp igjen.") from exc
        labels = list(reader.page_labels)
        sections = []
        for index, page in enumerate(reader.pages):
            text = _clean(page.extract_text() or "")
            if text:
                label = labels[index] if index < len(labels) else str(index + 1)
                sections.append(Section(text=text, locator=f"s. {label}", page=label))
        title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or Path(source).stem
    except IngestError:
        raise
    except FileNotDecryptedError as exc:
        raise IngestError(source, "PDF-en er passordbeskyttet. Fjern passordet og last den opp igjen.") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestError(source, f"PDF-en er skadet og kunne ikke leses ({type(exc).__name__}). Lagre den på nytt og prøv igjen.") from exc
    if not sections:
        raise IngestError(
            source,
            "PDF-en har ingen tekst som kan hentes ut. Er den skannet? Kjør tekstgjenkjenning (OCR) først.",
        )
    return LoadedDocument(source=source, title=str(title), kind="pdf", sections=sections)


def load_docx(path: Path, source: str) -> LoadedDocument:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zip, xml and KeyError variants
        raise IngestError(source, f"Word-dokumentet er skadet og kunne ikke leses ({type(exc).__name__}).") from exc
    sections: list[Section] = []
    headings: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _clean("\n".join(buffer))
        if text:
            locator = " > ".join(headings) if headings else f"avsnitt {len(sections) + 1}"
            sections.append(Section(text=text, locator=locator, heading=headings[-1] if headings else ""))
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
            buffer.append(paragraph.text)
    flush()
    for number, table in enumerate(document.tables, start=1):
        rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
        text = _clean("\n".join(rows))
        if text:
            sections.append(Section(text=text, locator=f"tabell {number}", heading=f"tabell {number}"))
    if not sections:
        raise IngestError(source, "Word-dokumentet inneholder ingen tekst.")
    title = document.core_properties.title or Path(source).stem
    return LoadedDocument(source=source, title=title, kind="docx", sections=sections)


def load_text(path: Path, source: str) -> LoadedDocument:
    text = _clean(_read_text(path, source))
    if not text:
        raise IngestError(source, "filen inneholder ingen tekst.")
    return LoadedDocument(source=source, title=Path(source).stem, kind="txt", sections=[Section(text=text, locator="tekst")])


LOADERS = {"md": load_markdown, "pdf": load_pdf, "docx": load_docx, "txt": load_text}


def load_file(path: Path, source: str | None = None) -> LoadedDocument:
    """Load any supported file; ``source`` is the name shown in citations (default: file name)."""
    source = source or path.name
    if not path.is_file():
        raise IngestError(source, "filen finnes ikke eller er ikke en vanlig fil.")
    kind = detect_kind(path, source)
    return LOADERS[kind](path, source)
