"""Start-up while a dependency is down: the replica listens at once, answers /healthz (alive) and
/readyz (503, with the failing checks), and waits until the database and the Chroma server answer,
then hands its port to the app. A load balancer sees an unready replica, not a crash loop, and the
replica recovers by itself. A database whose schema this code cannot run against is refused with
the catalog's explanation (a newer release's contract step); one that needs migrations a separate
job runs (GNIST_MIGRATE_ON_START=false) keeps the replica unready until the job is done."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from assistant.adapters.database import Database, SchemaIncompatible
from assistant.settings import Settings
from assistant.ui.ops import DependencyProbes, OpsMiddleware

log = logging.getLogger(__name__)


def dependency_probes(settings: Settings) -> dict[str, Callable[[], object]]:
    """What must answer before the app can start: the database with a schema this code can use,
    and the Chroma server (the embedded store is a folder and always there)."""
    database = Database(settings.effective_database_url, pool_size=1)

    def schema() -> None:
        status = database.schema_status()
        if status.state == "ahead_incompatible":
            raise SchemaIncompatible(status)
        if status.state == "behind" and not settings.migrate_on_start:
            raise SchemaBehind(status.database, status.code)

    probes: dict[str, Callable[[], object]] = {"database": schema}
    if settings.vectorstore == "http":
        from assistant.adapters.vectorstore import build_chroma_client

        probes["vector_store"] = lambda: build_chroma_client(settings).heartbeat()
    return probes


class SchemaBehind(RuntimeError):
    """The database needs `gnist db upgrade`, which a separate job runs."""


def wait_for_dependencies(settings: Settings, probes: dict[str, Callable[[], object]] | None = None) -> None:
    """Return once every dependency answers; meanwhile serve the probes on the app's port. Raises
    SchemaIncompatible (the caller explains and exits) when the database's schema is too new."""
    # A schema too new is not a wait: the replica must not start at all.
    checks = DependencyProbes(probes or dependency_probes(settings), fatal=(SchemaIncompatible,))
    state = checks.check()
    if all(state.values()):
        return
    server = _serve_probes(settings, lambda: dict(state))
    try:
        while not all(state.values()):
            time.sleep(settings.dependency_retry_s)
            state.update(checks.check())
    finally:
        server.should_exit = True
        server.thread.join(timeout=30)


async def _not_ready(scope, receive, send) -> None:
    """Everything but the probes while waiting: 503, as a load balancer would see a missing replica."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", b"5")]})
    await send({"type": "http.response.body", "body": json.dumps({"ready": False}).encode()})


def _serve_probes(settings: Settings, readiness: Callable[[], dict[str, bool]]):
    import uvicorn

    app = OpsMiddleware(_not_ready, readiness=readiness, metrics=None)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None,
                                           access_log=False, lifespan="off"))
    server.thread = threading.Thread(target=server.run, name="gnist-standby", daemon=True)  # type: ignore[attr-defined]
    server.thread.start()  # type: ignore[attr-defined]
    log.warning("waiting for dependencies: %s", ", ".join(k for k, ok in readiness().items() if not ok))
    return server
