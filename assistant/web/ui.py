"""The staff chat: Gradio Blocks over the same Assistant and Answer as the API and the CLI."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from html import escape
from typing import Any

import gradio as gr

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.types import Answer, Citation
from assistant.web import conversation, markers, render
from assistant.web.export import answer_markdown
from assistant.web.suggest import suggestions
from assistant.web.api import ask_and_log, check_question
from assistant.web.security import API_KEY_HEADER, ApiKeyAuth, RateLimiter

log = logging.getLogger(__name__)

EXAMPLES = [
    "Can I accept a student's follow request on TikTok?",
    "Is it ok to text a student from my personal phone?",
    "Can I post photos of my students on my personal Instagram?",
    "Do I have to report inappropriate messages from a student?",
]
ALL = ""  # the "All districts" choice
INTRO = (
    "# School policy assistant\n"
    "Ask about staff use of social media and electronic communication. Every answer quotes the "
    "district policies **word for word**, with a citation for each quote. It is not legal advice: "
    "check with HR when in doubt."
)

History = list[dict[str, Any]]
SUGGESTIONS = 3  # follow-up buttons under an answer


def _said(message: str) -> gr.Error:
    """A message for the person in the chat; no traceback in the server log (it is not a fault)."""
    return gr.Error(message, print_exception=False)


# After an answer: its top (the question and the summary) in view, not the bottom of its cards
# (the chat's own autoscroll is off: it left the summary 1,118 px above a 518 px view).
_SHOW_NEW_ANSWER = """() => {
  const answers = document.querySelectorAll('#pa-chat .pa-answer');
  const last = answers[answers.length - 1];
  if (!last) return;
  const row = last.closest('.message-row') || last;
  let box = row.parentElement;
  while (box && box.scrollHeight <= box.clientHeight + 1) box = box.parentElement;
  if (box) box.scrollTop += row.getBoundingClientRect().top - box.getBoundingClientRect().top - 36;
  // and the page itself: the chat's new answer on screen (the follow-up buttons appearing under the
  // chat must not leave it above the window)
  const top = row.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 120) window.scrollBy(0, top - 48);
  // in the embed's iframe the page itself does not scroll (it takes its content's height): ask the
  // launcher to bring the chat box to the top of its panel
  const chat = document.querySelector('#pa-chat');
  if (window.parent !== window && chat)
    window.parent.postMessage({type: 'policy-assistant:show', top: chat.getBoundingClientRect().top + window.scrollY}, '*');
}"""


_FOCUS_QUESTION = """() => { const t = document.querySelector('#pa-question textarea');
  if (t) { t.focus(); t.setSelectionRange(t.value.length, t.value.length); } }"""

# "Download as Markdown": a file made in the browser from the export box (nothing stored on the server)
_DOWNLOAD = """(text) => { if (!text) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], {type: 'text/markdown'}));
  a.download = 'policy-answer.md'; document.body.appendChild(a); a.click(); a.remove(); }"""


class ChatUI:
    """Builds the Blocks and holds the handlers (kept small and testable)."""

    def __init__(self, assistant: Any, settings: Settings, auth: ApiKeyAuth | None = None,
                 limiter: RateLimiter | None = None):
        self.assistant = assistant
        self.settings = settings
        metas = assistant.documents()
        self.names = {m.doc_id: m.district for m in metas}
        self.choices = [("All districts", ALL)] + [
            (f"{m.district} — {m.title}", m.doc_id) for m in metas
        ]
        # the chat and its programmatic /answer route obey the same key and rate rules as /api
        # one key rule and one limiter for every route that answers (the API's own, from create_app)
        self.auth = auth or ApiKeyAuth(settings)
        self.limiter = limiter or RateLimiter(settings.rate_limit, auth=self.auth)

    def _guard(self, request: gr.Request | None) -> None:
        """The key rule of the chat's own answering routes (the Gradio queue): with keys set, a valid
        X-API-Key header, a POLICY_UI_AUTH login (Gradio checks it before any route runs), or
        POLICY_CHAT_OPEN for an intranet that authenticates staff itself."""
        if not self.auth.required or self.settings.chat_open or self.settings.ui_auth:
            return
        key = request.headers.get(API_KEY_HEADER.lower()) if request is not None else None
        if not self.auth.valid(key):
            raise _said(f"This chat needs an API key ({API_KEY_HEADER} header) on this server, or a chat login; "
                           "ask your administrator.")

    def _allowed(self, request: gr.Request | None) -> list[str] | None:
        """A tenant key's districts (``POLICY_API_KEY_DISTRICTS``): the chat answers within them only."""
        return self.auth.districts(request.headers.get(API_KEY_HEADER.lower()) if request is not None else None)

    def _throttle(self, request: gr.Request | None) -> None:
        """One ask for this client, or ``gr.Error`` when it is over ``POLICY_RATE_LIMIT``."""
        key = request.headers.get(API_KEY_HEADER.lower()) if request is not None else None
        host = request.client.host if request is not None and request.client else "local"
        wait = self.limiter.check(self.limiter.client(key, host))
        if wait is not None:
            raise _said(f"Too many questions: the limit is {self.limiter.limit} per minute. "
                           f"Try again in {int(wait) + 1} s.")

    # --- handlers -------------------------------------------------------------------------------
    def respond(
        self, question: str, history: History | None, district: str | None,
        answers: dict[int, Answer] | None = None, request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer: first a holding line, then the short answer, then card by card."""
        history = list(history or [])
        answers = dict(answers or {})
        text = (question or "").strip()
        try:
            check_question(text, self.settings)
        except AssistantError as exc:
            raise _said(exc.message) from exc
        self._guard(request)
        self._throttle(request)
        history.append({"role": "user", "content": render.render_question(text)})
        history.append({"role": "assistant", "content": "<p><em>Searching the policies…</em></p>"})
        yield self._partial(history, "")
        try:
            earlier = [a.answered or a.question for _, a in sorted(answers.items())][-5:]  # the conversation
            answer = ask_and_log(self.assistant, self.settings, text, district or None, allowed=self._allowed(request),
                                 history=earlier)
        except AssistantError as exc:
            history[-1] = {"role": "assistant", "content": f"<p>{escape(exc.message)}</p>"}
            yield self._partial(history)
            raise _said(exc.message) from exc
        head = f'<div class="pa-answer">{render.render_summary(answer)}'
        history[-1] = {"role": "assistant", "content": head + "</div>"}
        yield self._partial(history)
        cards = ""
        nums = markers.numbers(answer)
        for finding in render.ordered_findings(answer.findings, answer.district):
            cards += render.render_finding(finding, nums.get(finding.doc_id))
            history[-1] = {"role": "assistant", "content": head + cards + "</div>"}
            yield self._partial(history)
        history[-1] = {"role": "assistant", "content": render.render_answer(answer, self.names)}
        answers[len(history) - 1] = answer
        yield self._final(history, answer, answers)

    def _partial(self, history: History, box: Any = None) -> tuple[Any, ...]:
        """The chat so far; the question box is emptied once, when the question is taken (``box=""``),
        and left alone after, so a next question typed while this answer streams is not wiped."""
        skip = gr.skip()
        return (list(history), skip if box is None else box) + (skip,) * (len(self.OUTPUTS) - 2)

    # the outputs of every answering handler, in this order
    OUTPUTS = ("chatbot", "box", "last", "pick", "compare", "context", "copy", "thanks", "answers",
               *(f"suggest{i}" for i in range(SUGGESTIONS)), "export", "saved")

    def _suggested(self, answer: Answer | None) -> list[Any]:
        found = suggestions(answer, lambda cid: self.assistant.clause(cid).section_path) if answer else []
        return [gr.update(value=found[i], visible=True) if i < len(found) else gr.update(visible=False)
                for i in range(SUGGESTIONS)]

    def _final(
        self, history: History, answer: Answer, answers: dict[int, Answer]
    ) -> tuple[Any, ...]:
        cites = render.all_citations(answer)
        choices = [(f"{c.label} — “{_short(c.quote)}”", c.clause_id) for c in cites]
        first = cites[0] if cites else None
        return (
            list(history),
            gr.skip(),  # the box was emptied when the question was taken (see _partial)
            answer,
            gr.update(choices=choices, value=first.clause_id if first else None),
            render.render_compare(answer, self.names),
            self.context_html(first) if first else "",
            render.citation_text(first) if first else "",
            "",
            answers,
            *self._suggested(answer),
            answer_markdown(answer, self.names),
            conversation.save(answers),
        )

    def restore(self, saved: Any) -> tuple[Any, ...]:
        """The conversation the browser kept (localStorage), rebuilt on page load."""
        history, answers = conversation.restore(saved, self.names)
        if not answers:
            return tuple(gr.skip() for _ in self.OUTPUTS)
        return self._final(history, answers[max(answers)], answers)

    def edit_last(self, answer: Answer | None) -> Any:
        """"Edit and ask again": the last question back in the box."""
        return answer.question if answer is not None else gr.skip()

    def context_html(self, citation: Citation) -> str:
        a = self.assistant
        clause = a.clause(citation.clause_id)
        doc = a.document(citation.doc_id)
        return render.render_context(doc, clause, a.clauses(citation.doc_id), citation.start, citation.end)

    def open_citation(self, clause_id: str | None, answer: Answer | None) -> tuple[str, str]:
        if not clause_id or answer is None:
            return "", ""
        for c in render.all_citations(answer):
            if c.clause_id == clause_id:
                try:
                    return self.context_html(c), render.citation_text(c)
                except AssistantError as exc:
                    raise _said(exc.message) from exc
        return "", ""

    def give_feedback(
        self, rating: int, comment: str, answer: Answer | None, district: str | None
    ) -> tuple[str, str]:
        if answer is None:
            raise _said("Ask a question first, then rate the answer.")
        verdicts = [f.verdict for f in list(answer.findings) + list(answer.other_districts)]
        self.assistant.feedback.add(
            answer.question, answer.district or district or None, answer.answer_id, verdicts,
            rating, (comment or "").strip()[:2000], abstained=answer.abstained,
        )
        return "Thank you — your feedback was saved.", ""

    def like(
        self, data: gr.LikeData, answers: dict[int, Answer] | None, district: str | None
    ) -> str:
        """The chat's own thumbs on any answer in the conversation."""
        index = data.index if isinstance(data.index, int) else data.index[0]
        answer = (answers or {}).get(index)
        if answer is None or data.liked not in (True, False):
            return ""
        return self.give_feedback(1 if data.liked else -1, "", answer, district)[0]

    def preselect(self, request: gr.Request) -> tuple[Any, Any, Any]:
        """The page's query: ``district=`` preselects a district, ``lock=1`` fixes it (the embed),
        ``q=`` prefills the question box, ``embed=1`` leaves out the introduction."""
        query = dict(request.query_params) if request else {}
        wanted = query.get("district", "")
        district = wanted if wanted in self.names else ALL
        locked = query.get("lock", "") in ("1", "true") and district != ALL
        question = (query.get("q") or "")[: self.settings.max_question_chars]
        return (gr.update(value=district, interactive=not locked),
                gr.update(value=question) if question else gr.skip(),
                gr.update(visible=query.get("embed", "") not in ("1", "true")))

    def api_answer(self, question: str, district: str = "", request: gr.Request | None = None) -> dict[str, Any]:
        """Answer a question; returns the Answer JSON (same as POST /api/ask, with the same
        X-API-Key rule and rate limit)."""
        if not self.auth.allows(request.headers.get(API_KEY_HEADER.lower()) if request is not None else None):
            raise _said(f"A valid API key is required in the {API_KEY_HEADER} header.")
        self._throttle(request)
        try:
            return ask_and_log(self.assistant, self.settings, question, district or None,
                               allowed=self._allowed(request)).to_dict()
        except AssistantError as exc:
            raise _said(exc.message) from exc

    # --- layout ---------------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        with gr.Blocks(title="School policy assistant", analytics_enabled=False) as demo:
            intro = gr.Markdown(INTRO, elem_id="pa-intro")
            district = gr.Dropdown(
                self.choices, value=ALL, label="My district", elem_id="pa-district",
                info="Answers for this district come first; the others follow.",
            )
            last = gr.State(None)
            answers = gr.State({})
            with gr.Tabs():
                with gr.Tab("Chat", id="chat"):
                    chatbot = gr.Chatbot(
                        label="Conversation", elem_id="pa-chat", height=520, autoscroll=False,
                        latex_delimiters=[], buttons=["copy"],
                        placeholder="Ask a question below, or pick an example.",
                    )
                    with gr.Row(elem_id="pa-next"):
                        suggest = [gr.Button("", visible=False, size="sm", variant="secondary",
                                             elem_id=f"pa-suggest-{i}", elem_classes=["pa-suggest"])
                                   for i in range(SUGGESTIONS)]
                    with gr.Row(equal_height=True):
                        box = gr.Textbox(
                            label="Your question", elem_id="pa-question", scale=5, min_width=220,
                            placeholder="e.g. Can I accept a student's follow request on TikTok?",
                            max_lines=6,
                        )
                        ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="pa-ask")
                    gr.Examples(EXAMPLES, inputs=box, label="Example questions")
                    with gr.Row():
                        edit = gr.Button("Edit and ask again", variant="secondary", size="sm", elem_id="pa-edit")
                        clear = gr.Button("Clear chat", variant="secondary", size="sm", elem_id="pa-clear")
                    with gr.Accordion("Copy or export this answer", open=False, elem_id="pa-export-box"):
                        export = gr.Textbox(label="The answer as Markdown (quotes word for word, with labels)",
                                            lines=8, max_lines=16, interactive=False, buttons=["copy"],
                                            elem_id="pa-export")
                        download = gr.Button("Download as Markdown (.md)", size="sm", elem_id="pa-download")
                    with gr.Accordion("Citations in context", open=True):
                        pick = gr.Dropdown(
                            [], label="Open a citation", elem_id="pa-cite-pick",
                            info="Shows the section around the quote, the quote highlighted.",
                        )
                        copy = gr.Textbox(
                            label="Citation (copy)", buttons=["copy"], interactive=False, lines=3,
                            elem_id="pa-cite-copy",
                        )
                        context = gr.HTML(label="Clause in context", elem_id="pa-context")
                    with gr.Accordion("Was this answer helpful?", open=True):
                        comment = gr.Textbox(label="Comment (optional)", elem_id="pa-comment", max_lines=4)
                        with gr.Row():
                            up = gr.Button("▲ Helpful", elem_id="pa-up", min_width=100)
                            down = gr.Button("▼ Not helpful", elem_id="pa-down", min_width=100)
                        thanks = gr.Markdown(elem_id="pa-thanks")
                with gr.Tab("Compare districts", id="compare"):
                    compare = gr.HTML(
                        '<p class="pa-muted">Ask a question to compare districts.</p>',
                        label="Districts compared", elem_id="pa-compare",
                    )
            saved = gr.BrowserState([], storage_key=conversation.STORAGE_KEY,
                                    secret=conversation.storage_secret(self.settings))
            outputs = [chatbot, box, last, pick, compare, context, copy, thanks, answers, *suggest, export, saved]
            for trigger in (box.submit, ask.click):
                trigger(self.respond, [box, chatbot, district, answers], outputs,
                        api_visibility="private").then(None, None, None, js=_SHOW_NEW_ANSWER)
            for button in suggest:  # a suggested follow-up is asked as it reads
                button.click(self.respond, [button, chatbot, district, answers], outputs,
                             api_visibility="private").then(None, None, None, js=_SHOW_NEW_ANSWER)
            edit.click(self.edit_last, [last], [box], api_visibility="private").then(
                None, None, None, js=_FOCUS_QUESTION)
            download.click(None, [export], None, js=_DOWNLOAD)
            district.input(self._redo, [last, chatbot, district, answers], outputs,
                           api_visibility="private")
            chatbot.like(self.like, [answers, district], thanks, api_visibility="private")
            clear.click(self._clear, None, outputs, api_visibility="private")
            pick.input(self.open_citation, [pick, last], [context, copy], api_visibility="private")
            up.click(lambda c, a, d: self.give_feedback(1, c, a, d), [comment, last, district],
                     [thanks, comment], api_visibility="private")
            down.click(lambda c, a, d: self.give_feedback(-1, c, a, d), [comment, last, district],
                       [thanks, comment], api_visibility="private")
            demo.load(self.preselect, None, [district, box, intro], api_visibility="private")
            demo.load(self.restore, [saved], outputs, api_visibility="private")
            gr.api(self.api_answer, api_name="answer")
        return demo

    def _redo(
        self, answer: Answer | None, history: History | None, district: str | None,
        answers: dict[int, Answer] | None, request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Switching district re-answers the current question for it, in place."""
        if answer is None:
            yield tuple(gr.skip() for _ in self.OUTPUTS)
            return
        history = list(history or [])[:-2]
        yield from self.respond(answer.question, history, district, answers, request)

    def _clear(self) -> tuple[Any, ...]:
        return ([], "", None, gr.update(choices=[], value=None),
                '<p class="pa-muted">Ask a question to compare districts.</p>', "", "", "", {},
                *(gr.update(visible=False) for _ in range(SUGGESTIONS)), "", [])


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def build_ui(assistant: Any, settings: Settings, auth: ApiKeyAuth | None = None,
             limiter: RateLimiter | None = None) -> gr.Blocks:
    return ChatUI(assistant, settings, auth, limiter).build()
