"""Domain errors. Every message is meant for a person: short, specific, no traceback needed.

Faces translate them: the CLI prints one line and exits 1, the API answers 4xx JSON,
the UI raises ``gr.Error``.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class for every error the product reports to a user."""

    status_code: int = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InvalidQuestion(AssistantError):
    """The question is empty, whitespace only, or too long."""

    status_code = 422


class NotFound(AssistantError):
    """A document, clause or district id that the index does not hold."""

    status_code = 404


class IngestError(AssistantError):
    """A file could not be ingested (corrupt, encrypted, empty, binary, undecodable...)."""


class ManifestError(AssistantError):
    """The corpus manifest is malformed, points nowhere, or repeats a doc id."""


class IndexBusy(AssistantError):
    """Another ingest holds the index lock."""

    status_code = 409


class IndexMissing(AssistantError):
    """No index has been built yet."""

    status_code = 503


class IndexCorrupt(AssistantError):
    """The index records cannot be read (truncated, edited, another version): rebuild them."""

    status_code = 503


class IndexUnreachable(AssistantError):
    """The Chroma server named by POLICY_CHROMA_URL does not answer."""

    status_code = 503


class ConfigError(AssistantError):
    """A setting has an invalid value."""


class GoldError(AssistantError):
    """A gold file is malformed or its quotes are not in the corpus."""
