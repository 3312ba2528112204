"""``/doc/<doc_id>#<clause_id>``: the whole policy as one page, each clause its own anchor, the
linked clause highlighted (CSS ``:target``, so it works without script) and a shareable link to it.
Served by the app (no CDN). The same key rule as the API: with keys set, a valid ``X-API-Key``
(a tenant's key sees only its districts: any other document is "not found"), a ``POLICY_UI_AUTH``
login (HTTP basic), or ``POLICY_CHAT_OPEN`` where the intranet authenticates staff itself."""

from __future__ import annotations

import base64
import hmac
from html import escape
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from assistant.config import Settings
from assistant.errors import AssistantError, NotFound
from assistant.types import Clause, Document
from assistant.web.security import API_KEY_HEADER, ApiKeyAuth, RateLimiter

PAGE_CSS = """
:root{color-scheme:light dark;--fg:#1c1f23;--bg:#ffffff;--muted:#44505c;--line:#d0d5db;--mark:#ffe066;--link:#1f4fa8}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--bg:#16181b;--muted:#b8c0c8;--line:#3b4148;--link:#9cc3ff}}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:var(--bg);color:var(--fg);line-height:1.5}
main{max-width:52rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0 .5rem}
a{color:var(--link)}
a:focus-visible,button:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:0 0 1rem}
.facts dt{font-weight:600}.facts dd{margin:0}
.share{border:1px solid var(--line);border-radius:8px;padding:.5rem .7rem;margin:0 0 1rem;display:none;
  position:sticky;top:0;background:var(--bg);z-index:1}
.share[data-on]{display:block}
.share input{width:100%;box-sizing:border-box;font:inherit;padding:.25rem;margin:.3rem 0;color:var(--fg);background:var(--bg);border:1px solid var(--line)}
.share button{font:inherit;padding:.2rem .7rem;cursor:pointer}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
.clause{scroll-margin-top:10rem;border-radius:4px}
.clause:target{background:var(--mark);color:#000;outline:2px solid #b38600}
.clause:target a{color:#000}
.permalink{font-size:.8em;text-decoration:none;margin-left:.25rem;color:var(--muted)}
.muted{color:var(--muted)}
"""

SHARE_SCRIPT = """<script>
(function () {
  var box = document.getElementById('share'), input = document.getElementById('share-url');
  var label = document.getElementById('share-label'), copy = document.getElementById('share-copy');
  function show() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) { box.removeAttribute('data-on'); return; }
    box.setAttribute('data-on', '');
    label.textContent = el.getAttribute('data-label');
    input.value = location.href;
  }
  copy.addEventListener('click', function () {
    input.select();
    (navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject()).then(
      function () { copy.textContent = 'Copied'; }, function () { document.execCommand('copy'); });
  });
  window.addEventListener('hashchange', show);
  show();
})();
</script>"""


def clause_href(doc_id: str, clause_id: str, prefix: str = "doc/") -> str:
    """The page link of a clause, relative to the chat's page (so it keeps any root path)."""
    return f"{prefix}{quote(doc_id, safe='')}#{quote(clause_id, safe='/-_.~')}"


def render_document_page(doc: Document, clauses: list[Clause]) -> str:
    """The whole text, each clause a ``<span id=clause_id>`` with a permalink; text between clauses
    (headings) as it is. Everything from the document is escaped."""
    text = doc.text
    out: list[str] = []
    cursor = 0
    for c in sorted(clauses, key=lambda c: (c.start, -c.end)):
        if c.start < cursor or c.end > len(text):  # overlapping or out of range: left unmarked
            continue
        out.append(escape(text[cursor:c.start]))
        link = f"#{quote(c.clause_id, safe='/-_.~')}"
        out.append(
            f'<span class="clause" id="{escape(c.clause_id)}" data-label="{escape(c.label)}">'
            f"{escape(text[c.start:c.end])}</span>"
            f'<a class="permalink" href="{escape(link)}" aria-label="Link to {escape(c.label)}">¶</a>'
        )
        cursor = c.end
    out.append(escape(text[cursor:]))
    m = doc.meta
    facts = [("District", m.district), ("Policy", m.policy_number or "—")]
    facts += [(kind.capitalize(), date) for kind, date in m.dates]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(m.title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{PAGE_CSS}</style></head><body><main>"
        f'<h1>{escape(m.title)}</h1><dl class="facts">{dl}</dl>'
        '<div class="share" id="share" role="region" aria-label="Link to the highlighted clause">'
        '<strong>Highlighted:</strong> <span id="share-label"></span>'
        '<label class="muted" for="share-url" style="display:block">Shareable link</label>'
        '<input id="share-url" readonly><button type="button" id="share-copy">Copy link</button></div>'
        f'<div class="text" id="text">{"".join(out)}</div></main>{SHARE_SCRIPT}</body></html>'
    )


def _message_page(status: int, title: str, message: str) -> HTMLResponse:
    body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{PAGE_CSS}</style></head>'
            f"<body><main><h1>{escape(title)}</h1><p>{escape(message)}</p></main></body></html>")
    return HTMLResponse(body, status_code=status)


class PageAccess:
    """Who may open a page that shows policy text, and which districts they may see."""

    def __init__(self, settings: Settings, auth: ApiKeyAuth):
        self.settings = settings
        self.auth = auth

    def _login_ok(self, request: Request) -> bool:
        """An HTTP basic login matching POLICY_UI_AUTH (compared in constant time)."""
        if not self.settings.ui_auth:
            return False
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(value, validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(given, self.settings.ui_auth.encode())

    def check(self, request: Request) -> tuple[bool, list[str] | None]:
        """(allowed, the key's districts or None for all)."""
        key = request.headers.get(API_KEY_HEADER)
        if self.auth.valid(key):
            return True, self.auth.districts(key)
        if not self.auth.required or self.settings.chat_open or self._login_ok(request):
            return True, None
        return False, None


def install_doc_page(app: FastAPI, assistant: Any, settings: Settings, auth: ApiKeyAuth,
                     limiter: RateLimiter) -> None:
    access = PageAccess(settings, auth)

    @app.get("/doc/{doc_id}", include_in_schema=False, response_class=HTMLResponse)
    def doc_page(doc_id: str, request: Request) -> HTMLResponse:
        ok, districts = access.check(request)
        if not ok:
            response = _message_page(401, "API key required",
                                     f"This server needs an API key ({API_KEY_HEADER} header) or a chat login to show policies.")
            if settings.ui_auth:
                response.headers["WWW-Authenticate"] = 'Basic realm="policy assistant"'
            return response
        limiter(request)
        try:
            seen = assistant.visible(districts)
            if seen is not None and doc_id not in seen:  # the same answer as a document that does not exist
                raise NotFound(f"No document '{doc_id}'.")
            doc = assistant.document(doc_id)
            clauses = list(assistant.clauses(doc_id))
        except AssistantError as exc:
            return _message_page(exc.status_code, "Not found" if exc.status_code == 404 else "Error", exc.message)
        return HTMLResponse(render_document_page(doc, clauses))
