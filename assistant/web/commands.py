"""``policy-assistant serve`` and ``policy-assistant gaps``, registered on the main typer app.

(No ``from __future__ import annotations``: typer reads the option annotations at def time.)"""


from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from assistant.cli import ChromaOpt, CorpusOpt, IndexOpt

    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option("--host", help="Address to bind [env POLICY_HOST; default 127.0.0.1]. Anything but loopback needs POLICY_API_KEYS.", show_default=False)] = None,
        port: Annotated[int | None, typer.Option("--port", help="Port [env POLICY_PORT; default 7860].", show_default=False)] = None,
        corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None,
    ) -> None:
        """Serve the staff chat at / and the REST API under /api (docs at /docs)."""
        from assistant.cli import make_settings
        from assistant.web.security import check_bind
        from assistant.web.server import serve as run

        settings = make_settings(corpus, index, chroma_url, host=host, port=port)
        check_bind(settings)  # before loading the model
        typer.echo(f"Serving on http://{settings.host}:{settings.port}{settings.root_path}/", err=True)
        run(settings)

    @app.command()
    def gaps(
        since: Annotated[str | None, typer.Option("--since", help="Only questions on or after this date (YYYY-MM-DD).", show_default=False)] = None,
        html: Annotated[Path | None, typer.Option("--html", help="Also write the report as an HTML file.", show_default=False)] = None,
        words: Annotated[bool, typer.Option("--words", help="Group by shared words instead of the embedding model.")] = False,
        corpus: CorpusOpt = None, index: IndexOpt = None, chroma_url: ChromaOpt = None,
    ) -> None:
        """Questions the assistant abstained on or staff rated down, grouped by similar wording."""
        from assistant.cli import make_settings
        from assistant.web import gaps as g
        from assistant.feedback import FeedbackStore

        settings = make_settings(corpus, index, chroma_url)
        start = g.parse_since(since)
        path = settings.feedback_path  # the file the server writes (POLICY_FEEDBACK_DB, else <index>/feedback.sqlite3)
        if not path.is_file():  # a report creates nothing
            typer.echo(f"No feedback recorded yet: {path} does not exist (the server writes it on the first "
                       "rating or unanswered question; POLICY_FEEDBACK_DB names another file).")
            return
        items = g.collect(FeedbackStore(path), start)
        encode = None
        if items and not words:
            from assistant.embed import Embedder

            encode = Embedder(settings.embed_model).encode
        groups = g.group(items, encode)
        typer.echo(g.format_table(groups))
        if html is not None:
            html.parent.mkdir(parents=True, exist_ok=True)
            html.write_text(g.format_html(groups), encoding="utf-8")
            typer.echo(f"wrote {html}", err=True)
