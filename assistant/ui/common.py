"""Small pieces both tabs use: who the user is, and where a download is written."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import gradio as gr


def owner_from(request: gr.Request | None, stored: str | None) -> str:
    """A logged-in user's name, otherwise the id kept in this browser's local storage. A first
    visit adopts the session's id, so anything done before the page finished loading (which
    fell back to the session) still belongs to the same user."""
    if request is not None and getattr(request, "username", None):
        return f"user:{request.username}"
    return stored or ensure_owner(None, request)


def ensure_owner(owner: str | None, request: gr.Request | None) -> str:
    """Handlers called before the page's load event (e.g. API clients) fall back to the session."""
    if owner:
        return owner
    if request is not None and getattr(request, "username", None):
        return f"user:{request.username}"
    return f"session:{getattr(request, 'session_hash', None) or uuid.uuid4().hex}"


def export_path(data_dir: Path, filename: str) -> Path:
    """A fresh folder per download, so two users' files with the same name never collide."""
    exports = data_dir / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=exports)) / filename
