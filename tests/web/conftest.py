"""Web fixtures: the real app served by uvicorn on free loopback ports, over the seed index."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
EVIL = "<script>alert(1)</script>"
EVIL_TEXT = f"""Evil Test District Policy 9.999 Staff Use of TikTok

Staff Use of TikTok

1. Employees must not accept follow requests from students on TikTok. {EVIL} <b>bold</b> & more.

2. Employees may post school announcements on the district TikTok account.
"""
EVIL_TITLE = 'Evil <img src=x onerror="alert(2)"> Policy'
EVIL_DISTRICT = "<i>Evil</i> School District"
EVIL_MANIFEST = f"""[[documents]]
id = "evil-9999"
file = "evil-9999.txt"
title = '{EVIL_TITLE}'
district = "{EVIL_DISTRICT}"
short_name = "Evil <b>9.999</b>"
policy_number = "9.999"
dates = [{{kind = "adopted", date = "2024-01-02"}}]
"""
ALLOWED_ORIGIN = "http://allowed.example"
LAUNCHER_COLOR = "#7a1fa2"
LAUNCHER_QUESTION = "Can I accept a student's follow request on TikTok?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a thread on a free 127.0.0.1 port; ``url`` is its base URL."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # as `policy-assistant serve` runs it: no forwarded header believed unless POLICY_TRUSTED_PROXIES
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", proxy_headers=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.time() + 60
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class StaticHost:
    """A second origin: a tiny http.server serving one folder (the iframe host page)."""

    def __init__(self, folder: Path, port: int):
        handler = lambda *a, **k: SimpleHTTPRequestHandler(*a, directory=str(folder), **k)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StaticHost:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def iframe_host_port() -> int:
    """The port of the page that embeds the chat (reserved now: it goes into frame-ancestors)."""
    return free_port()


@pytest.fixture(scope="session")
def web_settings(seed_settings, tmp_path_factory, iframe_host_port):
    """The seed settings with a private feedback file, CORS and frame-ancestors for the tests."""
    return seed_settings.model_copy(update={
        "feedback_db": tmp_path_factory.mktemp("feedback") / "feedback.sqlite3",
        "rate_limit": 0,
        "cors_origins": ALLOWED_ORIGIN,
        "frame_ancestors": f"'self' http://localhost:{iframe_host_port}",
    })


@pytest.fixture(scope="session")
def web_assistant(web_settings, embedder):
    """An Assistant on the seed index whose feedback goes to the private file."""
    from assistant.pipeline import Assistant

    return Assistant.open(web_settings, embedder=embedder)


def _serve(assistant, settings) -> Iterator[LiveServer]:
    from assistant.web.server import create_app

    with LiveServer(create_app(assistant, settings)) as server:
        yield server


@pytest.fixture(scope="session")
def live(web_assistant, web_settings) -> Iterator[LiveServer]:
    """The app with auth off (loopback, no keys)."""
    yield from _serve(web_assistant, web_settings)


@pytest.fixture(scope="session")
def keyed(web_assistant, web_settings) -> Iterator[LiveServer]:
    """The app with API keys configured."""
    yield from _serve(web_assistant, web_settings.model_copy(update={"api_keys": "key-one-0123456789, key-two-0123456789"}))


@pytest.fixture
def limited(web_assistant, web_settings) -> Iterator[LiveServer]:
    """The app with a rate limit of 3 requests per minute (a fresh server, so a fresh allowance:
    /api, the chat and its /answer route share one limiter)."""
    yield from _serve(web_assistant, web_settings.model_copy(update={"rate_limit": 3}))


@pytest.fixture(scope="session")
def evil_assistant(tmp_path_factory, embedder):
    """A separate Assistant on a tmp corpus holding a document with <script> in its text."""
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    base = tmp_path_factory.mktemp("evil")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "evil-9999.txt").write_text(EVIL_TEXT, encoding="utf-8")
    (corpus / "manifest.toml").write_text(EVIL_MANIFEST, encoding="utf-8")
    settings = Settings(corpus=corpus, index=base / "index", feedback_db=base / "feedback.sqlite3")
    assistant = Assistant.open(settings, embedder=embedder, require_index=False)
    report = assistant.ingest(corpus)
    assert report.ok, report.failed
    return Assistant.open(settings, embedder=embedder)


@pytest.fixture(scope="session")
def evil_live(evil_assistant) -> Iterator[LiveServer]:
    yield from _serve(evil_assistant, evil_assistant.settings)


@pytest.fixture(scope="session")
def iframe_host(tmp_path_factory, iframe_host_port, live) -> Iterator[str]:
    """http://localhost:<port>/embed.html: another origin embedding the chat for one district."""
    folder = tmp_path_factory.mktemp("host")
    (folder / "embed.html").write_text(
        "<!doctype html><html><head><title>Intranet</title></head><body><h1>Staff intranet</h1>"
        f'<iframe id="chat" title="Policy assistant" src="{live.url}/?district=chsd230-5125" '
        'style="width:100%;height:1400px;border:0"></iframe></body></html>',
        encoding="utf-8",
    )
    (folder / "launcher.html").write_text(  # the HR launcher: one script tag, served by the app
        "<!doctype html><html><head><title>Intranet</title></head><body><h1>Staff intranet</h1>"
        f'<script src="{live.url}/embed.js" data-district="chsd230-5125" data-lock="true" '
        f'data-color="{LAUNCHER_COLOR}" data-title="Ask HR policy" data-question="{LAUNCHER_QUESTION}"></script>'
        "</body></html>",
        encoding="utf-8",
    )
    with StaticHost(folder, iframe_host_port):
        yield f"http://localhost:{iframe_host_port}/embed.html"


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Debian chromium driven by playwright (never `playwright install`)."""
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "pip install playwright"
    if missing is None and not CHROMIUM.exists():
        missing = "apt-get install chromium"
    if missing:
        if os.environ.get("POLICY_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests need: {missing}")
        pytest.skip(f"browser tests need: {missing}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS



class HTMLTags(HTMLParser):
    """The start tags and the text of an HTML fragment (to check escaping)."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text += data


def parse_html(html: str) -> HTMLTags:
    p = HTMLTags()
    p.feed(html)
    return p
