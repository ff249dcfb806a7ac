"""Files made for a user to download (conversation, data export, drafts, canvas JSON).

Each owner has one folder, named by a keyed digest of the owner id, so the web layer can serve a
file to its owner only, delete everything an owner has downloaded, and expire old files. The
folder sits inside the web server's file cache, so the file served is this file and no copy of it
outlives a deletion.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import tempfile
import time
from pathlib import Path



def owner_key(secret: bytes, owner: str) -> str:
    """A stable folder name for an owner that reveals nothing about the owner id."""
    return hmac.new(secret, owner.encode(), hashlib.sha256).hexdigest()[:32]


class ExportStore:
    def __init__(self, root: Path, secret: bytes, ttl_minutes: int) -> None:
        self.root = root
        self.secret = secret
        self.ttl_s = ttl_minutes * 60

    def _owner_dir(self, owner: str) -> Path:
        return self.root / owner_key(self.secret, owner)

    def path_for(self, owner: str, filename: str) -> Path:
        """A fresh folder per download, so two downloads with the same name never collide."""
        self.expire()
        folder = self._owner_dir(owner)
        folder.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=folder)) / Path(filename).name

    def belongs_to(self, path: str | Path, owner: str) -> bool:
        try:
            relative = Path(path).resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return bool(relative.parts) and relative.parts[0] == owner_key(self.secret, owner)

    def delete_owner(self, owner: str) -> None:
        shutil.rmtree(self._owner_dir(owner), ignore_errors=True)

    def expire(self, now: float | None = None) -> int:
        """Remove downloads older than the time to live; returns how many folders went."""
        if not self.root.is_dir():
            return 0
        cutoff = (now or time.time()) - self.ttl_s
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
