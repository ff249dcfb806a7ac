"""The route guard (ui/route_guard.py) and the residents' form's own guards, without a server: Gradio's
real router classifies each spelling of a file or session route; the limiter's memory is bounded;
form tokens and the Origin check. The same attacks against the running app: tests/app/
test_file_and_session_routes.py and test_residents_form.py."""

from __future__ import annotations

import gradio as gr
import pytest
from gradio.routes import App

from assistant.services.exports import ExportStore
from assistant.ui.identity import RateLimiter
from assistant.ui.resident_form import FormTokens, same_origin
from assistant.ui.route_guard import RouteGuard, gradio_route, without_deep_link

OWNER, STRANGER = "anon:" + "a" * 32, "anon:" + "b" * 32


@pytest.fixture(scope="module")
def gradio_app():
    with gr.Blocks() as demo:
        gr.Markdown("Gnist")
    return App.create_app(demo)


def scope(app, path: str, query: bytes = b"", method: str = "GET") -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": "", "app": app, "headers": [],
            "query_string": query}


@pytest.fixture
def guard(tmp_path):
    exports = ExportStore(tmp_path / "web-cache" / "exports", b"k" * 32, ttl_minutes=60)
    return RouteGuard(exports, tmp_path / "web-cache" / "exports"), exports


@pytest.mark.parametrize("path", ["/gradio_api/file={f}", "/gradio_api/file/{f}", "/gradio_api/file={f}/../{name}"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_every_file_route_spelling_is_judged_by_its_owner(gradio_app, guard, path, method):
    guard, exports = guard
    download = exports.path_for(OWNER, "gnist-mine-data.json")
    download.write_text("{}", encoding="utf-8")
    requested = path.format(f=download if "/../" not in path else download.parent,
                            name=download.parent.name + "/" + download.name)
    route = gradio_route(scope(gradio_app, requested, method=method))
    value = guard.file_requested(route)
    assert value is not None
    assert guard.may_serve_file(value, OWNER)
    assert not guard.may_serve_file(value, STRANGER) and not guard.may_serve_file(value, None)


def test_deny_by_default_outside_the_registered_files(guard, tmp_path):
    guard, _exports = guard
    stray = tmp_path / "web-cache" / ("0" * 32) / "state.json"
    stray.parent.mkdir(parents=True)
    stray.write_text("{}", encoding="utf-8")
    assert not guard.may_serve_file(str(stray), OWNER)
    assert not guard.may_serve_file("https://example.org/x.png", OWNER)
    guard.uploads.record(f'["{stray}"]'.encode(), OWNER)  # as /gradio_api/upload answered the uploader
    assert guard.may_serve_file(str(stray), OWNER) and not guard.may_serve_file(str(stray), STRANGER)


def test_session_and_refused_routes_are_recognised(gradio_app):
    assert RouteGuard.session_named(gradio_route(scope(gradio_app, "/gradio_api/queue/data", b"session_hash=abc")),
                                    scope(gradio_app, "/gradio_api/queue/data", b"session_hash=abc")) == "abc"
    heartbeat = scope(gradio_app, "/gradio_api/heartbeat/abc")
    assert RouteGuard.session_named(gradio_route(heartbeat), heartbeat) == "abc"
    assert RouteGuard.refused(gradio_route(scope(gradio_app, "/gradio_api/deep_link", b"session_hash=abc")))
    assert RouteGuard.is_session_body_route(gradio_route(scope(gradio_app, "/gradio_api/reset", method="POST")))
    assert RouteGuard.is_session_body_route(gradio_route(scope(gradio_app, "/gradio_api/cancel", method="POST")))
    assert without_deep_link({"query_string": b"deep_link=x&lang=nb"})["query_string"] == b"lang=nb"


def test_the_limiters_memory_is_bounded_and_a_flood_does_not_reset_a_counting_key():
    limiter = RateLimiter(limit=2, window_s=60, max_keys=100)
    assert limiter.hit("phone") and limiter.hit("phone")
    for n in range(50):  # fewer new keys than the bound: the phone is still at its limit
        limiter.hit(f"random-cookie-{n}")
    assert not limiter.hit("phone")
    for n in range(10_000):
        limiter.hit(f"flood-{n}")
        limiter.blocked(f"probe-{n}")  # asking never stores a key
    assert len(limiter) == 100


def test_form_tokens_name_the_device_of_one_form_for_a_day():
    tokens = FormTokens(b"s" * 32, ttl_s=3600)
    device = "A" * 22
    token = tokens.issue("form1", device, now=1000)
    assert tokens.device(token, "form1", now=1500) == device
    assert tokens.device(token, "form2", now=1500) is None  # another form's page
    assert tokens.device(token, "form1", now=1000 + 3601) is None  # too old
    assert tokens.device(token[:-1] + ("0" if token[-1] != "0" else "1"), "form1", now=1500) is None
    assert tokens.device(None, "form1") is None and tokens.device("x.1.y", "form1") is None


@pytest.mark.parametrize("origin, public_url, same", [
    (None, None, True), ("http://kommune.no:7860", None, True), ("https://angriper.example", None, False),
    ("null", None, False), ("https://innspill.kommune.no", "https://innspill.kommune.no", True),
])
def test_origin_check(origin, public_url, same):
    headers = {b"host": b"kommune.no:7860"}
    if origin:
        headers[b"origin"] = origin.encode()
    assert same_origin(headers, public_url) is same
