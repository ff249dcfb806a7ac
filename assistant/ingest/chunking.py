"""Split loaded sections into retrieval chunks that keep their title and locator."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.ingest.loaders import LoadedDocument, check_limit

CHUNK_CHARS = 1200
CHUNK_OVERLAP = 150

TOO_MANY_CHUNKS = "ingest.too_many_chunks"

_SPLITTER = RecursiveCharacterTextSplitter(
    chunk_size=CHUNK_CHARS,
    chunk_overlap=CHUNK_OVERLAP,
    separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
)


@dataclass
class Chunk:
    id: str
    text: str
    source: str
    title: str
    locator: str
    file_hash: str
    metadata: dict

    @property
    def embedding_text(self) -> str:
        """What gets embedded and BM25-indexed: the heading context makes short sections findable."""
        context = ". ".join(part for part in (self.title, self.locator) if part)
        return f"{context}\n{self.text}" if context else self.text


def _scalar_metadata(metadata: dict) -> dict:
    """Chroma metadata values must be scalars; lists become '; '-joined strings."""
    flat: dict[str, str | int | float | bool] = {}
    for key, value in metadata.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            flat[key] = "; ".join(str(v) for v in value)
        elif isinstance(value, (str, int, float, bool)):
            flat[key] = value
        else:
            flat[key] = str(value)
    return flat


def chunk_document(document: LoadedDocument, file_hash: str, max_chunks: int | None = None) -> list[Chunk]:
    """The document's chunks; more than ``max_chunks`` is an IngestError (the document is refused)."""
    doc_meta = _scalar_metadata(document.metadata)
    chunks: list[Chunk] = []
    for section in document.sections:
        pieces = _SPLITTER.split_text(section.text)
        if max_chunks is not None:
            check_limit(len(chunks) + len(pieces), max_chunks, document.source, TOO_MANY_CHUNKS)
        for piece in pieces:
            position = len(chunks)
            digest = hashlib.sha1(f"{document.source}\x00{position}\x00{piece}".encode(),
                                  usedforsecurity=False).hexdigest()[:16]
            metadata = {
                **doc_meta,
                "kind": document.kind,
                "heading": section.heading,
                "position": position,
            }
            if section.page is not None:
                metadata["page"] = section.page
            if section.place is not None:
                metadata["locator_kind"] = section.place
                if section.place_number is not None:
                    metadata["locator_number"] = section.place_number
            chunks.append(
                Chunk(
                    id=f"{file_hash[:12]}-{digest}",
                    text=piece,
                    source=document.source,
                    title=document.title,
                    locator=section.locator,
                    file_hash=file_hash,
                    metadata=metadata,
                )
            )
    return chunks
