"""Who the user is, decided by the server and never by what a client sends.

Without login every browser gets an unguessable id in an HttpOnly, SameSite cookie signed with a
server secret; with login (GNIST_AUTH) the login name is the identity. Handlers resolve the owner
from the request only. A Gradio session (``session_hash``) is bound to the owner that first used
it, so a client replaying another browser's session hash cannot reach that session's state.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import threading
import time
from collections import OrderedDict, deque
from http.cookies import SimpleCookie

import gradio as gr

from assistant.catalog import TextCatalog
from assistant.services.authorization import Actor
from assistant.services.exports import ExportStore
from assistant.services.sessions import SessionBindings
from assistant.settings import Settings
from assistant.ui.route_guard import MAX_SESSION_BODY, UPLOAD_ROUTE, RouteGuard, gradio_route, without_deep_link

COOKIE_NAME = "gnist_id"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest lifetime browsers accept
ANONYMOUS_PREFIX = "anon:"
LOGIN_PREFIX = "user:"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_OWNER = re.compile(r"^(anon:[0-9a-f]{32}|user:[^\x00-\x1f]{1,128})$")
BOUND_SESSIONS = 100_000
# The residents' form (ui/resident_form.py): public and anonymous, so no identity cookie is issued there.
RESIDENT_FORM_PATH = "/innspill"


def is_resident_form_path(path: str) -> bool:
    return path == RESIDENT_FORM_PATH or path.startswith(RESIDENT_FORM_PATH + "/")
# Remote images and frames are never loaded, whatever Markdown a document, a user or a model
# produces; scripts and styles stay as Gradio needs them.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])


class IdentityError(gr.Error):
    """The request carries no identity the server issued (shown to the user as a toast)."""


def valid_owner(owner: object) -> bool:
    return isinstance(owner, str) and bool(_OWNER.match(owner))


class CookieSigner:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def sign(self, token: str) -> str:
        return f"{token}.{self._mac(token)}"

    def verify(self, value: str | None) -> str | None:
        """The token inside a cookie value this server signed, else None."""
        if not value or value.count(".") != 1:
            return None
        token, mac = value.split(".")
        if not _TOKEN.match(token) or not hmac.compare_digest(mac, self._mac(token)):
            return None
        return token

    def owner_of(self, value: str | None) -> str | None:
        token = self.verify(value)
        if token is None:
            return None
        # The stored owner is a digest of the token: a leaked database never yields a usable cookie.
        return ANONYMOUS_PREFIX + hmac.new(self.secret, token.encode(), hashlib.sha256).hexdigest()[:32]

    def _mac(self, token: str) -> str:
        return hmac.new(self.secret, b"cookie:" + token.encode(), hashlib.sha256).hexdigest()[:32]


class RateLimiter:
    """At most ``limit`` events per key in a sliding window (thread-safe). Memory is bounded: at most
    ``max_keys`` keys are kept, the least recently used going first, so a flood of new keys (random
    cookies, addresses) evicts only the oldest and never resets the keys still counting."""

    def __init__(self, limit: int, window_s: float, max_keys: int = 10_000) -> None:
        self.limit, self.window_s, self.max_keys = limit, window_s, max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._events)

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
        self._events.move_to_end(key)
        while events and events[0] <= now - self.window_s:
            events.popleft()
        return events

    def blocked(self, key: str) -> bool:
        with self._lock:
            events = self._events.get(key)
            if events is None:
                return self.limit <= 0
            return len(self._recent(key, time.monotonic())) >= self.limit

    def hit(self, key: str) -> bool:
        """Record an event; False if the key was already at its limit (nothing recorded then)."""
        with self._lock:
            now = time.monotonic()
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True


class TrustedProxy:
    """Single sign-on through a reverse proxy that does OIDC: the login name in a header, believed
    only from the proxy's own addresses (from anyone else the header is removed)."""

    def __init__(self, settings: Settings) -> None:
        names = [settings.trusted_user_header, settings.trusted_email_header]
        self.headers = [name.lower().encode() for name in names if name]
        # Stripped like the login headers: from anyone but the proxy, a group claim is a forgery.
        self.groups_header = (settings.trusted_groups_header or "").lower().encode()
        self.networks = [ipaddress.ip_network(net, strict=False) for net in settings.trusted_proxies]

    @property
    def enabled(self) -> bool:
        return bool(self.headers)

    def trusted(self, scope) -> bool:
        return self.trusted_address(_client_address(scope))

    def trusted_address(self, address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self.networks)

    def without_headers(self, scope):
        forged = {*self.headers, self.groups_header}
        return dict(scope, headers=[(k, v) for k, v in scope.get("headers", []) if k not in forged])

    def groups(self, address: str, headers) -> set[str]:
        """The groups the proxy says the user is in (comma-separated, as oauth2-proxy sends them);
        ``headers`` is a request's case-insensitive header mapping."""
        if not self.groups_header or not self.trusted_address(address):
            return set()
        value = headers.get(self.groups_header.decode(), "")
        return {group.strip() for group in value.split(",") if group.strip()}

    def browser_address(self, scope) -> str:
        """Who to count a request against (rate limits): behind a trusted proxy, the address it
        puts last in X-Forwarded-For (the one it saw); otherwise the connection's own address."""
        peer = _client_address(scope)
        if not self.trusted_address(peer):
            return peer
        forwarded = dict(scope.get("headers", [])).get(b"x-forwarded-for", b"").decode("latin-1")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        return hops[-1] if hops else peer

    def user(self, scope) -> str | None:
        """The login name (else the e-mail address) the proxy vouches for."""
        if not self.trusted(scope):
            return None
        values = dict(scope.get("headers", []))
        for header in self.headers:
            value = values.get(header, b"").decode("utf-8", "replace").strip()
            if value and valid_owner(LOGIN_PREFIX + value):
                return value
        return None


def _client_address(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def _cookie_value(scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is just no cookie
                return None
            if name in jar:
                return jar[name].value
    return None


def _logged_in_user(scope) -> str | None:
    """The login name behind Gradio's own session cookie (Gradio's App keeps the token table)."""
    app = scope.get("app")
    cookie_id = getattr(app, "cookie_id", None)
    if cookie_id is None:
        return None
    token = _cookie_value(scope, f"access-token-{cookie_id}") or _cookie_value(scope,
                                                                               f"access-token-unsecure-{cookie_id}")
    return app.tokens.get(token) if token else None


async def read_body(receive, limit: int) -> bytes | None:
    """The request body, or None once it grows past ``limit`` (the rest is not read into memory)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes):
    """A ``receive`` that gives the app the body already read."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


def _json_response(status: int, message: str):
    body = json.dumps({"detail": message}, ensure_ascii=False).encode()
    return status, [(b"content-type", b"application/json; charset=utf-8")], body


class IdentityMiddleware:
    """Issues the signed identity cookie, limits new identities and failed logins per address,
    guards downloads of per-user exports, and sets the Content-Security-Policy."""

    def __init__(self, app, settings: Settings, signer: CookieSigner, downloads: ExportStore,
                 catalog: TextCatalog, identity: Identity | None = None) -> None:
        self.app = app
        self.settings = settings
        self.catalog = catalog
        self.signer = signer
        self.identity = identity or Identity(settings, signer, catalog)  # whose each session is
        self.routes = RouteGuard(downloads, settings.exports_dir)
        self.login_mode = settings.login_required
        self.proxy = TrustedProxy(settings)
        self.new_sessions = RateLimiter(settings.new_sessions_per_minute, 60)
        self.login_failures = RateLimiter(settings.login_failures_allowed, settings.login_failure_window_s)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        address = self.proxy.browser_address(scope)
        path = scope.get("path", "")
        if self.proxy.enabled and not self.proxy.trusted(scope):
            scope = self.proxy.without_headers(scope)  # nobody else may claim a login name
        set_cookie: str | None = None
        anonymous_form = is_resident_form_path(path)
        if not (self.login_mode or anonymous_form) and self.signer.verify(_cookie_value(scope, COOKIE_NAME)) is None:
            if not self.new_sessions.hit(address):
                return await self._reply(send, *_json_response(429,
                                                               self.catalog.bilingual("identity.too_many_sessions")))
            value = self.signer.sign(secrets.token_urlsafe(32))
            set_cookie = self._cookie_header(value)
            # This request already carries the new identity, so its own handlers see it.
            scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k != b"cookie"]
                         + [(b"cookie", f"{COOKIE_NAME}={value}".encode())])
        is_login = scope.get("method") == "POST" and path.rstrip("/").endswith("/login")
        if is_login and self.login_failures.blocked(address):
            return await self._reply(send, *_json_response(429, self.catalog.bilingual("identity.too_many_logins")))
        scope = without_deep_link(scope)
        route = gradio_route(scope)
        requested = self.routes.file_requested(route)
        if self.routes.refused(route) or (
                requested is not None and not self.routes.may_serve_file(requested, self.request_owner(scope))):
            return await self._reply(send, *_json_response(404, self.catalog.bilingual("identity.file_missing")))
        session = self.routes.session_named(route, scope)
        if self.routes.is_session_body_route(route):
            body = await read_body(receive, MAX_SESSION_BODY)
            session = self.routes.body_session(route, scope, body or b"")
            receive = _replay(body or b"")
        if session is not None and not self.identity.session_belongs_to(session, self.request_owner(scope)):
            return await self._reply(send, *_json_response(403, self.catalog.bilingual("identity.other_user")))
        upload = route is not None and route[0] == UPLOAD_ROUTE and scope.get("method") == "POST"
        uploaded: list[bytes] = []

        async def send_with_headers(message):
            if upload and message["type"] == "http.response.body":
                uploaded.append(message.get("body", b""))
                if not message.get("more_body") and (owner := self.request_owner(scope)):
                    self.routes.uploads.record(b"".join(uploaded), owner)
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if set_cookie:
                    headers.append((b"set-cookie", set_cookie.encode()))
                headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                if is_login and message["status"] >= 400:
                    self.login_failures.hit(address)
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cookie_header(self, value: str) -> str:
        secure = "; Secure" if self.settings.secure_cookies else ""
        return f"{COOKIE_NAME}={value}; Path=/; Max-Age={COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax{secure}"

    def request_owner(self, scope) -> str | None:
        if self.login_mode:
            user = self.proxy.user(scope) if self.proxy.enabled else _logged_in_user(scope)
            return LOGIN_PREFIX + user if user else None
        return self.signer.owner_of(_cookie_value(scope, COOKIE_NAME))

    @staticmethod
    async def _reply(send, status: int, headers, body: bytes):
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class Identity:
    """Resolves the owner of a Gradio request; the one place handlers learn who the user is."""

    def __init__(self, settings: Settings, signer: CookieSigner, catalog: TextCatalog,
                 bindings: SessionBindings | None = None) -> None:
        self.login_mode = settings.login_required
        self.bindings = bindings  # shared with the other replicas; None: this process only
        self.admin_users = set(settings.admin_users)
        self.admin_group = settings.admin_group
        self.proxy = TrustedProxy(settings)
        self.signer = signer
        self.catalog = catalog
        self._sessions: OrderedDict[str, tuple[str, float]] = OrderedDict()  # session -> (owner, last seen)
        self._lock = threading.Lock()

    def auth_dependency(self, request) -> str | None:
        """For Gradio's ``auth_dependency``: the login name the single sign-on proxy vouches for, or
        without it the signed cookie's owner; None (Gradio answers 401) otherwise."""
        if self.proxy.enabled:
            return self.proxy.user(request.scope)
        return self.signer.owner_of(request.cookies.get(COOKIE_NAME))

    def active_sessions(self, within_s: float = 900) -> int:
        cutoff = time.monotonic() - within_s
        with self._lock:
            return sum(1 for _owner, seen in self._sessions.values() if seen >= cutoff)

    def owner(self, request: gr.Request | None) -> str:
        username = getattr(request, "username", None) if request is not None else None
        if not username:
            raise IdentityError(self.catalog.bilingual("identity.unknown_session"))
        owner = LOGIN_PREFIX + username if self.login_mode else username
        if not valid_owner(owner):
            raise IdentityError(self.catalog.bilingual("identity.unknown_session"))
        self._bind(getattr(request, "session_hash", None), owner)
        return owner

    def is_admin(self, request: gr.Request | None) -> bool:
        """A logged-in user named in GNIST_ADMIN_USERS, or in GNIST_ADMIN_GROUP by the proxy's word.
        Without login nobody is: an anonymous cookie proves nothing about a person."""
        if not self.login_mode or request is None:
            return False
        owner = self.owner(request)
        if owner.removeprefix(LOGIN_PREFIX) in self.admin_users:
            return True
        if not self.admin_group:
            return False
        client = getattr(request, "client", None)
        return self.admin_group in self.proxy.groups(getattr(client, "host", ""), request.headers)

    def actor(self, request: gr.Request | None, language: str = "nb") -> Actor:
        """Who acts in this request, resolved once: the owner and whether they are an administrator;
        the services decide what that actor may do."""
        owner = self.owner(request)  # a replayed session is refused as such first
        return Actor(owner, language, self.is_admin(request))

    def session_belongs_to(self, session_hash: str, owner: str | None) -> bool:
        """For Gradio's session routes: the session is the requester's (bound to them now if new)."""
        if not session_hash or owner is None:
            return False
        try:
            self._bind(session_hash, owner)
        except IdentityError:
            return False
        return True

    def _bind(self, session_hash: str | None, owner: str) -> None:
        if not session_hash:
            return
        with self._lock:
            bound, _seen = self._sessions.get(session_hash, (None, 0.0))
        if bound is None and self.bindings is not None:
            # The database is asked once per session and replica; later requests hit the memory.
            bound = self.bindings.claim(session_hash, owner)
        if bound is not None and bound != owner:
            raise IdentityError(self.catalog.bilingual("identity.other_user"))
        with self._lock:
            self._sessions[session_hash] = (owner, time.monotonic())
            self._sessions.move_to_end(session_hash)
            if len(self._sessions) > BOUND_SESSIONS:
                self._sessions.popitem(last=False)
