"""The intranet embed (issue 12): ``/embed.js``, a script-tag launcher served by the app (no CDN),
and the chat page's side of it: a small script that tells the embedding page how tall the chat is
(postMessage), so the launcher's iframe takes the content's height and shows one scroll bar.

Who may embed is still decided by ``POLICY_FRAME_ANCESTORS`` (CSP frame-ancestors); the script
itself is public, like any page asset."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response

STATIC = Path(__file__).parent / "static"
HEIGHT_MESSAGE = "policy-assistant:height"

# In the chat page's <head>. Only inside a frame: measures the content (the Gradio container's
# children, not the viewport-filling container itself) and posts its height to the parent whenever
# it changes. Only a number leaves the page; the launcher checks the message's origin.
FRAME_SCRIPT = """<script>
(function () {
  if (window.parent === window) return;
  var last = 0, queued = false;
  function measure() {
    queued = false;
    var root = document.querySelector('.gradio-container .main') || document.querySelector('.gradio-container');
    if (!root) return;
    var top = root.getBoundingClientRect().top + window.scrollY, bottom = top;
    var kids = root.querySelectorAll(':scope > *, :scope > * > *');
    for (var i = 0; i < kids.length; i++) {
      var r = kids[i].getBoundingClientRect();
      if (r.height > 0) bottom = Math.max(bottom, r.bottom + window.scrollY);
    }
    var footer = document.querySelector('footer');
    if (footer) bottom = Math.max(bottom, footer.getBoundingClientRect().bottom + window.scrollY);
    var h = Math.ceil(bottom + 16);
    if (Math.abs(h - last) < 2) return;
    last = h;
    window.parent.postMessage({type: '%s', height: h}, '*');
  }
  function later() { if (!queued) { queued = true; requestAnimationFrame(measure); } }
  window.addEventListener('load', later);
  window.addEventListener('resize', later);
  new MutationObserver(later).observe(document.documentElement, {subtree: true, childList: true, attributes: true});
  setInterval(later, 1000);
})();
</script>""" % HEIGHT_MESSAGE


def embed_script() -> str:
    """The launcher's source (``static/embed.js``)."""
    return (STATIC / "embed.js").read_text(encoding="utf-8")


def install_embed(app: FastAPI) -> None:
    """GET /embed.js: the launcher, as JavaScript, cacheable for five minutes."""
    source = embed_script()

    @app.get("/embed.js", include_in_schema=False)
    def embed_js() -> Response:
        return Response(source, media_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300"})
