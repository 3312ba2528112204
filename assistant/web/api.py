"""The REST API under /api, plus /healthz and /readyz. Errors are JSON: {"error": message}."""

from __future__ import annotations

import logging
import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.config import Settings
from assistant.errors import AssistantError, InvalidQuestion, NotFound
from assistant.types import Answer
from assistant.web.security import ApiKeyAuth, RateLimiter

log = logging.getLogger(__name__)


class AskRequest(BaseModel):
    question: str = Field(..., description="The staff member's question, in their own words.")
    district: str | None = Field(
        None, max_length=200, description="A doc id (e.g. chsd230-5125) to answer for one district first; empty for all."
    )
    scope: str | None = Field(
        None, max_length=2000, description="Which districts to compare: all | district | peers | state:NAME | "
        "group:NAME | comma-separated doc ids. Empty: all, or with a district and more than POLICY_COMPARE_ALL_MAX "
        "districts visible, its peers (peer group, else state).")
    history: list[Annotated[str, StringConstraints(max_length=2000)]] = Field(
        default_factory=list, max_length=10, description="The conversation's earlier questions, oldest first (as "
        "answered: each answer's `answered`). A follow-up such as \"what about for coaches?\" or \"and in Union?\" "
        "is read against the last one; the answer's `answered` says what was answered.")
    page: int = Field(1, ge=1, le=100_000, description="Page of the other districts' rulings (page_size per page, "
                      "best rulings first); `scope.pages` in the answer says how many.")
    as_of: str | None = Field(None, max_length=40, description="Answer from each policy's version in force on this "
                              "date (YYYY-MM-DD); empty: today. Policies with no version in force then are listed in "
                              "the answer's `not_in_force`; each citation names its `version` and `effective` date.")


class FeedbackRequest(BaseModel):
    question: str = Field(..., max_length=2000, description="The question the answer was for (at most 2,000 characters).")
    district: str | None = Field(None, max_length=200, description="The district filter in use, if any.")
    answer_id: str = Field("", max_length=64, description="The answer_id of the answer being rated.")
    verdicts: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        default_factory=list, max_length=50, description="The verdicts the answer showed (at most 50).")
    rating: int = Field(..., description="+1 helpful, -1 not helpful.")
    comment: str = Field("", max_length=2000, description="Optional free-text comment.")
    abstained: bool = Field(False, description="Whether the answer abstained.")


def check_question(question: str, settings: Settings) -> str:
    """The question, stripped; raises InvalidQuestion with a message for people."""
    text = (question or "").strip()
    if not "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip():
        raise InvalidQuestion("Please type a question, e.g. “Can I follow students on TikTok?”")
    if len(text) > settings.max_question_chars:
        raise InvalidQuestion(
            f"Your question is {len(text):,} characters long; the limit is "
            f"{settings.max_question_chars:,}. Please shorten it."
        )
    return text


def ask_and_log(assistant: Any, settings: Settings, question: str, district: str | None, scope: str | None = None,
                page: int = 1, allowed: list[str] | None = None, history: list[str] | None = None,
                as_of: str | None = None) -> Answer:
    """Ask; record abstained questions for the gaps report (never failing the answer)."""
    text = check_question(question, settings)
    answer: Answer = assistant.ask(text, district=district or None, scope=scope, page=page, allowed=allowed,
                                   history=[h for h in history or [] if h and h.strip()], as_of=as_of)
    if answer.abstained:
        try:
            assistant.feedback.log_question(text, district or None, answer.answer_id, abstained=True)
        except Exception:
            log.exception("could not record an abstained question")
    return answer


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", "invalid"))
    return "Invalid request — " + "; ".join(parts) if parts else "Invalid request."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssistantError)
    async def _assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        return _error(exc.status_code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(exc))


def build_router(assistant: Any, settings: Settings, auth: ApiKeyAuth | None = None,
                 limiter: RateLimiter | None = None) -> APIRouter:
    """The /api routes, each behind the API key check and the rate limit."""
    auth = auth or ApiKeyAuth(settings)
    limiter = limiter or RateLimiter(settings.rate_limit, auth=auth)  # shared with the chat (create_app)
    router = APIRouter(prefix="/api", dependencies=[Depends(auth), Depends(limiter)], tags=["api"])

    def visible(key: str | None) -> set[str] | None:
        """The doc ids this key may see (a tenant's districts), None for all."""
        return assistant.visible(auth.districts(key))

    def check_visible(key: str | None, doc_id: str) -> None:
        seen = visible(key)
        if seen is not None and doc_id not in seen:  # the same answer as a document that does not exist
            raise NotFound(f"No document '{doc_id}'.")

    @router.post("/ask", summary="Answer a question from the district policies")
    def ask(body: AskRequest, key: str | None = Depends(auth)) -> dict[str, Any]:
        return ask_and_log(assistant, settings, body.question, body.district, body.scope, body.page,
                           allowed=auth.districts(key), history=body.history, as_of=body.as_of).to_dict()

    @router.get("/documents", summary="Every document in the index (a tenant's key: its districts only)")
    def documents(key: str | None = Depends(auth)) -> list[dict[str, Any]]:
        counts = assistant.clause_counts()
        seen = visible(key)
        return [{**m.to_dict(), "clauses": counts.get(m.doc_id, 0)} for m in assistant.documents()
                if seen is None or m.doc_id in seen]

    @router.get("/documents/{doc_id}", summary="One document: metadata, cleaned text, clauses")
    def document(doc_id: str, key: str | None = Depends(auth)) -> dict[str, Any]:
        check_visible(key, doc_id)
        doc = assistant.document(doc_id)
        clauses = [
            {"clause_id": c.clause_id, "label": c.label, "start": c.start, "end": c.end, "text": c.text}
            for c in assistant.clauses(doc_id)
        ]
        return {"id": doc.doc_id, "meta": doc.meta.to_dict(), "content_hash": doc.content_hash,
                "text": doc.text, "clauses": clauses}

    @router.get("/clauses/{clause_id:path}", summary="One clause with its offsets")
    def clause(clause_id: str, key: str | None = Depends(auth)) -> dict[str, Any]:
        c = assistant.clause(clause_id)
        seen = visible(key)
        if seen is not None and c.doc_id not in seen:
            raise NotFound(f"No clause '{clause_id}'.")
        meta = assistant.document(c.doc_id).meta
        return {**c.to_dict(), "document": meta.to_dict()}

    @router.post("/feedback", summary="Thumbs up/down (and a comment) on an answer", status_code=201)
    def feedback(body: FeedbackRequest) -> dict[str, Any]:
        row = assistant.feedback.add(
            body.question, body.district, body.answer_id, body.verdicts, body.rating,
            body.comment, abstained=body.abstained,
        )
        return {"id": row}

    return router


class ErrorBody(BaseModel):
    error: str = Field(..., description="What went wrong, in one sentence for people.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid API key in the X-API-Key header (when keys are configured)."},
    404: {"model": ErrorBody, "description": "Unknown district, document or clause (or one outside the key's districts); "
          "a district with no policy version in force on `as_of`."},
    413: {"model": ErrorBody, "description": "The request body is too large (uploads are refused)."},
    422: {"model": ErrorBody, "description": "Invalid input: an empty or too long question, an unknown scope or page, "
          "an `as_of` that is not YYYY-MM-DD."},
    429: {"model": ErrorBody, "description": "Over the rate limit; the Retry-After header says when to try again."},
    503: {"model": ErrorBody, "description": "The index is missing, unreadable, or its server unreachable."},
}


def install_docs(app: FastAPI, settings: Settings) -> None:
    """/docs from the Swagger UI 5 files packaged in ``fastapi-offline`` (a pip package that ships
    the swagger-ui-dist files FastAPI's default page loads from a CDN; chosen over
    ``swagger-ui-bundle``, whose Swagger UI 4 cannot read FastAPI's OpenAPI 3.1): offline, no
    outside request. Only its files are used."""
    from pathlib import Path

    import fastapi_offline
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    root = settings.root_path.rstrip("/")
    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Any:
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json", title="School policy assistant - API",
            swagger_js_url=f"{root}/docs-assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs-assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs-assets/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # Swagger UI would ask validator.swagger.io
        )


def install_health(app: FastAPI, assistant: Any) -> None:
    @app.get("/healthz", tags=["health"], summary="The process is alive")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="The model and the index are loaded")
    def readyz() -> JSONResponse:
        try:
            state = assistant.check_ready() if hasattr(assistant, "check_ready") else {
                "documents": len(assistant.clause_counts()), "clauses": sum(assistant.clause_counts().values())}
            model = getattr(assistant, "embedder", None)
        except AssistantError as exc:
            return JSONResponse({"status": "not ready", "error": exc.message}, status_code=503)
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            return JSONResponse({"status": "not ready", "error": str(exc)}, status_code=503)
        if model is None or not state.get("clauses"):
            return JSONResponse({"status": "not ready", "error": "model or index not loaded"}, 503)
        return JSONResponse({"status": "ready", **state})
