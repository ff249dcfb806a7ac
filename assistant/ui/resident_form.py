"""The public residents' form at ``/innspill/{token}``: plain server-rendered HTML and a POST, so it
works on any phone without JavaScript and loads nothing from anywhere else. The one part of the app
anyone may reach: no login, no identity cookie, nothing about the resident stored beyond the answers.

Abuse limits per device and per client address (as ``TrustedProxy.browser_address`` sees it), both
per replica, in memory of a bounded size. The device is named by the form token every page carries
(signed by the server, with the device's random cookie when it has one, never stored with an input):
a post without a valid token, or from another website's page (its Origin), is not accepted, so
leaving out the cookie skips no limit and another site cannot post for a resident. The resident gets
the form back with the answers and is asked to send again."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from assistant.catalog import TextCatalog
from assistant.services.masking import KINDS
from assistant.services.residents import (
    AGE_GROUPS,
    ANSWERS,
    LANGUAGES,
    FormClosed,
    FormFull,
    FormNotFound,
    InvalidInput,
    ResidentInputService,
)
from assistant.settings import Settings
from assistant.ui.identity import (
    RESIDENT_FORM_PATH,
    RateLimiter,
    TrustedProxy,
    _cookie_value,
    is_resident_form_path,
    read_body,
)

PREFIX = RESIDENT_FORM_PATH + "/"
DEVICE_COOKIE = "gnist_innspill"
MAX_BODY = 64 * 1024
LANGUAGE_NAMES = (("nb", "Bokmål"), ("nn", "Nynorsk"), ("en", "English"))
_PATH = re.compile(r"^/innspill/([A-Za-z0-9_-]{1,64})(/takk)?/?$")
_DEVICE = re.compile(r"[A-Za-z0-9_-]{22}")
TEMPLATES = Path(__file__).parent / "templates"
FORM_TOKEN_TTL_S = 24 * 3600  # a page left open through a meeting day still sends
LIMITER_KEYS = 100_000  # devices and addresses remembered per limit; the oldest go first


class FormTokens:
    """A token per form page: the device it was given to, when, and a MAC over both and the form."""

    def __init__(self, secret: bytes, ttl_s: float = FORM_TOKEN_TTL_S) -> None:
        self.secret, self.ttl_s = secret, ttl_s

    def issue(self, form_id: str, device: str, now: float | None = None) -> str:
        issued = str(int(now if now is not None else time.time()))
        return f"{device}.{issued}.{self._mac(form_id, device, issued)}"

    def device(self, token: str | None, form_id: str, now: float | None = None) -> str | None:
        """The device a valid, unexpired token of this form was issued to; None otherwise."""
        parts = (token or "").split(".")
        if len(parts) != 3 or not _DEVICE.fullmatch(parts[0]) or not parts[1].isdigit():
            return None
        device, issued, mac = parts
        age = (now if now is not None else time.time()) - int(issued)
        if not 0 <= age <= self.ttl_s or not hmac.compare_digest(mac, self._mac(form_id, device, issued)):
            return None
        return device

    def _mac(self, form_id: str, device: str, issued: str) -> str:
        message = f"resident-form:{form_id}:{device}:{issued}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()[:32]


def same_origin(headers: dict, public_url: str | None) -> bool:
    """No Origin header (older browsers, same-page posts without it) or one naming this site: the
    host the browser asked for, or the public address the app is configured with."""
    origin = headers.get(b"origin", b"").decode("latin-1").strip()
    if not origin:
        return True
    if origin == "null":
        return False
    host = urlsplit(origin).netloc.lower()
    ours = {headers.get(name, b"").decode("latin-1").split(",")[0].strip().lower()
            for name in (b"host", b"x-forwarded-host")}
    if public_url:
        ours.add(urlsplit(public_url).netloc.lower())
    return bool(host) and host in ours


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def choose_language(query_lang: str | None, accept_language: str, workshop: str | None = None) -> str:
    """The language the resident picked (``?lang=``), else the workshop's (a Norwegian phone says
    «nb» whatever the resident writes, and the facilitator chose the workshop's language for
    these residents), else, with no workshop (an unknown link), the browser's Accept-Language (a
    plain «no» is Bokmål), else Bokmål."""
    if query_lang in LANGUAGES:
        return query_lang
    if workshop in LANGUAGES:
        return workshop
    weighted = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, tag.strip().lower()))
    for _q, _p, tag in sorted(weighted):
        primary = tag.split("-")[0]
        if primary == "nn":
            return "nn"
        if primary in ("nb", "no"):
            return "nb"
        if primary == "en":
            return "en"
    return "nb"


class ResidentFormMiddleware:
    """Answers ``/innspill/…`` itself; every other request goes on to the app."""

    def __init__(self, app, settings: Settings, residents: ResidentInputService, catalog: TextCatalog,
                 municipality=None, secret: bytes | None = None) -> None:
        self.app = app
        self.catalog = catalog
        self.settings = settings
        self.residents = residents
        self.municipality = municipality or (lambda form: "")
        self.proxy = TrustedProxy(settings)
        self.tokens = FormTokens(secret or secrets.token_bytes(32))
        self.per_device = RateLimiter(settings.resident_per_device, settings.resident_window_s, max_keys=LIMITER_KEYS)
        self.per_address = RateLimiter(settings.resident_per_address, settings.resident_window_s, max_keys=LIMITER_KEYS)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_resident_form_path(scope.get("path", "")):
            return await self.app(scope, receive, send)
        match = _PATH.match(scope["path"])
        if match is None:  # not reached: is_resident_form_path matched the path
            return await self.app(scope, receive, send)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        headers = dict(scope.get("headers", []))
        accept = headers.get(b"accept-language", b"").decode("latin-1")
        method = scope.get("method", "GET")
        form = self.residents.get(match.group(1)) if match else None
        lang = choose_language(query.get("lang", [None])[0], accept, form.language if form else None)
        if form is None:
            return await self._page(send, 404, "missing", lang, scope["path"])
        form_path = PREFIX + form.id
        if match.group(2):  # the thank-you page
            if method not in ("GET", "HEAD"):
                return await self._reply(send, 405, b"", [(b"allow", b"GET")])
            return await self._page(send, 200, "thanks", lang, scope["path"], form=form, form_path=form_path,
                                    masked=[kind for kind in KINDS if kind in query.get("fjernet", [""])[0].split(",")])
        if method in ("GET", "HEAD"):
            if not form.open:
                return await self._page(send, 200, "closed", lang, form_path, form=form)
            device = _cookie_value(scope, DEVICE_COOKIE)
            cookie = None
            if not (device and _DEVICE.fullmatch(device)):
                device = secrets.token_urlsafe(16)
                cookie = self._device_cookie(device)
            return await self._page(send, 200, "form", lang, form_path, form=form, cookie=cookie, device=device)
        if method != "POST":
            return await self._reply(send, 405, b"", [(b"allow", b"GET, POST")])
        return await self._submit(scope, receive, send, form, lang, form_path)

    async def _submit(self, scope, receive, send, form, lang: str, form_path: str):
        body = await read_body(receive, MAX_BODY)
        if body is None:
            return await self._page(send, 413, "too_large", lang, form_path, form=form)
        fields = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace"),
                                                             keep_blank_values=True).items()}
        lang = fields["lang"] if fields.get("lang") in LANGUAGES else lang
        if not form.open:  # whatever else the post carries
            return await self._page(send, 200, "closed", lang, form_path, form=form)
        answers = {name: fields.get(name, "") for name in ANSWERS}
        typed = {**answers, "age_group": fields.get("age_group", ""), "place": fields.get("place", "")}
        device = self.tokens.device(fields.get("form_token"), form.id)
        if device is None or not same_origin(dict(scope.get("headers", [])), self.settings.public_url):
            # Nothing is lost: the form comes back with what was typed, and a fresh token.
            fresh = device or _cookie_value(scope, DEVICE_COOKIE) or ""
            return await self._page(send, 403, "form", lang, form_path, form=form, errors={"form": "res.error.stale"},
                                    values=typed,
                                    device=fresh if _DEVICE.fullmatch(fresh) else secrets.token_urlsafe(16))
        address = self.proxy.browser_address(scope)
        if self.per_address.blocked(address) or self.per_device.blocked(device):
            return await self._page(send, 429, "limit", lang, form_path, form=form, extra=[(b"retry-after", b"60")])
        try:
            result = self.residents.submit(form.id, answers, fields.get("age_group"), fields.get("place"),
                                           language=lang)
        except FormClosed:
            return await self._page(send, 200, "closed", lang, form_path, form=form)
        except FormFull:
            return await self._page(send, 200, "full", lang, form_path, form=form)
        except FormNotFound:
            return await self._page(send, 404, "missing", lang, form_path)
        except InvalidInput as invalid:
            return await self._page(send, 400, "form", lang, form_path, form=form, errors=invalid.errors,
                                    values=typed, device=device)
        self.per_address.hit(address)
        self.per_device.hit(device)
        target = form_path + "/takk?" + urlencode({"lang": lang,
                                                   **({"fjernet": ",".join(sorted(result.removed))} if result.removed
                                                      else {})})
        return await self._reply(send, 303, b"", [(b"location", target.encode())])

    def _device_cookie(self, device: str) -> str:
        secure = "; Secure" if self.settings.secure_cookies else ""
        return (f"{DEVICE_COOKIE}={device}; Path={PREFIX.rstrip('/')}; Max-Age=86400; HttpOnly; "
                f"SameSite=Strict{secure}")

    async def _page(self, send, status: int, page: str, lang: str, page_path: str, form=None, form_path: str = "",
                    masked: Sequence[str] = (), errors: dict | None = None, values: dict | None = None,
                    cookie: str | None = None, device: str | None = None, extra=()):
        def t(key: str, **values) -> str:
            return self.catalog.ui(key, lang, **values)

        # What was removed, in words («et telefonnummer og en e-postadresse»).
        removed = [t(f"res.thanks.masked_{kind}") for kind in masked]
        removed_text = f" {t('res.thanks.and')} ".join([", ".join(removed[:-1]), removed[-1]] if len(removed) > 1
                                                       else removed)
        limits = {"too_long": self.settings.resident_max_chars,
                  "place_too_long": self.settings.resident_place_max_chars}
        shown_errors = {name: t(key, limit=limits.get(key.rsplit(".", 1)[1], ""))
                        for name, key in (errors or {}).items()}
        municipality = self.municipality(form) if form is not None else ""
        titles = {"form": t("res.form.heading_for", municipality=municipality) if municipality
                  else t("res.form.heading"),
                  "thanks": t("res.thanks.title"), "closed": t("res.closed.title"), "missing": t("res.missing.title"),
                  "limit": t("res.limit.title"), "full": t("res.closed.title"), "too_large": t("res.limit.title")}
        bodies = {"closed": "res.closed.body", "missing": "res.missing.body", "limit": "res.limit.body",
                  "full": "res.full.body", "too_large": "res.too_large.body"}
        html = _templates().get_template("resident_form.html").render(
            t=t, lang=lang, page=page, title=titles[page], body=t(bodies[page]) if page in bodies else "",
            page_path=page_path, form_path=form_path, languages=LANGUAGE_NAMES, answers=ANSWERS, age_groups=AGE_GROUPS,
            errors=shown_errors, values=values or {}, masked=removed_text, max_chars=self.settings.resident_max_chars,
            form_token=self.tokens.issue(form.id, device) if form is not None and device else "",
            place_max_chars=self.settings.resident_place_max_chars)
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store"),
                   (b"content-language", lang.encode()), *extra]
        if cookie:
            headers.append((b"set-cookie", cookie.encode()))
        return await self._reply(send, status, html.encode(), headers)

    @staticmethod
    async def _reply(send, status: int, body: bytes, headers):
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})
