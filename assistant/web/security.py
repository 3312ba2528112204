"""API keys, a per-client rate limit and the embedding headers (CSP frame-ancestors)."""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections import deque

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.config import Settings
from assistant.errors import ConfigError

API_KEY_HEADER = "X-API-Key"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    name = host.strip().strip("[]").lower()
    if name in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def keys_required(settings: Settings) -> bool:
    return bool(settings.api_key_list()) or not is_loopback(settings.host)


MIN_KEY_CHARS = 16


def check_bind(settings: Settings) -> None:
    """Refuse to serve the API beyond this machine without keys, or with keys short enough to guess."""
    short = [k for k in settings.api_key_list() if len(k) < MIN_KEY_CHARS]
    if short:
        raise ConfigError(
            f"POLICY_API_KEYS: every key must be at least {MIN_KEY_CHARS} characters; {len(short)} key(s) are "
            f"shorter (the shortest has {min(len(k) for k in short)}). Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`."
        )
    if not is_loopback(settings.host) and not settings.api_key_list():
        raise ConfigError(
            f"Refusing to listen on {settings.host}: the API would be open to the network. "
            "Set POLICY_API_KEYS (comma-separated keys) or bind to 127.0.0.1."
        )


def ui_credentials(settings: Settings) -> tuple[str, str] | None:
    """``user:password`` from settings, or None when the chat needs no login."""
    if not settings.ui_auth:
        return None
    user, sep, password = settings.ui_auth.partition(":")
    if not sep or not user or not password:
        raise ConfigError("POLICY_UI_AUTH must look like 'user:password'.")
    return user, password


class ApiKeyAuth:
    """FastAPI dependency: checks ``X-API-Key`` in constant time when keys are required."""

    def __init__(self, settings: Settings):
        self.required = keys_required(settings)
        self._keys = [k.encode() for k in settings.api_key_list()]
        self._districts = {k.encode(): list(v) for k, v in settings.api_key_districts.items()}

    def districts(self, supplied: str | None) -> list[str] | None:
        """The districts a valid key is limited to (doc ids, names, ``state:NAME``); None: all."""
        if not supplied or not self._districts:
            return None
        given = supplied.encode()
        found = None
        for key, names in self._districts.items():  # every entry compared: timing does not tell which
            if hmac.compare_digest(given, key):
                found = names
        return found

    def valid(self, supplied: str | None) -> bool:
        if not supplied:
            return False
        given = supplied.encode()
        ok = False
        for key in self._keys:  # compare with every key so timing does not tell which matched
            ok |= hmac.compare_digest(given, key)
        return ok

    def allows(self, supplied: str | None) -> bool:
        """No key needed here, or ``supplied`` is one of the keys."""
        return not self.required or self.valid(supplied)

    def __call__(self, request: Request) -> str | None:
        if not self.required:
            return None
        supplied = request.headers.get(API_KEY_HEADER)
        if not self.allows(supplied):
            raise HTTPException(
                status_code=401,
                detail=f"A valid API key is required in the {API_KEY_HEADER} header.",
                headers={"WWW-Authenticate": API_KEY_HEADER},
            )
        return supplied


class RateLimiter:
    """Sliding window: at most ``limit`` requests per client in ``window`` seconds (0: no limit).
    A client is its API key when that key is one of ``auth``'s, else its address: a made-up key
    header must not buy a fresh allowance."""

    def __init__(self, limit: int, window: float = 60.0, auth: ApiKeyAuth | None = None):
        self.limit = limit
        self.window = window
        self.auth = auth
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> float | None:
        """Record one request; returns None if allowed, else seconds until the next is allowed."""
        if self.limit <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(0.0, hits[0] + self.window - now)
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients
                for key in [k for k, v in self._hits.items() if not v]:
                    del self._hits[key]
            return None

    def client(self, key: str | None, host: str | None) -> str:
        """The bucket a request counts against."""
        if key and self.auth is not None and self.auth.valid(key):
            return f"key:{key}"
        return f"ip:{host or '?'}"

    def __call__(self, request: Request) -> None:
        host = request.client.host if request.client else None
        wait = self.check(self.client(request.headers.get(API_KEY_HEADER), host))
        if wait is not None:
            raise HTTPException(
                status_code=429,
                detail=f"Too many requests: the limit is {self.limit} per minute. "
                f"Try again in {int(wait) + 1} s.",
                headers={"Retry-After": str(int(wait) + 1)},
            )


class SecurityHeaders:
    """Pure ASGI middleware (safe for streaming): CSP frame-ancestors and a few safe headers.
    It never sends X-Frame-Options: who may embed is decided by ``frame_ancestors``."""

    def __init__(self, app: ASGIApp, frame_ancestors: str):
        self.app = app
        self.headers = [
            (b"content-security-policy", f"frame-ancestors {frame_ancestors}".encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                drop = {b"x-frame-options"} | {name for name, _ in self.headers}
                raw = [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]
                message["headers"] = raw + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
