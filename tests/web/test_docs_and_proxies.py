"""Issue 12: /docs works offline (Swagger UI served from the package, no CDN, checked in the
browser with every request outside this server refused), OpenAPI lists the error responses, and
X-Forwarded-For is believed only from POLICY_TRUSTED_PROXIES (tested both ways)."""

from __future__ import annotations

from urllib.parse import urlparse

import httpx
import pytest

from tests.web.conftest import SCREENSHOTS, _serve

pytestmark = pytest.mark.slow


def test_docs_page_loads_only_its_own_assets(live):
    html = httpx.get(live.url + "/docs", timeout=30).text
    assert "cdn.jsdelivr.net" not in html and "https://" not in html
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"):
        r = httpx.get(live.url + asset, timeout=30)
        assert r.status_code == 200 and len(r.content) > 10_000


def test_openapi_lists_the_error_responses(live):
    spec = httpx.get(live.url + "/openapi.json", timeout=30).json()
    ask = spec["paths"]["/api/ask"]["post"]["responses"]
    assert {"200", "401", "404", "413", "422", "429"} <= set(ask)
    assert ask["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    body = spec["components"]["schemas"]["AskRequest"]["properties"]
    assert {"question", "district", "scope", "page"} <= set(body)


@pytest.mark.browser
def test_swagger_ui_renders_in_the_browser_with_no_outside_request(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    ours = urlparse(live.url).netloc

    def guard(route):
        if urlparse(route.request.url).netloc != ours:
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", guard)
    try:
        page.goto(live.url + "/docs")
        page.locator("#operations-api-ask_api_ask_post").wait_for(timeout=60_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "docs-offline.png"))
        assert page.locator(".opblock").count() >= 5
    finally:
        context.close()
    assert outside == []


def _hits(server, forwarded: list[str]) -> list[int]:
    return [httpx.get(server.url + "/api/documents", headers={"X-Forwarded-For": ip}, timeout=30).status_code
            for ip in forwarded]


@pytest.fixture
def behind_proxy(web_assistant, web_settings):
    yield from _serve(web_assistant, web_settings.model_copy(update={"rate_limit": 3, "trusted_proxies": "127.0.0.1"}))


@pytest.fixture
def untrusted_peer(web_assistant, web_settings):
    yield from _serve(web_assistant, web_settings.model_copy(update={"rate_limit": 3, "trusted_proxies": "10.9.9.9/32"}))


def test_a_trusted_proxy_gives_each_staff_member_their_own_allowance(behind_proxy):
    staff = [f"10.0.0.{i}" for i in range(1, 9)]
    assert _hits(behind_proxy, staff) == [200] * 8  # 8 people, 1 request each: nobody is limited
    assert _hits(behind_proxy, ["10.0.0.1"] * 3) == [200, 200, 429]  # one person's 4th request is


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(untrusted_peer):
    spoofed = [f"203.0.113.{i}" for i in range(1, 6)]
    assert _hits(untrusted_peer, spoofed) == [200, 200, 200, 429, 429]  # all count as the real peer
