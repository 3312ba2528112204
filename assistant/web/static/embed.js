/* Policy assistant launcher for an intranet page (served by the app itself; no CDN).
 *
 *   <script src="https://policy.example.org/embed.js" data-district="chsd230-5125"
 *           data-lock="true" data-color="#1f4fa8" data-title="Ask HR policy"></script>
 *
 * Adds a floating button that opens the chat in an iframe panel. The chat page reports its
 * height (postMessage, checked against the app's origin) and the iframe takes that height, so
 * the panel has one scroll bar; after an answer it asks for the chat box to be scrolled to the
 * panel's top. data-question prefills a question (?q=), data-lock fixes the
 * district (?lock=1). Escape closes the panel.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || document.getElementById("pa-embed-button")) return;
  var src = new URL(script.src, location.href);
  var origin = src.origin;
  var base = src.href.split(/[?#]/)[0].replace(/\/embed\.js$/, "");
  var data = script.dataset;
  var color = /^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$/.test(data.color || "") ? data.color : "#1f4fa8";
  var title = (data.title || "Policy assistant").trim().slice(0, 80) || "Policy assistant";
  var lock = data.lock === "true" || data.lock === "1";

  function textOn(hex) { /* black or white text, whichever has more contrast on the button */
    var h = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, "$&$&").slice(1) : hex.slice(1);
    var lum = [0, 2, 4].map(function (i) {
      var v = parseInt(h.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return (1.05 / (l + 0.05)) >= ((l + 0.05) / 0.05) ? "#ffffff" : "#000000";
  }

  var params = new URLSearchParams();
  params.set("embed", "1");
  if (data.district) params.set("district", data.district);
  if (lock) params.set("lock", "1");
  if (data.question) params.set("q", data.question);
  var chatUrl = base + "/?" + params.toString();

  var style = document.createElement("style");
  style.textContent =
    "#pa-embed-button{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:999px;" +
    "padding:12px 18px;font:600 15px/1.2 system-ui,sans-serif;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3)}" +
    "#pa-embed-button:focus-visible,#pa-embed-close:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    "#pa-embed-panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:min(460px,calc(100vw - 24px));" +
    "max-height:calc(100vh - 100px);display:none;flex-direction:column;background:#fff;border-radius:12px;" +
    "box-shadow:0 8px 30px rgba(0,0,0,.35);overflow:hidden}" +
    "#pa-embed-panel[data-open]{display:flex}" +
    "#pa-embed-head{display:flex;align-items:center;justify-content:space-between;padding:8px 12px;" +
    "font:600 15px/1.2 system-ui,sans-serif}" +
    "#pa-embed-close{border:0;background:transparent;color:inherit;font-size:22px;line-height:1;cursor:pointer;" +
    "padding:2px 8px;border-radius:6px}" +
    "#pa-embed-scroll{overflow-y:auto;overflow-x:hidden;flex:1 1 auto}" +
    "#pa-embed-frame{display:block;width:100%;height:600px;border:0}" +
    "@media (max-width:480px){#pa-embed-panel{right:12px;left:12px;width:auto;bottom:72px}}";
  document.head.appendChild(style);

  var fg = textOn(color);
  var button = document.createElement("button");
  button.id = "pa-embed-button";
  button.type = "button";
  button.textContent = title;
  button.style.background = color;
  button.style.color = fg;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "pa-embed-panel");

  var panel = document.createElement("div");
  panel.id = "pa-embed-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var head = document.createElement("div");
  head.id = "pa-embed-head";
  head.style.background = color;
  head.style.color = fg;
  var heading = document.createElement("span");
  heading.textContent = title;
  var close = document.createElement("button");
  close.id = "pa-embed-close";
  close.type = "button";
  close.setAttribute("aria-label", "Close " + title);
  close.textContent = "\u00d7";
  head.appendChild(heading);
  head.appendChild(close);
  var scroller = document.createElement("div");
  scroller.id = "pa-embed-scroll";
  panel.appendChild(head);
  panel.appendChild(scroller);
  var frame = null;

  function open() {
    if (!frame) { /* the chat loads on first open, not with the host page */
      frame = document.createElement("iframe");
      frame.id = "pa-embed-frame";
      frame.title = title;
      frame.src = chatUrl;
      frame.setAttribute("allow", "clipboard-write");
      scroller.appendChild(frame);
    }
    panel.setAttribute("data-open", "");
    button.setAttribute("aria-expanded", "true");
  }
  function hide() {
    panel.removeAttribute("data-open");
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function () { panel.hasAttribute("data-open") ? hide() : open(); });
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  window.addEventListener("message", function (e) {
    if (!frame || e.origin !== origin || e.source !== frame.contentWindow) return;
    var msg = e.data;
    if (!msg) return;
    if (msg.type === "policy-assistant:height") {
      var h = Math.round(Number(msg.height));
      if (h >= 100 && h <= 50000) frame.style.height = h + "px";
    } else if (msg.type === "policy-assistant:show") { /* a new answer: the chat box to the panel's top */
      var top = Math.round(Number(msg.top));
      if (top >= 0 && top <= 50000) scroller.scrollTop = frame.offsetTop - scroller.offsetTop + top - 8;
    }
  });
  document.body.appendChild(panel);
  document.body.appendChild(button);
})();
