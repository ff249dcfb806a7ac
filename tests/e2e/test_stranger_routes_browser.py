"""A stranger with a victim's session hash and download path gets nothing (issue 18): the victim works
in a real browser and downloads «all my data»; a second browser (its own cookie) replays what a proxy
log or a shoulder would give away: the file's address on each of Gradio's file routes, the session
hash on the deep-link, event-stream and heartbeat routes, and a page opened with ``?deep_link=``."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import gnist_testapp as g
import pytest
from test_browser import ask, open_app

pytestmark = [pytest.mark.e2e, g.QUIET_GRADIO_WARNINGS]

QUESTION = "Hva koster det å delta i Gnist for Kvitfjell kommune?"  # the victim's own words


def test_a_stranger_with_the_victims_session_hash_and_download_path_gets_nothing(app, browsing):
    victim = browsing.page()
    open_app(victim, app.url)
    ask(victim, QUESTION)
    victim.get_by_role("tab", name="Innstillinger og personvern").click()
    victim.get_by_role("button", name="Last ned alle dataene mine", exact=True).click()
    link = victim.locator("a[href*='gnist-mine-data.json']").first
    link.wait_for(state="attached", timeout=30_000)
    download = link.get_attribute("href")
    path = re.search(r"file=(.+)$", download).group(1)
    hashes = {parse_qs(urlsplit(url).query).get("session_hash", [""])[0] for url in browsing.requests}
    hashes |= {m.group(1) for url in browsing.requests if (m := re.search(r"/heartbeat/([\w-]+)", url))}
    hashes.discard("")
    assert hashes, "the victim's page named its session hash in no request"
    session = hashes.pop()
    assert victim.request.get(download).ok  # the victim gets the file: the refusals below can fail

    stranger = browsing.page()
    open_app(stranger, app.url)
    base = app.url.rstrip("/")
    routes = [download, f"{base}/gradio_api/file={path}", f"{base}/gradio_api/file/{path}",
              f"{base}/gradio_api/file={quote(path, safe='')}", f"{base}/gradio_api/file%3D{quote(path, safe='')}",
              f"{base}/gradio_api/deep_link?session_hash={session}",
              f"{base}/gradio_api/queue/data?session_hash={session}",
              f"{base}/gradio_api/heartbeat/{session}"]
    served = [route for route in routes if stranger.request.get(route, timeout=10_000).ok]
    assert served == []
    config = stranger.request.get(f"{base}/config?deep_link=x")
    assert config.ok and path not in config.text() and "Kvitfjell" not in config.text()
    stranger.goto(f"{app.url}?deep_link=x")
    stranger.locator(".gnist-loaded").first.wait_for(state="attached")
    assert "Kvitfjell" not in stranger.content()
    assert victim.request.get(download).ok  # and nothing the stranger did took it from the victim
