"""Which of Gradio's routes may serve what, and to whom (issue 18, items 3 and 4).

A request is classified by Gradio's own router (the route it would reach, with the path parameters
it would get), so every spelling of a path (``/gradio_api/file=…``, ``/gradio_api/file/…``,
percent-encoded, relative, with ``..``) is judged as Gradio would serve it:

- **file routes** serve a file only to whom it is registered: a download in the exports folder to
  its owner, an upload in transit to whoever uploaded it. Everything else (the rest of the web
  cache, the data dir, the working directory, a remote URL) is refused: deny by default.
- **session routes** (the queue's event stream, the heartbeat, cancel and reset) name a session by
  its hash; they are served only to the user the session is bound to (``Identity``).
- **routes this app does not use** and that would load remote content, serve component files or
  snapshot a session by its hash (deep links) are refused for everyone; a ``deep_link`` query
  parameter is dropped, so no page or config is built from a snapshot.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from starlette.routing import Match

from assistant.services.exports import ExportStore

FILE_PARAMS = ("path_or_url", "path")
UPLOAD_ROUTE = "/gradio_api/upload"
EVENT_STREAM_ROUTE = "/gradio_api/queue/data"
SESSION_BODY_ROUTES = ("/gradio_api/cancel", "/gradio_api/reset")
REFUSED_PREFIXES = ("/gradio_api/deep_link", "/gradio_api/proxy=", "/gradio_api/stream/",
                    "/gradio_api/custom_component/", "/gradio_api/run-history/")
MAX_SESSION_BODY = 16 * 1024  # cancel and reset carry a few ids
UPLOADS_REMEMBERED = 20_000


def gradio_route(scope) -> tuple[str, dict] | None:
    """The path pattern of the route Gradio's app would run for this request, and its parameters:
    as Starlette's router chooses, the first full match, else the first that differs only in method."""
    routes = getattr(getattr(scope.get("app"), "router", None), "routes", ())
    return _first_match(routes, scope, Match.FULL) or _first_match(routes, scope, Match.PARTIAL)


def _first_match(routes, scope, wanted: Match) -> tuple[str, dict] | None:
    for route in routes:
        if hasattr(route, "effective_candidates"):  # FastAPI's included router (Gradio's /gradio_api/…)
            found = _first_match(route.effective_candidates(), scope, wanted)
        else:
            match, child = route.matches(scope)
            found = (getattr(route, "path", ""), child.get("path_params", {})) if match is wanted else None
        if found is not None:
            return found
    return None


def without_deep_link(scope):
    """The request without a ``deep_link`` query parameter (a session snapshot is never loaded)."""
    query = scope.get("query_string", b"")
    if b"deep_link" not in query:
        return scope
    kept = [(k, v) for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if k != "deep_link"]
    return dict(scope, query_string=urlencode(kept).encode("latin-1"))


class UploadOwners:
    """Who uploaded each file still in transit in the web cache (bounded, oldest forgotten first)."""

    def __init__(self, limit: int = UPLOADS_REMEMBERED) -> None:
        self.limit = limit
        self._owners: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, path: str, owner: str) -> None:
        with self._lock:
            self._owners[path] = owner
            self._owners.move_to_end(path)
            while len(self._owners) > self.limit:
                self._owners.popitem(last=False)

    def owner(self, path: str) -> str | None:
        with self._lock:
            return self._owners.get(path)

    def record(self, body: bytes, owner: str) -> None:
        """The paths in Gradio's answer to an upload (a JSON list of paths)."""
        try:
            paths = json.loads(body)
        except ValueError:
            return
        for path in paths if isinstance(paths, list) else ():
            if isinstance(path, str) and (resolved := _resolved(path)):
                self.add(resolved, owner)


def _resolved(value: str) -> str | None:
    try:
        return str(Path(value).resolve())
    except (OSError, ValueError, RuntimeError):
        return None


class RouteGuard:
    def __init__(self, exports: ExportStore, exports_root: Path) -> None:
        self.downloads = exports
        self.exports_root = exports_root.resolve()
        self.uploads = UploadOwners()

    def may_serve_file(self, requested: str, owner: str | None) -> bool:
        """Deny by default: only a registered download of ``owner`` or an upload ``owner`` made."""
        if owner is None or "://" in requested or requested.startswith(("http:", "https:", "//")):
            return False
        resolved = _resolved(requested)
        if resolved is None:
            return False
        if Path(resolved).is_relative_to(self.exports_root):
            return self.downloads.belongs_to(resolved, owner) and self.downloads.restore(resolved)
        return self.uploads.owner(resolved) == owner

    @staticmethod
    def file_requested(route: tuple[str, dict] | None) -> str | None:
        if route is None:
            return None
        pattern, params = route
        if "/file=" in pattern or pattern.startswith("/gradio_api/file/"):
            return next((str(params[name]) for name in FILE_PARAMS if name in params), "")
        return None

    @staticmethod
    def refused(route: tuple[str, dict] | None) -> bool:
        return route is not None and route[0].startswith(REFUSED_PREFIXES)

    @staticmethod
    def session_named(route: tuple[str, dict] | None, scope) -> str | None:
        """The session hash a session route names in its path or query ('' if it names none)."""
        if route is None:
            return None
        pattern, params = route
        if "session_hash" in params:
            return str(params["session_hash"])
        if pattern == EVENT_STREAM_ROUTE:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            return query.get("session_hash", "")
        return None

    @staticmethod
    def body_session(route: tuple[str, dict] | None, scope, body: bytes) -> str | None:
        """For cancel and reset: the session their body names (for reset, the session of its event)."""
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return ""
        if not isinstance(payload, dict):
            return ""
        if route is not None and route[0] == "/gradio_api/cancel":
            return str(payload.get("session_hash", ""))
        queue = scope["app"].get_blocks()._queue
        event = queue.event_ids_to_events.get(str(payload.get("event_id", "")))
        return getattr(event, "session_hash", None) or ""

    @staticmethod
    def is_session_body_route(route: tuple[str, dict] | None) -> bool:
        return route is not None and route[0].rstrip("/") in SESSION_BODY_ROUTES
