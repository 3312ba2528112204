"""A real loopback HTTP server that plays an LLM from a script, for tests.

It speaks the OpenAI chat-completions API (``POST /v1/chat/completions``, plain JSON or SSE when
``stream`` is true) and Ollama's (``POST /api/chat``, JSON or NDJSON; ``POST /api/show``). Each chat
request takes the next scripted step from a queue: a reply text, a reply computed from the request,
a delay (to cause a client timeout), an HTTP error, or raw bytes (malformed output). Every request
is recorded so tests can inspect the prompt that was sent.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict[str, Any]], str]


@dataclass
class Step:
    """One scripted response."""

    content: Reply | None = None  # assistant text, or a function of the request body
    delay: float = 0.0  # seconds to wait before answering
    status: int = 200
    raw: bytes | None = None  # sent as-is instead of a well-formed body
    content_type: str = "application/json"


@dataclass
class Recorded:
    path: str
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))

    def message(self, role: str) -> str:
        """The text of the first message with ``role`` (content may be a string or parts)."""
        for m in self.messages:
            if m.get("role") == role:
                content = m.get("content")
                if isinstance(content, list):
                    return "".join(p.get("text", "") for p in content if isinstance(p, dict))
                return str(content or "")
        return ""


class ScriptedLLMServer:
    """``with ScriptedLLMServer() as s: s.push("...")``; ``s.url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, model: str = "scripted-model", context_length: int = 8192):
        self.model = model
        self.context_length = context_length
        self.steps: queue.Queue[Step] = queue.Queue()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a delayed reply must not hold up shutdown
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # --- lifecycle ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ScriptedLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the script ---------------------------------------------------------------------------
    def push(self, content: Reply) -> None:
        """The next chat request gets this reply (a text, or a function of the request body)."""
        self.steps.put(Step(content=content))

    def push_delay(self, seconds: float, content: Reply = "Too late. [C1]") -> None:
        self.steps.put(Step(content=content, delay=seconds))

    def push_error(self, status: int = 500, message: str = "internal error") -> None:
        body = json.dumps({"error": {"message": message, "type": "server_error"}}).encode()
        self.steps.put(Step(status=status, raw=body))

    def push_raw(self, raw: bytes, content_type: str = "application/json", status: int = 200) -> None:
        self.steps.put(Step(raw=raw, content_type=content_type, status=status))

    def chat_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith(("/chat/completions", "/api/chat"))]

    # --- used by the handler ------------------------------------------------------------------
    def _record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    def _next_step(self) -> Step:
        try:
            return self.steps.get_nowait()
        except queue.Empty:
            return Step(status=503, raw=b'{"error": {"message": "no scripted reply left"}}')


def _handler_for(server: ScriptedLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
            pass

        def do_GET(self) -> None:  # noqa: N802
            server._record(Recorded(self.path, None, dict(self.headers)))
            if self.path.rstrip("/").endswith("/models"):
                self._json(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
            elif self.path.startswith("/api/tags"):
                self._json(200, {"models": [{"name": server.model, "model": server.model}]})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = None
            server._record(Recorded(self.path, body, dict(self.headers)))
            path = self.path.split("?")[0].rstrip("/")
            if body is None:
                self._json(400, {"error": {"message": "request body is not JSON"}})
            elif path.endswith("/rerank"):
                self._rerank(body)
            elif path.endswith("/chat/completions"):
                self._chat(body, self._openai)
            elif path == "/api/chat":
                self._chat(body, self._ollama)
            elif path == "/api/show":
                self._json(
                    200,
                    {
                        "modelfile": "",
                        "details": {"family": "scripted", "format": "gguf"},
                        "model_info": {"scripted.context_length": server.context_length},
                    },
                )
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        # --- replies ------------------------------------------------------------------------
        def _rerank(self, body: dict[str, Any]) -> None:
            """``/rerank``: the step's content (text, or a function of the request) is the JSON reply."""
            self._chat(body, lambda _body, content: self._send(200, content.encode("utf-8"), "application/json"))

        def _chat(self, body: dict[str, Any], send: Callable[[dict[str, Any], str], None]) -> None:
            step = server._next_step()
            if step.delay and server._stopping.wait(step.delay):
                return
            try:
                if step.raw is not None:
                    self._send(step.status, step.raw, step.content_type)
                    return
                content = step.content(body) if callable(step.content) else str(step.content or "")
                send(body, content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to do

        def _openai(self, body: dict[str, Any], content: str) -> None:
            ident, created = f"chatcmpl-{time.time_ns()}", int(time.time())
            model = body.get("model", server.model)
            if body.get("stream"):
                chunks = [
                    {"role": "assistant", "content": ""},
                    {"content": content},
                ]
                lines = []
                for i, delta in enumerate(chunks + [{}]):
                    choice = {"index": 0, "delta": delta, "finish_reason": None if i < 2 else "stop"}
                    lines.append(
                        "data: "
                        + json.dumps(
                            {
                                "id": ident,
                                "object": "chat.completion.chunk",
                                "created": created,
                                "model": model,
                                "choices": [choice],
                            }
                        )
                    )
                lines.append("data: [DONE]")
                self._send(200, ("\n\n".join(lines) + "\n\n").encode(), "text/event-stream")
                return
            self._json(
                200,
                {
                    "id": ident,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                },
            )

        def _ollama(self, body: dict[str, Any], content: str) -> None:
            model = body.get("model", server.model)
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            final = {
                "model": model,
                "created_at": now,
                "message": {"role": "assistant", "content": content},
                "done": True,
                "done_reason": "stop",
                "prompt_eval_count": 0,
                "eval_count": 0,
            }
            if body.get("stream", True):  # Ollama streams unless told not to
                first = dict(final, done=False, done_reason=None)
                last = dict(final, message={"role": "assistant", "content": ""})
                data = "\n".join(json.dumps(x) for x in (first, last)) + "\n"
                self._send(200, data.encode(), "application/x-ndjson")
                return
            self._json(200, final)

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

    return Handler
