"""Files made for a user to download (conversation, data export, drafts, canvas JSON).

Each owner has one folder, named by a keyed digest of the owner id, so the web layer can serve a
file to its owner only, delete everything an owner has downloaded, and expire old files. The
folder sits inside the web server's file cache, so the file served is this file and no copy of it
outlives a deletion. With a database, each file is also kept there (``share``), so a replica that
did not make the file can put it back in its own cache and serve it (``restore``).
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, select

from assistant.adapters.database import Database
from assistant.adapters.schema import downloads


def owner_key(secret: bytes, owner: str) -> str:
    """A stable folder name for an owner that reveals nothing about the owner id."""
    return hmac.new(secret, owner.encode(), hashlib.sha256).hexdigest()[:32]


class ExportStore:
    def __init__(self, root: Path, secret: bytes, ttl_minutes: int, database: Database | None = None) -> None:
        self.root = root
        self.secret = secret
        self.ttl_s = ttl_minutes * 60
        self.db = database

    def _owner_dir(self, owner: str) -> Path:
        return self.root / owner_key(self.secret, owner)

    def path_for(self, owner: str, filename: str) -> Path:
        """A fresh folder per download, so two downloads with the same name never collide."""
        self.expire()
        folder = self._owner_dir(owner)
        folder.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=folder)) / Path(filename).name

    def share(self, path: Path) -> str:
        """Keep the file just written at ``path`` for every replica; returns the path for Gradio."""
        key = self._key(path)
        if self.db is not None and key:
            with self.db.connect() as c:
                c.execute(self.db.upsert(downloads, path=key, owner_key=key.split("/")[0], data=path.read_bytes(),
                                         created=int(time.time())))
        return str(path)

    def restore(self, path: str | Path) -> bool:
        """Put a file another replica made back into this replica's cache; False if unknown."""
        path, key = Path(path), self._key(path)
        if path.is_file():
            return True
        if self.db is None or not key:
            return False
        with self.db.connect() as c:
            data = c.execute(select(downloads.c.data).where(downloads.c.path == key)).scalar()
        if data is None:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return True

    def _key(self, path: str | Path) -> str | None:
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    def belongs_to(self, path: str | Path, owner: str) -> bool:
        key = self._key(path)
        return key is not None and key.split("/")[0] == owner_key(self.secret, owner)

    def delete_owner(self, owner: str) -> None:
        shutil.rmtree(self._owner_dir(owner), ignore_errors=True)
        if self.db is not None:
            with self.db.connect() as c:
                c.execute(delete(downloads).where(downloads.c.owner_key == owner_key(self.secret, owner)))
            self.db.reclaim(("downloads",))

    def expire(self, now: float | None = None) -> int:
        """Remove downloads older than the time to live; returns how many folders went."""
        cutoff = (now or time.time()) - self.ttl_s
        if self.db is not None:
            with self.db.connect() as c:
                c.execute(delete(downloads).where(downloads.c.created < cutoff))
        if not self.root.is_dir():
            return 0
        removed = 0
        for owner_dir in self.root.iterdir():
            for folder in owner_dir.iterdir() if owner_dir.is_dir() else ():
                try:
                    if folder.stat().st_mtime < cutoff:
                        shutil.rmtree(folder, ignore_errors=True)
                        removed += 1
                except FileNotFoundError:
                    continue  # removed by a concurrent call
        return removed
