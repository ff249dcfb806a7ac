"""Helpers for tests that run app replicas as processes (`python app.py`) against a real PostgreSQL
and Chroma server: tests/app/test_replicas.py and tests/e2e/test_failover_browser.py."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from postgres import free_port

from assistant.settings import REPO_ROOT

SECRET = secrets.token_urlsafe(32)
KNOWLEDGE_FILES = ["programmet/delta-i-gnist.md", "caser/2021-vang.md"]


def replica_environment(tmp: Path, database_url: str, chroma_port: int) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GNIST_")}
    return environment | {
        "GNIST_KNOWLEDGE_DIR": str(tmp / "knowledge"), "GNIST_DATABASE_URL": database_url,
        "GNIST_VECTORSTORE": "http", "GNIST_CHROMA_PORT": str(chroma_port), "GNIST_SECRET_KEY": SECRET,
        "GNIST_LOG_FORMAT": "json", "GNIST_DEPENDENCY_RETRY_S": "0.5",
        "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False",
    }


def build_index(tmp: Path, environment: dict[str, str]) -> None:
    """A small copy of knowledge/, indexed once into the Chroma server; the replicas find it there."""
    for rel in KNOWLEDGE_FILES:
        (tmp / "knowledge" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / "knowledge" / rel, tmp / "knowledge" / rel)
    built = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--quiet"], cwd=REPO_ROOT,
                           env=environment | {"GNIST_DATA_DIR": str(tmp / "indexer")}, capture_output=True,
                           text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr


class Replica:
    def __init__(self, environment: dict[str, str], data_dir: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.with_suffix(".log")
        data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "app.py")], cwd=REPO_ROOT, stdout=self.log.open("w"),
            stderr=subprocess.STDOUT, env=environment | {"GNIST_DATA_DIR": str(data_dir), "GNIST_PORT": str(self.port)})

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            if self.status("/readyz") == 200:
                return
            time.sleep(0.5)
        raise AssertionError(f"replica on {self.port} not ready:\n{self.log.read_text()}")

    def status(self, path: str, headers: dict[str, str] | None = None) -> int:
        """The HTTP status of ``path``; 0 while nothing answers."""
        try:
            with urllib.request.urlopen(urllib.request.Request(self.url + path, headers=headers or {}),
                                        timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def get(self, path: str, cookie: str) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers={"Cookie": cookie})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, b""

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    """`chroma run` on ``port`` (the same command as tests/conftest.py's chroma_server)."""
    import socket

    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    process.terminate()
    raise AssertionError("chroma run did not start within 60 s")
