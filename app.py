"""Run the staff chat and the REST API: ``python app.py`` (settings from POLICY_* variables)."""

from assistant.config import Settings
from assistant.pipeline import Assistant
from assistant.web.server import serve

if __name__ == "__main__":
    settings = Settings()
    serve(settings, Assistant.open(settings))
