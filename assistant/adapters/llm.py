"""Chat models behind one factory: any OpenAI-compatible server through LangChain's ChatOpenAI.

The local provider runs llama.cpp's OpenAI-compatible server as a child process and talks to it
like any other server: one code path for every provider, and a model crash cannot take the
web app down with it.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import SecretStr

from assistant.catalog import BUILT_IN
from assistant.settings import Settings

LOCAL_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"


@dataclass
class LLMInfo:
    provider: str  # none, openai, local
    model: str | None
    base_url: str | None

    @property
    def external(self) -> bool:
        """True when text leaves this machine (a remote OpenAI-compatible endpoint)."""
        if self.provider != "openai":
            return False
        if not self.base_url:
            return True
        host = self.base_url.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        return host not in {"127.0.0.1", "localhost", "::1", "[::1]"}


def llm_info(settings: Settings) -> LLMInfo:
    provider = settings.effective_llm_provider
    if provider == "none":
        return LLMInfo("none", None, None)
    if provider == "local":
        return LLMInfo("local", LOCAL_MODEL_NAME, f"http://127.0.0.1:{settings.local_server_port}/v1")
    return LLMInfo("openai", settings.llm_model or "gpt-4o-mini", settings.llm_base_url)


def build_chat_model(settings: Settings, base_url: str | None = None, timeout: float | None = None):
    """A streaming ChatOpenAI for the configured provider, or None when no LLM is configured."""
    from langchain_openai import ChatOpenAI

    info = llm_info(settings)
    if info.provider == "none" or info.model is None:  # no model without a provider
        return None
    if info.provider == "local":
        base_url = base_url or ensure_local_server(settings)
    else:
        base_url = base_url or info.base_url
    key = settings.llm_api_key or settings.openai_api_key
    # The output limit has two names. ChatOpenAI(max_tokens=...) sends max_completion_tokens, which
    # llama-cpp-python's server ignores (a request for 80 tokens produced 4,000); OpenAI and Azure
    # OpenAI reject a request that sets both ("Setting 'max_tokens' and 'max_completion_tokens' at
    # the same time is not supported"). So: max_completion_tokens for OpenAI's own endpoints,
    # plain max_tokens (which every OpenAI-compatible server knows) for everything else.
    if uses_max_completion_tokens(base_url):
        limits: dict[str, Any] = {"max_tokens": settings.llm_max_tokens}
    else:
        limits = {"extra_body": {"max_tokens": settings.llm_max_tokens}}
    return ChatOpenAI(
        model=info.model,
        base_url=base_url,
        api_key=key or SecretStr("not-needed"),
        timeout=timeout or settings.llm_timeout,
        max_retries=0,
        streaming=True,
        use_responses_api=False,
        temperature=settings.llm_temperature,
        **limits,
    )


def uses_max_completion_tokens(base_url: str | None) -> bool:
    """True for OpenAI's and Azure's endpoints (no base URL means OpenAI itself)."""
    if not base_url:
        return True
    host = urllib.parse.urlsplit(base_url).hostname or ""
    return host == "api.openai.com" or host.endswith(".azure.com")


class DeadlineExceeded(TimeoutError):
    """The question's wall-clock budget for the language model ran out."""


_END = object()


def stream_until(model, messages: Sequence, deadline: float) -> Iterator:
    """The chunks of ``model.stream(messages)`` until ``deadline`` (a ``time.monotonic()`` value),
    then DeadlineExceeded, both for a server that drips tokens and for one that sends nothing.

    ChatOpenAI's ``timeout`` bounds each read, not the whole answer, so the call runs in a worker
    thread and the caller waits on a queue with the time that is left. The request's own timeout is
    the budget left at the start, so a worker stuck on a silent socket ends by itself soon after;
    one reading a dripping stream stops, closing the connection, at its next chunk.
    """
    budget = deadline - time.monotonic()
    if budget <= 0:
        raise DeadlineExceeded("no time left for the language model")
    chunks: queue.Queue = queue.Queue()
    abandoned = threading.Event()

    def work() -> None:
        try:
            stream = model.stream(messages, timeout=budget)
            try:
                for chunk in stream:
                    if abandoned.is_set():
                        return
                    chunks.put((chunk, None))
            finally:
                stream.close()
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who decides
            chunks.put((_END, exc))
        else:
            chunks.put((_END, None))

    threading.Thread(target=work, name="llm-stream", daemon=True).start()
    try:
        while True:
            try:
                chunk, error = chunks.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise DeadlineExceeded(f"not finished within {budget:.1f} s") from None
            if chunk is _END:
                if error is not None:
                    raise error
                return
            yield chunk
            if time.monotonic() > deadline:
                raise DeadlineExceeded(f"not finished within {budget:.1f} s")
    finally:
        abandoned.set()


class CircuitBreaker:
    """Skips the language model after ``failures`` failures in a row, for ``cooldown`` seconds.

    After the cooldown one caller may try again (the others still skip it); its success closes the
    breaker, its failure opens it for another cooldown. Shared by every chat user, so it locks.
    """

    def __init__(self, failures: int, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = failures
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at = 0.0
        self.failures_total = 0  # since start, for the metrics

    def allow(self) -> bool:
        """May the model be called now? After the cooldown, True once per cooldown (the trial)."""
        with self._lock:
            if self._failures < self.threshold:
                return True
            now = self._clock()
            if now - self._opened_at < self.cooldown:
                return False
            self._opened_at = now  # the trial: others wait for its outcome (or another cooldown)
            return True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            self.failures_total += 1
            if self._failures >= self.threshold:
                self._opened_at = self._clock()


_local_server: subprocess.Popen | None = None
_local_server_lock = threading.Lock()

# llama.cpp threads: 1, not "all cores". On a 2-core box with a busy neighbour (the embedder, the
# web app) generation with 2 threads sometimes collapsed from ~85 to < 1 token/s.
LLAMA_THREADS = 1
# The GGUF's own chat template is not trusted: without a template llama-cpp-python silently falls
# back to the llama-2 format. Qwen2.5 instruct models use ChatML.
LLAMA_CHAT_FORMAT = "chatml"
STARTUP_SECONDS = 120


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_model_path(settings: Settings) -> Path:
    return Path(settings.local_model_path or settings.models_dir / f"{LOCAL_MODEL_NAME}.gguf")


def llama_server_command(model_path, port: int, n_ctx: int = 4096, threads: int = LLAMA_THREADS) -> list[str]:
    """The command line of llama-cpp-python 0.3.36's OpenAI-compatible server (flags checked
    against ``python -m llama_cpp.server --help``)."""
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path),
        "--model_alias", LOCAL_MODEL_NAME,
        "--chat_format", LLAMA_CHAT_FORMAT,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", str(threads),
        "--n_threads_batch", str(threads),
        # The server's default keeps logits for every position: an n_ctx x n_vocab float array
        # (4096 x 151,936 x 4 B = 2.5 GB for Qwen2.5) and an output projection for every prompt
        # token. Chat completions only need the last token's logits (no logprobs).
        "--logits_all", "False",
        # Queue concurrent requests instead of the default, which ends the running stream with a
        # clean [DONE] when another request arrives: one user's question would silently cut
        # another user's answer short. A client that times out or disconnects is still dropped.
        "--interrupt_requests", "False",
    ]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server gets SIGTERM when the process that started it dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001, S110 - best effort; atexit still stops the server on a normal exit
        pass


def start_llama_server(model_path, port: int, n_ctx: int = 4096, log_path=None,
                       startup_seconds: float = STARTUP_SECONDS, threads: int = LLAMA_THREADS) -> subprocess.Popen:
    """Start llama.cpp's OpenAI-compatible server on 127.0.0.1:port as a child process and wait
    until it answers. The server's output goes to ``log_path`` (a temporary file by default); its
    tail is part of the error if the server does not come up."""
    if not os.path.exists(model_path):
        raise FileNotFoundError(BUILT_IN.message("llm.local_model_missing", "nb", path=model_path))
    if importlib.util.find_spec("llama_cpp") is None:
        raise RuntimeError(BUILT_IN.message("llm.llama_missing", "nb"))
    if _port_open(port):
        raise RuntimeError(BUILT_IN.message("llm.port_busy", "nb", port=port))
    if log_path is None:
        log_file: IO[bytes] = tempfile.NamedTemporaryFile(prefix="gnist-llama-server-", suffix=".log", delete=False)  # noqa: SIM115 - closed below
    else:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        log_file = open(log_path, "ab")  # noqa: SIM115 - the child writes to it for its whole life
    # The thread that forks must outlive the server for PR_SET_PDEATHSIG (it fires when that
    # *thread* exits): only ask for it from the main thread, never from a web worker thread.
    in_main_thread = threading.current_thread() is threading.main_thread()
    with log_file:
        process = subprocess.Popen(  # noqa: S603 - our own llama-server and model path, an argument list
            llama_server_command(model_path, port, n_ctx, threads),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if in_main_thread and sys.platform == "linux" else None,
        )
    process.log_path = log_file.name  # type: ignore[attr-defined]
    deadline = time.monotonic() + startup_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(BUILT_IN.message("llm.server_stopped", "nb", code=process.returncode, log=log_file.name,
                                                tail=_tail(log_file.name)))
        if _server_ready(port):
            return process
        time.sleep(0.25)
    stop_server(process)
    raise TimeoutError(BUILT_IN.message("llm.server_timeout", "nb", seconds=f"{startup_seconds:g}", log=log_file.name,
                                        tail=_tail(log_file.name)))


def _server_ready(port: int) -> bool:
    """The model is loaded before uvicorn binds the port; /v1/models confirms it is our server."""
    if not _port_open(port):
        return False
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
        with opener.open(f"http://127.0.0.1:{port}/v1/models", timeout=2) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def _tail(path, lines: int = 20) -> str:
    try:
        return "\n".join(Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(ingen logg)"


def stop_server(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if the server has not stopped after ``grace`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def ensure_local_server(settings: Settings) -> str:
    """The base URL of the local server, started as a child process on first use and stopped
    when this process exits. A server already listening on the port is reused."""
    global _local_server
    port = settings.local_server_port
    with _local_server_lock:
        alive = _local_server is not None and _local_server.poll() is None
        if not alive and not _port_open(port):
            _local_server = start_llama_server(
                local_model_path(settings), port, log_path=settings.data_dir / "logs" / "llama-server.log"
            )
            atexit.register(stop_server, _local_server)
    return f"http://127.0.0.1:{port}/v1"
