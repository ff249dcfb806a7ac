"""Operations for a deployment behind a load balancer: /healthz (the process is up), /readyz
(database, vector store and knowledge index ready), /metrics (Prometheus: on a port of its own, or
on the public port only with a bearer token), a request id on every request, response and log line
(the proxy's X-Request-ID when it is sane), one access line per request, and JSON logs."""

from __future__ import annotations

import contextvars
import hmac
import io
import json
import logging
import posixpath
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from urllib.parse import unquote

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest
from prometheus_client.core import CounterMetricFamily
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


# Loggers that libraries give handlers of their own (plain text): they go through the root's.
_LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "gradio", "chromadb", "alembic", "py.warnings")
access_log = logging.getLogger("gnist.access")


class JsonLines(io.TextIOBase):
    """Stands in for stdout or stderr in JSON mode: what libraries print there themselves (Gradio's
    tracebacks of failed events, a thread's uncaught exception) goes out as JSON lines too."""

    def __init__(self, wrapped, name: str) -> None:
        super().__init__()
        self.wrapped, self.name = wrapped, name
        self.pending = ""
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            self.pending += text
            while "\n" in self.pending:
                line, self.pending = self.pending.split("\n", 1)
                if line.strip():
                    self.wrapped.write(json.dumps({
                        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
                        "level": "ERROR" if self.name == "stderr" else "INFO",
                        "name": self.name, "request_id": request_id.get(), "message": line}, ensure_ascii=False) + "\n")
        return len(text)

    def flush(self) -> None:
        self.wrapped.flush()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.wrapped.fileno()


def _unwrapped(stream):
    return stream.wrapped if isinstance(stream, JsonLines) else stream


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Every log line carries the request id; ``json`` writes one JSON object per line, for the
    app's own lines and for those of uvicorn, Gradio, Chroma, Alembic and Python's warnings, and
    for whatever is printed to stdout or stderr."""
    sys.stdout, sys.stderr = _unwrapped(sys.stdout), _unwrapped(sys.stderr)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                                           rename_fields={"levelname": "level", "asctime": "time"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if log_format == "json":
        sys.stdout, sys.stderr = JsonLines(sys.stdout, "stdout"), JsonLines(sys.stderr, "stderr")
    adopt_library_loggers()
    logging.captureWarnings(True)
    # One line per HTTP call the app makes itself (Gradio's start-up checks) is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def adopt_library_loggers() -> None:
    """Uvicorn installs its own text handlers when its server is configured (at Gradio's launch):
    called again after that. Its access lines are replaced by the app's own (with the request id)."""
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True


class Metrics:
    """The app's Prometheus metrics, in a registry of its own (several apps can run in one process)."""

    def __init__(self, queue_length: Callable[[], int], active_sessions: Callable[[], int],
                 llm_failures: Callable[[], int], build: dict[str, str] | None = None) -> None:
        self.registry = CollectorRegistry()
        # gnist_build_info{version, revision, schema}: which release (and schema revision) a replica runs.
        Info("gnist_build", "The release this replica runs: version, source revision, schema revision.",
             registry=self.registry).info(build or {})
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


METRICS_PATH = "/metrics"
_PROBES = {"/healthz", "/readyz"}


def canonical_path(path: str) -> str:
    """The path as a router might end up reading it: percent-decoded until stable (``%252F``),
    dot segments and repeated or trailing slashes removed, so ``/metrics/``, ``/metrics%2F`` and
    ``//metrics/.`` are all ``/metrics``."""
    for _ in range(5):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    path = posixpath.normpath("/" + path.replace("\\", "/"))
    return "/" + path.lstrip("/") if path != "/" else "/"


def redacted_path(path: str) -> str:
    """The path for the access log: capability tokens (residents' form links) are not logged."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "innspill":
        return "/innspill/…"
    return path


class OpsMiddleware:
    """Answers /healthz and /readyz itself (they need no session), serves /metrics on the public
    port only to a caller with the metrics token (whatever form the path takes), gives every request
    an id (the caller's X-Request-ID if it is sane) that logs and the response carry, and writes one
    access line per request."""

    def __init__(self, app, readiness: Callable[[], dict[str, bool]], metrics: Metrics | None,
                 metrics_token: str | None = None) -> None:
        self.app = app
        self.readiness = readiness
        self.metrics = metrics
        self.metrics_token = metrics_token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        rid = _request_id_of(headers)
        token = request_id.set(rid)
        status = [0]
        started = time.perf_counter()

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = dict(message, headers=[*message.get("headers", []), (REQUEST_ID_HEADER, rid.encode())])
            await send(message)

        try:
            path = _canonical_path_of(scope)
            if path in _PROBES or path == METRICS_PATH:
                return await self._answer(path, headers, send_with_id)
            # Handlers see the id too (gr.Request.headers), so their log lines carry the same one.
            scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k != REQUEST_ID_HEADER]
                         + [(REQUEST_ID_HEADER, rid.encode())])
            await self.app(scope, receive, send_with_id)
        finally:
            line = {"method": scope.get("method", "-"), "path": redacted_path(scope.get("path", "")),
                    "status": status[0], "duration_ms": round((time.perf_counter() - started) * 1000)}
            access_log.info("%(method)s %(path)s %(status)s %(duration_ms)s ms", line, extra=line)
            request_id.reset(token)

    async def _answer(self, path: str, headers: dict[bytes, bytes], send) -> None:
        if path == "/healthz":
            return await _reply(send, 200, b"application/json", b'{"status": "ok"}')
        if path == "/readyz":
            checks = self.readiness()
            body = json.dumps({"ready": all(checks.values()), "checks": checks}).encode()
            return await _reply(send, 200 if all(checks.values()) else 503, b"application/json", body)
        if self.metrics and self.metrics_token and _bearer_matches(headers.get(b"authorization", b""),
                                                                   self.metrics_token):
            return await _reply(send, 200, CONTENT_TYPE_LATEST.encode(), self.metrics.exposition())
        # The same answer as any unknown path: nothing says metrics exist here.
        return await _reply(send, 404, b"application/json", b'{"detail": "Not Found"}')


def _request_id_of(headers: dict[bytes, bytes]) -> str:
    """The caller's (the proxy's) X-Request-ID if it is sane, else a new one."""
    given = headers.get(REQUEST_ID_HEADER, b"").decode("latin-1")
    return given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex[:16]


def _canonical_path_of(scope) -> str:
    # The raw path: uvicorn has decoded «%2F» in ``path`` already, but not «%252F».
    raw = scope.get("raw_path") or scope.get("path", "").encode("latin-1")
    return canonical_path(raw.decode("latin-1").split("?")[0])


def _bearer_matches(authorization: bytes, token: str) -> bool:
    scheme, _, given = authorization.decode("latin-1").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


class MetricsApp:
    """The metrics port's whole app: /metrics (any path form) and the request id; nothing else."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        rid = _request_id_of(dict(scope.get("headers", [])))
        found = _canonical_path_of(scope) == METRICS_PATH
        await send({"type": "http.response.start", "status": 200 if found else 404,
                    "headers": [(b"content-type", CONTENT_TYPE_LATEST.encode() if found else b"text/plain"),
                                (REQUEST_ID_HEADER, rid.encode())]})
        await send({"type": "http.response.body", "body": self.metrics.exposition() if found else b"Not Found"})


def serve_metrics(metrics: Metrics, host: str, port: int):
    """The metrics port, in a thread of its own (scraped by Prometheus on the private network)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(MetricsApp(metrics), host=host, port=port, log_config=None,
                                           access_log=False, lifespan="off"))
    threading.Thread(target=server.run, name="gnist-metrics", daemon=True).start()
    return server


async def _reply(send, status: int, content_type: bytes, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]})
    await send({"type": "http.response.body", "body": body})


def readiness_checks(container) -> Callable[[], dict[str, bool]]:
    """Database, vector store and knowledge index, each reported on its own."""
    probes = DependencyProbes({"database": container.conversations.ping, "vector_store": container.chroma.heartbeat})

    def check() -> dict[str, bool]:
        return probes.check() | {"index": container.knowledge_index.ready and not container.knowledge_index.failed}

    return check


class DependencyProbes:
    """Named probes (a callable that raises when its dependency is unavailable). A change of state
    is logged once, with the exception's type and no traceback: a load balancer asks every few
    seconds, and an outage must not fill the log. Exceptions of the ``fatal`` types are raised."""

    def __init__(self, probes: dict[str, Callable[[], object]], fatal: tuple[type[Exception], ...] = ()) -> None:
        self.probes = probes
        self.fatal = fatal
        self.last: dict[str, bool] = {}
        self.lock = threading.Lock()

    def check(self) -> dict[str, bool]:
        results = {}
        for name, probe in self.probes.items():
            try:
                probe()
            except self.fatal:
                raise
            except Exception as error:  # noqa: BLE001 - any failure means not ready
                results[name] = False
                self._changed(name, False, type(error).__name__)
            else:
                results[name] = True
                self._changed(name, True, "")
        return results

    def _changed(self, name: str, ok: bool, reason: str) -> None:
        with self.lock:
            if self.last.get(name) == ok:
                return
            before = self.last.get(name)
            self.last[name] = ok
        log = logging.getLogger(__name__)
        if not ok:
            log.warning("not ready: %s unavailable (%s)", name, reason, extra={"dependency": name})
        elif before is False:
            log.info("ready again: %s available", name, extra={"dependency": name})


def timer() -> Callable[[], float]:
    started = time.monotonic()
    return lambda: time.monotonic() - started
