"""Screen-reader names and keyboard focus for the chat (issue 12).

The chat's HTML sanitizer drops ``aria-*`` attributes from answer HTML, so the names are set in
the browser: this script (in the page's <head>) names every verdict badge ("Ruling: prohibited",
``role=img``, its icon hidden) and every [n] marker ("Source 1: <label>", from its title) as they
appear. ``FOCUS_CSS`` draws a visible focus ring on every control, in both schemes (dark blue on
light ground, the answer cards included; light blue on the dark page), at once (no transition)."""

from __future__ import annotations

A11Y_SCRIPT = """<script>
(function () {
  function name(root) {
    root.querySelectorAll('.pa-badge:not([aria-label])').forEach(function (b) {
      var icon = b.querySelector('span');
      if (icon) icon.setAttribute('aria-hidden', 'true');
      var word = (b.textContent || '').replace(icon ? icon.textContent : '', '').trim().toLowerCase();
      b.setAttribute('role', 'img');
      b.setAttribute('aria-label', 'Ruling: ' + word);
    });
    root.querySelectorAll('.pa-marker a:not([aria-label])').forEach(function (a) {
      a.setAttribute('aria-label', 'Source ' + a.textContent.replace(/[\\[\\]]/g, '') + ': ' + (a.title || ''));
    });
    root.querySelectorAll('.pa-num:not([aria-hidden])').forEach(function (n) { n.setAttribute('aria-hidden', 'true'); });
  }
  var queued = false;
  new MutationObserver(function () {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () { queued = false; name(document); });
  }).observe(document.documentElement, {subtree: true, childList: true});
})();
</script>"""

FOCUS_CSS = """
.gradio-container button:focus-visible,.gradio-container a:focus-visible,.gradio-container input:focus-visible,
.gradio-container textarea:focus-visible,.gradio-container summary:focus-visible,
.gradio-container [tabindex]:focus-visible{outline:3px solid #1d4ed8 !important;outline-offset:2px !important;
  transition-duration:0s !important}
.dark .gradio-container button:focus-visible,.dark .gradio-container a:focus-visible,
.dark .gradio-container input:focus-visible,.dark .gradio-container textarea:focus-visible,
.dark .gradio-container summary:focus-visible,.dark .gradio-container [tabindex]:focus-visible{outline-color:#93c5fd !important}
.dark .gradio-container .pa-card a:focus-visible,.dark .gradio-container .pa-card summary:focus-visible{
  outline-color:#1d4ed8 !important}
"""
