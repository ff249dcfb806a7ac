"""Helpers shared by the app tier (tests/app) and the browser tier (tests/e2e).

The knowledge index is built once per test session, in a child process (``gnist ingest``), from a
small copy of real files in knowledge/. Every app instance then starts from its own copy of that
data dir, so launching an app costs seconds instead of re-embedding the corpus each time.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.settings import REPO_ROOT, Settings

# Gradio's own queue code trips pandas 3 deprecations on every event; not ours to fix.
QUIET_GRADIO_WARNINGS = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword):Warning")

KNOWLEDGE_FILES = [
    "programmet/delta-i-gnist.md",
    "caser/2021-vang.md",
    "veikartet/prinsippene.md",
    "relatert/ssb-sentralitet.md",
]

# A PDF whose printed page numbers differ from its page indices: i, ii, then 1, 2, ... from index 2.
# The distinctive fact is on index 8, printed as page 7 ("s. 7").
FACT_PAGE_INDEX = 8
FACT_PAGE_LABEL = "7"
FACT_QUESTION = "Når åpner Soltoppen fellesverksted i Bjørkedal?"
FACT_WORDS = ("Soltoppen", "2027")
PLAN_PAGES = [
    "Kommuneplan for Bjørkedal kommune 2025–2037. Samfunnsdelen.",
    "Innhold. Innledning, visjon, sentrum, bolyst, næring, oppfølging.",
    "Innledning. Kommuneplanen viser hvordan kommunen skal utvikle seg de neste tolv årene.",
    "Visjon. Bjørkedal skal være et trygt og levende lokalsamfunn ved fjorden.",
    "Sentrum. Torget skal få benker, tre og bedre belysning om kvelden.",
    "Bolyst. Kommunen vil legge til rette for flere utleieboliger for unge voksne.",
    "Næring. Kommunen vil samarbeide med lokale bedrifter om lærlingplasser.",
    "Samferdsel. Busstilbudet til nabokommunen skal vurderes på nytt i 2026.",
    "Soltoppen fellesverksted i Bjørkedal åpner høsten 2027. Fellesverkstedet får snekkerverksted, "
    "keramikkovn og 14 arbeidsplasser for ungdom, og drives av frivillige sammen med kommunen.",
    "Oppfølging. Planen rulleres hvert fjerde år av kommunestyret.",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env() -> dict[str, str]:
    """The process environment without a developer's GNIST_* / OpenAI settings."""
    return {k: v for k, v in os.environ.items()
            if not (k.startswith("GNIST_") or k in {"OPENAI_API_KEY", "OPENAI_BASE_URL"})}


def strip_user_env() -> None:
    for key in list(os.environ):
        if key.startswith("GNIST_") or key in {"OPENAI_API_KEY", "OPENAI_BASE_URL"}:
            del os.environ[key]
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["ANONYMIZED_TELEMETRY"] = "False"


def seed(base: Path) -> tuple[Path, Path]:
    """(knowledge_dir, indexed data dir), built once under ``base`` (a session temp dir)."""
    knowledge, data = base / "knowledge", base / "data"
    if (base / ".done").exists():
        return knowledge, data
    for rel in KNOWLEDGE_FILES:
        target = knowledge / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / "knowledge" / rel, target)
    env = clean_env() | {"GNIST_DATA_DIR": str(data), "GNIST_KNOWLEDGE_DIR": str(knowledge),
                         "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--quiet"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (base / ".done").write_text(f"{time.monotonic() - started:.1f}s\n{done.stdout}")
    return knowledge, data


@dataclass
class RunningApp:
    demo: object
    container: object
    settings: Settings
    url: str

    def close(self) -> None:
        self.demo.close()


def launch_app(seed_dirs: tuple[Path, Path], data_dir: Path, copy_index: bool = True, **overrides) -> RunningApp:
    """Launch the real app on 127.0.0.1 and a free port, on ``data_dir`` (seeded with the index)."""
    from assistant.ui.launch import launch

    knowledge, seeded = seed_dirs
    if copy_index and not data_dir.exists():
        shutil.copytree(seeded, data_dir)
    port = overrides.pop("port", None) or free_port()
    settings = Settings(data_dir=data_dir, knowledge_dir=knowledge, host="127.0.0.1", port=port, **overrides)
    demo, container = launch(settings, prevent_thread_lock=True)
    return RunningApp(demo, container, settings, f"http://127.0.0.1:{port}/")


def owner_of(app: RunningApp, client) -> str:
    """The owner the server derives from a gradio_client's identity cookie (set on its first request)."""
    from assistant.ui.identity import COOKIE_NAME, CookieSigner

    return CookieSigner(app.container.secret).owner_of(client.cookies[COOKIE_NAME])


def file_value(update) -> Path:
    """A gr.File output as downloaded by gradio_client (a path, or an update dict holding one)."""
    value = update.get("value") if isinstance(update, dict) else update
    if isinstance(value, dict):
        value = value.get("path") or value.get("value")
    assert value, update
    return Path(value)


def owner_cookie(app: RunningApp) -> str:
    """A valid identity cookie value, as the app would issue it (without spending its rate limit)."""
    import secrets

    from assistant.ui.identity import CookieSigner

    return CookieSigner(app.container.secret).sign(secrets.token_urlsafe(32))


# -- real files ---------------------------------------------------------------------------------

def _kommuneplan():
    """eval/kommuneplan.py: the one place that writes plan PDFs (the evaluation uses it too)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("kommuneplan", REPO_ROOT / "eval" / "kommuneplan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pdf_bytes(pages: list[str]) -> bytes:
    return _kommuneplan().pdf_bytes(pages)


def labelled_pdf(path: Path, pages: list[str] | None = None) -> Path:
    """The municipal plan: roman i, ii for the front matter, then arabic 1, 2, ... from index 2."""
    return _kommuneplan().labelled_pdf(path, PLAN_PAGES if pages is None else pages)


def encrypted_pdf(path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(["Hemmelig budsjett for Bjørkedal."]))))
    writer.encrypt("hemmelig")
    writer.write(str(path))
    return path


def corrupt_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes((i * 37 + 11) % 256 for i in range(4000)))
    return path


def exe_as_pdf(path: Path) -> Path:
    """A Windows executable (MZ header) renamed to .pdf."""
    path.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(2000))
    return path


def big_pdf(path: Path, megabytes: float) -> Path:
    """A valid PDF padded past ``megabytes`` with an incompressible comment block."""
    data = pdf_bytes(["Et stort dokument."])
    padding = os.urandom(int(megabytes * 1024 * 1024))
    path.write_bytes(data + b"\n%" + padding.replace(b"\n", b" ").replace(b"\r", b" "))
    return path


def plain(shown: str) -> str:
    """A chat message's rendered HTML as the text a reader sees (tags dropped, entities read)."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", shown)).strip()


def text_of(content) -> str:
    """Chat message content from gradio_client: a string or a list of {"type": "text"} blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(block.get("text", "") if isinstance(block, dict) else str(block) for block in content)
    if isinstance(content, dict):
        return str(content.get("text", content.get("value", "")))
    return str(content or "")


@pytest.fixture(scope="session")
def seed_dirs(tmp_path_factory):
    """The small knowledge copy and its index, built once per session (imported by the app and
    e2e conftests)."""
    with pytest.MonkeyPatch.context() as mp:
        for key in set(os.environ) - set(clean_env()):  # a developer's GNIST_* / OpenAI settings
            mp.delenv(key, raising=False)
        mp.setenv("GRADIO_ANALYTICS_ENABLED", "False")
        mp.setenv("ANONYMIZED_TELEMETRY", "False")
        yield seed(tmp_path_factory.getbasetemp() / "gnist-seed")
