"""Operations for a deployment behind a load balancer: /healthz (the process is up), /readyz
(database, vector store and knowledge index ready), /metrics (Prometheus), a request id on every
request and in every log line, and JSON logs."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Every log line carries the request id; ``json`` writes one JSON object per line."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                                           rename_fields={"levelname": "level", "asctime": "time"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # One line per HTTP call the app makes itself (Gradio's start-up checks) is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)


class Metrics:
    """The app's Prometheus metrics, in a registry of its own (several apps can run in one process)."""

    def __init__(self, queue_length: Callable[[], int], active_sessions: Callable[[], int],
                 llm_failures: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.answers = Counter("gnist_answers", "Answers given, by mode (card, extractive, llm).", ["mode"],
                               registry=self.registry)
        self.answer_seconds = Histogram("gnist_answer_seconds", "Time from question to finished answer.",
                                        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60), registry=self.registry)
        Gauge("gnist_ingest_queue_length", "Uploads waiting or being indexed.",
              registry=self.registry).set_function(queue_length)
        Gauge("gnist_active_sessions", "Sessions that made a request in the last 15 minutes.",
              registry=self.registry).set_function(active_sessions)
        self.registry.register(_CounterFrom("gnist_llm_failures", "Language model calls that failed.", llm_failures))

    def answered(self, mode: str, seconds: float) -> None:
        self.answers.labels(mode=mode).inc()
        self.answer_seconds.observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _CounterFrom:
    """A counter kept elsewhere (the LLM circuit breaker counts its failures)."""

    def __init__(self, name: str, documentation: str, value: Callable[[], int]) -> None:
        self.name, self.documentation, self.value = name, documentation, value

    def collect(self):
        family = CounterMetricFamily(self.name, self.documentation)
        family.add_metric([], self.value())
        yield family


class OpsMiddleware:
    """Answers /healthz, /readyz and /metrics itself (they need no session), and gives every
    request an id (the caller's X-Request-ID if it is sane) that logs and the response carry."""

    def __init__(self, app, readiness: Callable[[], dict[str, bool]], metrics: Metrics) -> None:
        self.app = app
        self.readiness = readiness
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "").rstrip("/")
        if path == "/healthz":
            return await _reply(send, 200, b"application/json", b'{"status": "ok"}')
        if path == "/readyz":
            checks = self.readiness()
            body = json.dumps({"ready": all(checks.values()), "checks": checks}).encode()
            return await _reply(send, 200 if all(checks.values()) else 503, b"application/json", body)
        if path == "/metrics":
            return await _reply(send, 200, CONTENT_TYPE_LATEST.encode(), self.metrics.exposition())
        given = dict(scope.get("headers", [])).get(REQUEST_ID_HEADER, b"").decode("latin-1")
        rid = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        # Handlers see it too (gr.Request.headers), so their log lines carry the same id.
        scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k != REQUEST_ID_HEADER]
                     + [(REQUEST_ID_HEADER, rid.encode())])

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), (REQUEST_ID_HEADER, rid.encode())])
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


async def _reply(send, status: int, content_type: bytes, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]})
    await send({"type": "http.response.body", "body": body})


def readiness_checks(container) -> Callable[[], dict[str, bool]]:
    """Database, vector store and knowledge index, each reported on its own."""

    def check() -> dict[str, bool]:
        return {"database": _ok(container.conversations.ping), "vector_store": _ok(container.chroma.heartbeat),
                "index": container.knowledge_index.ready and not container.knowledge_index.failed}

    return check


def _ok(probe: Callable[[], object]) -> bool:
    try:
        probe()
    except Exception:  # noqa: BLE001 - any failure means not ready
        logging.getLogger(__name__).warning("readiness check failed", exc_info=True)
        return False
    return True


def timer() -> Callable[[], float]:
    started = time.monotonic()
    return lambda: time.monotonic() - started
