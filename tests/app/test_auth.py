"""Optional login (GNIST_AUTH): without it nobody gets in; with it, data belongs to the login name,
so the same person finds their conversations from any browser or client."""

from __future__ import annotations

import gnist_testapp as g
import pytest
from gradio_client import Client

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def app_with_login(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("auth") / "data", auth="kari:hemmelig,ola:passord")
    yield running
    running.close()


def test_login_is_required(app_with_login):
    with pytest.raises(Exception):  # noqa: B017 - gradio_client reports a refused login in several ways
        Client(app_with_login.url, verbose=False).predict("Hva koster det å delta i Gnist?", api_name="/respond")
    with pytest.raises(Exception):  # noqa: B017
        Client(app_with_login.url, auth=("kari", "feil"), verbose=False)


def test_data_follows_the_login_not_the_session(app_with_login):
    first = Client(app_with_login.url, auth=("kari", "hemmelig"), verbose=False)
    first.predict("Hva koster det å delta i Gnist?", api_name="/respond")
    conversations = app_with_login.container.conversations
    assert [c.title for c in conversations.list("user:kari")] == ["Hva koster det å delta i Gnist?"]
    assert conversations.list("user:ola") == []
    # A second client (another browser) logged in as ola sees nothing of kari's.
    other = Client(app_with_login.url, auth=("ola", "passord"), verbose=False)
    other.predict("Hva er Gnist?", api_name="/respond")
    assert [c.title for c in conversations.list("user:ola")] == ["Hva er Gnist?"]
    assert len(conversations.list("user:kari")) == 1
