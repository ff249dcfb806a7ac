"""The server decides who a user is: attacks through the public API, as an attacker would make them
with gradio_client and plain HTTP against the running app (issue 8).

- no endpoint takes an owner; another user's session hash or a forged cookie reaches nothing;
- downloads are served to their owner only, and nothing of a user survives «delete all my data»,
  neither a URL nor the text in the database files;
- new anonymous identities and failed logins are rate limited per address.
"""

from __future__ import annotations

import json
from concurrent.futures import CancelledError
from pathlib import Path

import gnist_testapp as g
import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from assistant.ui.identity import COOKIE_NAME

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

MARKER = "Kvitfjellmarkøren"
QUESTION = "Hva koster det å delta i Gnist?"
# A call through another user's session: the handler refuses it (AppError) and the session's event
# stream is refused to the caller, so the client may also see the stream end without a result.
REFUSED = (AppError, CancelledError)


@pytest.fixture(scope="module")
def app(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("security") / "data", new_sessions_per_minute=40)
    yield running
    running.close()


def client(app, **kwargs) -> Client:
    return Client(app.url, verbose=False, download_files=False, **kwargs)


def export_url(app, result) -> str:
    value = result.get("value") if isinstance(result, dict) and "value" in result else result
    return value["url"]


def test_no_endpoint_takes_an_owner_and_no_browser_state_is_published(app):
    config = httpx.get(app.url + "config").json()
    assert "gnist-owner" not in json.dumps(config)
    api = client(app).view_api(return_format="dict", print_info=False)
    names = set(api["named_endpoints"])
    assert "/on_load" not in names and "/respond" in names
    for endpoint in api["named_endpoints"].values():
        assert not any("owner" in (p.get("parameter_name") or "") for p in endpoint["parameters"])


def test_cookie_is_httponly_samesite_and_signed(app):
    response = httpx.get(app.url)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "img-src 'self' data: blob:" in response.headers["content-security-policy"]
    value = response.cookies[COOKIE_NAME]
    # A tampered cookie is not accepted: the server issues a new identity instead.
    forged = value[:-1] + ("0" if value[-1] != "0" else "1")
    again = httpx.get(app.url, cookies={COOKIE_NAME: forged})
    assert again.cookies.get(COOKIE_NAME) not in (None, value, forged)


# Endpoints that read or change no user data and no session state.
NO_USER_DATA = {"/test_connection"}


def test_another_users_session_hash_reaches_nothing_on_any_endpoint(app, tmp_path):
    alice, mallory = client(app), client(app)
    alice.predict(QUESTION, api_name="/respond")
    alice_owner = g.owner_of(app, alice)
    before = app.container.user_data.export(alice_owner)
    assert before["conversations"]
    note, canvas = tmp_path / "notat.txt", tmp_path / "lerret.json"
    note.write_text("Et notat om sentrum i Bjørkedal kommune.", encoding="utf-8")
    canvas.write_text("{}", encoding="utf-8")

    mallory.session_hash = alice.session_hash  # replayed from a leaked URL or log
    endpoints = mallory.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert len(endpoints) > 20
    for api_name, endpoint in endpoints.items():
        if api_name in NO_USER_DATA:
            continue
        args = [argument(p, canvas if "import" in api_name else note)
                for p in endpoint["parameters"] if not p.get("parameter_has_default")]
        # The handler refuses the call, and the session's event stream is not served to Mallory
        # (issue 18), so her client sees the stream end without a result.
        with pytest.raises(REFUSED):
            mallory.predict(*args, api_name=api_name)
    stream = httpx.get(app.url + "gradio_api/queue/data", params={"session_hash": alice.session_hash},
                       cookies=mallory.cookies)
    assert stream.status_code == 403 and "tilhører en annen bruker" in stream.json()["detail"]
    assert app.container.user_data.export(alice_owner) == before  # untouched
    assert app.container.conversations.list(g.owner_of(app, mallory)) == []


def argument(parameter: dict, local_file: Path):
    """A valid value for an endpoint parameter: its example, or a real local file for file inputs."""
    kind = parameter["python_type"]["type"]
    if "filepath" not in json.dumps(parameter["python_type"]):
        return parameter["example_input"]
    return [handle_file(str(local_file))] if kind.startswith("list") else handle_file(str(local_file))


def test_a_forged_owner_cookie_is_a_new_user(app):
    alice = client(app)
    alice.predict(QUESTION, api_name="/respond")
    token, mac = alice.cookies[COOKIE_NAME].split(".")
    forged_cookie = f"{token}.{'0' * len(mac)}"
    forged = client(app, httpx_kwargs={"cookies": {COOKIE_NAME: forged_cookie}})
    # Every request with the forged cookie is a brand-new user: the session belongs to the first of
    # them, so the next one's event stream is refused, and nothing of Alice's is reachable.
    with pytest.raises(REFUSED):
        forged.predict(api_name="/export_all")
    alice_url = export_url(app, alice.predict(api_name="/export_all"))
    assert httpx.get(alice_url, cookies={COOKIE_NAME: forged_cookie}).status_code == 404


def test_downloads_are_served_to_their_owner_only(app):
    alice, bob = client(app), client(app)
    alice.predict(QUESTION, api_name="/respond")
    url = export_url(app, alice.predict(api_name="/export_all"))
    assert httpx.get(url, cookies=alice.cookies).status_code == 200
    assert httpx.get(url, cookies=bob.cookies).status_code == 404
    assert httpx.get(url).status_code == 404  # no cookie: a new identity, not Alice


def test_delete_all_leaves_no_url_and_no_text_behind(app, tmp_path):
    alice = client(app)
    note = tmp_path / "notat.txt"
    note.write_text(f"{MARKER} er navnet på et hemmelig prosjekt i Bjørkedal kommune. " * 3, encoding="utf-8")
    uploaded = alice.predict([handle_file(str(note))], api_name="/upload")
    assert "notat.txt" in uploaded[0]
    alice.predict(f"Hva er {MARKER}?", api_name="/respond")
    alice.predict("Bjørkedal", f"{MARKER}: sentrum er tomt etter klokka fire.", api_name="/workshop_start")
    urls = [export_url(app, alice.predict(api_name="/export_all")),
            export_url(app, alice.predict(api_name="/export_conversation"))]
    assert all(httpx.get(url, cookies=alice.cookies).status_code == 200 for url in urls)
    data_dir = app.settings.data_dir
    assert files_containing(data_dir, MARKER)  # the check below can fail: the marker was stored

    message = alice.predict(True, api_name="/delete_all")[0]
    assert "slettet" in message
    for url in urls:
        assert httpx.get(url, cookies=alice.cookies).status_code in (403, 404)  # Gradio: 403 for a gone file
    assert files_containing(data_dir, MARKER) == []
    owner = g.owner_of(app, alice)
    assert app.container.documents.list(owner) == [] and app.container.workshop.list(owner) == []
    # Listing after deletion creates no empty collection.
    names = {c.name for c in app.container.chroma.list_collections()}
    assert app.container.documents.store_for(owner).name not in names


def files_containing(root: Path, text: str) -> list[str]:
    needle = text.encode()
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_new_identities_are_rate_limited_per_address(seed_dirs, tmp_path):
    limited = g.launch_app(seed_dirs, tmp_path / "data", new_sessions_per_minute=3)
    try:
        # (Gradio's own start-up checks may already have used some of the three.)
        statuses = [httpx.get(limited.url).status_code for _ in range(5)]
        assert statuses.count(200) <= 3 and statuses[-2:] == [429, 429]
        assert statuses == sorted(statuses)  # once refused, refused
        assert "For mange nye økter" in httpx.get(limited.url).json()["detail"]
        # A browser that already has its cookie is not affected.
        with httpx.Client() as browser:
            browser.cookies.set(COOKIE_NAME, g.owner_cookie(limited))
            assert browser.get(limited.url).status_code == 200
    finally:
        limited.close()


@pytest.fixture(scope="module")
def app_with_login(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("login") / "data",
                           auth="kari:hemmelig,ola:passord", login_failures_allowed=3)
    yield running
    running.close()


def test_with_login_another_sessions_hash_reaches_nothing(app_with_login):
    kari = Client(app_with_login.url, auth=("kari", "hemmelig"), verbose=False, download_files=False)
    kari.predict(QUESTION, api_name="/respond")
    ola = Client(app_with_login.url, auth=("ola", "passord"), verbose=False, download_files=False)
    ola.session_hash = kari.session_hash
    with pytest.raises(REFUSED):
        ola.predict(api_name="/export_all")
    stream = httpx.get(app_with_login.url + "gradio_api/queue/data", params={"session_hash": kari.session_hash},
                       cookies=ola.cookies)
    assert stream.status_code == 403 and "tilhører en annen bruker" in stream.json()["detail"]
    # Kari's download is not served to Ola, even with its URL.
    url = export_url(app_with_login, kari.predict(api_name="/export_all"))
    assert httpx.get(url, cookies=kari.cookies).status_code == 200
    assert httpx.get(url, cookies=ola.cookies).status_code == 404


def test_failed_logins_are_throttled(app_with_login):
    login = app_with_login.url + "login"
    for _ in range(3):
        assert httpx.post(login, data={"username": "kari", "password": "feil"}).status_code >= 400
    refused = httpx.post(login, data={"username": "kari", "password": "hemmelig"})
    assert refused.status_code == 429 and "innlogginger" in refused.json()["detail"]
