"""Capacity with a language model (issue 23, item 6): users waiting on the model wait on the network,
not on the server, so as many of them as ``GNIST_CHAT_CONCURRENCY`` allows are streamed at once.

Gradio runs at most ``max_threads`` events at a time (40 by default), whatever an event's own
concurrency limit says; 150 users per replica then queued in waves and waited minutes for their
first words. Here 50 users ask at once a model that keeps every answer open (it drips a token every
few seconds), and all 50 requests must reach the model together.
"""

from __future__ import annotations

import time

import gnist_testapp as g
from gradio_client import Client

pytestmark = g.QUIET_GRADIO_WARNINGS

USERS = 50
# Not a speed limit: how long a loaded machine may take to open 50 answers. With a cap below 50
# the count never gets there, however long one waits, until the first answers end.
ALL_OPEN_WITHIN_S = 240
QUESTION = "Hvordan kan veikartets prinsipper brukes i en kommune?"


def test_users_waiting_on_the_model_are_all_streamed_at_once(seed_dirs, tmp_path, fake_llm):
    llm = fake_llm("drip")
    app = g.launch_app(seed_dirs, tmp_path / "data", llm_base_url=llm.base_url, llm_model="test",
                       llm_timeout=600, chat_concurrency=USERS + 10)
    jobs, clients = [], []
    try:
        clients = [Client(app.url, verbose=False) for _ in range(USERS)]
        jobs = [client.submit(QUESTION, None, None, api_name="/respond") for client in clients]
        deadline = time.monotonic() + ALL_OPEN_WITHIN_S
        while llm.open_connections < USERS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert llm.open_connections >= USERS, f"{llm.open_connections} of {USERS} answers open at once"
    finally:
        for job in jobs:
            job.cancel()
        for client in clients:  # their sockets would stay open for the rest of the test session
            client.close()
        llm.stopping.set()
        app.close()
