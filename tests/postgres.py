"""A real PostgreSQL server for tests: Debian's binaries, a cluster made with ``initdb`` in a temp
dir, listening on 127.0.0.1 at a free port, stopped when the fixture ends. Never a system service."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg


def postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    data_dir: Path
    port: int

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        # PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *args], check=check, capture_output=True, text=True, timeout=120)

    @classmethod
    def create(cls) -> PostgresServer:
        """A new cluster in its own folder directly under the temp dir: as root, the postgres user
        must reach it, and pytest's own temp folders are private to root."""
        bin_dir = postgres_bin()
        if bin_dir is None:
            raise FileNotFoundError("initdb")
        root = Path(tempfile.mkdtemp(prefix="gnist-postgres-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
        server = cls(bin_dir, root / "cluster", free_port())
        server._run(str(bin_dir / "initdb"), "-D", str(server.data_dir), "-U", "gnist", "-A", "trust",
                    "--no-sync", "-E", "UTF8")
        server.start()
        return server

    @property
    def admin_url(self) -> str:
        return f"postgresql://gnist@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://gnist@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.data_dir / "log"), "-w",
                  "-o", f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.admin_url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self, check: bool = False) -> None:
        done = self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop",
                         check=False)
        assert not check or done.returncode == 0, done.stdout + done.stderr

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
