"""The admin page (issue 12): feedback (thumbs and comments), the questions the assistant could not
answer and the answers rated down, filtered by date and district; an answered question that was
out of scope can be flagged from there (it then shows in the gaps report).

``GET /admin`` is a page with no data in it; its script asks ``/api/admin/*`` with the key the
administrator types (kept in this tab's sessionStorage only). Those routes always need a valid API
key, even on loopback; a tenant's key sees its own districts only."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from assistant.errors import AssistantError, ConfigError, NotFound
from assistant.web.security import API_KEY_HEADER, ApiKeyAuth, RateLimiter

STATIC = Path(__file__).parent / "static"


class AdminDenied(AssistantError):
    """No valid key for the admin routes."""

    status_code = 401


class FlagRequest(BaseModel):
    feedback_id: int = Field(..., ge=1, description="The feedback row of the answer to flag.")
    note: str = Field("", max_length=2000, description="Why it is out of scope (optional).")


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a date like 2025-01-31 (got '{value}').") from None


def _in_range(created: str, since: datetime | None, until: datetime | None) -> bool:
    day = created[:10]
    return (since is None or day >= since.date().isoformat()) and (until is None or day <= until.date().isoformat())


def report(store: Any, since: datetime | None = None, until: datetime | None = None, district: str | None = None,
           visible: set[str] | None = None) -> dict[str, Any]:
    """The admin page's data: feedback rows (each with its flag), unanswered questions and rated-down
    answers, within the dates (inclusive, by day) and the district; ``visible`` limits to a tenant."""
    def keep(row: dict[str, Any]) -> bool:
        d = row.get("district")
        if visible is not None and d not in visible:
            return False
        return (not district or d == district) and _in_range(row["created"], since, until)

    flags = {f["feedback_id"]: f for f in store.flags()}
    feedback = [{**r, "flag": flags.get(r["id"])} for r in store.list() if keep(r)]
    unanswered = [r for r in store.questions() if r["abstained"] and keep(r)]
    districts = sorted({r["district"] for r in store.list() + store.questions()
                        if r.get("district") and (visible is None or r["district"] in visible)})
    return {
        "feedback": feedback[::-1],  # newest first
        "unanswered": unanswered[::-1],
        "rated_down": [r for r in feedback[::-1] if r["rating"] < 0],
        "flagged": [r for r in feedback[::-1] if r["flag"]],
        "districts": districts,
    }


def install_admin(app: FastAPI, assistant: Any, auth: ApiKeyAuth, limiter: RateLimiter) -> None:
    page = (STATIC / "admin.html").read_text(encoding="utf-8")

    def admin_key(request: Request) -> str:
        """A valid key, always (the admin routes are never open, not even on loopback)."""
        key = request.headers.get(API_KEY_HEADER)
        if not auth.valid(key):
            raise AdminDenied(f"The admin page needs a valid API key ({API_KEY_HEADER}); "
                              "set POLICY_API_KEYS on the server if none is configured.")
        return key or ""

    router = APIRouter(prefix="/api/admin", dependencies=[Depends(limiter)], tags=["admin"])

    @router.get("/feedback", summary="Feedback, unanswered and rated-down questions (admin; a key is required)")
    def feedback(since: str | None = Query(None, description="First day, e.g. 2025-01-31"),
                 until: str | None = Query(None, description="Last day, inclusive"),
                 district: str | None = Query(None, max_length=200, description="A doc id"),
                 key: str = Depends(admin_key)) -> dict[str, Any]:
        visible = assistant.visible(auth.districts(key))
        first, last = _day(since, "since"), _day(until, "until")
        if first and last and last < first:
            raise ConfigError("until is before since.")
        return report(assistant.feedback, first, last, district or None, visible)

    @router.post("/flags", status_code=201, summary="Flag an answered question as out of scope (admin)")
    def flag(body: FlagRequest, key: str = Depends(admin_key)) -> dict[str, Any]:
        visible = assistant.visible(auth.districts(key))
        row = next((r for r in assistant.feedback.list() if r["id"] == body.feedback_id), None)
        if row is None or (visible is not None and row.get("district") not in visible):
            raise NotFound(f"No feedback row {body.feedback_id}.")
        return {"id": assistant.feedback.flag(body.feedback_id, body.note.strip())}

    app.include_router(router)

    @app.get("/admin", include_in_schema=False, response_class=HTMLResponse)
    def admin_page() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})


__all__ = ["install_admin", "report"]
