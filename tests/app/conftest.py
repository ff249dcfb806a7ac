"""Fixtures for the app tier: the real Gradio app on 127.0.0.1, driven through gradio_client.

The index of a small copy of knowledge/ is built once per session (see gnist_testapp.seed); each
module launches one app of its own on a copy of it, so a module costs one launch (~10 s)."""

from __future__ import annotations

import contextlib

import gnist_testapp as g
import pytest
from gnist_testapp import seed_dirs  # noqa: F401 - shared session fixture


@pytest.fixture(scope="module")
def files_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("files")


@pytest.fixture(scope="module")
def app(seed_dirs, tmp_path_factory):
    """One app per module, uploads limited to 1 MB so the size limit can be tested cheaply."""
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("app") / "data", max_upload_mb=1)
    yield running
    running.close()


@pytest.fixture
def client_for(app):
    """A factory of gradio_client.Client objects: each is its own session, so its own user."""
    from gradio_client import Client

    made = []

    def make(running=None):
        client = Client((running or app).url, verbose=False)
        made.append(client)
        return client

    yield make
    for client in made:
        with contextlib.suppress(Exception):  # best effort
            client.close()
