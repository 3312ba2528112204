"""Policy assistant: answers staff questions from district policies with verbatim, cited clauses."""

__version__ = "0.1.0"
