"""Chat models behind one factory: any OpenAI-compatible server through LangChain's ChatOpenAI.

The local provider runs llama.cpp's OpenAI-compatible server as a child process and talks to it
like any other server: one code path for every provider, and a model crash cannot take the
web app down with it.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

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
    if info.provider == "none":
        return None
    if info.provider == "local":
        base_url = base_url or ensure_local_server(settings)
    else:
        base_url = base_url or info.base_url
    key = settings.llm_api_key or settings.openai_api_key
    extra = {}
    if base_url:
        # llama.cpp's server ignores max_completion_tokens (what ChatOpenAI sends); send both.
        extra["extra_body"] = {"max_tokens": settings.llm_max_tokens}
    return ChatOpenAI(
        model=info.model,
        base_url=base_url,
        api_key=key.get_secret_value() if key else "not-needed",
        timeout=timeout or settings.llm_timeout,
        max_retries=0,
        streaming=True,
        use_responses_api=False,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        **extra,
    )


_local_server: subprocess.Popen | None = None


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def local_model_path(settings: Settings):
    return settings.local_model_path or settings.models_dir / f"{LOCAL_MODEL_NAME}.gguf"


def start_llama_server(model_path, port: int, n_ctx: int = 4096) -> subprocess.Popen:
    """Start llama.cpp's OpenAI-compatible server on 127.0.0.1 and wait until it listens."""
    if not os.path.exists(model_path):
        raise FileNotFoundError(
            f"Fant ikke den lokale modellen {model_path}. Kjør `make local-model` for å installere den."
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", "1", "--n_threads_batch", "1",
         "--chat_format", "chatml", "--model_alias", LOCAL_MODEL_NAME],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("Den lokale språkmodellserveren stoppet under oppstart.")
        if _port_open(port):
            return process
        time.sleep(0.25)
    process.terminate()
    raise TimeoutError("Den lokale språkmodellserveren startet ikke innen 120 sekunder.")


def ensure_local_server(settings: Settings) -> str:
    global _local_server
    port = settings.local_server_port
    if not _port_open(port):
        _local_server = start_llama_server(local_model_path(settings), port)
        atexit.register(_local_server.terminate)
    return f"http://127.0.0.1:{port}/v1"
