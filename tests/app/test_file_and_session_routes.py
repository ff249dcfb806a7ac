"""Every Gradio route that can serve a file or reach a session, tried as a stranger (issue 18, items 3
and 4): a stranger who knows a victim's download path, upload path and session hash gets nothing.

The file routes are those of Gradio 6.31 (gradio/routes.py): ``/gradio_api/file={path}`` (GET and
HEAD), ``/gradio_api/file/{path}``, in plain, percent-encoded, relative and ``..`` spellings; paths
that ``/gradio_api/upload`` returns; files elsewhere in the web cache. The session routes:
``/gradio_api/deep_link``, ``/config?deep_link=``, ``/?deep_link=``, ``/gradio_api/queue/data``,
``/gradio_api/heartbeat/{hash}``, ``/gradio_api/cancel``, ``/gradio_api/reset``.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from urllib.parse import quote

import gnist_testapp as g
import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

pytestmark = [pytest.mark.integration, g.QUIET_GRADIO_WARNINGS]

QUESTION = "Hva koster det å delta i Gnist?"


@pytest.fixture(scope="module")
def app(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("routes") / "data")
    yield running
    running.close()


def client(app) -> Client:
    return Client(app.url, verbose=False, download_files=False)


def spellings(path: str) -> list[str]:
    """Every way of naming one file on Gradio's file routes."""
    relative = os.path.relpath(path, os.getcwd())
    detour = str(Path(path).parent / ".." / Path(path).parent.name / Path(path).name)
    return [
        f"gradio_api/file={path}",
        f"gradio_api/file/{path}",
        f"gradio_api/file={quote(path, safe='')}",
        f"gradio_api/file%3D{quote(path, safe='')}",
        f"gradio_api/file/{quote(path, safe='')}",
        f"gradio_api/file={relative}",
        f"gradio_api/file={detour}",
        f"gradio_api/file/{detour}",
    ]


def served(app, route: str, cookies, method: str = "GET") -> bool:
    response = httpx.request(method, app.url + route, cookies=cookies, timeout=30)
    return response.status_code < 300


def test_a_download_is_served_on_no_file_route_to_a_stranger(app):
    victim, stranger = client(app), client(app)
    victim.predict(QUESTION, api_name="/respond")
    path = victim.predict(api_name="/export_all")["value"]["path"]
    assert served(app, f"gradio_api/file={path}", victim.cookies)  # the owner gets it: the check can fail
    routes = spellings(path)
    got = [route for route in routes for method in ("GET", "HEAD") if served(app, route, stranger.cookies, method)]
    got += [route for route in routes if served(app, route, None)]  # no cookie at all: a new identity
    assert got == [], f"served to a stranger: {got}"


def test_an_upload_is_served_to_its_uploader_only(app, tmp_path):
    victim, stranger = client(app), client(app)
    victim.predict(QUESTION, api_name="/respond")  # the identity cookie
    note = tmp_path / "notat.txt"
    note.write_text("Hemmelig notat om Bjørkedal.", encoding="utf-8")
    with note.open("rb") as handle:
        answer = httpx.post(app.url + "gradio_api/upload", files={"files": ("notat.txt", handle, "text/plain")},
                            cookies=victim.cookies, timeout=30)
    path = answer.json()[0]
    assert served(app, f"gradio_api/file={path}", victim.cookies)
    assert [route for route in spellings(path) if served(app, route, stranger.cookies)] == []


def test_nothing_else_in_the_web_cache_or_the_data_dir_is_served(app):
    """Deny by default: a file in Gradio's cache that nobody registered is served to no one."""
    someone = client(app)
    someone.predict(QUESTION, api_name="/respond")
    loose = app.settings.web_cache_dir / ("0" * 32) / "state.json"  # where Gradio keeps what it caches
    loose.parent.mkdir(parents=True, exist_ok=True)
    loose.write_text('{"token": "hemmelig"}', encoding="utf-8")
    stray = app.settings.web_cache_dir / "rester" / "gammel.txt"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_text("rest", encoding="utf-8")
    candidates = [loose, stray, app.settings.database_path, app.settings.data_dir / "server-secret.key"]
    assert all(file.is_file() for file in candidates)
    got = [route for file in candidates for route in spellings(str(file)) if served(app, route, someone.cookies)]
    got += [f"gradio_api/file={url}" for url in ("http://127.0.0.1:1/x", "https://example.org/x")
            if served(app, f"gradio_api/file={url}", someone.cookies)]
    assert got == []


def test_no_session_is_read_or_written_by_its_hash(app):
    victim, stranger = client(app), client(app)
    victim.predict(QUESTION, api_name="/respond")
    stranger.predict(QUESTION, api_name="/respond")
    hash_ = victim.session_hash
    snapshot = httpx.get(app.url + "gradio_api/deep_link", params={"session_hash": hash_}, cookies=stranger.cookies)
    assert snapshot.status_code == 404
    own = httpx.get(app.url + "gradio_api/deep_link", params={"session_hash": victim.session_hash},
                    cookies=victim.cookies)
    assert own.status_code == 404  # the route is off for everyone: no snapshot is written
    assert not (app.settings.web_cache_dir / "deep_links").exists() or not any(
        (app.settings.web_cache_dir / "deep_links").rglob("state.json"))
    for page in ("config", ""):
        answer = httpx.get(app.url + page, params={"deep_link": "abc123"}, cookies=stranger.cookies)
        assert answer.status_code == 200 and '"deep_link_state": "valid"' not in answer.text.replace("'", '"')
    refused = [
        httpx.get(app.url + "gradio_api/queue/data", params={"session_hash": hash_}, cookies=stranger.cookies,
                  timeout=5),
        httpx.get(app.url + f"gradio_api/heartbeat/{hash_}", cookies=stranger.cookies, timeout=5),
        httpx.post(app.url + "gradio_api/cancel", json={"session_hash": hash_, "fn_index": 0, "event_id": "x"},
                   cookies=stranger.cookies),
        httpx.post(app.url + "gradio_api/reset", json={"event_id": "not-the-strangers"}, cookies=stranger.cookies),
    ]
    assert [answer.status_code for answer in refused] == [403] * 4
    assert "annen bruker" in refused[0].json()["detail"]
    # The victim's own session still works.
    assert "Gnist" in str(victim.predict(QUESTION, api_name="/respond"))


def test_share_tokens_reach_neither_the_page_choices_nor_the_logs(app, caplog):
    owner, colleague = client(app), client(app)
    owner.predict("Lom", "Unge flytter fra bygda", api_name="/workshop_start")
    with warnings.catch_warnings(record=True) as caught, caplog.at_level("DEBUG"):
        warnings.simplefilter("always")
        link, _links, choice, _timer = owner.predict("edit", api_name="/workshop_share")
        token = link.rsplit("=", 1)[1]
        values = [value for _label, value in choice["choices"]]
        assert values and token not in json.dumps(choice)
        # A stale choice: Gradio refuses it, logging and answering with the list of choices.
        with pytest.raises(AppError) as refused:
            owner.predict("ikke-en-lenke", api_name="/workshop_revoke_link")
        owner.predict(values[0], api_name="/workshop_revoke_link")
    assert values[0] in str(refused.value) and token not in str(refused.value)
    logged = caplog.text + "".join(str(w.message) for w in caught)
    assert token not in logged
    assert token not in httpx.get(app.url + "config", cookies=owner.cookies).text
    assert app.container.workshop.links(g.owner_of(app, owner), _canvas_of(app, owner)) == []
    colleague.close()


def _canvas_of(app, client) -> str:
    return app.container.workshop.list(g.owner_of(app, client))[0].id
