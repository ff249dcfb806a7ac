"""A real OpenAI-compatible chat server for tests (stdlib http.server on 127.0.0.1, streaming SSE
from /v1/chat/completions) that misbehaves on purpose: it drips one token every few seconds
forever, accepts the connection and never answers, or streams a fixed reply at once (e.g. one
carrying a remote image, to prove the page never loads it). It records every request. For load
figures (scripts/load_replicas.py) it streams at a model's pace instead ("paced": 1-2 s to the
first token, then 20-40 tokens a second).

Used through the ``fake_llm`` fixture in tests/conftest.py."""

from __future__ import annotations

import json
import random
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DRIP_SECONDS = 3.0
PACED_FIRST_TOKEN_S = (1.0, 2.0)
PACED_TOKENS_PER_S = (20.0, 40.0)
PACED_TOKENS = 120


class FakeLLM(ThreadingHTTPServer):
    """An OpenAI-compatible chat server that behaves as ``mode`` says: "drip", "hang" or
    "answer" (streams ``reply`` at once)."""

    daemon_threads = True

    def __init__(self, mode: str, reply: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.reply = reply
        self.requests: list[dict] = []
        self.open_connections = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def wait_until_all_closed(self, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.open_connections == 0:
                return True
            time.sleep(0.05)
        return self.open_connections == 0

    def count(self, delta: int) -> None:
        with self._lock:
            self.open_connections += delta


def _chunk(text: str) -> bytes:
    body = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "fake",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    return f"data: {json.dumps(body)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    server: FakeLLM

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.server.requests.append(json.loads(self.rfile.read(length)))
        self.server.count(+1)
        try:
            if self.server.mode == "hang":
                self._wait_for_client_to_leave(forever=True)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            if self.server.mode == "answer":
                self.wfile.write(_chunk(self.server.reply) + b"data: [DONE]\n\n")
                return
            if self.server.mode == "paced":
                self._stream_at_a_models_pace()
                return
            while not self.server.stopping.is_set():
                self.wfile.write(_chunk("ord "))
                self.wfile.flush()
                if self._wait_for_client_to_leave(seconds=DRIP_SECONDS):
                    return
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.server.count(-1)

    def _stream_at_a_models_pace(self) -> None:
        time.sleep(random.uniform(*PACED_FIRST_TOKEN_S))  # noqa: S311 - a pace, not a secret
        pause = 1 / random.uniform(*PACED_TOKENS_PER_S)  # noqa: S311 - a pace, not a secret
        words = (self.server.reply or "Gnist er et program for kommuner").split()
        for n in range(PACED_TOKENS):
            self.wfile.write(_chunk(words[n % len(words)] + " "))
            self.wfile.flush()
            time.sleep(pause)
        self.wfile.write(b"data: [DONE]\n\n")

    def _wait_for_client_to_leave(self, seconds: float = 0.0, forever: bool = False) -> bool:
        """Sleep (up to ``seconds``, or until the test ends); True as soon as the client hangs up."""
        end = time.monotonic() + seconds
        while forever or time.monotonic() < end:
            if self.server.stopping.is_set():
                return True
            # poll, not select: a test process with many sockets open has descriptors above 1023.
            poller = select.poll()
            poller.register(self.connection, select.POLLIN)
            readable = poller.poll(100)
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                return True
        return False


if __name__ == "__main__":  # a stub of its own process (scripts/load_replicas.py): `python openai_stub.py paced`
    import sys

    server = FakeLLM(sys.argv[1], reply=" ".join(sys.argv[2:]))
    print(server.base_url, flush=True)
    server.serve_forever()
