"""GNIST_VECTORSTORE=http: the same ingest and search against a real Chroma server process
(`chroma run`, shipped inside the chromadb package) on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.container import Container
from assistant.settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        process.terminate()
        pytest.fail("chroma run did not start within 60 s")
    yield port
    process.terminate()
    process.wait(timeout=30)


def test_ingest_and_search_through_a_chroma_server(chroma_server, knowledge_dir, tmp_path, embedder):
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge_dir, vectorstore="http",
                        chroma_port=chroma_server)
    container = Container(settings)
    container.embeddings = embedder
    report = container.sync_knowledge(show_progress=False)
    assert report.added and not report.errors
    assert not (settings.chroma_dir / "chroma.sqlite3").exists()  # nothing went to the local store

    again = Container(settings)
    again.embeddings = embedder
    assert again.sync_knowledge(show_progress=False).chunks_embedded == 0
    hits = again.retriever.search("deltakeravgift for kommunene", k=3)
    assert hits and all(h.source and h.locator for h in hits)
