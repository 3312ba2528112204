"""Run the staff chat and the REST API: ``python app.py`` (settings from POLICY_* variables)."""

import sys

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.web.server import serve

if __name__ == "__main__":
    try:
        serve(Settings())  # opens the Assistant (model + index) once, then runs uvicorn
    except AssistantError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(1)
