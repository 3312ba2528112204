"""One server: the REST API under /api, /healthz, /readyz, OpenAPI at /docs, and the chat at /."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant import __version__
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.web import render
from assistant.web.a11y import A11Y_SCRIPT, FOCUS_CSS
from assistant.web.admin import install_admin
from assistant.web.api import ERROR_RESPONSES, build_router, install_docs, install_error_handlers, install_health
from assistant.web.docpage import install_doc_page
from assistant.web.embed import FRAME_SCRIPT, install_embed
from assistant.web.theme import build_theme
from assistant.web.security import (
    API_KEY_HEADER,
    ApiKeyAuth,
    RateLimiter,
    SecurityHeaders,
    check_bind,
    ui_credentials,
)
from assistant.web.ui import build_ui

class RootPath:
    """Sets the ASGI root_path (the sub-path behind a reverse proxy) on every request, as
    ``uvicorn --root-path`` would, so links and OpenAPI ``servers`` carry the prefix."""

    def __init__(self, app: ASGIApp, root_path: str):
        self.app = app
        self.root_path = root_path.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.root_path:
            scope["root_path"] = self.root_path
        await self.app(scope, receive, send)


class RefuseUploads:
    """The chat has no upload feature: Gradio's file-upload route is refused for everyone (403
    JSON), so nobody, keyed or not, can store files on the server through it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").rstrip("/").endswith("/upload"):
            body = b'{"error": "Uploads are not accepted: the chat has no upload feature."}'
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def _frame_ancestors(settings: Settings) -> str:
    value = settings.frame_ancestors.strip()
    if not value or any(ch in value for ch in "\r\n;,"):
        raise ConfigError(
            "POLICY_FRAME_ANCESTORS must be a space-separated CSP source list, e.g. "
            "\"'self' https://intranet.example.org\"."
        )
    return value


def create_app(assistant: Any, settings: Settings) -> FastAPI:
    """Build the FastAPI app with the API and the Gradio chat mounted at '/'."""
    check_bind(settings)
    ancestors = _frame_ancestors(settings)
    app = FastAPI(
        title="School policy assistant",
        version=__version__,
        description=(
            "Answers staff questions from district policies, quoting clauses verbatim. "
            f"Send your key in the `{API_KEY_HEADER}` header when keys are configured."
        ),
        docs_url=None,  # served below from the packaged Swagger UI: nothing is fetched from a CDN
        redoc_url=None,
        responses=ERROR_RESPONSES,
    )
    install_docs(app, settings)
    install_error_handlers(app)
    install_health(app, assistant)
    install_embed(app)
    auth = ApiKeyAuth(settings)
    limiter = RateLimiter(settings.rate_limit, auth=auth)  # one limiter for /api, the chat and /answer
    app.include_router(build_router(assistant, settings, auth, limiter))
    install_doc_page(app, assistant, settings, auth, limiter)
    install_admin(app, assistant, auth, limiter)
    origins = settings.cors_origin_list()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", API_KEY_HEADER],
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(SecurityHeaders, frame_ancestors=ancestors)
    app.add_middleware(RefuseUploads)
    if settings.root_path:
        app.add_middleware(RootPath, root_path=settings.root_path)
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    if proxies:  # uvicorn's own: the client address from X-Forwarded-For, only when the peer is a listed proxy
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    blocks = build_ui(assistant, settings, auth, limiter)
    blocks.queue(default_concurrency_limit=4)
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth=ui_credentials(settings),
        root_path=settings.root_path or None,
        footer_links=["api"],
        run_history=False,
        css=render.CSS + FOCUS_CSS,
        theme=build_theme(),
        head=_VIEWPORT + FRAME_SCRIPT + A11Y_SCRIPT,
        show_error=True,
    )


def serve(settings: Settings, assistant: Any | None = None) -> None:
    """Open the Assistant (unless given) and run uvicorn on settings.host:settings.port."""
    import uvicorn

    check_bind(settings)
    if assistant is None:
        from assistant.pipeline import Assistant

        assistant = Assistant.open(settings)
    app = create_app(assistant, settings)
    # forwarded headers are believed only from POLICY_TRUSTED_PROXIES (create_app), never by default
    uvicorn.run(app, host=settings.host, port=settings.port, proxy_headers=False)
